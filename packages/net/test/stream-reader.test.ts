/**
 * StreamReader on its own, fed by hand: CPython's Lib/test/test_asyncio/test_streams.py
 * (the StreamReader cases, and 3.13's several separators), run on the virtual clock
 * since no socket is involved.
 */
import { DONE, InvalidStateError, anext, aiter, createTask, getRunningLoop, simulate, sleep, wait } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { DEFAULT_LIMIT, IncompleteReadError, LimitOverrunError, StreamReader } from '@yieldio/net';
import type { Transport } from '@yieldio/net';
import { bytes, text } from './helpers';

const DATA = bytes('line1\nline2\nline3\n');

/** The reader's buffered bytes, as text (CPython's tests look at `stream._buffer`). */
function buffered(stream: StreamReader): string {
  return text(stream._buffer);
}

function sim<T>(body: () => Coro<T>): T {
  return simulate(body());
}

function later(fn: () => void): void {
  getRunningLoop().callSoon(fn);
}

describe('StreamReader feeding', () => {
  it('feeding empty data buffers nothing', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes(''));
      expect(buffered(stream)).toBe('');
    });
  });

  it('feeding data buffers it', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(DATA);
      expect(buffered(stream)).toBe(text(DATA));
    });
  });

  it('feedData keeps a copy, so the caller may reuse its array', () => {
    sim(function* () {
      const stream = new StreamReader();
      const data = bytes('abc');
      stream.feedData(data);
      data[0] = 120;
      expect(text(yield* stream.read(3))).toBe('abc');
    });
  });

  it('feedData after feedEof raises InvalidStateError', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedEof();
      expect(() => stream.feedData(bytes('x'))).toThrow(new InvalidStateError('feedData(): called after feedEof(); no data can follow the end of the stream'));
    });
  });

  it('feedData rejects a string with a TypeError', () => {
    sim(function* () {
      const stream = new StreamReader();
      expect(() => stream.feedData('abc' as unknown as Uint8Array)).toThrow(new TypeError('feedData(): data must be bytes (a Uint8Array or Buffer), got "abc" (a string)'));
    });
  });

  it('an invalid limit is refused', () => {
    sim(function* () {
      expect(() => new StreamReader({ limit: 0 })).toThrow(new RangeError('StreamReader(): limit must be > 0, got 0'));
      expect(() => new StreamReader({ limit: -1 })).toThrow(new RangeError('StreamReader(): limit must be > 0, got -1'));
      expect(() => new StreamReader({ limit: 1.5 })).toThrow(new TypeError('StreamReader(): limit must be a whole number of bytes, got 1.5 (a number)'));
    });
  });

  it('a StreamReader made outside a loop says there is no current event loop', () => {
    expect(() => new StreamReader()).toThrow(/StreamReader\(\): there is no current event loop/);
  });
});

describe('StreamReader.read', () => {
  it('read(0) returns empty bytes and leaves the buffer alone', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(DATA);
      expect((yield* stream.read(0)).length).toBe(0);
      expect(buffered(stream)).toBe(text(DATA));
    });
  });

  it('read(n) waits for data fed later', () => {
    sim(function* () {
      const stream = new StreamReader();
      later(() => stream.feedData(DATA));
      expect(text(yield* stream.read(30))).toBe(text(DATA));
      expect(buffered(stream)).toBe('');
    });
  });

  it('read(n) returns at most n bytes across feeds', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('line1'));
      stream.feedData(bytes('line2'));
      expect(text(yield* stream.read(5))).toBe('line1');
      expect(buffered(stream)).toBe('line2');
    });
  });

  it('read(n) returns empty bytes at EOF', () => {
    sim(function* () {
      const stream = new StreamReader();
      later(() => stream.feedEof());
      expect((yield* stream.read(1024)).length).toBe(0);
    });
  });

  it('read() with no size reads until EOF', () => {
    sim(function* () {
      const stream = new StreamReader();
      later(() => {
        stream.feedData(bytes('chunk1\n'));
        stream.feedData(bytes('chunk2'));
        stream.feedEof();
      });
      expect(text(yield* stream.read())).toBe('chunk1\nchunk2');
      expect(buffered(stream)).toBe('');
    });
  });

  it('read is not limited by the limit', () => {
    sim(function* () {
      const stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('chunk'));
      expect(text(yield* stream.read(5))).toBe('chunk');
      expect(buffered(stream)).toBe('');
    });
  });

  it('read(n) rejects a size that is not a whole number', () => {
    sim(function* () {
      const stream = new StreamReader();
      expect(() => simulateStep(stream.read(1.5))).toThrow(new TypeError('read(): n must be a whole number of bytes (-1 for everything until EOF), got 1.5 (a number)'));
    });
  });

  it('a cancelled read() loses none of the bytes it had seen', () => {
    sim(function* () {
      const stream = new StreamReader();
      const task = createTask(stream.read());
      stream.feedData(bytes('abc'));
      yield* sleep(0.01);
      stream.feedData(bytes('def'));
      yield* sleep(0.01);
      task.cancel();
      yield* wait([task]);
      expect(task.cancelled()).toBe(true);
      stream.feedEof();
      expect(text(yield* stream.read())).toBe('abcdef');
    });
  });
});

