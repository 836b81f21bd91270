/**
 * The decision stream of a simulated run, and the schedulers that feed it.
 *
 * One stream per `simulate()` run: every choice the run makes is asked of it with its
 * bound (`VirtualHost.decide`: a packet's fate, its latency, a `Math.random()` draw;
 * the scheduler: which ready callback runs next). Live, the value comes from the seed
 * (or the scheduler's policy); replaying, from a recorded `Schedule`. Either way it is
 * recorded, so every run can print the schedule that replays it (schedule.ts).
 *
 * Schedulers only ever reorder the callbacks ready in one pass (what runs in a pass is
 * asyncio's: what was ready when it began). Each position of the pass is a decision
 * "which of the k callbacks left runs next", 0 being the first in FIFO order, so a
 * schedule of zeros is the FIFO run, and a schedule with one non-zero decision departs
 * from FIFO once:
 *
 *   - `random`: each choice uniform (a uniform permutation of the pass; `chaos: true`).
 *   - `pct`: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
 *     Nagarakatte, ASPLOS 2010). Each task (or lone callback) gets a random priority
 *     above `depth`; the highest-priority ready one runs first; at `depth - 1` steps
 *     drawn uniformly from the first `steps` (an estimate of the run's length), the one
 *     running drops to priority `depth - i`. A bug that needs `depth` ordering
 *     constraints is then found with probability at least 1 / (n * k^(depth-1)) per run.
 *
 * Rejected: running one callback at a time and choosing among everything ready (a
 * scheduler over single steps, as PCT's paper does for threads). A pass would then no
 * longer run exactly what was ready when it began, so `fifo` could not stay bit-exact
 * with asyncio, and reordering within a pass already covers every interleaving an
 * asyncio program can see. Also rejected: permuting a pass with one draw (a Fisher-Yates
 * index per position, as `chaos` did): a 0 there is "swap with yourself", so a shrinker
 * moving values to 0 would not land on FIFO choice by choice.
 */
import { Random } from './random';
import type { ScheduleKind } from './schedule';
import { Schedule, ScheduleDivergedError } from './schedule';

/** Who orders the callbacks ready in a pass of `simulate()`: asyncio's FIFO, a seeded shuffle, or PCT. No asyncio counterpart. */
export type SchedulerName = 'fifo' | 'random' | 'pct';

export class DecisionStream {
  readonly kind: ScheduleKind;
  /** The decisions so far: `values[i]` among `bounds[i]` (plain arrays: small integers stay unboxed, on the heap). */
  values: number[] = [];
  bounds: number[] = [];
  /** For `checkDeterminism`: one line per decision and task step, else null. */
  trace: string[] | null = null;
  /** Who is deciding (the running task, or the loop), for the trace. */
  who: () => string = () => 'the loop';
  /** The first time replay left the schedule. */
  diverged: ScheduleDivergedError | null = null;
  readonly #replay: Schedule | null;

  constructor(kind: ScheduleKind, replay: Schedule | null) {
    this.kind = kind;
    this.#replay = replay;
  }

  get replaying(): boolean {
    return this.#replay !== null;
  }

  /** The recorded value for the next decision, or -1 when the run is live. */
  replayed(bound: number): number {
    const replay = this.#replay;
    if (replay === null) return -1;
    const i = this.values.length;
    if (replay.lenient) {
      const v = i < replay.values.length ? replay.values[i]! : 0;
      return v < bound ? v : bound - 1;
    }
    if (i >= replay.values.length) {
      this.#diverge(
        i,
        `the program asked for decision #${i} (a choice among ${bound}), but the schedule has only ${replay.values.length} decisions`,
      );
      return 0;
    }
    const recorded = replay.bounds[i]!;
    if (recorded !== bound) {
      this.#diverge(i, `at decision #${i} the schedule chose ${replay.values[i]} among ${recorded}, but the program now offers ${bound} choices`);
      return 0;
    }
    return replay.values[i]!;
  }

  record(value: number, bound: number): void {
    this.push(value, bound);
    if (this.trace !== null) this.trace.push(`decision #${this.length - 1}: ${value} among ${bound}, made by ${this.who()}`);
  }

  push(value: number, bound: number): void {
    this.values.push(value);
    this.bounds.push(bound);
  }

  get length(): number {
    return this.values.length;
  }

  /** At the end of a replay: a schedule with decisions left over did not fit either. */
  finish(): void {
    const replay = this.#replay;
    if (replay === null || replay.lenient || this.diverged !== null) return;
    if (this.length < replay.values.length) {
      this.#diverge(this.length, `the run ended after ${this.length} decisions, but the schedule has ${replay.values.length}`);
    }
  }

  schedule(): Schedule {
    return new Schedule(this.kind, this.values, this.bounds);
  }

  #diverge(decision: number, what: string): void {
    this.diverged ??= new ScheduleDivergedError(
      `simulate(): the schedule does not fit this program: ${what}; the program changed since the schedule was printed (or is not deterministic): find the failure again with explore()`,
      decision,
    );
  }
}

