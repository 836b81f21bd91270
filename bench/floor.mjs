// The floor: the least a generator trampoline can do, written by hand, to measure
// yieldio against in the same run. No futures, no handles, no contexts, no error paths:
//
//   - `Ring`: a ring (FIFO) of fibers. A fiber is a generator plus its outcome. Each
//     pass steps every fiber that was ready when the pass began; a bare `yield` puts
//     the fiber at the back; a return records the value. Two arrays swapped per pass,
//     as yieldio's loop does, so a pass allocates nothing.
//   - `join(fibers)`: wait (by yielding once per pass) until every fiber returned.
//   - `park(waiters)`: a fiber parks itself on a plain array (the least a "future"
//     can be: a list of who waits) until `wakeAll(ring, waiters)`.
//   - `TimerRing`: the ring plus a binary heap of sleeping fibers (`yield <seconds>`),
//     on the real clock (one `setTimeout` armed for the earliest deadline when idle)
//     or on a virtual clock (jump to the earliest deadline when idle). Ties in
//     insertion order, as yieldio's heap.
//
// yieldio does more than this on purpose (cancellation, contexts, done callbacks,
// errors thrown in); the ratio to this floor is what that costs per operation.

/** A generator being run, and what it returned. */
export class Fiber {
  constructor(gen) {
    this.gen = gen;
    this.done = false;
    this.value = undefined;
    /** Sent into the generator at its next step (a timer's lateness, a wake-up value). */
    this.send = undefined;
  }
}

const PARK = Symbol('park');

export class Ring {
  constructor() {
    this.ready = [];
    this.spare = [];
  }

  spawn(gen) {
    const fiber = new Fiber(gen);
    this.ready.push(fiber);
    return fiber;
  }

  /** One pass: step each fiber ready now; what they make ready runs next pass. */
  pass() {
    const batch = this.ready;
    this.ready = this.spare;
    for (let i = 0; i < batch.length; i++) this.step(batch[i]);
    batch.length = 0;
    this.spare = batch;
  }

  step(fiber) {
    const send = fiber.send;
    fiber.send = undefined;
    const r = fiber.gen.next(send);
    if (r.done) {
      fiber.done = true;
      fiber.value = r.value;
    } else if (r.value === undefined) {
      this.ready.push(fiber);
    } else if (r.value === PARK) {
      // parked: whoever holds it puts it back with wakeAll
    } else {
      this.yielded(fiber, r.value);
    }
  }

  yielded(_fiber, value) {
    throw new TypeError(`floor: unexpected yield of ${String(value)}`);
  }

  /** Run passes until nothing is ready (synchronous). */
  run() {
    while (this.ready.length > 0) this.pass();
  }
}

/** Wait until every fiber is done; returns their values in order. */
export function* join(fibers) {
  let i = 0;
  for (;;) {
    while (i < fibers.length && fibers[i].done) i++;
    if (i === fibers.length) return fibers.map((f) => f.value);
    yield;
  }
}

/** Park the running fiber on `waiters` (an array) until `wakeAll`. */
export function* park(waiters, fiber) {
  waiters.push(fiber);
  return yield PARK;
}

export function wakeAll(ring, waiters, value) {
  for (const fiber of waiters) {
    fiber.send = value;
    ring.ready.push(fiber);
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

  yielded(fiber, seconds) {
    this.push(this.time() + seconds * 1000, fiber);
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
      this.ready.push(fiber);
    }
  }

  run() {
    if (this.virtual) {
      for (;;) {
        if (this.ready.length === 0) {
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
          if (this.ready.length > 0) {
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
