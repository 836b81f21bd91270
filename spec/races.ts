/**
 * A corpus of known races: small programs that pass in asyncio's FIFO order and fail
 * under some other order of the callbacks ready in a pass. Each says how many
 * departures from FIFO its failure needs (`preemptions`): shrinking must bring a found
 * failure down to at most that many. Used by spec/explore.test.ts and bench/s4.
 *
 * A race may need the simulated network (`network`: its options for explore and
 * simulate); its departures are then packet latencies drawn above the least, not only
 * reorderings of the ready callbacks.
 */
import '@yieldio/sim';
import { createTask, gather, type Coro } from '@yieldio/core';
import { openConnection, startServer, type StreamReader, type StreamWriter } from '@yieldio/net';
import { Lock } from '@yieldio/sync';

export interface Race {
  name: string;
  preemptions: number;
  main: () => Coro<void>;
  /** The simulated network's options the race runs under (none: the default network). */
  network?: { latency: readonly [number, number] };
}

/** Read, yield, write back: an update made during the yield is lost. */
function* lostUpdate(): Coro<void> {
  let balance = 0;
  const deposit = createTask(
    (function* (): Coro<void> {
      const seen = balance;
      yield; // e.g. an await between the read and the write
      balance = seen + 1;
    })(),
    { name: 'deposit' },
  );
  const bonus = createTask(
    (function* (): Coro<void> {
      yield;
      balance += 10;
    })(),
    { name: 'bonus' },
  );
  yield* gather([deposit, bonus]);
  if (balance !== 11) throw new Error(`lost update: balance is ${balance}, expected 11`);
}

/** `if (!map.has(k)) { await create(); map.set(k, ...) }`: two creators get in. */
function* checkThenAct(): Coro<void> {
  const sessions = new Map<string, number>();
  let created = 0;
  function* getSession(key: string): Coro<number> {
    if (!sessions.has(key)) {
      yield; // creating it takes an await
      created++;
      sessions.set(key, created);
    }
    return sessions.get(key)!;
  }
  const first = createTask(getSession('alice'), { name: 'first' });
  const second = createTask(
    (function* (): Coro<number> {
      yield;
      return yield* getSession('alice');
    })(),
    { name: 'second' },
  );
  yield* gather([first, second]);
  if (created !== 1) throw new Error(`check-then-act: session "alice" created ${created} times`);
}

/**
 * Two shutdown paths. The watchdog closes (unguarded) when it saw no draining, trusting
 * that a reader that is not draining never closes; the reader closes only a connection
 * still open. A double close needs the watchdog to look before the reader starts
 * draining, and then the reader to close first: two departures from FIFO (a pass runs in
 * the order the one before it ran, so each reordering is one departure).
 */
function* doubleClose(): Coro<void> {
  const conn = {
    closed: false,
    draining: false,
    close(): void {
      if (this.closed) throw new Error('double close: close() called on a closed connection');
      this.closed = true;
    },
  };
  const reader = createTask(
    (function* (): Coro<void> {
      yield;
      conn.draining = true;
      yield;
      if (!conn.closed) conn.close();
    })(),
    { name: 'reader' },
  );
  const watchdog = createTask(
    (function* (): Coro<void> {
      yield;
      const sawDraining = conn.draining;
      yield;
      if (!sawDraining) conn.close();
    })(),
    { name: 'watchdog' },
  );
  yield* gather([reader, watchdog]);
}

/** Two locks taken in opposite orders: a deadlock when both hold their first one. */
function* lockOrderInversion(): Coro<void> {
  const accounts = new Lock();
  const audit = new Lock();
  const transfer = createTask(
    (function* (): Coro<void> {
      yield* accounts.acquire();
      try {
        yield;
        yield* audit.acquire();
        audit.release();
      } finally {
        accounts.release();
      }
    })(),
    { name: 'transfer' },
  );
  const report = createTask(
    (function* (): Coro<void> {
      yield;
      yield* audit.acquire();
      try {
        yield;
        yield* accounts.acquire();
        accounts.release();
      } finally {
        audit.release();
      }
    })(),
    { name: 'report' },
  );
  yield* gather([transfer, report]);
}

/**
 * Order that must hold for a while: a leader and a follower step once a pass for
 * `phases.length * passes` passes; the bug needs the follower ahead of the leader for
 * the first `passes` passes, then behind, then ahead again (for three phases). In FIFO
 * the leader is always ahead; each change of who leads is one departure from FIFO (a
 * pass runs in the order the one before it ran). A uniform random order rarely keeps one
 * order for several passes running; PCT's priorities do, and its change points switch
 * it: the races PCT is meant for (depth 2 and 3 in its terms).
 */
function leaderFollower(phases: number, passes: number): () => Coro<void> {
  return function* handover(): Coro<void> {
    const order: string[] = [];
    const worker = (name: string): Coro<void> =>
      (function* (): Coro<void> {
        for (let k = 0; k < phases * passes; k++) {
          yield;
          order.push(name);
        }
      })();
    const leader = createTask(worker('L'), { name: 'leader' });
    const follower = createTask(worker('F'), { name: 'follower' });
    yield* gather([leader, follower]);
    let expected = '';
    for (let p = 0; p < phases; p++) expected += (p % 2 === 0 ? 'FL' : 'LF').repeat(passes);
    if (order.join('') === expected) throw new Error(`handover race: the follower led, then not, in ${phases} phases of ${passes} passes`);
  };
}

/**
 * A store over TCP, and a client that writes "set" on one connection and then "get" on
 * another without waiting for the set's reply, trusting that what it sent first arrives
 * first. Across two connections nothing orders the two: when the set's packet draws a
 * longer latency than the get's, the get overtakes it and reads the old value. One
 * departure: one latency above the least.
 */
function* crossConnectionReorder(): Coro<void> {
  const store = new Map<string, string>();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  function* serve(reader: StreamReader, writer: StreamWriter): Coro<void> {
    for (;;) {
      const line = decoder.decode(yield* reader.readline()).trim();
      if (line === '') break;
      const [verb, key, value] = line.split(' ');
      if (verb === 'set') {
        store.set(key!, value!);
        writer.write(encoder.encode('ok\n'));
      } else {
        writer.write(encoder.encode(`${store.get(key!) ?? '(none)'}\n`));
      }
      yield* writer.drain();
    }
    writer.close();
  }
  const server = yield* startServer(serve, '127.0.0.1', 7000);
  try {
    const [setReader, setWriter] = yield* openConnection('127.0.0.1', 7000);
    const [getReader, getWriter] = yield* openConnection('127.0.0.1', 7000);
    setWriter.write(encoder.encode('set color blue\n'));
    getWriter.write(encoder.encode('get color\n'));
    const got = decoder.decode(yield* getReader.readline()).trim();
    yield* setReader.readline();
    setWriter.close();
    getWriter.close();
    if (got !== 'blue') throw new Error(`reordered across connections: get color returned ${got} after set color blue`);
  } finally {
    server.close();
  }
}

export const races: readonly Race[] = [
  { name: 'lost update across a yield', preemptions: 1, main: lostUpdate },
  { name: 'check-then-act on a shared map', preemptions: 1, main: checkThenAct },
  { name: 'lock-order inversion', preemptions: 1, main: lockOrderInversion },
  { name: 'double close', preemptions: 2, main: doubleClose },
  { name: 'handover in two phases', preemptions: 2, main: leaderFollower(2, 5) },
  { name: 'handover in three phases', preemptions: 3, main: leaderFollower(3, 4) },
  { name: 'set overtaken by get on another connection', preemptions: 1, main: crossConnectionReorder, network: { latency: [0.001, 0.005] } },
];
