/**
 * Shrinking a failing schedule: delta debugging (Zeller and Hildebrandt's ddmin) over the
 * decision stream, towards the plain choices.
 *
 * A decision's plain choice is 0: the ready callback first in FIFO order, no packet
 * fault, the least latency, a `Math.random()` of 0. The shrinker tries to set chunks of
 * the non-zero decisions to 0 (halving the chunk size when no chunk can go), keeps any
 * attempt that still fails with the same error (class and message), and finally tries to
 * lower each decision that is left. Each attempt runs the program under
 * `Schedule.guide(values)`, which follows the values where they still fit and takes the
 * plain choice elsewhere, and keeps the schedule that run actually made: so the result
 * always replays exactly, even though zeroing one decision can change the ones after it.
 */
import { Schedule } from '@yieldio/core';

/** Runs the program under a guide; returns the schedule it made if it failed the same way, else null. No asyncio counterpart. */
export type Attempt = (guide: Schedule) => Schedule | null;

/** The shrunk schedule and how many runs shrinking took. No asyncio counterpart. */
export interface ShrinkResult {
  schedule: Schedule;
  /** Runs of the program spent shrinking. */
  attempts: number;
}

/** Delta debugging over a failing schedule's decisions, toward 0 (FIFO, no fault, least latency), keeping only changes that still fail the same way. No asyncio counterpart. */
export function shrinkSchedule(start: Schedule, attempt: Attempt, maxAttempts = 1000): ShrinkResult {
  let current = start;
  let attempts = 0;
  const tryValues = (values: number[]): boolean => {
    if (attempts >= maxAttempts) return false;
    attempts++;
    const made = attempt(Schedule.guide(current.kind, values));
    if (made === null || (made.departures >= current.departures && !lowerSomewhere(made, current))) return false;
    current = made;
    return true;
  };

  // ddmin over the non-zero decisions: try zeroing each chunk of them.
  let chunks = 2;
  for (;;) {
    const nonzero = nonzeroIndices(current);
    if (nonzero.length === 0 || attempts >= maxAttempts) break;
    chunks = Math.min(chunks, nonzero.length);
    const size = Math.ceil(nonzero.length / chunks);
    let progressed = false;
    for (let start = 0; start < nonzero.length; start += size) {
      const values = current.values.slice();
      for (const i of nonzero.slice(start, start + size)) values[i] = 0;
      if (tryValues(values)) {
        progressed = true;
        break;
      }
    }
    if (progressed) {
      chunks = Math.max(chunks - 1, 2);
    } else if (chunks >= nonzero.length) {
      break;
    } else {
      chunks = Math.min(chunks * 2, nonzero.length);
    }
  }

  // Then lower what is left: 1, or half the value (a shorter delay, an earlier callback).
  for (let pass = 0; pass < 3; pass++) {
    let progressed = false;
    for (const i of nonzeroIndices(current)) {
      const v = current.values[i]!;
      for (const lower of v > 2 ? [1, v >> 1] : v === 2 ? [1] : []) {
        const values = current.values.slice();
        values[i] = lower;
        if (tryValues(values)) {
          progressed = true;
          break;
        }
      }
    }
    if (!progressed) break;
  }
  return { schedule: current, attempts };
}

function nonzeroIndices(schedule: Schedule): number[] {
  const out: number[] = [];
  schedule.values.forEach((v, i) => v !== 0 && out.push(i));
  return out;
}

/** Same number of departures but a smaller total: still progress (a lowered value). */
function lowerSomewhere(made: Schedule, current: Schedule): boolean {
  if (made.departures !== current.departures) return false;
  let a = 0;
  let b = 0;
  for (const v of made.values) a += v;
  for (const v of current.values) b += v;
  return a < b;
}
