/**
 * The seeded stress sweep (#18 "Keep the sweep"), at a size CI can afford: each program
 * under spec/stress/ runs over a fixed range of seeds with `simulate(program(), { seed,
 * chaos: true })`, its invariant checked before every task step (simulate's `onStep`) and
 * after each of its own awaits. A failure names the program and the seed; replay it with
 * the same call. The same modules are what `yieldio-sim sweep spec/stress/queue.ts` runs
 * at 25,000 seeds in the nightly job (README).
 *
 * The mutation check: with the library broken on purpose from here (mutations.ts: a
 * forgotten wake-up, an over-counting semaphore, a dropped claim), the sweep must fail.
 */
import { simulate } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { checkInvariant, resetInvariant } from './stress/harness';
import { mutate } from './stress/mutations';
import type { Mutation } from './stress/mutations';
import locks from './stress/locks';
import queue from './stress/queue';
import samePass from './stress/same-pass';
import signals from './stress/signals';
import tasks from './stress/tasks';

const FIRST_SEED = 1;

const PROGRAMS: Array<[string, number, () => Coro<void>]> = [
  ['queue: timeouts, cancellation and shutdown', 200, queue],
  ['locks and semaphores with cancellation', 200, locks],
  ['condition, event and barrier', 200, signals],
  ['task trees: asCompleted, waitFor, shield, wait, gather', 200, tasks],
  ['same-pass races: a completion and a cancel in one callback', 100, samePass],
];

/** The first seed in [from, from + count) whose run throws, with its error; null if none. */
function firstFailure(program: () => Coro<void>, from: number, count: number): { seed: number; error: unknown } | null {
  for (let seed = from; seed < from + count; seed++) {
    resetInvariant();
    try {
      simulate(program(), { seed, chaos: true, onStep: checkInvariant });
    } catch (error) {
      return { seed, error };
    }
  }
  return null;
}

describe(`stress programs, chaos on, seeds from ${FIRST_SEED}`, () => {
  it.each(PROGRAMS)('%s: the invariant holds for %i seeds', (name, seeds, program) => {
    const failure = firstFailure(program, FIRST_SEED, seeds);
    // On failure, the message names the seed to replay: simulate(program(), { seed, chaos: true }).
    expect(failure === null ? 'no failure' : `${name}: seed ${failure.seed}: ${String(failure.error)}`).toBe('no failure');
  });
});

describe('the sweep fails when the library is broken on purpose (mutations in test code)', () => {
  const MUTANTS: Array<[Mutation, string, () => Coro<void>, RegExp]> = [
    ['forgotten wake-up', 'queue', queue, /lost wake-up/],
    ['forgotten wake-up', 'same-pass', samePass, /Queue\.get/],
    ['over-counting semaphore', 'locks', locks, /Semaphore count|hold a Semaphore/],
    ['dropped claim', 'queue', queue, /without seeing the shutdown|conservation|at the end/],
  ];
  it.each(MUTANTS)('the mutation "%s" makes the %s program fail', (mutation, _name, program, reason) => {
    const undo = mutate(mutation);
    // A failed run leaves tasks whose errors no one retrieved; the loop logs each.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => {});
    let failure: { seed: number; error: unknown } | null;
    try {
      failure = firstFailure(program, FIRST_SEED, 200);
    } finally {
      quiet.mockRestore();
      undo();
    }
    expect(failure).not.toBeNull();
    expect(String(failure!.error)).toMatch(reason);
  });

  it('undoing a mutation restores the library: the same seeds pass again', () => {
    mutate('over-counting semaphore')();
    expect(firstFailure(locks, FIRST_SEED, 20)).toBeNull();
  });
});
