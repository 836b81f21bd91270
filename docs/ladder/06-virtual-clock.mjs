// Step 6 of the ladder: a virtual clock, and a loop that can tell a deadlock.
//
// New since step 5: the loop no longer reads the time or blocks by itself; it asks a
// clock. The real clock reads performance.now() and blocks the thread; the virtual
// clock starts at 0 and, when the loop would wait, jumps straight to the deadline. The
// same program runs on either. On the virtual clock an hour of sleeps takes
// microseconds, and the order of events is the same on every run: that is what makes
// deterministic simulation tests possible. And when nothing is ready and no timer is
// set while the main task is not done, no clock can help: the loop says so.
// Run it: node docs/ladder/06-virtual-clock.mjs
//
// This is the whole kernel. yieldio's own is the same shape, grown up:
//   packages/core/src/future.ts        the Future (step 3);
//   packages/core/src/task.ts          Task._step and _wakeup (steps 4 and 5);
//   packages/core/src/loop.ts          EventLoop._runOnce and runUntilComplete;
//   packages/core/src/host.ts          the clock as an interface (a "host");
//   packages/core/src/virtual-host.ts  the virtual clock, used by simulate().

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

class RealClock {
  start = performance.now();
  blocker = new Int32Array(new SharedArrayBuffer(4));
  time() { return (performance.now() - this.start) / 1000; }
  waitUntil(when) {
    const seconds = when - this.time();
    if (seconds > 0) Atomics.wait(this.blocker, 0, 0, seconds * 1000);
  }
}

class VirtualClock {
  now = 0;
  time() { return this.now; }
  waitUntil(when) { this.now = Math.max(this.now, when); } // no waiting: time jumps
}

class Loop {
  ready = []; // callbacks: [fn, arg]
  timers = new TimerHeap();
  seq = 0;

  constructor(clock) { this.clock = clock; }

  time() { return this.clock.time(); }
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
      this.clock.waitUntil(this.timers.peek().when); // real: block; virtual: jump
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
        throw new Error(
          `runUntilComplete(): deadlock at ${this.time()} s: the main task waits on a future ` +
            'that nothing can complete (nothing is ready and no timer is set)',
        );
      }
      this.runOnce();
    }
    return task.result();
  }
}

let loop = null; // the running loop: futures schedule their callbacks on it

function runWith(clock, coro) {
  loop = new Loop(clock);
  return loop.runUntilComplete(coro);
}

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

const say = (text) => console.log(`  [${loop.time().toFixed(2).padStart(7)}] ${text}`);

function* heartbeat(name, every, beats) {
  for (let i = 1; i <= beats; i++) {
    yield* sleep(every);
    say(`${name} beat ${i}`);
  }
}

// A day's schedule, in units of `hour` seconds.
function* schedule(hour) {
  const slow = new Task(heartbeat('hourly', hour, 2));
  const fast = new Task(heartbeat('half-hourly', hour / 2, 3));
  yield* slow;
  yield* fast;
  try {
    yield* timeout(hour, sleep(24 * hour));
  } catch (err) {
    say(`${err.name}: ${err.message}`);
  }
}

const wallStart = performance.now();
console.log('virtual clock, an hour is 3600 s:');
runWith(new VirtualClock(), schedule(3600));
const wall = performance.now() - wallStart;
console.log(`  (3 virtual hours took ${wall < 1000 ? 'under a second' : 'over a second'} of wall time)`);

console.log('real clock, an hour is 0.1 s:');
runWith(new RealClock(), schedule(0.1));

console.log('a deadlock, on the virtual clock:');
try {
  runWith(new VirtualClock(), (function* () { yield* new Future(); })());
} catch (err) {
  console.log(`  ${err.message}`);
}
