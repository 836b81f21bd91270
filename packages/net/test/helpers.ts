/**
 * Test helpers: run a coroutine on the real clock with a deadline and collect what the
 * loop's exception handler receives, so each test can assert that nothing went wrong
 * quietly (CPython's tests do `loop.set_exception_handler(lambda loop, ctx: messages.append(ctx))`).
 */
import { getRunningLoop, run, timeout } from '@yieldio/core';
import type { Coro, ExceptionContext } from '@yieldio/core';
import type { Server } from '@yieldio/net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Outcome<T> {
  result: T;
  messages: ExceptionContext[];
}

/** Run `body()` under run() with a deadline of `seconds` (real time). */
export async function runNet<T>(body: () => Coro<T>, seconds = 5): Promise<Outcome<T>> {
  const messages: ExceptionContext[] = [];
  const result = await run(
    (function* (): Coro<T> {
      getRunningLoop().setExceptionHandler((_loop, ctx) => void messages.push(ctx));
      return yield* timeout(seconds, function* () {
        return yield* body();
      });
    })(),
  );
  return { result, messages };
}

/** The port a server listens on (its first socket). */
export function portOf(server: Server): number {
  const name = server.sockets[0].getsockname();
  if (!Array.isArray(name)) throw new Error(`not an IP server: ${String(name)}`);
  return name[1];
}

export const bytes = (text: string): Uint8Array => Buffer.from(text);
export const text = (data: Uint8Array): string => Buffer.from(data).toString();

/** A fresh temporary directory for Unix sockets; remove it with the returned function. */
export function tempDir(): [string, () => void] {
  const dir = mkdtempSync(join(tmpdir(), 'yieldio-net-'));
  return [dir, () => rmSync(dir, { recursive: true, force: true })];
}