/** Run a coroutine's first step synchronously (for reads that raise before waiting). */
function simulateStep<T>(coro: Coro<T>): IteratorResult<unknown, T> {
  return coro.next();
}

describe('StreamReader.readline', () => {
  it('readline waits across chunks for the newline', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('chunk1 '));
      later(() => {
        stream.feedData(bytes('chunk2 '));
        stream.feedData(bytes('chunk3 '));
        stream.feedData(bytes('\n chunk4'));
      });
      expect(text(yield* stream.readline())).toBe('chunk1 chunk2 chunk3 \n');
      expect(buffered(stream)).toBe(' chunk4');
    });
  });

  it('a line over the limit already buffered raises and is discarded', () => {
    sim(function* () {
      let stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('li'));
      stream.feedData(bytes('ne1\nline2\n'));
      expect(() => simulateStep(stream.readline())).toThrow(RangeError);
      expect(buffered(stream)).toBe('line2\n');

      stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('li'));
      stream.feedData(bytes('ne1'));
      stream.feedData(bytes('li'));
      expect(() => simulateStep(stream.readline())).toThrow(RangeError);
      expect(buffered(stream)).toBe('');
    });
  });

  it('the over-limit error names the limit and what to do', () => {
    sim(function* () {
      const stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('line1\n'));
      let error: unknown = null;
      try {
        simulateStep(stream.readline());
      } catch (exc) {
        error = exc;
      }
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe(
        'readline(): Separator is found, but chunk is longer than limit (limit 3 bytes); the line was discarded. Raise the limit: new StreamReader({ limit })',
      );
      expect((error as Error).cause).toBeInstanceOf(LimitOverrunError);
    });
  });

  it('a line over the limit whose newline has not come says only its start was discarded (#18)', () => {
    sim(function* () {
      const stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('abcde'));
      let error: unknown = null;
      try {
        simulateStep(stream.readline());
      } catch (exc) {
        error = exc;
      }
      expect((error as Error).message).toBe(
        'readline(): Separator is not found, and chunk exceed the limit (limit 3 bytes); its first 5 bytes were discarded, and the rest of it will be read as the next line. Raise the limit: new StreamReader({ limit })',
      );
      stream.feedData(bytes('f\n'));
      expect(text(yield* stream.readline())).toBe('f\n');
    });
  });

  it('atEof is true only after EOF with an empty buffer', () => {
    sim(function* () {
      const stream = new StreamReader();
      expect(stream.atEof()).toBe(false);
      stream.feedData(bytes('some data\n'));
      expect(stream.atEof()).toBe(false);
      yield* stream.readline();
      expect(stream.atEof()).toBe(false);
      stream.feedData(bytes('some data\n'));
      stream.feedEof();
      yield* stream.readline();
      expect(stream.atEof()).toBe(true);
    });
  });

  it('readline limits apply to lines fed after the call', () => {
    sim(function* () {
      let stream = new StreamReader({ limit: 7 });
      later(() => {
        stream.feedData(bytes('chunk1'));
        stream.feedData(bytes('chunk2'));
        stream.feedData(bytes('chunk3\n'));
        stream.feedEof();
      });
      let error: unknown = null;
      try {
        yield* stream.readline();
      } catch (exc) {
        error = exc;
      }
      expect(error).toBeInstanceOf(RangeError);
      expect(buffered(stream)).toBe('');

      stream = new StreamReader({ limit: 7 });
      const s2 = stream;
      later(() => {
        s2.feedData(bytes('chunk1'));
        s2.feedData(bytes('chunk2\n'));
        s2.feedData(bytes('chunk3\n'));
        s2.feedEof();
      });
      error = null;
      try {
        yield* stream.readline();
      } catch (exc) {
        error = exc;
      }
      expect(error).toBeInstanceOf(RangeError);
      expect(buffered(stream)).toBe('chunk3\n');

      // The limit is strict: 7 bytes plus the newline is fine, 8 is not.
      stream = new StreamReader({ limit: 7 });
      stream.feedData(bytes('1234567\n'));
      expect(text(yield* stream.readline())).toBe('1234567\n');
      stream.feedData(bytes('12345678\n'));
      expect(() => simulateStep(stream.readline())).toThrow(RangeError);
      expect(buffered(stream)).toBe('');
      stream.feedData(bytes('12345678'));
      expect(() => simulateStep(stream.readline())).toThrow(RangeError);
      expect(buffered(stream)).toBe('');
    });
  });

  it('readline does not wait when the line is buffered', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(DATA.subarray(0, 6));
      stream.feedData(DATA.subarray(6));
      expect(text(yield* stream.readline())).toBe('line1\n');
      expect(buffered(stream)).toBe('line2\nline3\n');
    });
  });

  it('readline returns the partial line at EOF, then empty bytes', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('some data'));
      stream.feedEof();
      expect(text(yield* stream.readline())).toBe('some data');
      expect((yield* stream.readline()).length).toBe(0);
    });
  });

  it('readline then read counts bytes from after the line', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(DATA);
      yield* stream.readline();
      expect(text(yield* stream.read(7))).toBe('line2\nl');
      expect(buffered(stream)).toBe('ine3\n');
    });
  });
});

