/**
 * Eager tasks (asyncio 3.12+): a port of CPython's
 * Lib/test/test_asyncio/test_eager_task_factory.py, for `eagerTaskFactory`,
 * `createEagerTaskFactory(cls)` and `createTask(coro, { eagerStart: true })` (3.14's
 * eager_start on the default factory).
 *
 * An eager task runs its coroutine synchronously inside createTask, up to its first real
 * suspension; a coroutine that finishes without suspending is done before createTask
 * returns and is never scheduled. Eager start only happens while the loop runs.
 *
 * Left out: staggered_race (not in our API) and the C-only cases (issue105987,
 * issue122332's get_coro() returning None).
 */
import {
  CancelledError,
  ContextVar,
  Task,
  allTasks,
  createEagerTaskFactory,
  createTask,
  currentTask,
  eagerTaskFactory,
  gather,
  getRunningLoop,
  newEventLoop,
  newVirtualEventLoop,
  sleep,
  taskGroup,
  type Coro,
  type EventLoop,
  type TaskOptions,
  type VirtualHost,
} from '@yieldio/core';

class MyTask<T> extends Task<T> {}

describe('a loop with the eager task factory', () => {
  let loop: EventLoop<VirtualHost>;
  beforeEach(() => {
    loop = newVirtualEventLoop();
    loop.setTaskFactory(eagerTaskFactory);
  });
  afterEach(() => loop.close());

  test('getTaskFactory returns the factory, and createTask gives its class', () => {
    const factory = createEagerTaskFactory(MyTask);
    loop.setTaskFactory(factory);
    expect(loop.getTaskFactory()).toBe(factory);
    function* noop(): Coro<void> {}
    function* main(): Coro<void> {
      const t = createTask(noop());
      expect(t).toBeInstanceOf(MyTask);
      yield* t;
    }
    loop.runUntilComplete(main());
  });

  test('a task that completes a future in its eager step is done at once', () => {
    // test_await_future_during_eager_step
    function* setResult(fut: ReturnType<EventLoop['createFuture']>, value: string): Coro<void> {
      fut.setResult(value);
    }
    function* main(): Coro<unknown> {
      const fut = getRunningLoop().createFuture();
      const t = createTask(setResult(fut, 'my message'));
      expect(t.done()).toBe(true);
      return yield* fut;
    }
    expect(loop.runUntilComplete(main())).toBe('my message');
  });

  test('a coroutine that never suspends is done when createTask returns', () => {
    // test_eager_completion
    function* coro(): Coro<string> {
      return 'hello';
    }
    function* main(): Coro<string> {
      const t = createTask(coro());
      expect(t.done()).toBe(true);
      return yield* t;
    }
    expect(loop.runUntilComplete(main())).toBe('hello');
  });

  test('a coroutine that suspends is pending after its eager step', () => {
    // test_block_after_eager_step
    function* coro(): Coro<string> {
      yield* sleep(0.1);
      return 'finished after blocking';
    }
    function* main(): Coro<string> {
      const t = createTask(coro());
      expect(t.done()).toBe(false);
      const result = yield* t;
      expect(t.done()).toBe(true);
      return result;
    }
    expect(loop.runUntilComplete(main())).toBe('finished after blocking');
  });

  test('the eager step runs before the code after createTask', () => {
    const order: string[] = [];
    function* child(): Coro<void> {
      order.push('child step 1');
      yield* sleep(0);
      order.push('child step 2');
    }
    function* main(): Coro<void> {
      const t = createTask(child());
      order.push('parent after createTask');
      yield* t;
    }
    loop.runUntilComplete(main());
    expect(order).toEqual(['child step 1', 'parent after createTask', 'child step 2']);
  });

  test('a task that finished eagerly cannot be cancelled', () => {
    // test_cancellation_after_eager_completion
    function* coro(): Coro<string> {
      return 'finished without blocking';
    }
    function* main(): Coro<string> {
      const t = createTask(coro());
      expect(t.cancel()).toBe(false);
      const result = yield* t;
      expect(t.cancelled()).toBe(false);
      return result;
    }
    expect(loop.runUntilComplete(main())).toBe('finished without blocking');
  });

  test('a task that blocked after its eager step is cancelled with the message', () => {
    // test_cancellation_after_eager_step_blocks
    function* coro(): Coro<string> {
      yield* sleep(0.1);
      return 'finished after blocking';
    }
    function* main(): Coro<void> {
      const t = createTask(coro());
      t.cancel('cancellation message');
      expect(t.cancelling()).toBeGreaterThan(0);
      yield* t;
    }
    let caught: unknown = null;
    try {
      loop.runUntilComplete(main());
    } catch (exc) {
      caught = exc;
    }
    expect(caught).toBeInstanceOf(CancelledError);
    expect((caught as CancelledError).message).toBe('cancellation message');
  });

  test('an eager task that throws at once is done with the exception', () => {
    function* boom(): Coro<void> {
      throw new RangeError('at once');
    }
    function* main(): Coro<string> {
      const t = createTask(boom());
      expect(t.done()).toBe(true);
      return (t.exception() as Error).message;
    }
    expect(loop.runUntilComplete(main())).toBe('at once');
  });

  test('currentTask during the eager step is the new task, then the parent again', () => {
    // test_current_task
    let captured: Task<unknown> | null = null;
    function* coro(): Coro<void> {
      captured = currentTask();
      yield* sleep(0.1);
      expect(currentTask()).toBe(captured);
    }
    function* main(): Coro<void> {
      const parent = currentTask();
      const t = createTask(coro());
      expect(captured).toBe(t);
      expect(currentTask()).toBe(parent);
      yield* t;
    }
    loop.runUntilComplete(main());
  });

  test('eager tasks nest: each step sees itself as the current task', () => {
    const seen: Array<[string, string]> = [];
    function* inner(): Coro<void> {
      seen.push(['inner', currentTask()!.getName()]);
    }
    function* outer(): Coro<void> {
      seen.push(['outer before', currentTask()!.getName()]);
      createTask(inner(), { name: 'inner' });
      seen.push(['outer after', currentTask()!.getName()]);
      yield* sleep(0);
    }
    function* main(): Coro<void> {
      yield* createTask(outer(), { name: 'outer' });
    }
    loop.runUntilComplete(main());
    expect(seen).toEqual([
      ['outer before', 'outer'],
      ['inner', 'inner'],
      ['outer after', 'outer'],
    ]);
  });

  test('the name given to createTask is set before the eager step', () => {
    // CEagerTaskFactoryLoopTests.test_name
    let name: string | null = null;
    function* coro(): Coro<void> {
      name = currentTask()!.getName();
    }
    function* main(): Coro<void> {
      const task = createTask(coro(), { name: 'test name' });
      expect(name).toBe('test name');
      yield* task;
    }
    loop.runUntilComplete(main());
  });

  test('a task that blocked is in allTasks until it finishes', () => {
    // test_all_tasks_with_blocking
    function* coro(fut1: ReturnType<EventLoop['createFuture']>, fut2: ReturnType<EventLoop['createFuture']>): Coro<void> {
      yield* fut1;
      fut2.setResult(null);
    }
    function* main(): Coro<void> {
      const fut1 = getRunningLoop().createFuture();
      const fut2 = getRunningLoop().createFuture();
      const t = createTask(coro(fut1, fut2));
      expect(allTasks().has(t)).toBe(true);
      fut1.setResult(null);
      yield* fut2;
      expect(allTasks().has(t)).toBe(false);
    }
    loop.runUntilComplete(main());
  });

  test('a task that completed eagerly is not in allTasks afterwards', () => {
    // test_all_tasks_with_eager_completion (the part after the eager step)
    function* coro(): Coro<void> {}
    function* main(): Coro<void> {
      const t = createTask(coro());
      expect(allTasks().has(t)).toBe(false);
    }
    loop.runUntilComplete(main());
  });

  test('the eager step runs in a copy of the creator context', () => {
    // test_context_vars
    const cv = new ContextVar<number>('cv', { default: 0 });
    let firstStepRan = false;
    let secondStepRan = false;
    function* coro(): Coro<void> {
      expect(cv.get()).toBe(1);
      cv.set(2);
      expect(cv.get()).toBe(2);
      firstStepRan = true;
      yield* sleep(0.1);
      expect(cv.get()).toBe(2);
      cv.set(3);
      expect(cv.get()).toBe(3);
      secondStepRan = true;
    }
    function* main(): Coro<void> {
      cv.set(1);
      const t = createTask(coro());
      expect(firstStepRan).toBe(true);
      expect(secondStepRan).toBe(false);
      expect(cv.get()).toBe(1);
      yield* t;
      expect(secondStepRan).toBe(true);
      expect(cv.get()).toBe(1);
    }
    loop.runUntilComplete(main());
  });

  test('the main task of runUntilComplete is not eager: the loop is not running yet', () => {
    let ranInside = false;
    function* main(): Coro<void> {
      ranInside = true;
    }
    const t = loop.createTask(main());
    expect(ranInside).toBe(false);
    expect(t.done()).toBe(false);
    loop.runUntilComplete(t);
    expect(ranInside).toBe(true);
  });

  test('setTaskFactory(null) goes back to lazy tasks', () => {
    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBeNull();
    let ran = false;
    function* coro(): Coro<void> {
      ran = true;
    }
    function* main(): Coro<void> {
      const t = createTask(coro());
      expect(ran).toBe(false);
      yield* t;
      expect(ran).toBe(true);
    }
    loop.runUntilComplete(main());
  });
});

