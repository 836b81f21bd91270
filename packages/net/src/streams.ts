/**
 * The stream entry points (asyncio `streams.py`): `openConnection`, `startServer`,
 * `openUnixConnection`, `startUnixServer`. Each is the transport call of the same name
 * (create-connection.ts, create-server.ts) with a StreamReaderProtocol between the
 * transport and a reader/writer pair, and takes the same options plus `limit` (the
 * reader's line limit, 64 KiB by default).
 *
 *     const [reader, writer] = yield* openConnection('127.0.0.1', 8888);
 *     writer.write(Buffer.from('hello\n'));
 *     const line = yield* reader.readline();
 *
 *     const server = yield* startServer(function* (reader, writer) { ... }, '127.0.0.1', 0);
 *     const port = server.sockets[0].getsockname()![1];
 */
import { getRunningLoop } from '@yieldio/core';
import type { Coro, EventLoop } from '@yieldio/core';
import { CONNECTION_OPTIONS, UNIX_CONNECTION_OPTIONS, createConnectionImpl, createUnixConnectionImpl } from './create-connection';
import type { CreateConnectionOptions, CreateUnixConnectionOptions } from './create-connection';
import { SERVER_OPTIONS, UNIX_SERVER_OPTIONS, createServerImpl, createUnixServerImpl } from './create-server';
import type { CreateServerOptions, CreateUnixServerOptions } from './create-server';
import { describeValue as describe } from '@yieldio/core';
import { checkOptions } from './options';
import type { Server } from './server';
import { StreamReaderProtocol } from './stream-protocol';
import type { ClientConnectedCallback } from './stream-protocol';
import { DEFAULT_LIMIT, StreamReader } from './stream-reader';
import { StreamWriter } from './stream-writer';

/** The stream part of the options of `openConnection()` and `startServer()` (asyncio's `limit=`); the rest are those of `createConnection()` or `createServer()`. */
export interface StreamOptions {
  /** The reader's limit: the longest line, and half the buffer before reading pauses. */
  limit?: number;
}

/** Split `limit` off the options (checked here, by the reader's rules) and pass on the rest. */
/**
 * The stream functions take the protocol call's options plus `limit`: check them all here,
 * so an unknown key's message lists `limit` among the known ones (#18).
 */
function splitLimit(caller: string, options: unknown, known: readonly string[]): [number, Record<string, unknown> | undefined] {
  if (options === undefined || options === null) return [DEFAULT_LIMIT, undefined];
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object such as { limit: 65536 }, got ${describe(options)}`);
  }
  checkOptions(caller, options, [...known, 'limit']);
  const { limit, ...rest } = options as Record<string, unknown>;
  if (limit === undefined || limit === null) return [DEFAULT_LIMIT, rest];
  if (typeof limit !== 'number' || !Number.isInteger(limit)) {
    throw new TypeError(`${caller}: limit must be a whole number of bytes, got ${describe(limit)}`);
  }
  if (limit <= 0) throw new RangeError(`${caller}: limit must be > 0, got ${limit}`);
  return [limit, rest];
}

function checkClientCallback(caller: string, cb: unknown): asserts cb is ClientConnectedCallback {
  if (typeof cb !== 'function') {
    throw new TypeError(`${caller}: clientConnectedCb must be a function (reader, writer) => ..., or a generator function, got ${describe(cb)}`);
  }
}

/** Connect to `host:port`; returns `[reader, writer]`. asyncio `open_connection`. */
export function* openConnection(host: string | null, port: number, options?: CreateConnectionOptions & StreamOptions): Coro<[StreamReader, StreamWriter]> {
  const caller = 'openConnection()';
  const loop = getRunningLoop('openConnection');
  const [limit, rest] = splitLimit(caller, options, CONNECTION_OPTIONS);
  const reader = new StreamReader({ limit, loop });
  reader._limitHint = 'openConnection(host, port, { limit })';
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* createConnectionImpl(loop, caller, () => protocol, host, port, rest);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/** Connect to the Unix socket at `path`; returns `[reader, writer]`. asyncio `open_unix_connection`. */
export function* openUnixConnection(path: string, options?: CreateUnixConnectionOptions & StreamOptions): Coro<[StreamReader, StreamWriter]> {
  const caller = 'openUnixConnection()';
  const loop = getRunningLoop('openUnixConnection');
  const [limit, rest] = splitLimit(caller, options, UNIX_CONNECTION_OPTIONS);
  const reader = new StreamReader({ limit, loop });
  reader._limitHint = 'openUnixConnection(path, { limit })';
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* createUnixConnectionImpl(loop, caller, () => protocol, path, rest);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/** `limitHint`: how the server's caller raises the limit, named by a reader's line-limit error. */
function streamFactory(loop: EventLoop, limit: number, cb: ClientConnectedCallback, limitHint: string): () => StreamReaderProtocol {
  return () => {
    const reader = new StreamReader({ limit, loop });
    reader._limitHint = limitHint;
    return new StreamReaderProtocol(reader, cb, loop);
  };
}

/**
 * Listen on `host:port`; for each client, call `clientConnectedCb(reader, writer)` (a
 * generator function runs as a task). Returns the Server.
 *
 * asyncio `start_server`.
 */
export function* startServer(
  clientConnectedCb: ClientConnectedCallback,
  host?: string | readonly string[] | null,
  port?: number | null,
  options?: CreateServerOptions & StreamOptions,
): Coro<Server> {
  const caller = 'startServer()';
  const loop = getRunningLoop('startServer');
  checkClientCallback(caller, clientConnectedCb);
  const [limit, rest] = splitLimit(caller, options, SERVER_OPTIONS);
  return yield* createServerImpl(loop, caller, streamFactory(loop, limit, clientConnectedCb, 'startServer(clientConnectedCb, host, port, { limit })'), host, port, rest);
}

/** Listen on the Unix socket at `path`, as startServer. asyncio `start_unix_server`. */
export function* startUnixServer(clientConnectedCb: ClientConnectedCallback, path: string, options?: CreateUnixServerOptions & StreamOptions): Coro<Server> {
  const caller = 'startUnixServer()';
  const loop = getRunningLoop('startUnixServer');
  checkClientCallback(caller, clientConnectedCb);
  const [limit, rest] = splitLimit(caller, options, UNIX_SERVER_OPTIONS);
  return yield* createUnixServerImpl(loop, caller, streamFactory(loop, limit, clientConnectedCb, 'startUnixServer(clientConnectedCb, path, { limit })'), path, rest);
}