describe('StreamReader.readuntil', () => {
  it('an empty separator is refused', () => {
    sim(function* () {
      const stream = new StreamReader();
      expect(() => simulateStep(stream.readuntil(bytes('')))).toThrow(new RangeError('readuntil(): the separator should be at least one byte long'));
      expect(() => simulateStep(stream.readuntil([]))).toThrow(new RangeError('readuntil(): the separator list should contain at least one element'));
      expect(() => simulateStep(stream.readuntil('\n' as unknown as Uint8Array))).toThrow(
        new TypeError('readuntil(): separator must be bytes (a Uint8Array or Buffer) or an array of them, got "\\n" (a string); encode it: Buffer.from(text)'),
      );
    });
  });

  it('readuntil finds a multi-byte separator in one chunk', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('lineAAA'));
      expect(text(yield* stream.readuntil(bytes('AAA')))).toBe('lineAAA');
      expect(buffered(stream)).toBe('');
      stream.feedData(bytes('lineAAAxxx'));
      expect(text(yield* stream.readuntil(bytes('AAA')))).toBe('lineAAA');
      expect(buffered(stream)).toBe('xxx');
    });
  });

  it('readuntil finds a separator split over several chunks', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('QWEaa'));
      stream.feedData(bytes('XYaa'));
      stream.feedData(bytes('a'));
      expect(text(yield* stream.readuntil(bytes('aaa')))).toBe('QWEaaXYaaa');
      expect(buffered(stream)).toBe('');

      stream.feedData(bytes('QWEaa'));
      stream.feedData(bytes('XYa'));
      stream.feedData(bytes('aa'));
      expect(text(yield* stream.readuntil(bytes('aaa')))).toBe('QWEaaXYaaa');

      stream.feedData(bytes('aaa'));
      expect(text(yield* stream.readuntil(bytes('aaa')))).toBe('aaa');

      stream.feedData(bytes('Xaaa'));
      expect(text(yield* stream.readuntil(bytes('aaa')))).toBe('Xaaa');

      stream.feedData(bytes('XXX'));
      stream.feedData(bytes('a'));
      stream.feedData(bytes('a'));
      stream.feedData(bytes('a'));
      expect(text(yield* stream.readuntil(bytes('aaa')))).toBe('XXXaaa');
      expect(buffered(stream)).toBe('');
    });
  });

  it('readuntil at EOF raises IncompleteReadError with everything buffered', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('some dataAA'));
      stream.feedEof();
      let error: unknown = null;
      try {
        yield* stream.readuntil(bytes('AAA'));
      } catch (exc) {
        error = exc;
      }
      expect(error).toBeInstanceOf(IncompleteReadError);
      expect((error as IncompleteReadError).message).toBe('11 bytes read on a total of undefined expected bytes');
      expect(text((error as IncompleteReadError).partial)).toBe('some dataAA');
      expect((error as IncompleteReadError).expected).toBeNull();
      expect(buffered(stream)).toBe('');
    });
  });

  it('LimitOverrunError keeps the data in the buffer', () => {
    sim(function* () {
      const stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('some dataAA'));
      let error: unknown = null;
      try {
        yield* stream.readuntil(bytes('AAA'));
      } catch (exc) {
        error = exc;
      }
      expect(error).toEqual(new LimitOverrunError('Separator is not found, and chunk exceed the limit', 9));
      expect((error as LimitOverrunError).consumed).toBe(9);
      expect(buffered(stream)).toBe('some dataAA');

      stream.feedData(bytes('A'));
      error = null;
      try {
        yield* stream.readuntil(bytes('AAA'));
      } catch (exc) {
        error = exc;
      }
      expect(error).toEqual(new LimitOverrunError('Separator is found, but chunk is longer than limit', 9));
      expect(buffered(stream)).toBe('some dataAAA');
    });
  });

  it('with several separators, the one that ends first wins', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('line1\r\nline2\nline3'));
      const seps = [bytes('\r\n'), bytes('\n')];
      expect(text(yield* stream.readuntil(seps))).toBe('line1\r\n');
      expect(text(yield* stream.readuntil(seps))).toBe('line2\n');
      stream.feedData(bytes('!'));
      stream.feedEof();
      let error: unknown = null;
      try {
        yield* stream.readuntil(seps);
      } catch (exc) {
        error = exc;
      }
      expect(text((error as IncompleteReadError).partial)).toBe('line3!');
    });
  });

  it('with several separators ending at the same byte, the shortest is the match', () => {
    sim(function* () {
      const stream = new StreamReader({ limit: 2 });
      // 'ab' ends where 'xab' ends: 'ab' (at 3) is the match, so a limit of 2 is overrun;
      // had 'xab' (at 2) been taken, it would not be.
      stream.feedData(bytes('zzxab'));
      let error: unknown = null;
      try {
        yield* stream.readuntil([bytes('xab'), bytes('ab')]);
      } catch (exc) {
        error = exc;
      }
      expect(error).toEqual(new LimitOverrunError('Separator is found, but chunk is longer than limit', 3));
      const wide = new StreamReader();
      wide.feedData(bytes('zzxab'));
      expect(text(yield* wide.readuntil([bytes('xab'), bytes('ab')]))).toBe('zzxab');
    });
  });

  it('several separators: the earliest end wins, even for the longer one (test_readuntil_multi_separator)', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('line 1\nline 2\r'));
      expect(text(yield* stream.readuntil([bytes('\r'), bytes('\n')]))).toBe('line 1\n');
      expect(text(yield* stream.readuntil([bytes('\r'), bytes('\n')]))).toBe('line 2\r');
      expect(buffered(stream)).toBe('');
      stream.feedData(bytes('ABCDEFG'));
      expect(text(yield* stream.readuntil([bytes('DEF'), bytes('BCDE')]))).toBe('ABCDE');
      expect(buffered(stream)).toBe('FG');
    });
  });

  it('several separators past the limit: LimitOverrunError with consumed, and the data stays', () => {
    sim(function* () {
      // test_readuntil_multi_separator_limit: found, but too far.
      let stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('some dataA'));
      let error: unknown = null;
      try {
        yield* stream.readuntil([bytes('A'), bytes('ome dataA')]);
      } catch (exc) {
        error = exc;
      }
      expect(error).toEqual(new LimitOverrunError('Separator is found, but chunk is longer than limit', 9));
      expect(buffered(stream)).toBe('some dataA');

      // Not found, and the bytes searched are past the limit: consumed counts what is
      // known to hold no separator (the last maxLen - 1 bytes may still start one).
      stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('some data'));
      error = null;
      try {
        yield* stream.readuntil([bytes('XY'), bytes('Z')]);
      } catch (exc) {
        error = exc;
      }
      expect(error).toEqual(new LimitOverrunError('Separator is not found, and chunk exceed the limit', 8));
      expect((error as LimitOverrunError).consumed).toBe(8);
      expect(buffered(stream)).toBe('some data');
      // The caller can still take the data out, by the count the error gave.
      expect(text(yield* stream.readexactly((error as LimitOverrunError).consumed))).toBe('some dat');
      stream.feedData(bytes('Z'));
      expect(text(yield* stream.readuntil([bytes('XY'), bytes('Z')]))).toBe('aZ');
    });
  });

  it('a separator longer than the buffer does not make the search offset negative (test_readuntil_multi_separator_negative_offset)', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('data'));
      later(() => stream.feedData(bytes('Z')));
      later(() => stream.feedData(bytes('Aaaa')));
      expect(text(yield* stream.readuntil([bytes('A'), bytes('long sep')]))).toBe('dataZA');
      expect(buffered(stream)).toBe('aaa');
    });
  });

  it('several separators found across chunks', () => {
    sim(function* () {
      const stream = new StreamReader();
      later(() => {
        stream.feedData(bytes('AA'));
        stream.feedData(bytes('B'));
      });
      expect(text(yield* stream.readuntil([bytes('AAB'), bytes('XYZW')]))).toBe('AAB');
    });
  });
});