describe('eagerStart on the default task factory (3.14)', () => {
  let loop: EventLoop<VirtualHost>;
  beforeEach(() => {
    loop = newVirtualEventLoop();
  });
  afterEach(() => loop.close());

  test('createTask(coro, { eagerStart: true }) runs the first step at once', () => {
    // test_tasks test_eager_start_true
    let name: string | null = null;
    function* asyncfn(): Coro<void> {
      name = currentTask()!.getName();
    }
    function* main(): Coro<void> {
      const t = createTask(asyncfn(), { eagerStart: true, name: 'example' });
      expect(t.done()).toBe(true);
      expect(name).toBe('example');
      yield* t;
    }
    loop.runUntilComplete(main());
  });

  test('eagerStart: false leaves the task to the next pass', () => {
    // test_tasks test_eager_start_false
    let name: string | null = null;
    function* asyncfn(): Coro<void> {
      name = currentTask()!.getName();
    }
    function* main(): Coro<void> {
      const t = createTask(asyncfn(), { eagerStart: false, name: 'example' });
      expect(t.done()).toBe(false);
      expect(name).toBeNull();
      yield* t;
      expect(name).toBe('example');
    }
    loop.runUntilComplete(main());
  });

  test('eagerStart while the loop is not running starts the task lazily', () => {
    let ran = false;
    function* coro(): Coro<void> {
      ran = true;
    }
    const t = new Task(coro(), { loop, eagerStart: true });
    expect(ran).toBe(false);
    loop.runUntilComplete(t);
    expect(ran).toBe(true);
  });

  test('eagerStart: false overrides an eager factory', () => {
    loop.setTaskFactory(eagerTaskFactory);
    let ran = false;
    function* coro(): Coro<void> {
      ran = true;
    }
    function* main(): Coro<void> {
      const t = createTask(coro(), { eagerStart: false });
      expect(ran).toBe(false);
      yield* t;
    }
    loop.runUntilComplete(main());
    expect(ran).toBe(true);
  });
});

