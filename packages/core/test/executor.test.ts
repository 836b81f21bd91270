/**
 * Executors: `loop.shutdownDefaultExecutor(timeout)` (asyncio 3.12), on the real clock
 * with a fake executor; the rest of executor.ts is tested across packages in
 * packages/threads/test/thread-pool-executor.test.ts.
 */
import {
  InvalidStateError,
  createTask,
  getRunningLoop,
  logger,
  newEventLoop,
  newVirtualEventLoop,
  run,
  sleep,
  type Coro,
  type Executor,
} from '@yieldio/core';



describe('shutdownDefaultExecutor(timeout)', () => {
  /** An executor whose shutdown takes `seconds` of real time (Infinity: never ends). */
  function slowExecutor(seconds: number): Executor {
    return {
      submit: () => Promise.reject(new Error('not used')),
      shutdown: () => new Promise<void>((resolve) => {
        if (seconds !== Infinity) setTimeout(resolve, seconds * 1000);
      }),
    };
  }

  it('gives up after the timeout with a warning, and the loop drops the executor', async () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(logger, 'warning').mockImplementation((message: string) => void warnings.push(message));
    try {
      const loop = newEventLoop();
      loop.setDefaultExecutor(slowExecutor(Infinity));
      const started = loop.time();
      await loop.runUntilComplete(loop.shutdownDefaultExecutor(0.05));
      expect(loop.time() - started).toBeGreaterThanOrEqual(0.04);
      expect(loop._defaultExecutor).toBeNull();
      expect(warnings).toEqual([
        'shutdownDefaultExecutor(): the default executor did not finish its work within 0.05 seconds; leaving it to finish on its own',
      ]);
      loop.close();
    } finally {
      warn.mockRestore();
    }
  });

  it('returns as soon as the executor is done, with no warning, when it is within the timeout', async () => {
    const warn = jest.spyOn(logger, 'warning');
    try {
      const loop = newEventLoop();
      loop.setDefaultExecutor(slowExecutor(0.01));
      await loop.runUntilComplete(loop.shutdownDefaultExecutor(5));
      expect(warn).not.toHaveBeenCalled();
      expect(() => loop.runInExecutor(null, () => 1)).toThrow(InvalidStateError);
      loop.close();
    } finally {
      warn.mockRestore();
    }
  });

  it('lets a cancellation of the caller through, without a warning', async () => {
    const warn = jest.spyOn(logger, 'warning');
    try {
      const outcome = await run((function* (): Coro<boolean> {
        const loop = getRunningLoop();
        loop.setDefaultExecutor(slowExecutor(Infinity));
        const shutdown = createTask(loop.shutdownDefaultExecutor(10));
        yield* sleep(0.01);
        shutdown.cancel();
        yield* sleep(0);
        return shutdown.cancelled();
      })());
      expect(outcome).toBe(true);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a timeout that is not a number of seconds >= 0, or null', () => {
    const loop = newVirtualEventLoop();
    expect(() => loop.shutdownDefaultExecutor('5' as never).next()).toThrow(
      new TypeError('shutdownDefaultExecutor(): timeout must be a number of seconds or null (no limit), got "5" (a string)'),
    );
    expect(() => loop.shutdownDefaultExecutor(-1).next()).toThrow(
      new RangeError('shutdownDefaultExecutor(): timeout must be >= 0 seconds, got -1; pass null to wait without a limit'),
    );
    loop.close();
  });
});