/** Orders a pass (in place) by asking the stream once per position. */
export type PassScheduler = (items: unknown[], length: number) => void;

export function makeScheduler(name: SchedulerName, stream: DecisionStream, seed: number, depth: number, steps: number): PassScheduler {
  if (name === 'random') {
    // The common case, kept tight: one draw and one record per position.
    const random = new Random(seed);
    return (items, length) => {
      if (stream.replaying) return replayPass(stream, items, length);
      for (let i = 0; i < length - 1; i++) {
        const bound = length - i;
        const k = random.below(bound);
        if (stream.trace === null) {
          stream.push(k, bound);
        } else {
          stream.record(k, bound);
        }
        if (k !== 0) moveTo(items, i, k);
      }
    };
  }
  const pct = name === 'pct' ? pctPass(new Random(seed), depth, steps) : null;
  return (items, length) => {
    if (pct === null || stream.replaying) return replayPass(stream, items, length);
    pct(stream, items, length);
  };
}

/** A pass ordered by the recorded (or guided) decisions. */
function replayPass(stream: DecisionStream, items: unknown[], length: number): void {
  for (let i = 0; i < length - 1; i++) {
    const bound = length - i;
    let k = stream.replayed(bound);
    if (k < 0) k = 0;
    stream.record(k, bound);
    if (k !== 0) moveTo(items, i, k);
  }
}

/** Run items[i + k] next: move it to position i, the ones it passes keep their order. */
function moveTo(items: unknown[], i: number, k: number): void {
  const chosen = items[i + k];
  for (let j = i + k; j > i; j--) items[j] = items[j - 1];
  items[i] = chosen;
}

/** PCT's order for a pass: highest priority first, then the change points that fall in it. */
function pctPass(random: Random, depth: number, steps: number): (stream: DecisionStream, items: unknown[], length: number) => void {
  const priorities = new WeakMap<object, number>();
  const changes: number[] = [];
  for (let i = 0; i < depth - 1; i++) changes.push(random.below(Math.max(1, steps)));
  changes.sort((a, b) => a - b);
  let next = 0;
  let step = 0;
  // The pass's priorities, read once per item and moved along with the items.
  let scratch: number[] = [];
  return (stream, items, length) => {
    if (scratch.length < length) scratch = new Array<number>(length * 2).fill(0);
    for (let j = 0; j < length; j++) {
      const item = items[j] as object;
      let p = priorities.get(item);
      if (p === undefined) {
        p = depth + random.nextUint32() / 0x100000000;
        priorities.set(item, p);
      }
      scratch[j] = p;
    }
    for (let i = 0; i < length - 1; i++) {
      let best = i;
      for (let j = i + 1; j < length; j++) if (scratch[j]! > scratch[best]!) best = j;
      const k = best - i;
      stream.record(k, length - i);
      if (k !== 0) {
        moveTo(items, i, k);
        moveTo(scratch, i, k);
      }
    }
    for (let j = 0; j < length; j++, step++) {
      while (next < changes.length && changes[next] === step) {
        // The i-th change point (1-based) drops the one running to priority depth - i.
        priorities.set(items[j] as object, depth - 1 - next);
        next++;
      }
    }
  };
}
