/**
 * @yieldio/net: asyncio's networking on yieldio's loop (asyncio `streams.py`,
 * `protocols.py`, `transports.py`, and the socket parts of `base_events.py`).
 *
 * Layers, bottom up, one module each:
 *   - the seam: core's `Network` (packages/core/src/network.ts), implemented for Node in
 *     node-network.ts and installed on the real host when this package is imported;
 *   - transports over it: socket-transport.ts (TCP, Unix, TLS), datagram-transport.ts;
 *   - the loop's methods: create-connection.ts, create-server.ts (with server.ts),
 *     start-tls.ts, getaddrinfo.ts, added to `EventLoop` by loop-methods.ts;
 *   - streams: stream-reader.ts, stream-writer.ts, stream-protocol.ts, streams.ts;
 *   - the OS layer (issue #7): signals.ts (`loop.addSignalHandler`) and subprocess.ts,
 *     over node-process.ts, the one module that calls Node's process APIs.
 * DESIGN.md beside this folder explains the seam.
 */
import { RealHost } from '@yieldio/core';
import { nodeNetwork } from './node-network';
import './loop-methods';
import './signals';

// Importing the package gives every real host Node's network (see the module note).
RealHost.defaultNetwork ??= nodeNetwork;

export { nodeNetwork } from './node-network';
export {
  OSError,
  ConnectionError,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileNotFoundError,
  PermissionError,
  ProcessLookupError,
  GaiError,
  SSLError,
  SSLCertVerificationError,
  IncompleteReadError,
  LimitOverrunError,
} from './errors';
export type { OSErrorOptions } from './errors';
export type { SockAddr } from './addresses';
export { BaseProtocol, Protocol, BufferedProtocol, DatagramProtocol } from './protocols';
export type { StreamProtocol } from './protocols';
export { BaseTransport, Transport, DatagramTransport } from './transports';
export { SocketTransport, TransportSocket, AF_UNIX, AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW } from './socket-transport';
export type { TransportState, ReadState, WriteState } from './socket-transport';
export { UdpTransport, createDatagramEndpoint } from './datagram-transport';
export type { CreateDatagramEndpointOptions, DatagramState } from './datagram-transport';
export { createConnection, createUnixConnection } from './create-connection';
export type { CreateConnectionOptions, CreateUnixConnectionOptions } from './create-connection';
export { createServer, createUnixServer } from './create-server';
export type { CreateServerOptions, CreateUnixServerOptions } from './create-server';
export { Server } from './server';
export type { ServerState } from './server';
export { startTls } from './start-tls';
export type { StartTlsOptions } from './start-tls';
export { getaddrinfo, AF_UNSPEC, AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, IPPROTO_TCP, IPPROTO_UDP } from './getaddrinfo';
export type { AddrInfo, GetaddrinfoOptions } from './getaddrinfo';
export {
  SSLContext,
  createDefaultContext,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
} from './ssl-context';
export type { SSLProtocol, VerifyMode } from './ssl-context';
export { StreamReader, DEFAULT_LIMIT } from './stream-reader';
export type { StreamReaderOptions } from './stream-reader';
export { StreamWriter } from './stream-writer';
export { StreamReaderProtocol } from './stream-protocol';
export type { ClientConnectedCallback } from './stream-protocol';
export { openConnection, openUnixConnection, startServer, startUnixServer } from './streams';
export type { StreamOptions } from './streams';
export {
  createSubprocessExec,
  createSubprocessShell,
  Process,
  PIPE,
  STDOUT,
  DEVNULL,
} from './subprocess';
export type { SubprocessOptions } from './subprocess';
export { ReadPipeTransport, WritePipeTransport } from './pipe-transports';
export type { PipeState } from './pipe-transports';
