/**
 * `loop.startTls(transport, protocol, sslcontext, options)`: upgrade an open connection to
 * TLS (asyncio `base_events.py` `start_tls`), for protocols that begin in the clear and
 * switch (STARTTLS in SMTP, IMAP, XMPP). `StreamWriter.startTls` is built on it.
 *
 *   1. wait until the old transport's write buffer is empty (what was written in the clear
 *      must leave in the clear) and stop reading;
 *   2. hand the socket, with any bytes received but not yet delivered, to the network's
 *      TLS upgrade; the old transport goes quiet without calling connectionLost, because
 *      the protocol lives on;
 *   3. when the handshake is done, return a new transport driving the same protocol
 *      (no second connectionMade, as asyncio's `call_connection_made=False`).
 *
 * If the handshake fails, the connection is closed and the protocol hears
 * `connectionLost(exc)` with the SSLError, which is also raised here; cancelling the call
 * does the same with the CancelledError's place taken by null.
 */
import { InvalidStateError, getRunningLoop } from '@yieldio/core';
import type { Coro, EventLoop, Future } from '@yieldio/core';
import { SSL_HANDSHAKE_TIMEOUT } from './create-connection';
import { describeValue as describe } from '@yieldio/core';
import { callSoonWithContext } from '@yieldio/core/internal';
import { fromNodeError } from './errors';
import { checkOptions, checkSeconds } from './options';
import type { BaseProtocol, StreamProtocol } from './protocols';
import { SocketEvents } from './socket-events';
import { SocketTransport } from './socket-transport';
import { SSLContext } from './ssl-context';
import type { Transport } from './transports';

/** Options of `startTls()` (asyncio `loop.start_tls`'s keyword arguments). */
export interface StartTlsOptions {
  serverSide?: boolean;
  serverHostname?: string | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
}

export function* startTlsImpl(
  loop: EventLoop,
  caller: string,
  transport: unknown,
  protocol: unknown,
  sslcontext: unknown,
  options: unknown,
): Coro<SocketTransport> {
  if (!(sslcontext instanceof SSLContext)) {
    throw new TypeError(`${caller}: sslcontext must be an SSLContext, got ${describe(sslcontext)}; for example createDefaultContext()`);
  }
  if (!(transport instanceof SocketTransport)) {
    throw new TypeError(`${caller}: transport ${describe(transport)} is not supported by startTls(); pass a stream transport from createConnection() or a server`);
  }
  const opts = checkOptions(caller, options, ['serverSide', 'serverHostname', 'sslHandshakeTimeout', 'sslShutdownTimeout']) as StartTlsOptions;
  const serverSide = opts.serverSide === true;
  if (serverSide && sslcontext._cert === null) {
    throw new TypeError(`${caller}: the server's SSLContext has no certificate; call loadCertChain(certfile, keyfile) first`);
  }
  const serverName = opts.serverHostname ?? null;
  if (!serverSide && serverName === null && sslcontext.checkHostname) {
    throw new TypeError(`${caller}: pass serverHostname: the name the server's certificate must carry (or set checkHostname to false)`);
  }
  const upgrade = {
    tls: sslcontext._toTlsOptions(caller),
    serverSide,
    serverName,
    handshakeTimeout: checkSeconds(caller, 'sslHandshakeTimeout', opts.sslHandshakeTimeout, SSL_HANDSHAKE_TIMEOUT),
  };
  if (transport.isClosing()) throw new InvalidStateError(`${caller}: the transport is closing; cannot start TLS on it`);
  const proto = (protocol ?? transport.getProtocol()) as StreamProtocol;

  yield* transport._waitFlushed();
  if (transport.isClosing()) throw new InvalidStateError(`${caller}: the connection closed before TLS could start`);
  transport.pauseReading();
  const server = transport._server;
  const limits = transport.getWriteBufferLimits();
  const unread = transport._detachForUpgrade();
  const fut: Future<void> = loop.createFuture<void>({ description: 'the TLS handshake' });
  const events = new SocketEvents(() => {
    if (fut.done() || loop.isClosed()) return;
    if (events.failure !== null) fut.setException(fromNodeError(events.failure, `${caller}: TLS handshake with`, transport._peer));
    else if (events.connected) fut.setResult(undefined);
    else if (events.closed) fut.setException(fromNodeError(Object.assign(new Error('the peer closed the connection during the TLS handshake'), { code: 'ECONNRESET' }), `${caller}: TLS handshake with`, transport._peer));
  });
  const socket = transport._socket.startTls(upgrade, events, unread);
  try {
    yield* fut;
  } catch (exc) {
    socket.destroy();
    const lost = fut.cancelled() ? null : (exc as Error);
    callSoonWithContext(loop, () => {
      try {
        proto.connectionLost(lost);
      } catch (err) {
        loop.callExceptionHandler({ message: 'Exception in protocol.connectionLost()', exception: err, protocol: proto });
      }
    }, null, null);
    throw exc;
  }
  const secure = new SocketTransport(loop, socket, events, proto, { server, sslContext: sslcontext, callConnectionMade: false });
  secure.setWriteBufferLimits(limits[1], limits[0]);
  return secure;
}

/** `yield* loop.startTls(transport, protocol, sslcontext, options)` -> the TLS transport. asyncio `loop.start_tls`. */
export function startTls(
  this: EventLoop | void,
  transport: Transport,
  protocol: BaseProtocol,
  sslcontext: SSLContext,
  options?: StartTlsOptions,
): Coro<Transport> {
  const loop = (this as EventLoop | undefined) ?? getRunningLoop('startTls');
  return startTlsImpl(loop, 'startTls()', transport, protocol, sslcontext, options);
}
