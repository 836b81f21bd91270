/**
 * yieldio in a real browser: headless Chromium (test-support/browser.ts) loads a page
 * bundled with esbuild from yieldio's browser entry (test-support/bundle.ts, the
 * package's "browser" condition), which runs run() on the real clock with sleeps,
 * gather, a Queue producer and consumer and a cancelled task, and simulate() with a
 * deadlock report, then hands its results to the test.
 */
import type { Browser } from 'puppeteer-core';
import { launchBrowser, runInPage } from '../test-support/browser';
import { bundleForBrowser } from '../test-support/bundle';

const PAGE = `
import { run, sleep, gather, createTask, Queue, Event, CancelledError, DeadlockError, simulate, type Coro } from 'yieldio';

function* main(): Coro<Record<string, unknown>> {
  const started = performance.now();
  const both = yield* gather(sleep(0.05, 'slow'), sleep(0.02, 'fast'));
  const elapsedMs = performance.now() - started;

  const queue = new Queue<number>(2);
  const consumed: number[] = [];
  const consumer = createTask((function* (): Coro<void> {
    for (;;) {
      consumed.push(yield* queue.get());
      queue.taskDone();
    }
  })());
  for (let i = 0; i < 5; i++) yield* queue.put(i);
  yield* queue.join();
  consumer.cancel();
  let consumerCancelled = false;
  try {
    yield* consumer;
  } catch (exc) {
    consumerCancelled = exc instanceof CancelledError;
  }

  let cleanedUp = false;
  const sleeper = createTask((function* (): Coro<void> {
    try {
      yield* sleep(3600);
    } finally {
      cleanedUp = true;
    }
  })());
  yield* sleep(0.01);
  sleeper.cancel();
  yield* sleep(0);

  return {
    both, elapsedMs, consumed, consumerCancelled,
    sleeperCancelled: sleeper.cancelled(), cleanedUp,
    hasProcess: typeof (globalThis as { process?: unknown }).process,
    userAgent: navigator.userAgent,
  };
}

// simulate() runs its own loop, synchronously: outside run(), as asyncio.run() nests no loop.
function deadlockReport(): string {
  try {
    simulate((function* (): Coro<void> {
      yield* new Event().wait();
    })());
    return 'no deadlock';
  } catch (exc) {
    return exc instanceof DeadlockError ? exc.constructor.name + ': ' + exc.message : String(exc);
  }
}

run(main()).then(
  (result) => { (window as unknown as { __yieldioResult: unknown }).__yieldioResult = { ...result, deadlock: deadlockReport() }; },
  (exc) => { (window as unknown as { __yieldioResult: unknown }).__yieldioResult = { error: String(exc && exc.stack || exc) }; },
);
`;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe('yieldio in headless Chromium', () => {
  it('runs run() with sleeps, gather, a queue, a cancelled task, and simulate() reports a deadlock', async () => {
    const js = await bundleForBrowser(PAGE);
    const result = (await runInPage(browser, js)) as Record<string, unknown>;
    expect(result.error).toBeUndefined();
    expect(result.userAgent).toMatch(/HeadlessChrome/);
    expect(result.hasProcess).toBe('undefined');
    expect(result.both).toEqual(['slow', 'fast']);
    // gather waits for the slower sleep (0.05 s) on the page's real clock.
    expect(result.elapsedMs).toBeGreaterThanOrEqual(45);
    expect(result.consumed).toEqual([0, 1, 2, 3, 4]);
    expect(result.consumerCancelled).toBe(true);
    expect(result.sleeperCancelled).toBe(true);
    expect(result.cleanedUp).toBe(true);
    expect(result.deadlock).toMatch(/^DeadlockError: deadlock at virtual time 0: nothing is ready, no timer is pending, and 1 task\(s\) wait on something no one will complete:/);
    expect(result.deadlock).toMatch(/Event/);
  }, 60_000);
});