describe('StreamReader.readexactly', () => {
  it('readexactly(0) returns empty bytes; a negative size is refused', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(DATA);
      expect((yield* stream.readexactly(0)).length).toBe(0);
      expect(buffered(stream)).toBe(text(DATA));
      expect(() => simulateStep(stream.readexactly(-1))).toThrow(new RangeError('readexactly(): n must be >= 0, got -1'));
      expect(buffered(stream)).toBe(text(DATA));
    });
  });

  it('readexactly waits for enough bytes', () => {
    sim(function* () {
      const stream = new StreamReader();
      const n = 2 * DATA.length;
      later(() => {
        stream.feedData(DATA);
        stream.feedData(DATA);
        stream.feedData(DATA);
      });
      expect(text(yield* stream.readexactly(n))).toBe(text(DATA) + text(DATA));
      expect(buffered(stream)).toBe(text(DATA));
    });
  });

  it('readexactly is not limited by the limit', () => {
    sim(function* () {
      const stream = new StreamReader({ limit: 3 });
      stream.feedData(bytes('chunk'));
      expect(text(yield* stream.readexactly(5))).toBe('chunk');
    });
  });

  it('readexactly at EOF raises IncompleteReadError with the partial bytes', () => {
    sim(function* () {
      const stream = new StreamReader();
      const n = 2 * DATA.length;
      later(() => {
        stream.feedData(DATA);
        stream.feedEof();
      });
      let error: unknown = null;
      try {
        yield* stream.readexactly(n);
      } catch (exc) {
        error = exc;
      }
      expect(error).toBeInstanceOf(IncompleteReadError);
      expect(text((error as IncompleteReadError).partial)).toBe(text(DATA));
      expect((error as IncompleteReadError).expected).toBe(n);
      expect((error as IncompleteReadError).message).toBe('18 bytes read on a total of 36 expected bytes');
      expect(buffered(stream)).toBe('');
    });
  });

  it('a cancelled readexactly leaves the partial bytes for the next read', () => {
    sim(function* () {
      const stream = new StreamReader();
      const task = createTask(stream.readexactly(10));
      stream.feedData(bytes('12345'));
      yield* sleep(0.01);
      task.cancel();
      yield* wait([task]);
      expect(task.cancelled()).toBe(true);
      stream.feedData(bytes('67890'));
      expect(text(yield* stream.readexactly(10))).toBe('1234567890');
    });
  });
});

