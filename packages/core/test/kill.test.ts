/**
 * Task._kill: the hook a simulated machine crash uses (@yieldio/sim's SimHost.crash). A
 * killed task stops where it stands without running its coroutine again (no finally),
 * ends cancelled, and whoever awaits it gets CancelledError.
 */
import { CancelledError, allTasks, createTask, getRunningLoop, simulate, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';

describe('Task._kill', () => {
  it('stops a waiting task without its finally; an awaiter gets CancelledError', () => {
    const log = simulate(
      (function* (): Coro<string[]> {
        const log: string[] = [];
        const victim = createTask(
          (function* () {
            try {
              yield* sleep(10);
              log.push('woke');
            } finally {
              log.push('finally');
            }
          })(),
        );
        yield* sleep(1);
        log.push(`killed: ${victim._kill('crash')}`);
        log.push(`cancelled: ${victim.cancelled()}, pending tasks: ${allTasks().size}`);
        try {
          yield* victim;
        } catch (exc) {
          log.push(`awaiter: ${exc instanceof CancelledError ? 'CancelledError' : String(exc)}`);
        }
        yield* sleep(20); // the sleep it waited for fires; nothing wakes
        return [...log];
      })(),
    );
    expect(log).toEqual(['killed: true', 'cancelled: true, pending tasks: 1', 'awaiter: CancelledError']);
  });

  it('skips a step already queued, and refuses a done task and the running one', () => {
    const result = simulate(
      (function* () {
        let steps = 0;
        const victim = createTask(
          (function* () {
            for (;;) {
              steps++;
              yield; // always on the ready queue
            }
          })(),
        );
        yield* sleep(0);
        const before = steps;
        const killed = victim._kill();
        yield* sleep(0);
        yield* sleep(0);
        const me = getRunningLoop()._currentTask!;
        return { stepsAfter: steps - before, killed, again: victim._kill(), self: me._kill() };
      })(),
    );
    expect(result).toEqual({ stepsAfter: 0, killed: true, again: false, self: false });
  });
});
