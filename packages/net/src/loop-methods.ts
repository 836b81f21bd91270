/**
 * The loop's network methods: `loop.createConnection`, `createServer`,
 * `createUnixConnection`, `createUnixServer`, `createDatagramEndpoint`, `getaddrinfo`,
 * `startTls`, as asyncio's `AbstractEventLoop` has them.
 *
 * Core cannot depend on this package (it runs in browsers), so the methods come from
 * here: a TypeScript module augmentation gives `EventLoop` their types, and core's
 * `provideLoopMethods` gives every loop the code once this package is imported (before
 * that, core's own stand-ins say to import this package).
 */
import { provideLoopMethods } from '@yieldio/core';
import type { EventLoop } from '@yieldio/core';
import type { Coro, Host } from '@yieldio/core';
import { createConnection, createUnixConnection } from './create-connection';
import type { CreateConnectionOptions, CreateUnixConnectionOptions } from './create-connection';
import { createServer, createUnixServer } from './create-server';
import type { CreateServerOptions, CreateUnixServerOptions } from './create-server';
import { createDatagramEndpoint } from './datagram-transport';
import type { CreateDatagramEndpointOptions } from './datagram-transport';
import { getaddrinfo } from './getaddrinfo';
import type { AddrInfo, GetaddrinfoOptions } from './getaddrinfo';
import type { BaseProtocol, DatagramProtocol, StreamProtocol } from './protocols';
import type { Server } from './server';
import type { SSLContext } from './ssl-context';
import { startTls } from './start-tls';
import type { StartTlsOptions } from './start-tls';
import type { DatagramTransport, Transport } from './transports';

declare module '@yieldio/core' {
  interface EventLoop<H extends Host = Host> {
    /** Connect to `host:port`; `[transport, protocol]` once `connectionMade` has run. */
    createConnection<P extends StreamProtocol>(protocolFactory: () => P, host: string | null, port: number, options?: CreateConnectionOptions): Coro<[Transport, P]>;
    /** Connect to the Unix socket at `path`. */
    createUnixConnection<P extends StreamProtocol>(protocolFactory: () => P, path: string, options?: CreateUnixConnectionOptions): Coro<[Transport, P]>;
    /** Listen on `host:port` (null host: every interface); each connection gets `protocolFactory()`. */
    createServer(protocolFactory: () => StreamProtocol, host?: string | readonly string[] | null, port?: number | null, options?: CreateServerOptions): Coro<Server>;
    /** Listen on the Unix socket at `path`. */
    createUnixServer(protocolFactory: () => StreamProtocol, path: string, options?: CreateUnixServerOptions): Coro<Server>;
    /** A UDP endpoint: `[transport, protocol]`. */
    createDatagramEndpoint<P extends DatagramProtocol>(protocolFactory: () => P, options: CreateDatagramEndpointOptions): Coro<[DatagramTransport, P]>;
    /** Resolve a host: Python's `[family, type, proto, canonname, sockaddr]` tuples. */
    getaddrinfo(host: string | null, port: number | null, options?: GetaddrinfoOptions): Coro<AddrInfo[]>;
    /** Upgrade a connection to TLS; returns the transport to use from now on. */
    startTls(transport: Transport, protocol: BaseProtocol, sslcontext: SSLContext, options?: StartTlsOptions): Coro<Transport>;
  }
}

type Methods = Pick<EventLoop, 'createConnection' | 'createUnixConnection' | 'createServer' | 'createUnixServer' | 'createDatagramEndpoint' | 'getaddrinfo' | 'startTls'>;
const methods: Methods = {
  createConnection: createConnection as Methods['createConnection'],
  createUnixConnection: createUnixConnection as Methods['createUnixConnection'],
  createServer,
  createUnixServer,
  createDatagramEndpoint: createDatagramEndpoint as Methods['createDatagramEndpoint'],
  getaddrinfo,
  startTls,
};
provideLoopMethods('@yieldio/net', methods);