describe('StreamReader exceptions and waiters', () => {
  // Each read, then the same read once setException was called: the error, at once.
  it.each([
    ['read', (stream: StreamReader) => stream.read(2), 'li'],
    ['readline', (stream: StreamReader) => stream.readline(), 'line\n'],
    ['readexactly', (stream: StreamReader) => stream.readexactly(2), 'li'],
  ] as const)('%s raises the exception set on the stream', (_, readFrom, first) => {
    sim(function* () {
      const stream = new StreamReader();
      stream.feedData(bytes('line\n'));
      expect(text(yield* readFrom(stream))).toBe(first);
      stream.setException(new Error('boom'));
      expect(() => simulateStep(readFrom(stream))).toThrow('boom');
    });
  });

  it('exception() returns what setException set', () => {
    sim(function* () {
      const stream = new StreamReader();
      expect(stream.exception()).toBeNull();
      const exc = new Error('x');
      stream.setException(exc);
      expect(stream.exception()).toBe(exc);
    });
  });

  it('setException wakes a waiting reader with the exception', () => {
    sim(function* () {
      const stream = new StreamReader();
      const t1 = createTask(stream.readline());
      const t2 = createTask(
        (function* () {
          stream.setException(new Error('set_err'));
        })(),
      );
      yield* wait([t1, t2]);
      expect(() => t1.result()).toThrow('set_err');
    });
  });

  it('setException after a cancelled read is careful with the cancelled waiter', () => {
    sim(function* () {
      const stream = new StreamReader();
      const t = createTask(stream.readline());
      yield* sleep(0);
      t.cancel();
      yield* sleep(0);
      stream.setException(new Error('message'));
      yield* sleep(0);
      expect(stream._waiter).toBeNull();
    });
  });

  // The reads wait with a bare `yield` of their future (W6, stream-reader.ts
  // _waitForData): driven by hand rather than by a task, they behave as `yield* fut`.
  it.each([
    ['read', (stream: StreamReader) => stream.read(2)],
    ['readline', (stream: StreamReader) => stream.readline()],
    ['readexactly', (stream: StreamReader) => stream.readexactly(2)],
  ] as const)('%s resumed before its future is done yields the same future again, and raises its error once failed', (_, readFrom) => {
    sim(function* () {
      const stream = new StreamReader();
      const coro = readFrom(stream);
      const first = coro.next();
      expect(first.done).toBe(false);
      const again = coro.next();
      expect(again.done).toBe(false);
      expect(again.value).toBe(first.value);
      stream.setException(new Error('boom'));
      expect(() => coro.next()).toThrow('boom');
    });
  });

  it('two tasks reading at once is an error naming the second read', () => {
    sim(function* () {
      const stream = new StreamReader();
      const first = createTask(stream.readline());
      yield* sleep(0);
      let error: unknown = null;
      try {
        yield* stream.read(1);
      } catch (exc) {
        error = exc;
      }
      expect(error).toEqual(new InvalidStateError('read() called while another coroutine is already waiting for incoming data; read from one task at a time'));
      stream.feedData(bytes('x\n'));
      expect(text(yield* first)).toBe('x\n');
    });
  });
});

