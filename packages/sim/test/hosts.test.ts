/**
 * Hosts: where tasks run, which address their sockets carry, how names resolve, and what
 * a crash and a restart do to them.
 */
import { CancelledError, createTask, currentTask, getRunningLoop, sleep } from '@yieldio/core';
import type { Coro, Task } from '@yieldio/core';
import { GaiError, Protocol, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';
import { bytes, portOf, sim, text, thrownBy } from './helpers';

describe('hosts', () => {
  it('a client on one host reaches a server on another by name, and each sees the other\'s address', () => {
    const seen = sim(function* () {
      const net = getNetwork();
      let serverSaw: unknown = null;
      const server = net.addHost('server', { address: '10.1.0.1' });
      const client = net.addHost('client');
      const ready = getRunningLoop().createFuture<number>();
      server.spawn(
        (function* () {
          const s = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
            serverSaw = writer.getExtraInfo('peername');
            writer.write(yield* reader.readline());
            writer.close();
          }, null, 7000);
          ready.setResult(portOf(s));
          yield* sleep(3600);
        })(),
      );
      const port = yield* ready;
      const answer = yield* client.spawn(
        (function* () {
          const [reader, writer] = yield* openConnection('server', port);
          writer.write(bytes('hello\n'));
          return [text(yield* reader.readline()), writer.getExtraInfo('peername'), writer.getExtraInfo('sockname')];
        })(),
      );
      return { answer, serverSaw, clientAddress: client.address };
    });
    expect(seen.answer[0]).toBe('hello\n');
    expect(seen.answer[1]).toEqual(['10.1.0.1', 7000]);
    expect((seen.answer[2] as [string, number])[0]).toBe(seen.clientAddress);
    expect(seen.clientAddress).toBe('10.0.0.2');
    expect((seen.serverSaw as [string, number])[0]).toBe(seen.clientAddress);
  });

  it('an unknown name raises GaiError, and getaddrinfo resolves host names', () => {
    const [exc, infos] = sim(function* (): Coro<[unknown, unknown]> {
      getNetwork().addHost('db', { address: 'fd00::7' });
      const exc = yield* thrownBy(() => openConnection('nowhere', 80));
      const infos = yield* getRunningLoop().getaddrinfo('db', 5432, { type: 1 });
      return [exc, infos];
    });
    expect(exc).toBeInstanceOf(GaiError);
    expect((exc as Error).message).toBe('openConnection(): cannot resolve "nowhere": no such host (ENOTFOUND)');
    expect(infos).toEqual([[10, 1, 6, '', ['fd00::7', 5432, 0, 0]]]);
  });

  it('each host has its own loopback: 127.0.0.1 on a host reaches that host only', () => {
    const result = sim(function* () {
      const net = getNetwork();
      const a = net.addHost('a');
      a.spawn(startServer(function* (_r: StreamReader, w: StreamWriter) {
        w.close();
      }, '127.0.0.1', 9000));
      yield* sleep(0.01);
      const fromHere = yield* thrownBy(() => openConnection('127.0.0.1', 9000));
      const fromA = yield* a.spawn(
        (function* () {
          const [reader] = yield* openConnection('localhost', 9000, { family: 2 });
          return (yield* reader.read()).length;
        })(),
      );
      return [(fromHere as Error).name, fromA];
    });
    expect(result).toEqual(['ConnectionRefusedError', 0]);
  });

  it('tasks a host task creates, and a server\'s handler tasks, run on that host', () => {
    const names = sim(function* () {
      const net = getNetwork();
      const a = net.addHost('a');
      a.spawn(
        (function* () {
          createTask(sleep(100), { name: 'child' });
          yield* startServer(function* () {
            yield* sleep(100);
          }, null, 80);
          yield* sleep(100);
        })(),
        { name: 'main-of-a' },
      );
      yield* sleep(0.01);
      const [, writer] = yield* openConnection('a', 80);
      yield* sleep(0.01);
      const onA = a.tasks().map((t) => t.getName()).sort();
      const onLocalhost = net.localhost.tasks().map((t) => t.getName());
      writer.close();
      return { onA, onLocalhost, me: currentTask()!.getName() };
    });
    expect(names.onA).toHaveLength(3);
    expect(names.onA).toEqual(expect.arrayContaining(['main-of-a', 'child']));
    expect(names.onLocalhost).toEqual([names.me]);
  });

  it('a crash stops its tasks without their finally, awaiters get CancelledError, and restart boots again', () => {
    const log = sim(function* () {
      const log: string[] = [];
      const net = getNetwork();
      let boots = 0;
      const a = net.addHost('a', {
        boot: function* () {
          boots++;
          try {
            yield* sleep(3600);
          } finally {
            log.push('finally ran');
          }
        },
      });
      let worker: Task<unknown> | null = null;
      worker = a.spawn(sleep(3600));
      yield* sleep(1);
      a.crash();
      log.push(`up: ${a.isUp()}, tasks: ${a.tasks().length}`);
      try {
        yield* worker;
      } catch (exc) {
        log.push(exc instanceof CancelledError ? 'awaiter: CancelledError' : String(exc));
      }
      a.restart();
      yield* sleep(0);
      log.push(`up: ${a.isUp()}, tasks: ${a.tasks().length}, boots: ${boots}`);
      return [...log]; // the second boot's finally runs when simulate() cancels it at the end
    });
    expect(log).toEqual(['up: false, tasks: 0', 'awaiter: CancelledError', 'up: true, tasks: 1, boots: 2']);
  });

  it("a crash cancels the callbacks its tasks scheduled: callSoon, callLater and callAt never run", () => {
    const run = (crash: boolean): string[] =>
      sim(function* () {
        const log: string[] = [];
        const loop = getRunningLoop();
        const a = getNetwork().addHost('a');
        const mark = (what: string) => () => log.push(`${what} at ${loop.time()}`);
        a.spawn(
          (function* () {
            yield* sleep(1);
            loop.callSoon(mark('callSoon'));
            loop.callLater(2, mark('callLater'));
            loop.callAt(6, mark('callAt'));
            yield* sleep(3600);
          })(),
        );
        yield* sleep(0); // a's task sleeps first, so at 1 it runs (and schedules) before the crash
        yield* sleep(1);
        if (crash) a.crash();
        yield* sleep(10);
        log.push(`main at ${loop.time()}`);
        return log;
      });
    expect(run(false)).toEqual(['callSoon at 1', 'callLater at 3', 'callAt at 6', 'main at 11']);
    expect(run(true)).toEqual(['main at 11']);
  });

  it("a crash cancels what its sockets' protocols scheduled, and a connection it was closing is not reported lost", () => {
    const run = (crash: boolean): string[] =>
      sim(function* () {
        const log: string[] = [];
        const loop = getRunningLoop();
        const net = getNetwork();
        const server = net.addHost('server');
        class Recorder extends Protocol {
          override dataReceived(data: Uint8Array): void {
            loop.callLater(1, () => log.push(`later for ${text(data)} at ${loop.time()}`));
          }
          override connectionLost(): void {
            log.push(`connection lost at ${loop.time()}`);
          }
        }
        let closeNow: (() => void) | null = null;
        class Closer extends Recorder {
          override connectionMade(transport: { close(): void }): void {
            closeNow = () => transport.close();
          }
        }
        const ready = loop.createFuture<void>();
        server.spawn(
          (function* () {
            yield* loop.createServer(() => new Recorder(), null, 7000);
            yield* loop.createServer(() => new Closer(), null, 7001);
            ready.setResult(undefined);
            yield* sleep(3600);
          })(),
        );
        yield* ready;
        const [, writer] = yield* openConnection('server', 7000);
        yield* openConnection('server', 7001);
        writer.write(bytes('ping'));
        yield* sleep(0.5); // the server has the bytes (at 0.0025): its protocol's callLater is due at 1.0025
        server.spawn(
          (function* () {
            closeNow!(); // connectionLost is scheduled for the next pass...
          })(),
        );
        yield* sleep(0); // ...when the crash comes first
        if (crash) server.crash();
        yield* sleep(10);
        log.push(`main at ${loop.time()}`);
        return log;
      });
    expect(run(false)).toEqual(['connection lost at 0.502', 'later for ping at 1.0025', 'main at 10.502']);
    expect(run(true)).toEqual(['main at 10.502']);
  });
});
