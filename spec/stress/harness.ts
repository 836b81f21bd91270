/**
 * What the stress programs share: a seeded random source taken from the run's own seed
 * (so `simulate(program(), { seed, chaos: true })`, or the sweep CLI, is all it takes to
 * replay a run), and the invariant a program states once and has checked at every task
 * step.
 *
 * Every program checks its invariant after each of its own awaits (`step`), which holds
 * under any driver, and `checkInvariant` is also what the jest sweep passes as
 * simulate()'s `onStep`, so the invariant is checked before every step of every task,
 * the library's internal ones included. An invariant is a plain function that throws
 * `InvariantError`; the run then fails with that error, naming the seed in the sweep.
 */
import { getRunningLoop } from '@yieldio/core';
import type { Coro, Future, VirtualHost } from '@yieldio/core';

export class InvariantError extends Error {
  override name = 'InvariantError';
}

let current: (() => void) | null = null;

/** State the invariant of this run; it replaces the previous run's. */
export function watch(invariant: () => void): void {
  current = invariant;
}

/** Forget the previous run's invariant (before a new run, whose program states its own). */
export function resetInvariant(): void {
  current = null;
}

/** Check the current run's invariant now (simulate's `onStep` hook in the sweep). */
export function checkInvariant(): void {
  current?.();
}

/** Fail the run with an InvariantError unless `condition` holds. */
export function expectThat(condition: boolean, what: () => string): void {
  if (!condition) throw new InvariantError(what());
}

/** Await `aw` (a coroutine, a future or a task), then check the invariant, whichever way it ended. */
export function* step<T>(aw: Coro<T> | Future<T>): Coro<T> {
  try {
    return (yield* aw) as T;
  } finally {
    checkInvariant();
  }
}

/** A small seeded PRNG (mulberry32), seeded from the run's simulate() seed. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = (seed ^ 0x6d2b79f5) >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A whole number of virtual seconds in [0, n): 0 is a bare yield, so work piles up at instants. */
  pause(n: number): number {
    return this.int(n);
  }
}

/** The run's random source: seeded from simulate()'s seed (0 on the real clock). */
export function runRandom(): Rng {
  const host = getRunningLoop().host as Partial<VirtualHost>;
  return new Rng(typeof host.seed === 'number' ? host.seed : 0);
}
