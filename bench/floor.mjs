// The floor: the least a generator trampoline can do, written by hand, to measure
// yieldio against in the same run. No futures, no handles, no contexts, no error paths:
//
//   - `Ring`: a ring (FIFO) of fibers. A fiber is a generator plus its outcome. Each
//     pass steps every fiber that was ready when the pass began; a bare `yield` puts
//     the fiber at the back; a return records the value. Two arrays swapped per pass,
//     as yieldio's loop does, and they keep their storage, so a pass allocates nothing.
//   - `Group` and `join(group)`: fibers spawned into a group count down its `pending`;
//     `yield* join(group)` parks until the last one returns (no polling, so an idle
//     ring really is idle), then returns their values in spawn order.
//   - `yield waiters` (an array): the fiber parks itself on it (the least a "future"
//     can be: a list of who waits) until `wakeAll(ring, waiters, value)`.
//   - `TimerRing`: the ring plus a binary heap of sleeping fibers (`yield <seconds>`),
//     on the real clock (one `setTimeout` armed for the earliest deadline when idle)
//     or on a virtual clock (jump to the earliest deadline when idle). Ties in
//     insertion order, as yieldio's heap.
//
// yieldio does more than this on purpose (cancellation, contexts, done callbacks,
// errors thrown in); the ratio to this floor is what that costs per operation.

/** A generator being run, and what it returned. */
export class Fiber {
  constructor(gen, group) {
    this.gen = gen;
    this.group = group;
    this.done = false;
    this.value = undefined;
    /** Sent into the generator at its next step (a timer's lateness, a wake-up value). */
    this.send = undefined;
  }
}

export class Ring {
  constructor() {
    // Two arrays swapped per pass, each with its own count: `length = 0` would make
    // V8 drop the array's storage and regrow it every pass, so slots are nulled instead.
    this.ready = [];
    this.readyCount = 0;
    this.spare = [];
  }

  schedule(fiber) {
    this.ready[this.readyCount++] = fiber;
  }

  /** Start `gen` on the next pass; with a `group`, `join(group)` waits for it. */
  spawn(gen, group = null) {
    const fiber = new Fiber(gen, group);
    if (group !== null) {
      group.pending++;
      group.fibers.push(fiber);
    }
    this.schedule(fiber);
    return fiber;
  }

  /** One pass: step each fiber ready now; what they make ready runs next pass. */
  pass() {
    const batch = this.ready;
    const count = this.readyCount;
    this.ready = this.spare;
    this.readyCount = 0;
    for (let i = 0; i < count; i++) this.step(batch[i]);
    batch.fill(null, 0, count);
    this.spare = batch;
  }

  step(fiber) {
    const send = fiber.send;
    fiber.send = undefined;
    const r = fiber.gen.next(send);
    if (r.done) {
      fiber.done = true;
      fiber.value = r.value;
      const group = fiber.group;
      if (group !== null && --group.pending === 0 && group.waiter !== null) this.schedule(group.waiter);
    } else if (r.value === undefined) {
      this.schedule(fiber);
    } else {
      this.yielded(fiber, r.value);
    }
  }

  /** Anything but a bare yield: an array or a group to park on (a subclass adds timers). */
  yielded(fiber, value) {
    if (Array.isArray(value)) value.push(fiber);
    else if (value instanceof Group) value.waiter = fiber;
    else throw new TypeError(`floor: unexpected yield of ${String(value)}`);
  }

  /** Run passes until nothing is ready (synchronous). */
  run() {
    while (this.readyCount > 0) this.pass();
  }
}

/** Fibers to join: spawn them with `ring.spawn(gen, group)`. */
export class Group {
  constructor() {
    this.fibers = [];
    this.pending = 0;
    /** The one fiber parked in `join`. */
    this.waiter = null;
  }
}

/** Park until every fiber of `group` returned; their values, in spawn order. */
export function* join(group) {
  if (group.pending > 0) yield group;
  return group.fibers.map((f) => f.value);
}

/** Make every fiber parked on `waiters` ready, sending `value` in. */
export function wakeAll(ring, waiters, value) {
  for (const fiber of waiters) {
    fiber.send = value;
    ring.schedule(fiber);
  }
  waiters.length = 0;
}

/**
 * The ring plus timers: a fiber that yields a number sleeps that many seconds; the value
 * sent back is how late (ms) it woke. `virtual: true` runs synchronously on a clock that
 * jumps; otherwise `run()` returns a Promise and sleeps on one `setTimeout` at a time.
 */
export class TimerRing extends Ring {
  constructor({ virtual = false } = {}) {
    super();
    this.virtual = virtual;
    this.now = 0; // ms, virtual clock
    this.seq = 0;
    // Binary min-heap of timers by (when, seq): parallel arrays, no object per timer
    // beyond the fiber itself.
    this.whens = [];
    this.seqs = [];
    this.fibers = [];
  }

  time() {
    return this.virtual ? this.now : performance.now();
  }

  yielded(fiber, value) {
    if (typeof value === 'number') this.push(this.time() + value * 1000, fiber);
    else super.yielded(fiber, value);
  }

  push(when, fiber) {
    const { whens, seqs, fibers } = this;
    const seq = this.seq++;
    let i = whens.length;
    whens.push(when);
    seqs.push(seq);
    fibers.push(fiber);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (whens[p] < when || (whens[p] === when && seqs[p] < seq)) break;
      whens[i] = whens[p];
      seqs[i] = seqs[p];
      fibers[i] = fibers[p];
      i = p;
    }
    whens[i] = when;
    seqs[i] = seq;
    fibers[i] = fiber;
  }

  pop() {
    const { whens, seqs, fibers } = this;
    const top = fibers[0];
    const lastWhen = whens.pop();
    const lastSeq = seqs.pop();
    const lastFiber = fibers.pop();
    const n = whens.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && (whens[c + 1] < whens[c] || (whens[c + 1] === whens[c] && seqs[c + 1] < seqs[c]))) c++;
        if (lastWhen < whens[c] || (lastWhen === whens[c] && lastSeq < seqs[c])) break;
        whens[i] = whens[c];
        seqs[i] = seqs[c];
        fibers[i] = fibers[c];
        i = c;
      }
      whens[i] = lastWhen;
      seqs[i] = lastSeq;
      fibers[i] = lastFiber;
    }
    return top;
  }

  /** Move due timers to the ready ring (the time read once); lateness is sent in. */
  due(now) {
    const whens = this.whens;
    while (whens.length > 0 && whens[0] <= now) {
      const late = now - whens[0];
      const fiber = this.pop();
      fiber.send = late;
      this.schedule(fiber);
    }
  }

  run() {
    if (this.virtual) {
      for (;;) {
        if (this.readyCount === 0) {
          if (this.whens.length === 0) return;
          this.now = Math.max(this.now, this.whens[0]);
        }
        this.due(this.now);
        this.pass();
      }
    }
    return new Promise((resolve) => {
      const tick = () => {
        for (;;) {
          const now = performance.now();
          this.due(now);
          if (this.readyCount > 0) {
            this.pass();
            continue;
          }
          if (this.whens.length === 0) return resolve();
          setTimeout(tick, Math.max(0, Math.ceil(this.whens[0] - now)));
          return;
        }
      };
      tick();
    });
  }
}