/** A transport stand-in that records what the reader asks of it. */
function recordingTransport(calls: string[]): Transport {
  return {
    pauseReading: () => void calls.push('pause'),
    resumeReading: () => void calls.push('resume'),
  } as unknown as Transport;
}

describe('StreamReader limit and back-pressure', () => {
  it('the default limit is 64 KiB: a line of 64 KiB is read, one byte more is not', () => {
    sim(function* () {
      expect(DEFAULT_LIMIT).toBe(65536);
      const stream = new StreamReader();
      stream.feedData(new Uint8Array(65536).fill(97));
      stream.feedData(bytes('\n'));
      expect((yield* stream.readline()).length).toBe(65537);
      stream.feedData(new Uint8Array(65537).fill(97));
      stream.feedData(bytes('\nnext\n'));
      let error: unknown = null;
      try {
        simulateStep(stream.readline());
      } catch (exc) {
        error = exc;
      }
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe(
        'readline(): Separator is found, but chunk is longer than limit (limit 65536 bytes); the line was discarded. Raise the limit: new StreamReader({ limit })',
      );
      expect(text(yield* stream.readline())).toBe('next\n');
    });
  });

  it('past 2 x limit the reader pauses its transport, and resumes it when reads bring the buffer to the limit', () => {
    sim(function* () {
      const calls: string[] = [];
      const stream = new StreamReader({ limit: 10 });
      stream.setTransport(recordingTransport(calls));
      stream.feedData(new Uint8Array(20));
      expect(calls).toEqual([]);
      stream.feedData(new Uint8Array(1));
      expect(calls).toEqual(['pause']);
      stream.feedData(new Uint8Array(5));
      expect(calls).toEqual(['pause']); // once, however much more comes
      yield* stream.read(15); // 11 left: still over the limit
      expect(calls).toEqual(['pause']);
      yield* stream.readexactly(1); // 10 left: at the limit
      expect(calls).toEqual(['pause', 'resume']);
      expect(stream._length).toBe(10);
    });
  });

  it('a read that must wait while the transport is paused resumes it first (readexactly(n) with n > 2 x limit)', () => {
    sim(function* () {
      const calls: string[] = [];
      const stream = new StreamReader({ limit: 4 });
      stream.setTransport(recordingTransport(calls));
      later(() => stream.feedData(new Uint8Array(9)));
      later(() => stream.feedData(new Uint8Array(9)));
      // Without the resume in the wait, this would wait forever on a paused transport.
      const data = yield* stream.readexactly(18);
      expect(data.length).toBe(18);
      expect(calls).toEqual(['pause', 'resume']);
    });
  });

  it('setTransport twice is an error', () => {
    sim(function* () {
      const stream = new StreamReader();
      stream.setTransport(recordingTransport([]));
      expect(() => stream.setTransport(recordingTransport([]))).toThrow(new InvalidStateError('setTransport(): the transport is already set'));
    });
  });
});

