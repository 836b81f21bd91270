/**
 * deadlock.ts: the DeadlockError a simulation ends with when nothing can ever happen
 * again, naming each blocked task and what it waits for.
 */
import {
  CancelledError,
  DeadlockError,
  createTask,
  gather,
  getEventLoop,
  getRunningLoop,
  simulate,
  sleep,
  taskGroup,
  wrapPromise,
  type Coro,
} from '@yieldio/core';
import { thrownBy } from './fixtures/helpers';



describe('DeadlockError', () => {
  test('names each blocked task and what it waits for: a future, another task, a gather', () => {
    const exc = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          const loop = getRunningLoop();
          const reply = loop.createFuture({ description: 'a reply that nobody sends' });
          const consumer = createTask((function* (): Coro<void> {
            yield* reply;
          })(), { name: 'consumer' });
          const waiter = createTask((function* (): Coro<void> {
            yield* consumer;
          })(), { name: 'waiter' });
          yield* sleep(2);
          yield* gather(consumer, waiter);
        })(),
      ),
    );
    expect(exc).toBeInstanceOf(DeadlockError);
    const deadlock = exc as DeadlockError;
    expect(deadlock.name).toBe('DeadlockError');
    expect(deadlock.time).toBe(2);
    expect(deadlock.message).toBe(
      [
        'deadlock at virtual time 2: nothing is ready, no timer is pending, and 3 task(s) wait on something no one will complete:',
        '  task "Task-1" waits for <GatheringFuture pending gather(2)>',
        '  task "consumer" waits for <Future pending a reply that nobody sends>',
        '  task "waiter" waits for task "consumer"',
      ].join('\n'),
    );
    expect(deadlock.blocked.map(({ task }) => task.getName())).toEqual(['Task-1', 'consumer', 'waiter']);
    expect(deadlock.blocked[2].waitsFor).toBe(deadlock.blocked[1].task);
  });

  test('a wrapPromise inside simulate() is named as a Promise that cannot settle there', () => {
    const exc = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          yield* wrapPromise(Promise.resolve(1));
        })(),
      ),
    );
    expect((exc as Error).message).toBe(
      'deadlock at virtual time 0: nothing is ready, no timer is pending, and 1 task(s) wait on something no one will complete:\n' +
        '  task "Task-1" waits for <Future pending wrapPromise(): a Promise cannot settle inside simulate(), which runs synchronously>',
    );
  });

  test('a child stuck in a task group is named, and so is the group its parent waits in', () => {
    const exc = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          yield* taskGroup(function* (tg) {
            tg.createTask((function* (): Coro<void> {
              yield* getRunningLoop().createFuture({ description: 'never' });
            })(), { name: 'child' });
          });
        })(),
      ),
    );
    expect((exc as Error).message.split('\n').slice(1)).toEqual([
      '  task "Task-1" waits for <Future pending taskGroup() waiting for its tasks>',
      '  task "child" waits for <Future pending never>',
    ]);
  });

  test('a cancelled timer does not postpone the deadlock: the clock does not jump to it', () => {
    const exc = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          const loop = getRunningLoop();
          loop.callLater(100, () => undefined).cancel();
          yield* loop.createFuture({ description: 'never' });
        })(),
      ),
    );
    expect(exc).toBeInstanceOf(DeadlockError);
    expect((exc as DeadlockError).time).toBe(0);
  });

  test('the blocked tasks are cancelled afterwards, so their finally blocks run', () => {
    const cleanedUp: string[] = [];
    const exc = thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          const never = getRunningLoop().createFuture();
          createTask((function* (): Coro<void> {
            try {
              yield* never;
            } catch (err) {
              cleanedUp.push((err as Error).name);
              throw err;
            }
          })(), { name: 'stuck' });
          yield* never;
        })(),
      ),
    );
    expect(exc).toBeInstanceOf(DeadlockError);
    expect(cleanedUp).toEqual(['CancelledError']);
  });

  test('a deadlock inside main leaves no current event loop behind', () => {
    thrownBy(() =>
      simulate(
        (function* (): Coro<void> {
          yield* getRunningLoop().createFuture();
        })(),
      ),
    );
    expect(() => getEventLoop()).toThrow(/^getEventLoop\(\): there is no current event loop/);
  });
});
