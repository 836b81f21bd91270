/**
 * LivelockError: a simulation that keeps running while its virtual time stands still.
 *
 * The virtual clock only moves when nothing is ready, so a task that never waits
 * (`for (;;) yield;`), a callback that re-schedules itself with `callSoon`, or a delay
 * too small to move a float clock (`sleep(1e-17)` at t = 1: as asyncio's clock, a delay
 * that rounds away is a same-instant step) would run forever inside `simulate()`. The
 * virtual host counts every task step and callback run while the clock has not moved;
 * past `maxStepsPerInstant` it raises this error, naming what ran most in the last steps
 * before the limit (what spins), instead of hanging.
 */

/** Counts of what ran in the last steps before the limit: `task "name"`, `callback fn()`. No asyncio counterpart. */
export interface Spinner {
  readonly what: string;
  readonly steps: number;
}

/** Too many task steps and callbacks while virtual time stood still (`maxStepsPerInstant`): names what spins. No asyncio counterpart. */
export class LivelockError extends Error {
  readonly time: number;
  readonly spinning: readonly Spinner[];
  constructor(message: string, time: number, spinning: readonly Spinner[]) {
    super(message);
    this.time = time;
    this.spinning = spinning;
  }
}
Object.defineProperty(LivelockError.prototype, 'name', { value: 'LivelockError', writable: true, configurable: true });

/** How many of the last steps before the limit are watched to tell who spins. */
export const WATCHED_STEPS = 2000;

/** Tallies the runnables of the passes it sees (the host's `permute` hook while watching). */
export class SpinWatch {
  readonly #counts = new Map<unknown, number>();

  see(items: readonly unknown[], length: number): void {
    for (let i = 0; i < length; i++) {
      const item = items[i];
      this.#counts.set(item, (this.#counts.get(item) ?? 0) + 1);
    }
  }

  error(time: number, steps: number, limit: number): LivelockError {
    const byName = new Map<string, number>();
    for (const [item, count] of this.#counts) {
      const what = describeRunnable(item);
      byName.set(what, (byName.get(what) ?? 0) + count);
    }
    const spinning = [...byName].map(([what, n]) => ({ what, steps: n })).sort((a, b) => b.steps - a.steps);
    const shown = spinning.slice(0, 5).map((s) => `  ${s.what}: ${s.steps} of the last steps`);
    if (spinning.length > 5) shown.push(`  ... and ${spinning.length - 5} more`);
    return new LivelockError(
      `livelock at virtual time ${time}: ${steps} task steps and callbacks ran while virtual time did not move ` +
        `(maxStepsPerInstant is ${limit}); what spins:\n${shown.join('\n')}\n` +
        'make the loop wait for something (a future, an event, a sleep long enough to move the clock), or raise maxStepsPerInstant if this much work at one instant is intended',
      time,
      spinning,
    );
  }
}

function describeRunnable(item: unknown): string {
  const r = item as { getName?: () => string; describeCallback?: () => string };
  if (typeof r.getName === 'function') return `task ${JSON.stringify(r.getName())}`;
  if (typeof r.describeCallback === 'function') return `callback ${r.describeCallback()}`;
  return String(item);
}
