// Step 2 of the ladder: time. A coroutine may `yield seconds` to sleep.
//
// New since step 1: a timer heap. A sleeping generator is not in the ready queue; it
// waits in a heap ordered by the time it wakes, so the loop finds the earliest in
// O(1) and adds or removes one in O(log n). When nothing is ready, the loop blocks
// until the earliest deadline instead of spinning. Ties wake in the order they were
// scheduled (a sequence number), so the program's output does not depend on the heap.
// Run it: node docs/ladder/02-sleep.mjs

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
  ready = [];
  timers = new TimerHeap();
  seq = 0;
  start = performance.now();

  time() { return (performance.now() - this.start) / 1000; }

  spawn(coro) { this.ready.push(coro); }

  run() {
    while (this.ready.length > 0 || this.timers.size > 0) {
      // Nothing to run: sleep until the earliest timer is due.
      if (this.ready.length === 0) blockFor(this.timers.peek().when - this.time());
      // Due timers join the ready queue, earliest first.
      const now = this.time();
      while (this.timers.size > 0 && this.timers.peek().when <= now) {
        this.ready.push(this.timers.pop().coro);
      }
      // Run each generator that is ready now, once.
      for (let n = this.ready.length; n > 0; n--) {
        const coro = this.ready.shift();
        const { value, done } = coro.next();
        if (done) continue;
        if (value === undefined) this.ready.push(coro); // bare yield: next turn
        else this.timers.push({ when: this.time() + value, seq: this.seq++, coro }); // yield seconds
      }
    }
  }
}

const loop = new Loop();
const say = (text) => console.log(`[${loop.time().toFixed(2)}] ${text}`);

function* sleeper(name, seconds) {
  say(`${name} sleeps ${seconds} s`);
  yield seconds;
  say(`${name} wakes`);
}

// Three sleeps at once take as long as the longest, not the sum.
loop.spawn(sleeper('a', 0.3));
loop.spawn(sleeper('b', 0.1));
loop.spawn(sleeper('c', 0.2));
loop.run();
say('all done');
