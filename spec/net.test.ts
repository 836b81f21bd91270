/**
 * Properties and reliability of @yieldio/net (issue #6).
 *
 *   - A StreamReader fed any chunking of the same bytes returns the same lines (and the
 *     same readuntil/readexactly pieces): fast-check, virtual clock, fixed seed printed in
 *     the describe title. Reads cut short by timeouts at random moments lose no byte.
 *   - 1,000 concurrent connections to one startServer, with the default backlog, each get
 *     their own bytes back intact.
 *   - A fast writer to a slow reader over real sockets keeps every buffer we hold bounded
 *     (the writer's transport buffer, the reader's buffer) through drain and the reader's
 *     pause/resume; what Node and the kernel hold is bounded by their own windows.
 *
 * Real-socket tests run on loopback with a deadline; every loop is bounded in count.
 */
import fc from 'fast-check';
import { TimeoutError, createTask, gather, run, simulate, sleep, timeout, waitFor } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { IncompleteReadError, StreamReader, openConnection, startServer } from '@yieldio/net';
import type { Server } from '@yieldio/net';

const SEED = 20261124;
const RUNS = 200;

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const dec = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Cut `data` at the given fractions into chunks (some may be empty). */
function chunked(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * (data.length + 1))))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    chunks.push(data.subarray(at, p));
    at = p;
  }
  chunks.push(data.subarray(at));
  return chunks;
}

/** Feed `chunks` from one task (a pass between feeds, or a timer), read with `consume` in another. */
function feedAndRead<T>(chunks: Uint8Array[], limit: number, gaps: number[], consume: (r: StreamReader) => Coro<T>): T {
  return simulate(
    (function* () {
      const reader = new StreamReader({ limit });
      createTask(
        (function* () {
          for (let i = 0; i < chunks.length; i++) {
            reader.feedData(chunks[i]);
            const gap = gaps[i % Math.max(1, gaps.length)] ?? 0;
            if (gap > 0) yield* sleep(gap);
            else yield;
          }
          reader.feedEof();
        })(),
      );
      return yield* consume(reader);
    })(),
  );
}

function* allLines(reader: StreamReader): Coro<string[]> {
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const line = yield* reader.readline();
    if (line.length === 0) return lines;
    lines.push(dec(line));
  }
  throw new Error('too many lines');
}

const lineText = fc.array(fc.oneof(fc.constantFrom('\n', '\r', 'a', 'b'), fc.string({ maxLength: 6 })), { maxLength: 40 }).map((parts) => parts.join(''));
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 });
const gaps = fc.array(fc.constantFrom(0, 0, 0, 0.001), { maxLength: 5 });

