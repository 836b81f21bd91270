import {
  run,
  sleep,
  gather,
  Queue,
  Lock,
  openConnection,
  startServer,
  toThread,
  createSubprocessExec,
  simulate,
  PIPE,
  type Coro,
  type StreamReader,
  type StreamWriter,
} from 'yieldio';
import * as core from '@yieldio/core';
import * as sync from '@yieldio/sync';
import * as queues from '@yieldio/queues';
import * as sim from '@yieldio/sim';
import * as net from '@yieldio/net';
import * as threads from '@yieldio/threads';
import * as yieldio from 'yieldio';

describe('import from yieldio', () => {
  it('re-exports every public name of core, sync, queues, net, threads and sim, as the same objects', () => {
    for (const pkg of [core, sync, queues, net, threads, sim]) {
      for (const [name, value] of Object.entries(pkg)) {
        expect([name, (yieldio as Record<string, unknown>)[name]]).toEqual([name, value]);
      }
    }
  });

  it('runs a program on the virtual clock with nothing else imported', () => {
    function* main(): Coro<string[]> {
      const queue = new Queue<string>();
      const lock = new Lock();
      function* producer(): Coro<void> {
        for (const item of ['a', 'b']) {
          yield* sleep(10);
          yield* queue.put(item);
        }
      }
      function* consumer(): Coro<string[]> {
        using _ = yield* lock.hold();
        return [yield* queue.get(), yield* queue.get()];
      }
      const [, got] = yield* gather(producer(), consumer());
      return got;
    }
    expect(simulate(main())).toEqual(['a', 'b']);
  });

  it('gives run() Node\'s network, a thread pool and subprocesses, by importing yieldio alone', async () => {
    function* main(): Coro<[string, number, string]> {
      const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
        const line = yield* reader.readline();
        writer.write(line);
        yield* writer.drain();
        writer.close();
      }, '127.0.0.1', 0);
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [reader, writer] = yield* openConnection('127.0.0.1', port);
      writer.write(new TextEncoder().encode('echo\n'));
      const echoed = new TextDecoder().decode(yield* reader.readline());
      writer.close();
      server.close();
      yield* server.waitClosed();
      const sum = yield* toThread((a: number, b: number) => a + b, 2, 3);
      const child = yield* createSubprocessExec(process.execPath, '-e', 'process.stdout.write("hi")', { stdout: PIPE });
      const [out] = yield* child.communicate();
      return [echoed, sum, new TextDecoder().decode(out!)];
    }
    expect(await run(main())).toEqual(['echo\n', 5, 'hi']);
  });
});
