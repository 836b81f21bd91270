/**
 * A corpus of known races: small programs that pass in asyncio's FIFO order and fail
 * under some other order of the callbacks ready in a pass. Each says how many
 * departures from FIFO its failure needs (`preemptions`): shrinking must bring a found
 * failure down to at most that many. Used by spec/explore.test.ts and bench/s4.
 *
 * Not here yet: a message reordered across two connections in the simulated network
 * (it needs @yieldio/sim's network, issue #11).
 */
import { createTask, gather, type Coro } from '@yieldio/core';
import { Lock } from '@yieldio/sync';

export interface Race {
  name: string;
  preemptions: number;
  main: () => Coro<void>;
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
 * Two workers among bystanders: the bug needs b before a, then a before b, then b before
 * a again, in three passes running: three departures from FIFO (a depth-4 bug in PCT's
 * terms: it needs three priority changes), with noise in every pass.
 */
function* threeStep(): Coro<void> {
  const log: string[] = [];
  const worker = (name: string): Coro<void> =>
    (function* (): Coro<void> {
      for (let k = 0; k < 3; k++) {
        yield;
        log.push(name);
      }
    })();
  const noise = Array.from({ length: 4 }, (_, i) =>
    createTask(
      (function* (): Coro<void> {
        for (let k = 0; k < 4; k++) yield;
      })(),
      { name: `noise${i}` },
    ),
  );
  const a = createTask(worker('a'), { name: 'a' });
  const b = createTask(worker('b'), { name: 'b' });
  yield* gather([...noise, a, b]);
  if (log.join('') === 'baabba') throw new Error('three-step race: a and b swapped at each of three passes');
}

export const races: readonly Race[] = [
  { name: 'lost update across a yield', preemptions: 1, main: lostUpdate },
  { name: 'check-then-act on a shared map', preemptions: 1, main: checkThenAct },
  { name: 'lock-order inversion', preemptions: 1, main: lockOrderInversion },
  { name: 'double close', preemptions: 2, main: doubleClose },
  { name: 'three-step race', preemptions: 3, main: threeStep },
];
