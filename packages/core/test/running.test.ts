/**
 * running.ts and events.ts: finding the loop (getRunningLoop, getEventLoop,
 * setEventLoop), as asyncio's events.py does.
 */
import {
  EventLoop,
  InvalidStateError,
  VirtualHost,
  getEventLoop,
  getRunningLoop,
  newVirtualEventLoop,
  setEventLoop,
  type Coro,
} from '@yieldio/core';
import { type VirtualLoop, runOnce } from './fixtures/helpers';

describe('finding the loop', () => {
  // loop.test.ts's setup, which these tests came from: a fresh virtual loop each.
  let loop: VirtualLoop;
  beforeEach(() => {
    loop = newVirtualEventLoop();
  });
  afterEach(() => {
    if (!loop.isRunning() && !loop.isClosed()) loop.close();
  });

  test('getRunningLoop is the loop running the code, and throws outside', () => {
    expect(() => getRunningLoop()).toThrow(InvalidStateError);
    expect(() => getRunningLoop()).toThrow(/^getRunningLoop\(\): no running event loop/);
    function* main(): Coro<EventLoop> {
      return getRunningLoop();
    }
    expect(loop.runUntilComplete(main())).toBe(loop);
    let inCallback: EventLoop | null = null;
    loop.callSoon(() => (inCallback = getRunningLoop()));
    runOnce(loop);
    expect(inCallback).toBe(loop);
  });

  test('getEventLoop is the running loop, else the one set, and never creates one', () => {
    setEventLoop(null);
    expect(() => getEventLoop()).toThrow(/^getEventLoop\(\): there is no current event loop/);
    setEventLoop(loop);
    try {
      expect(getEventLoop()).toBe(loop);
      const other = newVirtualEventLoop();
      function* main(): Coro<EventLoop> {
        return getEventLoop();
      }
      expect(other.runUntilComplete(main())).toBe(other);
      other.close();
    } finally {
      setEventLoop(null);
    }
  });

  test('setEventLoop refuses what is not a loop', () => {
    expect(() => setEventLoop({} as never)).toThrow(TypeError);
    expect(() => setEventLoop({} as never)).toThrow(/^setEventLoop\(\): expected an EventLoop or null, got an object$/);
  });

  test('a closed loop set with setEventLoop is not current any more', () => {
    setEventLoop(loop);
    loop.close();
    try {
      expect(() => getEventLoop()).toThrow(/there is no current event loop/);
    } finally {
      setEventLoop(null);
    }
  });
});
