// Step 1 of the ladder: a loop of bare generators taking turns.
//
// A generator function's body runs only when someone calls next() on it, and stops at
// each `yield`. So a list of generators and a loop that calls next() on each in turn is
// already cooperative multitasking: every `yield` says "someone else may run now".
// Run it: node docs/ladder/01-round-robin.mjs

class Loop {
  ready = []; // generators that may run, in turn order

  spawn(coro) {
    this.ready.push(coro);
  }

  run() {
    while (this.ready.length > 0) {
      const coro = this.ready.shift();
      const { done } = coro.next(); // run it up to its next yield (or its end)
      if (!done) this.ready.push(coro); // not finished: back of the queue
    }
  }
}

function* count(name, n) {
  for (let i = 1; i <= n; i++) {
    console.log(`${name} ${i}`);
    yield; // a bare yield: give the others a turn
  }
  console.log(`${name} done`);
}

const loop = new Loop();
loop.spawn(count('a', 3));
loop.spawn(count('b', 2));
loop.run();