describe('how many tasks are started lazily', () => {
  // BaseTaskCountingTests: a task factory that counts the tasks that did not start
  // eagerly. With the eager factory, coroutines that never block create no lazy task at
  // all; with the default one, every gather child and every group child is a task.

  function* awaitableChain(depth: number): Coro<number> {
    if (depth === 0) return 0;
    return 1 + (yield* awaitableChain(depth - 1));
  }

  function* recursiveTaskGroups(width: number, depth: number): Coro<void> {
    if (depth === 0) return;
    yield* taskGroup(function* (tg) {
      for (let i = 0; i < width; i++) tg.createTask(recursiveTaskGroups(width, depth - 1));
    });
  }

  function* recursiveGather(width: number, depth: number): Coro<void> {
    if (depth === 0) return;
    yield* gather(Array.from({ length: width }, () => recursiveGather(width, depth - 1)));
  }

  function countingLoop(eager: boolean): { loop: EventLoop<VirtualHost>; lazyCount: () => number } {
    let count = 0;
    class CountingTask extends Task<unknown> {
      constructor(coro: Coro<unknown>, options: TaskOptions & { loop?: EventLoop }) {
        if (!options.eagerStart) count++;
        super(coro, options);
      }
    }
    const loop = newVirtualEventLoop();
    loop.setTaskFactory(
      eager ? createEagerTaskFactory(CountingTask) : (l, coro, options) => new CountingTask(coro, { ...options, loop: l }),
    );
    return { loop, lazyCount: () => count };
  }

  test.each([
    [false, 1],
    [true, 0],
  ])('a chain of 100 awaits (eager %s) makes %i lazy tasks', (eager, expected) => {
    const { loop, lazyCount } = countingLoop(eager);
    expect(loop.runUntilComplete(awaitableChain(100))).toBe(100);
    expect(lazyCount()).toBe(expected);
    loop.close();
  });

  test.each([
    [false, 781],
    [true, 0],
  ])('task groups 5 wide, 4 deep (eager %s) make %i lazy tasks', (eager, expected) => {
    const { loop, lazyCount } = countingLoop(eager);
    loop.runUntilComplete(recursiveTaskGroups(5, 4));
    expect(lazyCount()).toBe(expected);
    loop.close();
  });

  test.each([
    [false, 781],
    [true, 0],
  ])('gathers 5 wide, 4 deep (eager %s) make %i lazy tasks', (eager, expected) => {
    const { loop, lazyCount } = countingLoop(eager);
    loop.runUntilComplete(recursiveGather(5, 4));
    expect(lazyCount()).toBe(expected);
    loop.close();
  });
});