describe(`StreamReader over random chunkings (seed ${SEED})`, () => {
  it('readline returns the same lines however the bytes are chunked', () => {
    fc.assert(
      fc.property(lineText, cuts, gaps, (textIn, cutsIn, gapsIn) => {
        const data = enc(textIn);
        const expected = textIn.split(/(?<=\n)/).filter((l) => l.length > 0);
        const lines = feedAndRead(chunked(data, cutsIn), 1 << 16, gapsIn, allLines);
        expect(lines).toEqual(expected);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('readuntil with several separators splits the same way however the bytes are chunked', () => {
    const seps = [enc('\r\n'), enc('ab'), enc('\n')];
    // The model: at each position, the earliest end of any separator (shortest on a tie).
    const model = (s: string): { pieces: string[]; rest: string } => {
      const pieces: string[] = [];
      let start = 0;
      for (;;) {
        let bestEnd = -1;
        for (const sep of ['\n', 'ab', '\r\n']) {
          const at = s.indexOf(sep, start);
          if (at >= 0 && (bestEnd < 0 || at + sep.length < bestEnd)) bestEnd = at + sep.length;
        }
        if (bestEnd < 0) return { pieces, rest: s.slice(start) };
        pieces.push(s.slice(start, bestEnd));
        start = bestEnd;
      }
    };
    fc.assert(
      fc.property(lineText, cuts, gaps, (textIn, cutsIn, gapsIn) => {
        const result = feedAndRead(chunked(enc(textIn), cutsIn), 1 << 16, gapsIn, function* (reader) {
          const pieces: string[] = [];
          for (let i = 0; i < 100_000; i++) {
            try {
              pieces.push(dec(yield* reader.readuntil(seps)));
            } catch (exc) {
              if (exc instanceof IncompleteReadError) return { pieces, rest: dec(exc.partial) };
              throw exc;
            }
          }
          throw new Error('too many pieces');
        });
        expect(result).toEqual(model(textIn));
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('reads cut short by timeouts at random moments lose no byte: the lines come out whole, in order', () => {
    // The consumer reads each line with a deadline shorter than some gaps between chunks,
    // so many readline() calls are cancelled while waiting, with part of a line buffered.
    // Retrying must give exactly the lines an uninterrupted reader gets.
    const deadlines = fc.array(fc.constantFrom(0.0002, 0.0005, 0.002), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(lineText, cuts, gaps, deadlines, (textIn, cutsIn, gapsIn, deadlinesIn) => {
        const expected = textIn.split(/(?<=\n)/).filter((l) => l.length > 0);
        const result = feedAndRead(chunked(enc(textIn), cutsIn), 1 << 16, gapsIn.map((g) => g * 3), function* (reader) {
          const lines: string[] = [];
          let timeouts = 0;
          for (let i = 0; i < 100_000; i++) {
            let line: Uint8Array;
            try {
              line = yield* waitFor(reader.readline(), deadlinesIn[i % deadlinesIn.length]);
            } catch (exc) {
              if (!(exc instanceof TimeoutError)) throw exc;
              timeouts++;
              continue;
            }
            if (line.length === 0) return { lines, timeouts };
            lines.push(dec(line));
          }
          throw new Error('too many reads');
        });
        expect(result.lines).toEqual(expected);
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  it('readexactly returns the same records however the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 40 }), cuts, gaps, (data, size, cutsIn, gapsIn) => {
        const result = feedAndRead(chunked(data, cutsIn), 16, gapsIn, function* (reader) {
          const records: number[][] = [];
          for (let i = 0; i < 10_000; i++) {
            try {
              records.push([...(yield* reader.readexactly(size))]);
            } catch (exc) {
              if (exc instanceof IncompleteReadError) return { records, partial: [...exc.partial] };
              throw exc;
            }
          }
          throw new Error('too many records');
        });
        const whole = Math.floor(data.length / size) * size;
        const records: number[][] = [];
        for (let i = 0; i < whole; i += size) records.push([...data.subarray(i, i + size)]);
        expect(result).toEqual({ records, partial: [...data.subarray(whole)] });
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });
});

function portOf(server: Server): number {
  return (server.sockets[0].getsockname() as [string, number])[1];
}

describe('reliability over loopback', () => {
  it('1,000 concurrent connections to one startServer each echo their data intact', async () => {
    const N = 1000;
    const result = await run(
      timeout(30, function* () {
        // The default backlog (511, Node's): asyncio's 100 lost most of this burst to
        // resets from a full accept queue (#18).
        const server = yield* startServer(function* (reader, writer) {
          for (let i = 0; i < 100; i++) {
            const chunk = yield* reader.read(1 << 16);
            if (chunk.length === 0) break;
            writer.write(chunk);
            yield* writer.drain();
          }
          writer.close();
        }, '127.0.0.1', 0);
        const port = portOf(server);
        function* client(id: number): Coro<boolean> {
          const [reader, writer] = yield* openConnection('127.0.0.1', port);
          const payload = enc(`client ${id}: ` + 'x'.repeat(id % 997) + '\n');
          writer.write(payload);
          writer.writeEof();
          const back = yield* reader.read();
          writer.close();
          yield* writer.waitClosed();
          return dec(back) === dec(payload);
        }
        const ok = yield* gather(Array.from({ length: N }, (_, i) => client(i)));
        server.close();
        yield* server.waitClosed();
        return ok.filter(Boolean).length;
      }),
    );
    expect(result).toBe(N);
  }, 60_000);

  it('a fast writer to a slow reader keeps memory bounded through drain', async () => {
    const total = 64 * 1024 * 1024;
    const limit = 64 * 1024;
    const result = await run(
      timeout(30, function* () {
        let writerMax = 0;
        let readerMax = 0;
        let received = 0;
        let drainWaits = 0;
        const server = yield* startServer(function* (reader, writer) {
          for (let i = 0; i < 100_000; i++) {
            const chunk = yield* reader.read(limit);
            if (chunk.length === 0) break;
            received += chunk.length;
            readerMax = Math.max(readerMax, reader._length);
            if (i % 16 === 0) yield* sleep(0.001); // slower than the writer
          }
          writer.close();
        }, '127.0.0.1', 0, { limit });
        const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
        const chunk = new Uint8Array(256 * 1024).fill(42);
        let sent = 0;
        for (let i = 0; sent < total && i < 100_000; i++) {
          writer.write(chunk);
          sent += chunk.length;
          const buffered = writer.transport.getWriteBufferSize();
          writerMax = Math.max(writerMax, buffered);
          if (buffered > 64 * 1024) drainWaits++;
          yield* writer.drain();
        }
        writer.writeEof();
        yield* reader.read();
        writer.close();
        server.close();
        yield* server.waitClosed();
        return { writerMax, readerMax, received, drainWaits };
      }),
    );
    expect(result.received).toBe(total);
    // The writer's buffer never holds more than the high-water mark plus the write that crossed it.
    expect(result.writerMax).toBeLessThanOrEqual(64 * 1024 + 256 * 1024);
    // The reader pauses its transport past 2 x limit; what was already in flight may land on top.
    expect(result.readerMax).toBeLessThanOrEqual(2 * limit + 1024 * 1024);
    // Back-pressure really engaged: drain made the writer wait, again and again.
    expect(result.drainWaits).toBeGreaterThan(10);
  }, 60_000);
});

