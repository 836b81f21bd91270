/**
 * loop-close.ts: what the package registers is released once, right after the loop
 * closes; never while it runs; every release runs even if one throws.
 */
import { InvalidStateError, getRunningLoop, newEventLoop, run } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import '@yieldio/net';
import { pendingReleases, releaseAtClose } from '../src/loop-close';

test('releases run once, in order, after close(); a cancelled one does not run', () => {
  const loop = newEventLoop();
  const seen: string[] = [];
  releaseAtClose(loop, () => void seen.push(`a closed=${loop.isClosed()}`));
  const cancel = releaseAtClose(loop, () => void seen.push('b'));
  releaseAtClose(loop, () => void seen.push('c'));
  cancel();
  expect(pendingReleases(loop)).toBe(2);
  loop.close();
  loop.close();
  expect(seen).toEqual(['a closed=true', 'c']);
  expect(pendingReleases(loop)).toBe(0);
});

test('a running loop refuses to close and releases nothing', async () => {
  const seen: string[] = [];
  await run(
    (function* (): Coro<void> {
      const loop = getRunningLoop();
      releaseAtClose(loop, () => void seen.push(`released running=${loop.isRunning()}`));
      expect(() => loop.close()).toThrow(InvalidStateError);
      expect(seen).toEqual([]);
    })(),
  );
  expect(seen).toEqual(['released running=false']);
});

test('every release runs even if one throws; the first error is thrown after', () => {
  const loop = newEventLoop();
  const seen: string[] = [];
  releaseAtClose(loop, () => {
    throw new Error('first');
  });
  releaseAtClose(loop, () => {
    throw new Error('second');
  });
  releaseAtClose(loop, () => void seen.push('third'));
  expect(() => loop.close()).toThrow(new Error('first'));
  expect([seen, loop.isClosed()]).toEqual([['third'], true]);
});

test('registering on a closed loop is our bug and says so', () => {
  const loop = newEventLoop();
  loop.close();
  expect(() => releaseAtClose(loop, () => undefined)).toThrow(
    new Error('releaseAtClose(): the loop is already closed; this is a bug in @yieldio/net, please report it'),
  );
});
