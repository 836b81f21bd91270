// Step 5 of the ladder: cancellation, thrown in at the yield point; and `finally`.
//
// New since step 4: `task.cancel(msg)` asks a task to stop. If the task waits on a
// future, that future is cancelled, and the task's `wakeup` throws a CancelledError in
// at the `yield*` where it waits; if it is ready to run, the next step throws it in
// instead (`mustCancel`). Either way it is an ordinary exception inside the coroutine:
// `finally` blocks run, and a coroutine may even catch it and carry on. A task whose
// coroutine lets the CancelledError out ends cancelled. Timers can be cancelled too
// (the pass drops them from the top of the heap, lazily, as asyncio does), and
// `timeout()` is built from a timer that cancels a task.
// Run it: node docs/ladder/05-cancellation.mjs

class CancelledError extends Error { name = 'CancelledError'; }
class TimeoutError extends Error { name = 'TimeoutError'; }

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
    const timer = { when: this.time() + delay, seq: this.seq++, fn, arg, cancelled: false };
    this.timers.push(timer);
    return timer; // set timer.cancelled = true to cancel it
  }

  runOnce() {
    // Drop cancelled timers from the top, so the loop never waits for one.
    while (this.timers.size > 0 && this.timers.peek().cancelled) this.timers.pop();
    if (this.ready.length === 0 && this.timers.size > 0) {
      blockFor(this.timers.peek().when - this.time());
    }
    const now = this.time();
    while (this.timers.size > 0 && this.timers.peek().when <= now) {
      const timer = this.timers.pop();
      if (!timer.cancelled) this.ready.push([timer.fn, timer.arg]);
    }
    for (let n = this.ready.length; n > 0; n--) {
      const [fn, arg] = this.ready.shift();
      fn(arg);
    }
  }

  runUntilComplete(coro) {
    const task = new Task(coro);
    while (!task.done()) {
      if (this.ready.length === 0 && this.timers.size === 0) {
        throw new Error('runUntilComplete(): nothing is ready and no timer is set, so the task can never finish');
      }
      this.runOnce();
    }
    return task.result();
  }
}

const loop = new Loop();

class Future {
  state = 'pending'; // 'pending' -> 'finished' or 'cancelled'
  value = undefined;
  error = null;
  callbacks = [];

  done() { return this.state !== 'pending'; }
  cancelled() { return this.state === 'cancelled'; }

  result() {
    if (!this.done()) throw new Error('Future.result(): the future is still pending; yield* it first');
    if (this.error !== null) throw this.error;
    return this.value;
  }

  setResult(value) { this.finish('finished', value, null); }
  setException(error) { this.finish('finished', undefined, error); }

  // Returns false if already done (too late to cancel), true otherwise.
  cancel(msg) {
    if (this.done()) return false;
    this.finish('cancelled', undefined, new CancelledError(msg));
    return true;
  }

  finish(state, value, error) {
    if (this.done()) throw new Error(`Future: cannot set the outcome, the future is already ${this.state}`);
    this.state = state;
    this.value = value;
    this.error = error;
    for (const cb of this.callbacks) loop.callSoon(cb, this);
    this.callbacks = [];
  }

  addDoneCallback(cb) {
    if (this.done()) loop.callSoon(cb, this);
    else this.callbacks.push(cb);
  }

  *[Symbol.iterator]() {
    if (!this.done()) yield this;
    return this.result();
  }
}

class Task extends Future {
  futWaiter = null; // the future this task waits on, if any
  mustCancel = false; // cancel() came while no future could carry it
  cancelMessage = undefined;

  constructor(coro) {
    super();
    this.coro = coro;
    loop.callSoon(this.step);
  }

  cancel(msg) {
    if (this.done()) return false;
    this.cancelMessage = msg;
    // Waiting: cancel what we wait on; wakeup then throws CancelledError in.
    if (this.futWaiter !== null && this.futWaiter.cancel(msg)) return true;
    this.mustCancel = true; // ready to run: the next step throws it in
    return true;
  }

  step = (value, error = null) => {
    this.futWaiter = null;
    if (this.mustCancel) {
      this.mustCancel = false;
      error = new CancelledError(this.cancelMessage);
    }
    let outcome;
    try {
      outcome = error === null ? this.coro.next(value) : this.coro.throw(error);
    } catch (err) {
      if (err instanceof CancelledError) super.cancel(err.message); // let out: cancelled
      else this.setException(err);
      return;
    }
    if (outcome.done) {
      this.setResult(outcome.value);
      return;
    }
    const yielded = outcome.value;
    if (yielded instanceof Future) {
      this.futWaiter = yielded;
      yielded.addDoneCallback(this.wakeup);
    } else if (yielded === undefined) {
      loop.callSoon(this.step);
    } else {
      const mistake = new TypeError(
        `Task got a bad yield: ${JSON.stringify(yielded)}; use yield* to wait for a future or a coroutine`,
      );
      loop.callSoon(() => this.step(undefined, mistake));
    }
  };

  wakeup = (fut) => {
    let value;
    try {
      value = fut.result();
    } catch (err) {
      this.step(undefined, err);
      return;
    }
    this.step(value);
  };
}

function* sleep(seconds) {
  const fut = new Future();
  const timer = loop.callLater(seconds, () => fut.setResult(undefined));
  try {
    yield* fut;
  } finally {
    timer.cancelled = true; // cancelled early: the timer has nothing left to do
  }
}

// Run `coro` as a task; cancel it if it is not done within `seconds`.
function* timeout(seconds, coro) {
  const task = new Task(coro);
  let expired = false;
  const timer = loop.callLater(seconds, () => {
    expired = true;
    task.cancel('timeout');
  });
  try {
    return yield* task;
  } catch (err) {
    if (expired && err instanceof CancelledError) throw new TimeoutError(`timeout(): not done after ${seconds} s`);
    throw err;
  } finally {
    timer.cancelled = true;
  }
}

const say = (text) => console.log(`[${loop.time().toFixed(2)}] ${text}`);

function* worker() {
  try {
    say('worker: working for 10 s');
    yield* sleep(10);
    say('worker: never printed');
  } finally {
    say('worker: finally runs');
  }
}

function* stubborn() {
  try {
    yield* sleep(10);
  } catch (err) {
    if (!(err instanceof CancelledError)) throw err;
    say('stubborn: caught the CancelledError, returns anyway');
    return 'stubborn result';
  }
}

function* main() {
  const w = new Task(worker());
  const s = new Task(stubborn());
  yield* sleep(0.1);
  w.cancel('no longer needed');
  s.cancel();
  try {
    yield* w;
  } catch (err) {
    say(`main: worker ended with ${err.name} "${err.message}", cancelled() = ${w.cancelled()}`);
  }
  say(`main: stubborn returned "${yield* s}", cancelled() = ${s.cancelled()}`);
  try {
    yield* timeout(0.1, sleep(10));
  } catch (err) {
    say(`main: ${err.name}: ${err.message}`);
  }
}

loop.runUntilComplete(main());
say('all done: no timer left waiting');