describe('eager tasks on the real clock', () => {
  test('an eager task that sleeps for real completes after its eager step', async () => {
    const loop = newEventLoop();
    loop.setTaskFactory(eagerTaskFactory);
    const order: string[] = [];
    function* child(): Coro<string> {
      order.push('eager step');
      yield* sleep(0.002);
      order.push('after sleep');
      return 'done';
    }
    function* main(): Coro<string> {
      const t = createTask(child());
      order.push('parent');
      return yield* t;
    }
    try {
      expect(await loop.runUntilComplete(main())).toBe('done');
      expect(order).toEqual(['eager step', 'parent', 'after sleep']);
    } finally {
      loop.close();
    }
  });
});

describe('eager tasks (test_eager_task_factory.py)', () => {
  test('a task is in allTasks during its eager step', () => {
    // CPython test_all_tasks_with_eager_completion: Task.__eager_start registers the
    // task (_register_eager_task) before the first step, so all_tasks() inside the step
    // contains it. Our _eagerStart registers the task only after the step, and only if
    // it is still pending.
    const loop = newVirtualEventLoop();
    loop.setTaskFactory(eagerTaskFactory);
    let captured: Set<Task<unknown>> | null = null;
    function* coro(): Coro<void> {
      captured = allTasks();
    }
    function* main(): Coro<void> {
      const t = createTask(coro());
      expect(captured!.has(t as Task<unknown>)).toBe(true);
      expect(allTasks().has(t as Task<unknown>)).toBe(false);
    }
    loop.runUntilComplete(main());
    loop.close();
  });
});
