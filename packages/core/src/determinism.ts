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
 * Each `simulate()` saves what it replaces and puts it back when it returns or throws,
 * so simulations that follow each other (or nest inside a test runner's own timers)
 * leave the globals as they found them. No Node module is used: this runs in browsers.
 * What stays out of reach: a Promise still cannot settle inside a simulation, and code
 * that captured `Date` or `setTimeout` before `simulate()` keeps the real ones.
 */
import { InvalidStateError, NondeterminismError } from './errors';
import type { EventLoop } from './loop';
import type { TimerHandle } from './handle';
import type { VirtualHost } from './virtual-host';
import { describe } from './repr';

/** 2000-01-01T00:00:00Z, in milliseconds: wall-clock time at virtual time 0. */
export const EPOCH_MS = 946684800000;

const TWO_32 = 0x100000000;

type Restore = () => void;

/** Replace the globals for the run on `loop`; returns what puts them back. */
export function installDeterminism(loop: EventLoop<VirtualHost>): Restore {
  const g = globalThis as Record<string, unknown>;
  const restores: Restore[] = [];
  const host = loop.host;
  const nowMs = (): number => EPOCH_MS + loop.time() * 1000;

  const replace = (target: Record<string, unknown> | undefined, key: string, value: unknown): void => {
    if (target === undefined || target === null) return;
    const own = Object.getOwnPropertyDescriptor(target, key);
    try {
      Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: own?.enumerable ?? false });
    } catch {
      return; // frozen: leave it
    }
    restores.push(() => {
      if (own === undefined) delete target[key];
      else Object.defineProperty(target, key, own);
    });
  };

  replace(Math as unknown as Record<string, unknown>, 'random', () => host.decide(TWO_32) / TWO_32);

  const crypto = g.crypto as Record<string, unknown> | undefined;
  if (crypto !== undefined) {
    const getRandomValues = <A extends ArrayBufferView | null>(array: A): A => {
      if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array || array instanceof DataView) {
        throw new TypeError(`crypto.getRandomValues(): expected an integer typed array, got ${describe(array)}`);
      }
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      for (let i = 0; i < bytes.length; i += 4) {
        let word = host.decide(TWO_32);
        for (let k = 0; k < 4 && i + k < bytes.length; k++, word >>>= 8) bytes[i + k] = word & 0xff;
      }
      return array;
    };
    replace(crypto, 'getRandomValues', getRandomValues);
    replace(crypto, 'randomUUID', () => {
      const b = getRandomValues(new Uint8Array(16));
      b[6] = (b[6]! & 0x0f) | 0x40;
      b[8] = (b[8]! & 0x3f) | 0x80;
      const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    });
  }

  const RealDate = Date;
  const VirtualDate = function (this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) return new RealDate(nowMs()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [nowMs()] : args, new.target);
  } as unknown as DateConstructor;
  Object.defineProperties(VirtualDate, {
    prototype: { value: RealDate.prototype },
    now: { value: () => Math.floor(nowMs()), writable: true, configurable: true },
    parse: { value: RealDate.parse, writable: true, configurable: true },
    UTC: { value: RealDate.UTC, writable: true, configurable: true },
  });
  replace(g, 'Date', VirtualDate);

  const performance = g.performance as Record<string, unknown> | undefined;
  replace(performance, 'now', () => loop.time() * 1000);

  installTimers(loop, g, replace);

  for (const name of ['fetch', 'WebSocket', 'Worker', 'SharedWorker', 'XMLHttpRequest', 'EventSource']) {
    if (typeof g[name] !== 'function') continue;
    const what = name === 'fetch' ? 'fetch()' : `new ${name}()`;
    replace(g, name, function refused(): never {
      throw new NondeterminismError(
        `${what} inside simulate(): ${name === 'Worker' || name === 'SharedWorker' ? 'a real thread' : 'real network I/O'} cannot be made deterministic ` +
          "(its result would arrive on no virtual clock); use the simulated network (import '@yieldio/sim') or call it outside simulate()",
      );
    });
  }

  return () => {
    for (let i = restores.length - 1; i >= 0; i--) restores[i]!();
  };
}

/** The timer a virtual `setTimeout` returns: Node's `Timeout` methods, and a number id as a primitive. */
class VirtualTimeout {
  readonly #id: number;
  _handle: TimerHandle | null = null;
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

function installTimers(
  loop: EventLoop<VirtualHost>,
  g: Record<string, unknown>,
  replace: (target: Record<string, unknown>, key: string, value: unknown) => void,
): void {
  const timers = new Map<number, VirtualTimeout>();
  const realClear = { timeout: g.clearTimeout, interval: g.clearInterval, immediate: g.clearImmediate };
  let nextId = 1;

  const check = (caller: string, callback: unknown): void => {
    if (typeof callback !== 'function') {
      throw new TypeError(`${caller}: expected a function to call, got ${describe(callback)}`);
    }
    if (loop.isClosed()) {
      throw new InvalidStateError(`${caller}: the simulation that replaced it has ended; call it inside simulate() or after it returns`);
    }
  };
  const delayOf = (ms: unknown): number => {
    const n = Number(ms);
    return (!(n >= 1 && n <= 2147483647) ? 1 : n) / 1000;
  };
  const arm = (timer: VirtualTimeout, delay: number, callback: (...a: unknown[]) => unknown, args: unknown[], repeat: boolean): void => {
    timer._handle = loop.callLater(delay, () => {
      if (repeat) arm(timer, delay, callback, args, true);
      else timers.delete(+timer);
      callback(...args);
    });
  };
  const start = (caller: string, repeat: boolean) =>
    function (callback: unknown, ms?: unknown, ...args: unknown[]): VirtualTimeout {
      check(caller, callback);
      const timer = new VirtualTimeout(nextId++);
      timers.set(+timer, timer);
      arm(timer, delayOf(ms), callback as (...a: unknown[]) => unknown, args, repeat);
      return timer;
    };
  const clear = (real: unknown) =>
    function (timer: unknown): void {
      if (timer === undefined || timer === null) return;
      const id = typeof timer === 'number' ? timer : timer instanceof VirtualTimeout ? +timer : NaN;
      const ours = timers.get(id);
      if (ours !== undefined) {
        timers.delete(id);
        ours._handle?.cancel();
        return;
      }
      // A real timer made before the simulation began: the real clear still works on it.
      if (typeof real === 'function') (real as (t: unknown) => void)(timer);
    };

  replace(g, 'setTimeout', start('setTimeout()', false));
  replace(g, 'setInterval', start('setInterval()', true));
  replace(g, 'clearTimeout', clear(realClear.timeout));
  replace(g, 'clearInterval', clear(realClear.interval));
  if (typeof g.setImmediate === 'function') {
    replace(g, 'setImmediate', function (callback: unknown, ...args: unknown[]): VirtualTimeout {
      check('setImmediate()', callback);
      const timer = new VirtualTimeout(nextId++);
      timers.set(+timer, timer);
      const handle = loop.callSoon(() => {
        timers.delete(+timer);
        (callback as (...a: unknown[]) => unknown)(...args);
      });
      timer._handle = handle as TimerHandle;
      return timer;
    });
    replace(g, 'clearImmediate', clear(realClear.immediate));
  }
}
