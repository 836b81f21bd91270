/**
 * The bad-input catalogue for options objects (#18 defect 3): every public call that takes
 * an options object rejects a key it does not know with a TypeError naming the call, the
 * key and the keys it knows, as Python rejects an unexpected keyword argument. A silently
 * ignored `{ nmae: 'x' }` breaks what the caller meant without a word.
 *
 * simulate()'s options are checked by the simulator's own tests. Each entry below is one
 * options object; the count is reported in the closing note of #18.
 */
import {
  ContextVar,
  EventLoop,
  Future,
  RealHost,
  Runner,
  Task,
  asCompleted,
  captureCallGraph,
  createTask,
  ensureFuture,
  formatCallGraph,
  gather,
  getRunningLoop,
  newEventLoop,
  printCallGraph,
  run,
  simulate,
  sleep,
  taskGroup,
  wait,
  wrapPromise,
} from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { LifoQueue, PriorityQueue, Queue } from '@yieldio/queues';
import { ThreadPoolExecutor } from '@yieldio/threads';
import {
  DatagramProtocol,
  Protocol,
  StreamReader,
  createDefaultContext,
  createSubprocessExec,
  createSubprocessShell,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
} from '@yieldio/net';

function* idle(): Coro<void> {}

/** What `fn` throws (synchronously, or from the coroutine it returns, run on the virtual clock). */
function thrownBy(fn: () => unknown): unknown {
  try {
    const value = fn();
    if (value !== null && typeof value === 'object' && typeof (value as Coro<unknown>).next === 'function' && typeof (value as Coro<unknown>).throw === 'function') {
      simulate(value as Coro<unknown>);
    }
  } catch (exc) {
    return exc;
  }
  return 'nothing thrown';
}

/** As thrownBy, with a running virtual loop around the call. */
function thrownInside(fn: () => unknown): unknown {
  return simulate(
    (function* () {
      try {
        const value = fn();
        if (value !== null && typeof value === 'object' && typeof (value as Coro<unknown>).throw === 'function') yield* value as Coro<unknown>;
      } catch (exc) {
        return exc;
      }
      return 'nothing thrown';
    })(),
  );
}

/** On the real clock (net calls reach the network seam only after their options pass). */
async function thrownOnRealLoop(fn: () => Coro<unknown>): Promise<unknown> {
  return run(
    (function* () {
      try {
        yield* fn();
      } catch (exc) {
        return exc;
      }
      return 'nothing thrown';
    })(),
  );
}

const unknown = (caller: string, key: string, known: string): TypeError =>
  new TypeError(`${caller}: unknown option ${JSON.stringify(key)}; known options: ${known}`);

describe('options objects reject unknown keys (core)', () => {
  const cases: Array<[string, () => unknown, TypeError]> = [
    ['createTask', () => thrownInside(() => createTask(idle(), { nmae: 'x' } as never)), unknown('createTask()', 'nmae', 'name, context, eagerStart')],
    ['loop.createTask', () => thrownInside(() => getRunningLoop().createTask(idle(), { eager: true } as never)), unknown('createTask()', 'eager', 'name, context, eagerStart')],
    ['new Task', () => thrownInside(() => new Task(idle(), { nmae: 'x' } as never)), unknown('Task()', 'nmae', 'loop, name, context, eagerStart')],
    [
      'TaskGroup.createTask',
      () =>
        simulate(
          taskGroup(function* (tg) {
            try {
              tg.createTask(idle(), { nmae: 'x' } as never);
            } catch (exc) {
              return exc;
            }
            return 'nothing thrown';
          }),
        ),
      unknown('TaskGroup.createTask()', 'nmae', 'name, context, eagerStart'),
    ],
    ['loop.createFuture', () => thrownInside(() => getRunningLoop().createFuture({ desc: 'x' } as never)), unknown('createFuture()', 'desc', 'description, waiterOf')],
    ['new Future', () => thrownInside(() => new Future({ lop: null } as never)), unknown('Future()', 'lop', 'loop, description, waiterOf')],
    ['addDoneCallback', () => thrownInside(() => getRunningLoop().createFuture().addDoneCallback(() => {}, { ctx: null } as never)), unknown('addDoneCallback()', 'ctx', 'context')],
    ['asCompleted', () => thrownInside(() => asCompleted([sleep(0)], { timout: 1 } as never)), unknown('asCompleted()', 'timout', 'timeout')],
    ['wait', () => thrownInside(() => wait([createTask(idle())], { returnwhen: 'x' } as never)), unknown('wait()', 'returnwhen', 'timeout, returnWhen')],
    ['gather', () => thrownInside(() => gather([sleep(0)], { returnException: true } as never)), unknown('gather()', 'returnException', 'returnExceptions')],
    ['ensureFuture', () => thrownInside(() => ensureFuture(sleep(0), { lop: null } as never)), unknown('ensureFuture()', 'lop', 'loop')],
    ['wrapPromise', () => thrownInside(() => wrapPromise(Promise.resolve(1), { lop: null } as never)), unknown('wrapPromise()', 'lop', 'loop')],
    ['ContextVar', () => thrownBy(() => new ContextVar('x', { defualt: 1 } as never)), unknown('ContextVar()', 'defualt', 'default')],
    ['run', () => thrownBy(() => run(idle(), { debgu: true } as never)), unknown('run()', 'debgu', 'debug')],
    ['new Runner', () => thrownBy(() => new Runner({ debgu: true } as never)), unknown('Runner()', 'debgu', 'debug, loopFactory')],
    ['Runner.run', () => thrownBy(() => new Runner().run(idle(), { ctx: null } as never)), unknown('Runner.run()', 'ctx', 'context')],
    ['newEventLoop', () => thrownBy(() => newEventLoop({ debgu: true } as never)), unknown('newEventLoop()', 'debgu', 'debug')],
    ['new EventLoop', () => thrownBy(() => new EventLoop(new RealHost(), { debgu: true } as never)), unknown('EventLoop()', 'debgu', 'debug')],
    ['captureCallGraph', () => thrownInside(() => captureCallGraph(null, { depth: 1 } as never)), unknown('captureCallGraph()', 'depth', 'limit')],
    ['formatCallGraph', () => thrownInside(() => formatCallGraph(null, { depth: 1 } as never)), unknown('formatCallGraph()', 'depth', 'limit')],
    ['printCallGraph', () => thrownInside(() => printCallGraph(null, { print: () => {} } as never)), unknown('printCallGraph()', 'print', 'limit, write')],
  ];
  it.each(cases)('%s', (_name, attempt, expected) => {
    expect(attempt()).toEqual(expected);
  });
});

