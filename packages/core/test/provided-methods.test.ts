import {
  EventLoop,
  InvalidStateError,
  PROVIDED_LOOP_METHODS,
  newVirtualEventLoop,
  onLoopClose,
  provideLoopMethods,
} from '@yieldio/core';

// This file imports core alone: no package has provided any loop method yet.
type Untyped = Record<string, (...args: unknown[]) => unknown>;

describe('loop methods another package provides', () => {
  it('exist on every loop with only core loaded, and say which package to import', () => {
    const loop = newVirtualEventLoop();
    const untyped = loop as unknown as Untyped;
    expect(() => untyped.createConnection(() => null, '127.0.0.1', 80)).toThrow(
      new TypeError(
        "loop.createConnection(): this method comes from @yieldio/net, which is not loaded; import 'yieldio' (on Node) or '@yieldio/net' once in your program",
      ),
    );
    for (const name of Object.keys(PROVIDED_LOOP_METHODS)) {
      expect(typeof untyped[name]).toBe('function');
      expect(untyped[name].name).toBe(name);
      expect(() => untyped[name]()).toThrow(`loop.${name}(): this method comes from @yieldio/net, which is not loaded`);
    }
    loop.close();
  });

  it('call the registered implementation with the loop as this, once provided', () => {
    const loop = newVirtualEventLoop();
    provideLoopMethods('@yieldio/net', {
      getaddrinfo(this: EventLoop, host: string) {
        return [this === loop, host];
      },
    });
    expect((loop as unknown as Untyped).getaddrinfo('example.org')).toEqual([true, 'example.org']);
    loop.close();
  });

  it('refuse a registration that names an unknown method, the wrong package or no function', () => {
    expect(() => provideLoopMethods('@yieldio/net', { runForever: () => 1 } as never)).toThrow(
      new RangeError(
        `provideLoopMethods(): "runForever" (a string) is not a loop method core leaves to another package; it knows ${Object.keys(PROVIDED_LOOP_METHODS).join(', ')}`,
      ),
    );
    expect(() => provideLoopMethods('my-net', { createServer: () => 1 })).toThrow(
      new RangeError('provideLoopMethods(): loop.createServer() is provided by @yieldio/net, not "my-net" (a string)'),
    );
    expect(() => provideLoopMethods('@yieldio/net', { createServer: 1 } as never)).toThrow(
      new TypeError('provideLoopMethods(): loop.createServer must be a function, got 1 (a number)'),
    );
    expect(() => provideLoopMethods('@yieldio/net', null as never)).toThrow(
      new TypeError('provideLoopMethods(): expected an object of methods, got null'),
    );
  });
});

describe('onLoopClose', () => {
  it('runs each hook once, after the loop has closed, and not for a close that is refused', () => {
    const seen: Array<[EventLoop, boolean]> = [];
    const hook = (loop: EventLoop): void => void seen.push([loop, loop.isClosed()]);
    onLoopClose(hook);
    onLoopClose(hook); // the same hook twice is one hook
    const loop = newVirtualEventLoop();
    loop.callSoon(() => {
      expect(() => loop.close()).toThrow(InvalidStateError);
      loop.stop();
    });
    loop.runForever();
    expect(seen).toEqual([]);
    loop.close();
    loop.close(); // closing twice closes once
    expect(seen).toEqual([[loop, true]]);
  });

  it('runs every hook even if one throws, then throws the first error', () => {
    const ran: string[] = [];
    onLoopClose(() => {
      ran.push('first');
      throw new Error('first failed');
    });
    onLoopClose(() => {
      ran.push('second');
      throw new Error('second failed');
    });
    onLoopClose(() => void ran.push('third'));
    const loop = newVirtualEventLoop();
    expect(() => loop.close()).toThrow('first failed');
    expect(ran).toEqual(['first', 'second', 'third']);
    expect(loop.isClosed()).toBe(true);
  });

  it('refuses a hook that is not a function', () => {
    expect(() => onLoopClose('close' as never)).toThrow(
      new TypeError('onLoopClose(): expected a function (loop) => void, got "close" (a string)'),
    );
  });
});
