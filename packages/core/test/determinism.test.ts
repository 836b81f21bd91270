/**
 * determinism.ts: inside simulate(), the globals that read time or entropy (Math.random,
 * crypto, Date, performance.now, setTimeout and kin) run on the seed and the virtual clock.
 */
import {
  InvalidStateError,
  NondeterminismError,
  getRunningLoop,
  holdSimulatedGlobals,
  simulate,
  sleep,
  toThread,
  type Coro,
} from '@yieldio/core';
import { thrownBy } from './fixtures/helpers';



describe('determinism of globals inside simulate()', () => {
  function* usesGlobals(): Coro<string[]> {
    const out: string[] = [];
    out.push(`${Date.now()} ${new Date().toISOString()} ${performance.now()}`);
    const loop = getRunningLoop();
    const fired = loop.createFuture<void>();
    setTimeout(() => {
      out.push(`timeout at ${loop.time()} ${new Date().toISOString()}`);
      fired.setResult();
    }, 1500);
    const never = setTimeout(() => out.push('cleared'), 10);
    clearTimeout(never);
    let ticks = 0;
    const interval = setInterval(() => {
      out.push(`tick ${++ticks} at ${loop.time()}`);
      if (ticks === 2) clearInterval(interval);
    }, 400);
    setImmediate((x: string) => out.push(`immediate ${x} at ${loop.time()}`), 'arg');
    yield* fired;
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    out.push(`${Math.random()} ${crypto.randomUUID()} ${Array.from(bytes).join(',')}`);
    return out;
  }

  test('Date, performance, timers and random run on the seed and the virtual clock', () => {
    const out = simulate(usesGlobals(), { seed: 4 });
    expect(out.slice(0, 5)).toEqual([
      '946684800000 2000-01-01T00:00:00.000Z 0',
      'immediate arg at 0',
      'tick 1 at 0.4',
      'tick 2 at 0.8',
      'timeout at 1.5 2000-01-01T00:00:01.500Z',
    ]);
    expect(out[5]).toMatch(/^0\.\d+ [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} (\d+,){5}\d+$/);
    expect(simulate(usesGlobals(), { seed: 4 })).toEqual(out);
    expect(simulate(usesGlobals(), { seed: 5 })[5]).not.toBe(out[5]);
  });

  test('the globals are restored when simulate() returns and when it throws', () => {
    const saved = [Math.random, Date, Date.now, performance.now, setTimeout, clearTimeout, setInterval, setImmediate, crypto.getRandomValues];
    simulate(usesGlobals());
    expect(() =>
      simulate(
        (function* (): Coro<void> {
          yield* sleep(1);
          throw new Error('boom');
        })(),
      ),
    ).toThrow('boom');
    expect([Math.random, Date, Date.now, performance.now, setTimeout, clearTimeout, setInterval, setImmediate, crypto.getRandomValues]).toEqual(saved);
    expect(Object.getOwnPropertyNames(crypto)).not.toContain('getRandomValues');
    expect(Date.now()).toBeGreaterThan(Date.UTC(2020, 0, 1));
  });

  test('holdSimulatedGlobals keeps them installed across runs, real between runs, restored at release', () => {
    const realRandom = Math.random;
    const release = holdSimulatedGlobals();
    try {
      expect(Math.random).not.toBe(realRandom);
      expect(Date.now()).toBeGreaterThan(Date.UTC(2020, 0, 1)); // between runs: the real clock
      const inside = simulate(
        (function* (): Coro<number> {
          yield* sleep(2);
          return Date.now();
        })(),
      );
      expect(inside).toBe(946684800000 + 2000);
      expect(simulate((function* (): Coro<number> { return Math.random(); })(), { seed: 9 })).toBe(
        simulate((function* (): Coro<number> { return Math.random(); })(), { seed: 9 }),
      );
      const timer = setTimeout(() => undefined, 10_000);
      clearTimeout(timer); // a real timer, made and cleared between runs
    } finally {
      release();
    }
    expect(Math.random).toBe(realRandom);
  });

  test('a simulation run from inside another one\'s timer callback is refused, and the outer globals survive', () => {
    const seen = simulate(
      (function* (): Coro<string> {
        const loop = getRunningLoop();
        const done = loop.createFuture<string>();
        setTimeout(() => {
          const err = thrownBy(() => simulate(sleep(0)));
          done.setResult(`${(err as Error).name} ${Date.now()}`);
        }, 1000);
        return yield* done;
      })(),
    );
    expect(seen).toBe(`InvalidStateError ${946684800000 + 1000}`);
  });

  test('threads cannot be deterministic: NondeterminismError names the call', () => {
    const err = thrownBy(() => simulate(toThread(() => 1)));
    expect(err).toBeInstanceOf(NondeterminismError);
    expect(err).toBeInstanceOf(InvalidStateError);
    expect((err as Error).message).toMatch(/^toThread\(\): executors are not available inside simulate\(\)/);
  });

  test('fetch inside simulate() raises NondeterminismError', () => {
    if (typeof fetch !== 'function') return;
    expect(() =>
      simulate(
        (function* (): Coro<void> {
          void fetch('http://example.invalid/');
        })(),
      ),
    ).toThrow(
      new NondeterminismError(
        "fetch() inside simulate(): real network I/O cannot be made deterministic (its result would arrive on no virtual clock); use the simulated network (import '@yieldio/sim') or call it outside simulate()",
      ),
    );
  });
});
