/**
 * The seam at work: inside `simulate()` with no network (`network: null`, or no simulator
 * imported) every entry point says so at once; over @yieldio/sim's simulated network, the
 * unchanged stream code runs on the virtual clock, deterministically.
 */
import '@yieldio/sim';
import { InvalidStateError, createTask, getRunningLoop, simulate, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { ConnectionRefusedError, GaiError, Protocol, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { bytes, portOf, text } from './helpers';

const NO_NETWORK =
  'real I/O is not available inside simulate(): the virtual clock has no network until a simulated one exists; run this under run(), or pass one: simulate(main(), { network })';

describe('simulate() without a network', () => {
  it('every entry point fails at once with an error that says why', () => {
    const errors = simulate(
      (function* (): Coro<unknown[]> {
        const loop = getRunningLoop();
        const attempts: Array<() => Coro<unknown>> = [
          () => openConnection('127.0.0.1', 80),
          () => startServer(() => {}, '127.0.0.1', 0),
          () => loop.createConnection(() => new Protocol(), '127.0.0.1', 80),
          () => loop.getaddrinfo('localhost', 80),
          () => loop.createDatagramEndpoint(() => new Protocol() as never, { localAddr: ['127.0.0.1', 0] }),
        ];
        const out: unknown[] = [];
        for (const attempt of attempts) {
          try {
            yield* attempt();
          } catch (exc) {
            out.push(exc);
          }
        }
        return out;
      })(),
      { network: null },
    );
    expect(errors).toEqual([
      new InvalidStateError(`openConnection(): ${NO_NETWORK}`),
      new InvalidStateError(`startServer(): ${NO_NETWORK}`),
      new InvalidStateError(`createConnection(): ${NO_NETWORK}`),
      new InvalidStateError(`getaddrinfo(): ${NO_NETWORK}`),
      new InvalidStateError(`createDatagramEndpoint(): ${NO_NETWORK}`),
    ]);
  });
});

/** The same program the loopback tests run against Node's sockets. */
function* echoProgram(lines: number): Coro<{ echoed: string[]; time: number }> {
  const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
    for (let line; (line = yield* reader.readline()).length > 0; ) {
      writer.write(line);
      yield* writer.drain();
    }
    writer.close();
  }, '127.0.0.1', 0);
  const [reader, writer] = yield* openConnection('localhost', portOf(server), { family: 2 });
  const echoed: string[] = [];
  for (let i = 0; i < lines; i++) {
    writer.write(bytes(`line ${i}\n`));
    echoed.push(text(yield* reader.readline()));
  }
  writer.close();
  yield* writer.waitClosed();
  server.close();
  yield* server.waitClosed();
  return { echoed, time: getRunningLoop().time() };
}

describe('simulate() over the simulated network', () => {
  it('the unchanged stream code echoes lines on the virtual clock', () => {
    const { echoed, time } = simulate(echoProgram(20), { network: { latency: 0.001 } });
    expect(echoed).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}\n`));
    // 20 round trips of 2 ms each, plus setup and teardown: virtual time, no waiting.
    expect(time).toBeGreaterThan(0.04);
    expect(time).toBeLessThan(0.1);
  });

  it('the same seed gives the same run, step for step, even with chaos', () => {
    const trace = (seed: number): string[] => {
      const steps: string[] = [];
      simulate(echoProgram(5), {
        seed,
        chaos: true,
        onStep: (name, time) => void steps.push(`${name}@${time.toFixed(4)}`),
      });
      return steps;
    };
    expect(trace(7)).toEqual(trace(7));
    expect(trace(7).length).toBeGreaterThan(10);
  });

  it('a refused connection and an unknown name fail as they do on Node', () => {
    const errors = simulate(
      (function* (): Coro<unknown[]> {
        const out: unknown[] = [];
        for (const host of ['127.0.0.1', 'nowhere.invalid']) {
          try {
            yield* openConnection(host, 5555);
          } catch (exc) {
            out.push(exc);
          }
        }
        return out;
      })(),
      
    );
    expect(errors[0]).toBeInstanceOf(ConnectionRefusedError);
    expect((errors[0] as Error).message).toBe('openConnection(): cannot connect to 127.0.0.1:5555: connection refused; is a server listening there? (ECONNREFUSED)');
    expect(errors[1]).toBeInstanceOf(GaiError);
    expect((errors[1] as Error).message).toBe('openConnection(): cannot resolve "nowhere.invalid": no such host (ENOTFOUND)');
  });

  it('a fast writer to a slow reader is held back by drain: the buffers stay bounded', () => {
    const result = simulate(
      (function* () {
        let maxBuffered = 0;
        let received = 0;
        const total = 4 * 1024 * 1024;
        const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
          for (;;) {
            const chunk = yield* reader.read(4096);
            if (chunk.length === 0) break;
            received += chunk.length;
            yield* sleep(0.001); // a slow reader: 4 KiB per virtual millisecond
          }
          writer.close();
        }, '127.0.0.1', 0);
        const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
        const chunk = new Uint8Array(16 * 1024);
        const watcher = createTask(
          (function* () {
            for (;;) {
              maxBuffered = Math.max(maxBuffered, writer.transport.getWriteBufferSize());
              yield* sleep(0.0005);
            }
          })(),
        );
        for (let sent = 0; sent < total; sent += chunk.length) {
          writer.write(chunk);
          yield* writer.drain();
        }
        writer.writeEof();
        yield* reader.read();
        watcher.cancel();
        server.close();
        return { maxBuffered, received, total };
      })(),
      
    );
    expect(result.received).toBe(result.total);
    // Never more than the high-water mark plus one write over it.
    expect(result.maxBuffered).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
  });
});
