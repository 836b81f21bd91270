/**
 * Schedule: the recorded decision stream of one `simulate()` run, and its printable form.
 *
 * Every choice a simulated run makes is a decision: an integer in [0, bound), where 0 is
 * the plain choice (the ready callback that is first in FIFO order, no packet fault, the
 * least latency, a `Math.random()` of 0). The virtual host records each one with its
 * bound (decisions.ts); replaying the values gives the same run, step for step, and a
 * shrinker moves values towards 0 to find the fewest departures from the plain run.
 *
 * The printed form is versioned and compact (base 36, run-length encoded):
 *
 *     y1s:2,1.3,4~*12
 *     ^^ ^ ^   ^   ^
 *     |  | |   |   `- `*n`: the item before, n times
 *     |  | |   `- `b~`: a pass of b ready callbacks in FIFO order (zeros, bounds b..2)
 *     |  | `- `v.b`: value v among b choices
 *     |  `- `b`: value 0 among b choices
 *     `- version 1; `f`: the run's ready callbacks ran FIFO (no scheduling decisions),
 *        `s`: a scheduler chose their order (a decision per callback of each pass)
 *
 * Bounds are kept so that replay can say where a changed program stopped fitting
 * (`ScheduleDivergedError`), rather than run something else silently. Rejected: values
 * only with a checksum of the bounds (shorter, but a mismatch could not say where), and
 * the seed alone (what turmoil and madsim print: it does not survive shrinking, and a
 * shrunk run is not the run of any seed).
 */
import { describe } from './repr';

/** Whether a schedule's run ordered its passes FIFO (only network and random draws recorded) or by a scheduler. No asyncio counterpart. */
export type ScheduleKind = 'fifo' | 'scheduled';

const VERSION = 'y1';

/** Replaying a schedule, the program asked for a different choice than the one recorded. No asyncio counterpart. */
export class ScheduleDivergedError extends Error {
  /** The 0-based index of the decision where the run left the schedule. */
  readonly decision: number;
  constructor(message: string, decision: number) {
    super(message);
    this.decision = decision;
  }
}
Object.defineProperty(ScheduleDivergedError.prototype, 'name', { value: 'ScheduleDivergedError', writable: true, configurable: true });

/**
 * A run's decisions: `values[i]` among `bounds[i]` choices. `String(schedule)` is what
 * `simulate(main(), { seed, schedule })` takes back to replay the run. No asyncio
 * counterpart.
 */
export class Schedule {
  readonly kind: ScheduleKind;
  readonly values: readonly number[];
  readonly bounds: readonly number[];
  /**
   * A guide rather than a record (`Schedule.guide`): replay takes each value where it
   * fits (clamped to its bound) and the plain choice after the end, never diverging.
   */
  readonly lenient: boolean;
  #text: string | null = null;

  constructor(kind: ScheduleKind, values: ArrayLike<number>, bounds: ArrayLike<number>, lenient = false) {
    this.kind = kind;
    // Kept, not copied: a run's stream hands its arrays over when the run is over.
    this.values = Array.isArray(values) ? values : Array.from(values);
    this.bounds = Array.isArray(bounds) ? bounds : Array.from(bounds);
    this.lenient = lenient;
  }

  /**
   * For shrinkers: a run that follows `values` where they fit and takes the plain choice
   * (0) wherever they do not; the run's own `onSchedule` gives the exact schedule it made.
   */
  static guide(kind: ScheduleKind, values: ArrayLike<number>): Schedule {
    return new Schedule(kind, values, [], true);
  }

  /** The number of decisions. */
  get length(): number {
    return this.values.length;
  }

  /** The number of decisions that are not the plain choice: departures from FIFO, faults. */
  get departures(): number {
    let n = 0;
    for (const v of this.values) if (v !== 0) n++;
    return n;
  }

  /** The printable form that `simulate(main(), { schedule })` takes back. */
  toString(): string {
    if (this.#text === null) this.#text = encode(this);
    return this.#text;
  }

  /** Read a printed schedule; a string this version did not print is refused. */
  static parse(text: unknown, caller = 'simulate()'): Schedule {
    if (typeof text !== 'string') {
      throw new TypeError(`${caller}: schedule must be the string explore() printed, got ${describe(text)}`);
    }
    const parsed = decode(text);
    if (typeof parsed === 'string') {
      const shown = text.length > 60 ? `${JSON.stringify(text.slice(0, 60))}...` : JSON.stringify(text);
      throw new TypeError(
        `${caller}: schedule ${shown} is not one this version of yieldio printed (${parsed}); pass the schedule string exactly as explore() or onSchedule printed it`,
      );
    }
    return parsed;
  }
}

function encode(schedule: Schedule): string {
  const { values, bounds } = schedule;
  const items: string[] = [];
  const n = values.length;
  let i = 0;
  while (i < n) {
    const v = values[i]!;
    const b = bounds[i]!;
    if (v === 0 && b >= 3) {
      // A FIFO pass: zeros with bounds b, b-1, ..., 2.
      let j = 1;
      while (j < b - 1 && i + j < n && values[i + j] === 0 && bounds[i + j] === b - j) j++;
      if (j === b - 1) {
        items.push(`${b.toString(36)}~`);
        i += j;
        continue;
      }
    }
    items.push(v === 0 ? b.toString(36) : `${v.toString(36)}.${b.toString(36)}`);
    i++;
  }
  let out = `${VERSION}${schedule.kind === 'fifo' ? 'f' : 's'}:`;
  for (let k = 0; k < items.length; ) {
    let r = 1;
    while (k + r < items.length && items[k + r] === items[k]) r++;
    out += `${k === 0 ? '' : ','}${items[k]}${r > 1 ? `*${r.toString(36)}` : ''}`;
    k += r;
  }
  return out;
}

const ITEM = /^(?:([0-9a-z]+)\.)?([0-9a-z]+)(~)?(?:\*([0-9a-z]+))?$/;

/** The schedule, or a string saying what is wrong with the text. */
function decode(text: string): Schedule | string {
  const head = /^y(\d+)([fs]):/.exec(text);
  if (head === null) return 'it does not start with "y1f:" or "y1s:"';
  if (`y${head[1]}` !== VERSION) return `it is version ${head[1]}; this version reads version 1`;
  const kind: ScheduleKind = head[2] === 'f' ? 'fifo' : 'scheduled';
  const body = text.slice(head[0].length);
  const values: number[] = [];
  const bounds: number[] = [];
  if (body === '') return new Schedule(kind, values, bounds);
  for (const item of body.split(',')) {
    const m = ITEM.exec(item);
    if (m === null) return `item ${JSON.stringify(item)} is not a decision`;
    const v = m[1] === undefined ? 0 : parseInt(m[1], 36);
    const b = parseInt(m[2]!, 36);
    const repeat = m[4] === undefined ? 1 : parseInt(m[4], 36);
    if (!(b >= 2) || !(v < b) || !(repeat >= 1) || !Number.isSafeInteger(b)) return `item ${JSON.stringify(item)} is out of range`;
    if (m[3] !== undefined && v !== 0) return `item ${JSON.stringify(item)} is out of range`;
    if (values.length + repeat * (m[3] === undefined ? 1 : b - 1) > 50_000_000) return 'it is too long';
    for (let r = 0; r < repeat; r++) {
      if (m[3] !== undefined) {
        for (let k = b; k >= 2; k--) {
          values.push(0);
          bounds.push(k);
        }
      } else {
        values.push(v);
        bounds.push(b);
      }
    }
  }
  return new Schedule(kind, values, bounds);
}
