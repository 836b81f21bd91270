/**
 * Determinism inside `simulate()`: the globals a program (or a library it uses) reads for
 * entropy and time run on the run's seed and its virtual clock while it runs.
 *
 *   - `Math.random`, `crypto.getRandomValues`, `crypto.randomUUID`: drawn through the
 *     host's recorded decision stream (`decide`), so a schedule replays them too;
 *   - `Date.now`, `new Date()`, `Date()`: wall-clock time starts at
 *     2000-01-01T00:00:00Z in every run, plus `loop.time()`; `performance.now()` is
 *     `loop.time()` in milliseconds;
 *   - `setTimeout`, `setInterval`, `setImmediate` and their clears: callbacks on the
 *     virtual loop (delays in milliseconds, clamped to [1, 2^31 - 1] as Node does);
 *   - what cannot be deterministic (`fetch`, `WebSocket`, a browser `Worker`, ...)
 *     throws `NondeterminismError` naming the call.
 *
 * The replacements are installed by the outermost `simulate()` and put back when it
 * returns or throws, so simulations that follow each other (or nest inside a test
 * runner's own timers) leave the globals as they found them. They read which run is
 * active from one module variable; outside a run they call the real functions. A caller
 * that runs many simulations in a row (`explore`, a sweep) holds them installed with
 * `holdSimulatedGlobals()`, so a run does not pay for replacing a dozen globals. No Node module is used: this runs in browsers.
 * What stays out of reach: a Promise still cannot settle inside a simulation, and code
 * that captured `Date` or `setTimeout` before `simulate()` keeps the real ones.
 * Rejected: a `vm` context per run (Node only, and a library imported outside it would
 * not see it), and leaving the replacements installed for good (a test runner's own
 * timers and fake timers would then run through ours).
 */
import { InvalidStateError, NondeterminismError } from './errors';
import type { EventLoop } from './loop';
import type { VirtualHost } from './virtual-host';
import { describe } from './repr';

/** 2000-01-01T00:00:00Z, in milliseconds: wall-clock time at virtual time 0. */
export const EPOCH_MS = 946684800000;

const TWO_32 = 0x100000000;

type Restore = () => void;

/** The run whose clock and seed the globals use now, or null: the real ones. */
interface Active {
  readonly loop: EventLoop<VirtualHost>;
  readonly timers: Map<number, VirtualTimeout>;
  nextId: number;
}

let active: Active | null = null;
let holders = 0;
let uninstall: Restore | null = null;

/** Make the globals use the run on `loop` (installing them if need be); returns what puts back the previous state. */
export function installDeterminism(loop: EventLoop<VirtualHost>): Restore {
  const previous = active;
  const release = holdSimulatedGlobals();
  active = { loop, timers: new Map(), nextId: 1 };
  return () => {
    active = previous;
    release();
  };
}

/**
 * Keep the simulated globals installed until the returned function is called (calls
 * nest). Between runs they behave as the real ones. No asyncio counterpart.
 */
export function holdSimulatedGlobals(): Restore {
  if (holders++ === 0) uninstall = installGlobals();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) {
      const restore = uninstall!;
      uninstall = null;
      restore();
    }
  };
}

function installGlobals(): Restore {
  const g = globalThis as Record<string, unknown>;
  const restores: Restore[] = [];
  const nowMs = (run: Active): number => EPOCH_MS + run.loop.time() * 1000;

  const replace = (target: Record<string, unknown> | undefined, key: string, make: (real: any) => unknown): void => {
    if (target === undefined || target === null) return;
    const own = Object.getOwnPropertyDescriptor(target, key);
    const real = target[key];
    try {
      Object.defineProperty(target, key, { value: make(real), writable: true, configurable: true, enumerable: own?.enumerable ?? false });
    } catch {
      return; // frozen: leave it
    }
    restores.push(() => {
      if (own === undefined) delete target[key];
      else Object.defineProperty(target, key, own);
    });
  };

  replace(Math as unknown as Record<string, unknown>, 'random', (real: () => number) =>
    function random(): number {
      return active === null ? real() : active.loop.host.decide(TWO_32) / TWO_32;
    },
  );

  const crypto = g.crypto as Record<string, unknown> | undefined;
  if (crypto !== undefined) {
    const fill = <A extends ArrayBufferView | null>(run: Active, array: A): A => {
      if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array || array instanceof DataView) {
        throw new TypeError(`crypto.getRandomValues(): expected an integer typed array, got ${describe(array)}`);
      }
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      const host = run.loop.host;
      for (let i = 0; i < bytes.length; i += 4) {
        let word = host.decide(TWO_32);
        for (let k = 0; k < 4 && i + k < bytes.length; k++, word >>>= 8) bytes[i + k] = word & 0xff;
      }
      return array;
    };
    replace(crypto, 'getRandomValues', (real: (a: unknown) => unknown) =>
      function getRandomValues<A extends ArrayBufferView | null>(array: A): A {
        return active === null ? (real.call(crypto, array) as A) : fill(active, array);
      },
    );
    replace(crypto, 'randomUUID', (real: () => string) =>
      function randomUUID(): string {
        if (active === null) return real.call(crypto);
        const b = fill(active, new Uint8Array(16));
        b[6] = (b[6]! & 0x0f) | 0x40;
        b[8] = (b[8]! & 0x3f) | 0x80;
        const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      },
    );
  }

  replace(g, 'Date', (RealDate: DateConstructor) => {
    const VirtualDate = function (this: unknown, ...args: unknown[]): unknown {
      const run = active;
      if (new.target === undefined) return run === null ? RealDate() : new RealDate(nowMs(run)).toString();
      return Reflect.construct(RealDate, args.length === 0 && run !== null ? [nowMs(run)] : args, new.target);
    } as unknown as DateConstructor;
    Object.defineProperties(VirtualDate, {
      prototype: { value: RealDate.prototype },
      now: { value: () => (active === null ? RealDate.now() : Math.floor(nowMs(active))), writable: true, configurable: true },
      parse: { value: RealDate.parse, writable: true, configurable: true },
      UTC: { value: RealDate.UTC, writable: true, configurable: true },
    });
    return VirtualDate;
  });

  const performance = g.performance as Record<string, unknown> | undefined;
  replace(performance, 'now', (real: () => number) =>
    function now(): number {
      return active === null ? real.call(performance) : active.loop.time() * 1000;
    },
  );

  installTimers(g, replace);

  for (const name of ['fetch', 'WebSocket', 'Worker', 'SharedWorker', 'XMLHttpRequest', 'EventSource']) {
    if (typeof g[name] !== 'function') continue;
    const what = name === 'fetch' ? 'fetch()' : `new ${name}()`;
    replace(g, name, (real: (...a: unknown[]) => unknown) =>
      function refused(this: unknown, ...args: unknown[]): unknown {
        if (active === null) return new.target === undefined ? real.apply(this, args) : Reflect.construct(real, args, new.target);
        throw new NondeterminismError(
          `${what} inside simulate(): ${name === 'Worker' || name === 'SharedWorker' ? 'a real thread' : 'real network I/O'} cannot be made deterministic ` +
            "(its result would arrive on no virtual clock); use the simulated network (import '@yieldio/sim') or call it outside simulate()",
        );
      },
    );
  }

  return () => {
    for (let i = restores.length - 1; i >= 0; i--) restores[i]!();
  };
}

