// Step 3 of the ladder: futures. A coroutine waits for a value with `yield* future`.
//
// New since step 2: the loop runs callbacks, not generators. A Future is a box for a
// result that is not there yet, with a list of callbacks to call when it is. A
// coroutine that needs the value yields the future; the driver (`spawn`) adds a done
// callback that resumes the generator with the result. Sleeping is no longer special:
// `sleep(s)` is a future that a timer callback completes. This is asyncio's shape:
// `loop.call_soon`, `loop.call_later`, `Future.add_done_callback`.
//
// `yield* fut` works because a Future is iterable: its iterator yields the future itself
// (if pending) and returns the result. So `yield*` is `await`, and it also works on
// other coroutines (`yield* sleep(1)`): a coroutine awaiting a coroutine runs it inline.
// Run it: node docs/ladder/03-futures.mjs

class TimerHeap {
  items = []; // a binary heap: items[i] is never later than its children 2i+1, 2i+2

  get size() { return this.items.length; }
  peek() { return this.items[0]; }
  earlier(a, b) { return a.when < b.when || (a.when === b.when && a.seq < b.seq); }

  push(item) {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) { // sift up: swap with the parent while earlier than it
      const parent = (i - 1) >> 1;
      if (!this.earlier(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop() {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) { // sift down: swap with the earlier child while it is earlier
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < items.length && this.earlier(items[l], items[m])) m = l;
        if (r < items.length && this.earlier(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

// Block this thread until `seconds` have passed (no busy loop): Atomics.wait on a
// word that nobody will ever change, with a timeout.
const blocker = new Int32Array(new SharedArrayBuffer(4));
function blockFor(seconds) {
  if (seconds > 0) Atomics.wait(blocker, 0, 0, seconds * 1000);
}

class Loop {
  ready = []; // callbacks: [fn, arg]
  timers = new TimerHeap();
  seq = 0;
  start = performance.now();

  time() { return (performance.now() - this.start) / 1000; }
  callSoon(fn, arg) { this.ready.push([fn, arg]); }
  callLater(delay, fn, arg) {
    this.timers.push({ when: this.time() + delay, seq: this.seq++, fn, arg });
  }

  // Drive a coroutine: resume it, and when it yields a future, resume it again with
  // the future's result once the future is done. (Step 4 makes this a Task.)
  spawn(coro) {
    const step = (value) => {
      const { value: yielded, done } = coro.next(value);
      if (done) return;
      if (yielded instanceof Future) yielded.addDoneCallback((fut) => step(fut.result()));
      else this.callSoon(step); // a bare yield: next pass
    };
    this.callSoon(step);
  }

  // One pass, as asyncio's _run_once: wait, move due timers, run what is ready now.
  runOnce() {
    if (this.ready.length === 0) blockFor(this.timers.peek().when - this.time());
    const now = this.time();
    while (this.timers.size > 0 && this.timers.peek().when <= now) {
      const timer = this.timers.pop();
      this.ready.push([timer.fn, timer.arg]);
    }
    // Only the callbacks ready at this moment: what they schedule waits a pass.
    for (let n = this.ready.length; n > 0; n--) {
      const [fn, arg] = this.ready.shift();
      fn(arg);
    }
  }

  run() {
    while (this.ready.length > 0 || this.timers.size > 0) this.runOnce();
  }
}

const loop = new Loop();

class Future {
  state = 'pending'; // 'pending' -> 'finished'
  value = undefined;
  callbacks = [];

  done() { return this.state !== 'pending'; }

  result() {
    if (!this.done()) throw new Error('Future.result(): the future is still pending; yield* it first');
    return this.value;
  }

  setResult(value) {
    if (this.done()) throw new Error(`Future.setResult(): the future is already ${this.state}`);
    this.state = 'finished';
    this.value = value;
    // Callbacks run on a later pass, never inside setResult: the caller finishes first.
    for (const cb of this.callbacks) loop.callSoon(cb, this);
    this.callbacks = [];
  }

  addDoneCallback(cb) {
    if (this.done()) loop.callSoon(cb, this);
    else this.callbacks.push(cb);
  }

  *[Symbol.iterator]() {
    if (!this.done()) yield this; // park here until the driver resumes us
    return this.result();
  }
}

function* sleep(seconds) {
  const fut = new Future();
  loop.callLater(seconds, () => fut.setResult(undefined));
  yield* fut;
}

const say = (text) => console.log(`[${loop.time().toFixed(2)}] ${text}`);

// A reply that someone else delivers: the consumer waits on a future the producer sets.
function* consumer(reply) {
  say('consumer waits for the reply');
  const value = yield* reply;
  say(`consumer got ${JSON.stringify(value)}`);
}

function* producer(reply) {
  yield* sleep(0.2);
  say('producer sets the reply');
  reply.setResult('pong');
}

const reply = new Future();
loop.spawn(consumer(reply));
loop.spawn(producer(reply));
loop.run();
say('all done');
