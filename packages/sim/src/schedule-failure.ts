/**
 * ScheduleFailure: what `explore` throws when a run fails. It carries everything needed
 * to replay the failure (`seed`, the recorded `schedule`, the `shrunk` one) and the
 * program's own error as `cause`; the last line of its message is the call to paste:
 *
 *     simulate(main(), { seed: 17, schedule: "y1s:2~*40,1.2" })
 */
import type { Schedule } from '@yieldio/core';

/** A run of `explore()` failed: carries `seed`, `schedule`, `shrunk` and `cause`; its message's last line replays the failure. No asyncio counterpart. */
export class ScheduleFailure extends Error {
  /** The seed of the failing run. */
  readonly seed: number;
  /** The failing run's schedule, as recorded (before shrinking). */
  readonly schedule: string;
  /** The schedule with the fewest departures from the plain run that still fails the same way. */
  readonly shrunk: string;
  /** Which run of the exploration failed (1-based). */
  readonly run: number;
  /** The program's error. */
  declare readonly cause: unknown;

  constructor(message: string, fields: { seed: number; schedule: Schedule; shrunk: Schedule; run: number; cause: unknown }) {
    super(message, { cause: fields.cause });
    this.seed = fields.seed;
    this.schedule = String(fields.schedule);
    this.shrunk = String(fields.shrunk);
    this.run = fields.run;
  }
}
Object.defineProperty(ScheduleFailure.prototype, 'name', { value: 'ScheduleFailure', writable: true, configurable: true });