/** The timer a virtual `setTimeout` returns: Node's `Timeout` methods, and a number id as a primitive. */
class VirtualTimeout {
  readonly #id: number;
  _handle: { cancel(): void } | null = null;
  constructor(id: number) {
    this.#id = id;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.#id;
  }
}

function installTimers(g: Record<string, unknown>, replace: (target: Record<string, unknown>, key: string, make: (real: any) => unknown) => void): void {
  const check = (run: Active, caller: string, callback: unknown): void => {
    if (typeof callback !== 'function') {
      throw new TypeError(`${caller}: expected a function to call, got ${describe(callback)}`);
    }
    if (run.loop.isClosed()) {
      throw new InvalidStateError(`${caller}: the simulation that replaced it has ended; call it inside simulate() or after it returns`);
    }
  };
  const delayOf = (ms: unknown): number => {
    const n = Number(ms);
    return (!(n >= 1 && n <= 2147483647) ? 1 : n) / 1000;
  };
  const arm = (run: Active, timer: VirtualTimeout, delay: number, callback: (...a: unknown[]) => unknown, args: unknown[], repeat: boolean): void => {
    timer._handle = run.loop.callLater(delay, () => {
      if (repeat) arm(run, timer, delay, callback, args, true);
      else run.timers.delete(+timer);
      callback(...args);
    });
  };
  const start = (caller: string, repeat: boolean) => (real: (...a: unknown[]) => unknown) =>
    function (this: unknown, callback: unknown, ms?: unknown, ...args: unknown[]): unknown {
      const run = active;
      if (run === null) return real.call(this, callback, ms, ...args);
      check(run, caller, callback);
      const timer = new VirtualTimeout(run.nextId++);
      run.timers.set(+timer, timer);
      arm(run, timer, delayOf(ms), callback as (...a: unknown[]) => unknown, args, repeat);
      return timer;
    };
  const clear = (real: (t: unknown) => void) =>
    function (this: unknown, timer: unknown): void {
      const run = active;
      if (timer instanceof VirtualTimeout || (run !== null && typeof timer === 'number')) {
        const id = +(timer as number);
        const ours = run?.timers.get(id);
        if (ours !== undefined) {
          run!.timers.delete(id);
          ours._handle?.cancel();
        }
        if (timer instanceof VirtualTimeout) {
          timer._handle?.cancel();
          return;
        }
        if (ours !== undefined) return;
      }
      // A real timer (made before the simulation began): the real clear still works on it.
      real.call(this, timer);
    };

  replace(g, 'setTimeout', start('setTimeout()', false));
  replace(g, 'setInterval', start('setInterval()', true));
  replace(g, 'clearTimeout', clear);
  replace(g, 'clearInterval', clear);
  if (typeof g.setImmediate === 'function') {
    replace(g, 'setImmediate', (real: (...a: unknown[]) => unknown) =>
      function (this: unknown, callback: unknown, ...args: unknown[]): unknown {
        const run = active;
        if (run === null) return real.call(this, callback, ...args);
        check(run, 'setImmediate()', callback);
        const timer = new VirtualTimeout(run.nextId++);
        run.timers.set(+timer, timer);
        timer._handle = run.loop.callSoon(() => {
          run.timers.delete(+timer);
          (callback as (...a: unknown[]) => unknown)(...args);
        });
        return timer;
      },
    );
    replace(g, 'clearImmediate', clear);
  }
}
