/**
 * A task's context is copied when first observed (context.ts, "Tasks' contexts"): these
 * pin that nothing can tell the difference from asyncio's copy at creation. Each task
 * still sees its creator's values as they were when it was created, keeps its own sets,
 * and has one Context for its whole life.
 */
import { Context, ContextVar, InvalidStateError, copyContext, createTask, currentTask, simulate, sleep, type Coro, type Task, type Token } from '@yieldio/core';

function isolated<R>(fn: () => R): R {
  return new Context().run(fn);
}

describe('a task context copied on first use', () => {
  test('getContext() is one Context for the life of a task, before, during and after its steps', () => {
    const v = new ContextVar<number>('v', { default: 0 });
    const seen: Context[] = [];
    isolated(() =>
      simulate(
        (function* (): Coro<void> {
          const child = createTask(
            (function* (): Coro<void> {
              seen.push(currentTask()!.getContext());
              v.set(2);
              yield* sleep(0);
              seen.push(currentTask()!.getContext());
            })(),
          );
          seen.push(child.getContext());
          yield* child;
          seen.push(child.getContext());
          expect(child.getContext().get(v)).toBe(2);
        })(),
      ),
    );
    expect(seen).toHaveLength(4);
    for (const ctx of seen) expect(ctx).toBe(seen[0]);
  });

  test('a task sees the values its creator had when it was created, not later ones', () => {
    const v = new ContextVar<string>('v', { default: 'none' });
    const seen: string[] = [];
    isolated(() =>
      simulate(
        (function* (): Coro<void> {
          v.set('before');
          const child = createTask(
            (function* (): Coro<void> {
              seen.push(v.get());
              yield* sleep(0);
              seen.push(v.get());
            })(),
          );
          v.set('after');
          yield* child;
          seen.push(v.get());
        })(),
      ),
    );
    expect(seen).toEqual(['before', 'before', 'after']);
  });

  test('an eager task started inside a step keeps its sets, and so does the task that started it', () => {
    const v = new ContextVar<string>('v', { default: 'none' });
    const seen: string[] = [];
    isolated(() =>
      simulate(
        (function* (): Coro<void> {
          const outer = createTask(
            (function* (): Coro<void> {
              v.set('outer');
              const inner = createTask(
                (function* (): Coro<void> {
                  seen.push(`inner sees ${v.get()}`);
                  v.set('inner');
                  yield* sleep(0);
                  seen.push(`inner keeps ${v.get()}`);
                })(),
                { eagerStart: true },
              );
              seen.push(`outer keeps ${v.get()}`);
              yield* inner;
              seen.push(`outer still ${v.get()}`);
            })(),
          );
          yield* outer;
        })(),
      ),
    );
    expect(seen).toEqual(['inner sees outer', 'outer keeps outer', 'inner keeps inner', 'outer still outer']);
  });

  test('a set inside ctx.run() during a step stays in that context; the task keeps its own', () => {
    const v = new ContextVar<string>('v', { default: 'none' });
    const other = new Context();
    let own: Context | undefined;
    isolated(() =>
      simulate(
        (function* (): Coro<void> {
          other.run(() => {
            own = currentTask()!.getContext();
            v.set('in other');
          });
          v.set('in task');
          yield* sleep(0);
          expect(v.get()).toBe('in task');
        })(),
      ),
    );
    expect(other.get(v)).toBe('in other');
    expect(own!.get(v)).toBe('in task');
    // Left when the task's step ended: it can be entered again.
    expect(own!.run(() => v.get())).toBe('in task');
  });

  test('a token set in one task cannot be reset in another, as with copies made at creation', () => {
    const v = new ContextVar<number>('v', { default: 0 });
    let token: Token<number> | undefined;
    let error: unknown;
    isolated(() =>
      simulate(
        (function* (): Coro<void> {
          const a = createTask(
            (function* (): Coro<void> {
              token = v.set(1);
            })(),
          );
          yield* a;
          const b: Task<void> = createTask(
            (function* (): Coro<void> {
              try {
                v.reset(token!);
              } catch (exc) {
                error = exc;
              }
            })(),
          );
          yield* b;
        })(),
      ),
    );
    expect(error).toBeInstanceOf(InvalidStateError);
    expect((error as Error).message).toBe(
      'ContextVar.reset(): the token of "v" was created in a different Context; reset it where it was set',
    );
  });

  test('copyContext() inside a step copies the task values, and callbacks made then see them', () => {
    const v = new ContextVar<number>('v', { default: 0 });
    let copied: Context | undefined;
    isolated(() =>
      simulate(
        (function* (): Coro<void> {
          v.set(7);
          copied = copyContext();
          v.set(8);
          yield* sleep(0);
        })(),
      ),
    );
    expect(copied!.get(v)).toBe(7);
  });
});