describe('options objects reject unknown keys (queues, threads)', () => {
  it.each([
    ['Queue', () => new Queue({ maxSize: 1 } as never), 'Queue(): unknown option "maxSize"; did you mean "maxsize"?'],
    ['LifoQueue', () => new LifoQueue({ size: 1 } as never), 'LifoQueue(): unknown option "size"; the options are: maxsize'],
    ['PriorityQueue', () => new PriorityQueue({ compare: () => 0 } as never), 'PriorityQueue(): unknown option "compare"; the options are: maxsize, comparator'],
    ['ThreadPoolExecutor', () => new ThreadPoolExecutor({ maxworkers: 2 } as never), 'ThreadPoolExecutor(): unknown option "maxworkers"; known options: maxWorkers'],
  ])('%s', (_name, attempt, message) => {
    expect(thrownBy(attempt)).toEqual(new TypeError(message));
  });
});

describe('options objects reject unknown keys (net)', () => {
  const connection = 'ssl, serverHostname, family, localAddr, sslHandshakeTimeout, sslShutdownTimeout, allErrors';
  const server = 'family, flags, backlog, ssl, reuseAddress, sslHandshakeTimeout, sslShutdownTimeout, startServing';
  const unixServer = 'backlog, cleanupSocket, ssl, sslHandshakeTimeout, sslShutdownTimeout, startServing';
  const cases: Array<[string, () => Coro<unknown>, TypeError]> = [
    ['openConnection', () => openConnection('127.0.0.1', 1, { limt: 1 } as never), unknown('openConnection()', 'limt', `${connection}, limit`)],
    ['openUnixConnection', () => openUnixConnection('/tmp/x.sock', { limt: 1 } as never), unknown('openUnixConnection()', 'limt', 'ssl, serverHostname, sslHandshakeTimeout, sslShutdownTimeout, limit')],
    ['startServer', () => startServer(() => {}, '127.0.0.1', 0, { backLog: 1 } as never), unknown('startServer()', 'backLog', `${server}, limit`)],
    ['startUnixServer', () => startUnixServer(() => {}, '/tmp/x.sock', { cleanup: false } as never), unknown('startUnixServer()', 'cleanup', `${unixServer}, limit`)],
    ['loop.createConnection', () => getRunningLoop().createConnection(() => new Protocol(), '127.0.0.1', 1, { limit: 1 } as never), unknown('createConnection()', 'limit', connection)],
    ['loop.createUnixConnection', () => getRunningLoop().createUnixConnection(() => new Protocol(), '/tmp/x.sock', { sock: 1 } as never), unknown('createUnixConnection()', 'sock', 'ssl, serverHostname, sslHandshakeTimeout, sslShutdownTimeout')],
    ['loop.createServer', () => getRunningLoop().createServer(() => new Protocol(), '127.0.0.1', 0, { reusePort: true } as never), unknown('createServer()', 'reusePort', server)],
    ['loop.createUnixServer', () => getRunningLoop().createUnixServer(() => new Protocol(), '/tmp/x.sock', { sock: 1 } as never), unknown('createUnixServer()', 'sock', unixServer)],
    ['loop.createDatagramEndpoint', () => getRunningLoop().createDatagramEndpoint(() => new DatagramProtocol(), { reuse_port: true } as never), unknown('createDatagramEndpoint()', 'reuse_port', 'localAddr, remoteAddr, family, allowBroadcast')],
    ['loop.getaddrinfo', () => getRunningLoop().getaddrinfo('localhost', 80, { famliy: 2 } as never), unknown('getaddrinfo()', 'famliy', 'family, type, proto, flags')],
    ['createSubprocessExec', () => createSubprocessExec('true', { start_new_session: true } as never), unknown('createSubprocessExec()', 'start_new_session', 'stdin, stdout, stderr, cwd, env, limit, killOnCancel, startNewSession')],
    ['createSubprocessShell', () => createSubprocessShell('true', { shell: true } as never), unknown('createSubprocessShell()', 'shell', 'stdin, stdout, stderr, cwd, env, limit, killOnCancel, startNewSession')],
  ];
  it.each(cases)('%s', async (_name, attempt, expected) => {
    expect(await thrownOnRealLoop(attempt)).toEqual(expected);
  });

  it.each([
    ['StreamReader', () => new StreamReader({ limt: 1 } as never), unknown('StreamReader()', 'limt', 'limit, loop')],
    ['createDefaultContext', () => createDefaultContext({ cafle: 'x' } as never), unknown('createDefaultContext()', 'cafle', 'purpose, cafile, cadata')],
    ['SSLContext.loadVerifyLocations', () => createDefaultContext().loadVerifyLocations({ cafile: 'x', capath: 'y' } as never), unknown('loadVerifyLocations()', 'capath', 'cafile, cadata')],
  ])('%s', (_name, attempt, expected) => {
    expect(thrownInside(attempt)).toEqual(expected);
  });
});
