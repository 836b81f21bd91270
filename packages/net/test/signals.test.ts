/**
 * Signal handlers on the real loop (asyncio test_unix_events.py, SelectorEventLoopSignalTests),
 * with real signals: the test process sends itself SIGUSR2.
 */
import { InvalidStateError, getRunningLoop, newEventLoop, run, simulate, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import '@yieldio/net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

function listeners(sig: NodeJS.Signals): number {
  return process.listenerCount(sig);
}

/*
 * Jest gives each test file a copy of `process` whose listeners never reach Node's signal
 * wiring (jest-util createProcessObject leaves out `_events`), so in here a real SIGUSR2
 * would kill the worker. Relay it: the real process catches it and emits it on the copy,
 * where addSignalHandler listens as it would on the real one outside jest.
 */
const realProcess = (require('node:module') as { _load(name: string): NodeJS.Process })._load('process');
const relay = (): void => void process.emit('SIGUSR2', 'SIGUSR2');
beforeAll(() => void realProcess.on('SIGUSR2', relay));
afterAll(() => void realProcess.off('SIGUSR2', relay));

describe('addSignalHandler', () => {
  test('a real signal runs the callback through the loop, with its arguments', async () => {
    const seen: unknown[] = [];
    await run(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        loop.addSignalHandler('SIGUSR2', (a: number, b: string) => void seen.push([a, b, loop._inPass]), 1, 'x');
        process.kill(process.pid, 'SIGUSR2');
        for (let i = 0; i < 200 && seen.length === 0; i++) yield* sleep(0.005);
        expect(loop.removeSignalHandler('SIGUSR2')).toBe(true);
      })(),
    );
    expect(seen).toEqual([[1, 'x', true]]);
  });

  test('adding again replaces the handler; removing twice reports false', async () => {
    const seen: string[] = [];
    await run(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const before = listeners('SIGUSR2');
        loop.addSignalHandler('SIGUSR2', () => void seen.push('first'));
        loop.addSignalHandler('SIGUSR2', () => void seen.push('second'));
        expect(listeners('SIGUSR2')).toBe(before + 1);
        process.kill(process.pid, 'SIGUSR2');
        for (let i = 0; i < 200 && seen.length === 0; i++) yield* sleep(0.005);
        expect(loop.removeSignalHandler('SIGUSR2')).toBe(true);
        expect(loop.removeSignalHandler('SIGUSR2')).toBe(false);
        expect(listeners('SIGUSR2')).toBe(before);
      })(),
    );
    expect(seen).toEqual(['second']);
  });

  test('signal numbers work as names do', async () => {
    await run(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const { signals } = require('node:os').constants as { signals: Record<string, number> };
        loop.addSignalHandler(signals.SIGHUP!, () => undefined);
        expect(loop.removeSignalHandler('SIGHUP')).toBe(true);
      })(),
    );
  });

  test('an error in the callback goes to the exception handler', async () => {
    const messages: unknown[] = [];
    await run(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => void messages.push(ctx.exception));
        loop.addSignalHandler('SIGUSR2', () => {
          throw new Error('boom');
        });
        process.kill(process.pid, 'SIGUSR2');
        for (let i = 0; i < 200 && messages.length === 0; i++) yield* sleep(0.005);
        loop.removeSignalHandler('SIGUSR2');
      })(),
    );
    expect(String(messages[0])).toBe('Error: boom');
  });

  test('closing the loop removes its handlers, so the process can exit', () => {
    const loop = newEventLoop();
    const before = listeners('SIGUSR2');
    loop.addSignalHandler('SIGUSR2', () => undefined);
    loop.addSignalHandler('SIGHUP', () => undefined);
    expect(listeners('SIGUSR2')).toBe(before + 1);
    loop.close();
    expect(listeners('SIGUSR2')).toBe(before);
    expect(loop.removeSignalHandler('SIGHUP')).toBe(false);
  });

  test('after run() a handled SIGTERM is Node\'s again: it ends the process', async () => {
    // A separate program, since jest's process copy never reaches Node's signal wiring. A
    // listener left on `process` by a closed loop would swallow SIGTERM for good.
    const root = join(__dirname, '../../..');
    const dir = mkdtempSync(join(tmpdir(), 'yieldio-signals-'));
    try {
      const script = join(dir, 'main.cjs');
      await build({
        stdin: {
          contents: `
            import { run, getRunningLoop, sleep } from '@yieldio/core';
            import '@yieldio/net';
            function* main() {
              getRunningLoop().addSignalHandler('SIGTERM', () => console.log('handled'));
              process.kill(process.pid, 'SIGTERM');
              yield* sleep(0.05);
            }
            run(main()).then(() => { console.log('closed'); setInterval(() => {}, 1000); });
          `,
          resolveDir: root,
          loader: 'ts',
        },
        alias: {
          '@yieldio/core': join(root, 'packages/core/src/index.ts'),
          '@yieldio/core/internal': join(root, 'packages/core/src/internal.ts'),
          '@yieldio/net': join(root, 'packages/net/src/index.ts'),
        },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: script,
        logLevel: 'silent',
      });
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('closed')) child.kill('SIGTERM');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const signal = await exited;
      clearTimeout(timer);
      expect([out, signal]).toEqual(['handled\nclosed\n', 'SIGTERM']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad signals fail with clear errors', () => {
    const loop = newEventLoop();
    try {
      expect(() => loop.addSignalHandler('SIGNOPE', () => undefined)).toThrow(
        new RangeError(`addSignalHandler(): "SIGNOPE" is not a signal on this platform; use a name such as 'SIGUSR2', 'SIGTERM' or 'SIGHUP'`),
      );
      expect(() => loop.addSignalHandler({} as never, () => undefined)).toThrow(
        new TypeError(`addSignalHandler(): sig must be a signal name such as 'SIGUSR2' (or its number), got an object`),
      );
      expect(() => loop.addSignalHandler('SIGKILL', () => undefined)).toThrow(
        new RangeError('addSignalHandler(): SIGKILL cannot be caught, blocked or ignored; handle SIGTERM or SIGINT instead'),
      );
      expect(() => loop.addSignalHandler('SIGSTOP', () => undefined)).toThrow(RangeError);
      expect(() => loop.addSignalHandler('SIGUSR2', 3 as never)).toThrow(
        new TypeError('addSignalHandler(): callback must be a function, got 3 (a number)'),
      );
      expect(() => loop.addSignalHandler('SIGUSR2', function* gen() {} as never)).toThrow(/got generator function gen; a signal handler is a plain callback/);
      expect(() => loop.removeSignalHandler(99999)).toThrow(RangeError);
    } finally {
      loop.close();
    }
  });

  test('inside simulate() adding and removing are refused', () => {
    for (const method of ['addSignalHandler', 'removeSignalHandler'] as const) {
      expect(() =>
        simulate(
          (function* (): Coro<void> {
            const loop = getRunningLoop();
            if (method === 'addSignalHandler') loop.addSignalHandler('SIGUSR2', () => undefined);
            else loop.removeSignalHandler('SIGUSR2');
          })(),
        ),
      ).toThrow(
        new InvalidStateError(
          `${method}(): signals are not available inside simulate(): the virtual clock has no process to signal; run this under run()`,
        ),
      );
    }
  });
});
