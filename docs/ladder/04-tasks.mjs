// Step 4 of the ladder: tasks, with results and errors.
//
// New since step 3: a Task is a Future that runs a coroutine. Its `step` resumes the
// generator and looks at what it did:
//   returned a value  -> the task's result;
//   threw an error    -> the task's exception (whoever awaits the task gets it thrown);
//   yielded a future  -> wait: `wakeup` runs when the future is done and sends its result
//                        in, or throws its exception in, at the `yield*` that waited;
//   a bare yield      -> run again next pass;
//   anything else     -> a mistake: a TypeError thrown in at that yield.
// That is asyncio's Task.__step (Lib/asyncio/tasks.py), without cancellation (step 5).
// Futures now carry an exception as well as a result, and `runUntilComplete` runs the
// loop until one task is done and returns its result (or throws its error).
// Run it: node docs/ladder/04-tasks.mjs

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

  runOnce() {
    if (this.ready.length === 0) blockFor(this.timers.peek().when - this.time());
    const now = this.time();
    while (this.timers.size > 0 && this.timers.peek().when <= now) {
      const timer = this.timers.pop();
      this.ready.push([timer.fn, timer.arg]);
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
    return task.result(); // the value, or the task's error thrown here
  }
}

const loop = new Loop();

class Future {
  state = 'pending'; // 'pending' -> 'finished'
  value = undefined;
  error = null; // set when the future failed
  callbacks = [];

  done() { return this.state !== 'pending'; }

  result() {
    if (!this.done()) throw new Error('Future.result(): the future is still pending; yield* it first');
    if (this.error !== null) throw this.error;
    return this.value;
  }

  setResult(value) { this.finish(value, null); }
  setException(error) { this.finish(undefined, error); }

  finish(value, error) {
    if (this.done()) throw new Error(`Future: cannot set the outcome, the future is already ${this.state}`);
    this.state = 'finished';
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
  constructor(coro) {
    super();
    this.coro = coro;
    loop.callSoon(this.step); // start on the next pass
  }

  // Resume the coroutine with `value`, or throw `error` in (when not null).
  step = (value, error = null) => {
    let outcome;
    try {
      outcome = error === null ? this.coro.next(value) : this.coro.throw(error);
    } catch (err) {
      this.setException(err); // the coroutine threw: the task failed
      return;
    }
    if (outcome.done) {
      this.setResult(outcome.value); // the coroutine returned: the task's result
      return;
    }
    const yielded = outcome.value;
    if (yielded instanceof Future) {
      yielded.addDoneCallback(this.wakeup); // wait for it
    } else if (yielded === undefined) {
      loop.callSoon(this.step); // a bare yield: again next pass
    } else {
      const mistake = new TypeError(
        `Task got a bad yield: ${JSON.stringify(yielded)}; use yield* to wait for a future or a coroutine`,
      );
      loop.callSoon(() => this.step(undefined, mistake));
    }
  };

  // The future we waited on is done: send its result in, or throw its error in.
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
  loop.callLater(seconds, () => fut.setResult(undefined));
  yield* fut;
}

const say = (text) => console.log(`[${loop.time().toFixed(2)}] ${text}`);

function* fetchPage(name, seconds) {
  yield* sleep(seconds);
  if (name === 'missing') throw new Error(`${name}: not found`);
  return `${name}: ok`;
}

function* main() {
  const home = new Task(fetchPage('home', 0.2));
  const missing = new Task(fetchPage('missing', 0.1));
  try {
    yield* missing; // its error is thrown here
  } catch (err) {
    say(`main caught "${err.message}"`);
  }
  say(`main got "${yield* home}"`); // its result is returned here
  try {
    yield 42; // a mistake: not a future
  } catch (err) {
    say(`main caught ${err.name}: ${err.message}`);
  }
  return 'main result';
}

say(`runUntilComplete returned "${loop.runUntilComplete(main())}"`);