describe('StreamReader lines through aiter/anext', () => {
  it('async for yields each line, the last partial one too, then ends', () => {
    const lines = simulate(
      (function* () {
        const stream = new StreamReader();
        later(() => {
          stream.feedData(bytes('a\nbb\n'));
          stream.feedData(bytes('ccc'));
          stream.feedEof();
        });
        const out: string[] = [];
        const it = aiter(stream);
        for (let line; (line = yield* anext(it, DONE)) !== DONE; ) out.push(text(line));
        return out;
      })(),
    );
    expect(lines).toEqual(['a\n', 'bb\n', 'ccc']);
  });
});

describe('StreamReader repr', () => {
  it('toString shows the state as asyncio does', () => {
    sim(function* () {
      expect(String(new StreamReader())).toBe('<StreamReader>');
      expect(String(new StreamReader({ limit: 123 }))).toBe('<StreamReader limit=123>');
      const eof = new StreamReader();
      eof.feedEof();
      expect(String(eof)).toBe('<StreamReader eof>');
      const data = new StreamReader();
      data.feedData(bytes('data'));
      expect(String(data)).toBe('<StreamReader 4 bytes>');
      const failed = new StreamReader();
      failed.setException(new TypeError());
      expect(String(failed)).toBe('<StreamReader exception=TypeError()>');
    });
  });
});

describe('StreamReader in a DeadlockError', () => {
  test('a read that no data will ever complete names the reader it waits on', () => {
    let message = '';
    try {
      simulate(
        (function* () {
          const reader = new StreamReader();
          yield* reader.readline();
        })(),
      );
    } catch (exc) {
      message = (exc as Error).message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '  task "Task-1" waits for StreamReader.readuntil() on <StreamReader waiter=<Future pending StreamReader.readuntil()>>',
    ]);
  });
});

