/**
 * Server: serving, closing and waiting (asyncio 3.12.1+ `wait_closed`, 3.13's
 * `close_clients`/`abort_clients`), and the ways listening fails.
 */
import * as net from 'node:net';
import { CancelledError, createTask, getRunningLoop, sleep, wait } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { OSError, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { bytes, portOf, runNet, text } from './helpers';

function* holdOpen(reader: StreamReader, writer: StreamWriter): Coro<void> {
  yield* reader.read();
  writer.close();
}

describe('Server', () => {
  it('serveForever serves until cancelled, then the server is closed', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(function* (r, w) {
        w.write(yield* r.readline());
        w.close();
      }, '127.0.0.1', 0, { startServing: false });
      const before = server.isServing();
      const serving = createTask(server.serveForever());
      yield* sleep(0.01);
      const during = server.isServing();
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(bytes('ping\n'));
      const echoed = text(yield* reader.readline());
      writer.close();
      yield* writer.waitClosed();
      serving.cancel();
      yield* wait([serving]);
      return { before, during, echoed, cancelled: serving.cancelled(), after: server.isServing(), sockets: server.sockets.length };
    });
    expect(result).toEqual({ before: false, during: true, echoed: 'ping\n', cancelled: true, after: false, sockets: 0 });
  });

  it('serveForever twice at once is an error', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(holdOpen, '127.0.0.1', 0);
      const first = createTask(server.serveForever());
      yield* sleep(0);
      let error: unknown = null;
      try {
        yield* server.serveForever();
      } catch (exc) {
        error = exc;
      }
      first.cancel();
      yield* wait([first]);
      return error;
    });
    expect((result as Error).name).toBe('InvalidStateError');
    expect((result as Error).message).toMatch(/^serveForever\(\): <Server serving sockets=\[127\.0\.0\.1:\d+\]> is already being awaited on serveForever\(\)$/);
  });

  it('with startServing false, connections wait until serving starts', async () => {
    const { result } = await runNet(function* () {
      const handled: string[] = [];
      const server = yield* startServer((_r, w) => {
        handled.push('client');
        w.write(bytes('welcome\n'));
        w.close();
      }, '127.0.0.1', 0, { startServing: false });
      const [reader] = yield* openConnection('127.0.0.1', portOf(server));
      yield* sleep(0.03);
      const early = [...handled];
      yield* server.startServing();
      const line = text(yield* reader.readline());
      server.close();
      yield* server.waitClosed();
      return { early, line, handled };
    });
    expect(result).toEqual({ early: [], line: 'welcome\n', handled: ['client'] });
  });

  it('waitClosed waits for the server to close and its clients to go, in either order', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(holdOpen, '127.0.0.1', 0);
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server));
      yield* sleep(0.01);
      const waiting = createTask(server.waitClosed());
      yield* sleep(0.01);
      const openServer = waiting.done();
      server.close();
      yield* sleep(0.01);
      const clientLeft = waiting.done();
      writer.close();
      yield* wait([waiting], { timeout: 1 });
      return [openServer, clientLeft, waiting.done()];
    });
    expect(result).toEqual([false, false, true]);
  });

  it('a cancelled serveForever closes the server, then waits for its clients to go (3.12.1)', async () => {
    // Scenario: one client is connected when serveForever is cancelled. The server stops
    // listening at once, but serveForever only ends (cancelled) once that client is gone.
    const { result } = await runNet(function* () {
      const server = yield* startServer(holdOpen, '127.0.0.1', 0);
      const port = portOf(server);
      const [, writer] = yield* openConnection('127.0.0.1', port);
      const serving = createTask(server.serveForever());
      yield* sleep(0.02);
      serving.cancel();
      yield* sleep(0.05);
      const whileClientStays = { done: serving.done(), serving: server.isServing(), sockets: server.sockets.length };
      let refused: unknown = null;
      try {
        yield* openConnection('127.0.0.1', port);
      } catch (exc) {
        refused = exc;
      }
      writer.close();
      yield* wait([serving], { timeout: 1 });
      return { whileClientStays, refused: (refused as Error | null)?.name, done: serving.done(), cancelled: serving.cancelled() };
    });
    expect(result).toEqual({
      whileClientStays: { done: false, serving: false, sockets: 0 },
      refused: 'ConnectionRefusedError',
      done: true,
      cancelled: true,
    });
  });

  it('server.close() ends a running serveForever with CancelledError', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(holdOpen, '127.0.0.1', 0);
      const serving = createTask(server.serveForever());
      yield* sleep(0.01);
      server.close();
      yield* wait([serving], { timeout: 1 });
      return { cancelled: serving.cancelled(), serving: server.isServing() };
    });
    expect(result).toEqual({ cancelled: true, serving: false });
  });

  it('closeClients sends what each client was sent before closing it; abortClients drops it', async () => {
    // Each client is sent more than the kernel's socket buffers hold (a few MiB), so
    // most of it still waits in the server's when the clients are closed. closeClients
    // must deliver all of it, then EOF. abortClients must end the connection at once:
    // the server's waitClosed returns before the client has read a byte, and the client
    // gets only what was already in flight, then EOF or a reset.
    const sizes = [8 * 1024 * 1024, 32 * 1024 * 1024];
    const { result } = await runNet(function* () {
      let accepted = 0;
      const server = yield* startServer(function* (r, w) {
        w.write(new Uint8Array(sizes[accepted++]).fill(5));
        yield* r.read();
      }, '127.0.0.1', 0);
      const port = portOf(server);
      function* readAll(reader: StreamReader): Coro<string> {
        let n = 0;
        try {
          for (let i = 0; i < 100_000; i++) {
            const chunk = yield* reader.read(1 << 16);
            if (chunk.length === 0) return `${n} then EOF`;
            n += chunk.length;
          }
          return 'too many reads';
        } catch (exc) {
          return `${n} then ${(exc as Error).name}`;
        }
      }
      const [gentle] = yield* openConnection('127.0.0.1', port);
      yield* sleep(0.05);
      server.closeClients();
      const closed = yield* readAll(gentle);

      const [rough] = yield* openConnection('127.0.0.1', port);
      yield* sleep(0.05);
      server.abortClients();
      server.close();
      const waiting = createTask(server.waitClosed());
      yield* wait([waiting], { timeout: 1 });
      const goneBeforeReading = waiting.done();
      const aborted = yield* readAll(rough);
      return { closed, goneBeforeReading, aborted };
    }, 10);
    expect(result.closed).toBe(`${sizes[0]} then EOF`);
    expect(result.goneBeforeReading).toBe(true);
    const [received, end] = result.aborted.split(' then ');
    expect(Number(received)).toBeLessThan(sizes[1]);
    expect(['EOF', 'ConnectionResetError']).toContain(end);
  });

  it('closeClients closes the accepted connections gracefully; abortClients at once', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(function* (r, w) {
        w.write(bytes('hi\n'));
        yield* r.read();
      }, '127.0.0.1', 0);
      const port = portOf(server);
      const outcomes: string[] = [];
      for (const how of ['closeClients', 'abortClients'] as const) {
        const [reader] = yield* openConnection('127.0.0.1', port);
        yield* reader.readline();
        server[how]();
        try {
          const rest = yield* reader.read();
          outcomes.push(`eof:${rest.length}`);
        } catch (exc) {
          outcomes.push((exc as Error).name);
        }
      }
      server.close();
      yield* server.waitClosed();
      return outcomes;
    });
    expect(result[0]).toBe('eof:0');
    expect(['eof:0', 'ConnectionResetError']).toContain(result[1]);
  });

  it('a host of null listens on every interface; an array lists hosts', async () => {
    const { result } = await runNet(function* () {
      const any = yield* startServer(holdOpen, null, 0);
      const anyNames = any.sockets.map((s) => (s.getsockname() as [string, number])[0]);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(any));
      writer.close();
      yield* reader.read();
      any.close();
      const listed = yield* startServer(holdOpen, ['127.0.0.1', '127.0.0.1'], 0);
      const listedCount = listed.sockets.length;
      listed.close();
      return { anyNames, listedCount };
    });
    expect(result.anyNames).toContain('0.0.0.0');
    expect(result.listedCount).toBe(1);
  });

  it('a port already in use fails naming the address, with EADDRINUSE', async () => {
    const node = net.createServer();
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    const port = (node.address() as net.AddressInfo).port;
    try {
      const { result } = await runNet(function* () {
        try {
          yield* startServer(holdOpen, '127.0.0.1', port);
        } catch (exc) {
          return exc;
        }
        return null;
      });
      expect(result).toBeInstanceOf(OSError);
      expect((result as OSError).code).toBe('EADDRINUSE');
      expect((result as Error).message).toBe(
        `startServer(): cannot listen on 127.0.0.1:${port}: address already in use; pick another port or stop what listens there (EADDRINUSE)`,
      );
    } finally {
      node.close();
    }
  });

  it('a client coroutine that fails is reported and its connection closed (3.12)', async () => {
    const { result, messages } = await runNet(function* () {
      const server = yield* startServer(function* () {
        yield* sleep(0);
        throw new TypeError('handler bug');
      }, '127.0.0.1', 0);
      const [reader] = yield* openConnection('127.0.0.1', portOf(server));
      const rest = yield* reader.read();
      server.close();
      yield* server.waitClosed();
      return rest.length;
    });
    expect(result).toBe(0);
    expect(messages.map((m) => m.message)).toEqual(['Unhandled exception in client_connected_cb']);
    expect(messages[0].exception).toEqual(new TypeError('handler bug'));
  });

  it('a cancelled serveForever lets its CancelledError through', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(holdOpen, '127.0.0.1', 0);
      const task = createTask(server.serveForever());
      yield* sleep(0);
      task.cancel('stop');
      yield* wait([task]);
      try {
        task.result();
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toBeInstanceOf(CancelledError);
  });

  it('a bad client callback is a TypeError at startServer', async () => {
    const { result } = await runNet(function* () {
      try {
        yield* startServer('nope' as never, '127.0.0.1', 0);
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toEqual(new TypeError('startServer(): clientConnectedCb must be a function (reader, writer) => ..., or a generator function, got "nope" (a string)'));
  });

  it('the loop is reachable from the server', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(holdOpen, '127.0.0.1', 0);
      const same = server.getLoop() === getRunningLoop();
      server.close();
      return same;
    });
    expect(result).toBe(true);
  });
});
