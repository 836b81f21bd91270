/**
 * Protocols: the callback interfaces a transport drives (asyncio `protocols.py`).
 *
 * A transport calls its protocol, always from a loop callback, in this order:
 *
 *     connectionMade(transport)
 *       (dataReceived(data) | getBuffer(n) + bufferUpdated(n))*  [eofReceived()]
 *       interleaved with pauseWriting() / resumeWriting() at the write-buffer water marks
 *     connectionLost(exc | null)                                  exactly once, last
 *
 * `eofReceived` returning true keeps the connection open so the protocol can still write
 * (a half-closed TCP connection); anything else closes it. A datagram protocol gets
 * `datagramReceived(data, addr)` and `errorReceived(exc)` instead.
 *
 * The classes do nothing: subclass them and override what you need. A plain object with
 * the same methods works as well; the transport tells a buffered protocol by its
 * `getBuffer`/`bufferUpdated` pair, as asyncio checks for `BufferedProtocol`.
 */
import type { SockAddr } from './addresses';
import type { BaseTransport, DatagramTransport, Transport } from './transports';

/** The callbacks every protocol has (asyncio `BaseProtocol`): the connection's start and end, and write flow control. */
export class BaseProtocol {
  /** The connection is ready; `transport` is how to write to it and close it. */
  connectionMade(_transport: BaseTransport): void {}
  /** The connection is closed: `exc` is null for a normal close (EOF, close(), abort()). */
  connectionLost(_exc: Error | null): void {}
  /** The transport's write buffer went over its high-water mark: stop writing for now. */
  pauseWriting(): void {}
  /** It drained to its low-water mark: writing may go on. */
  resumeWriting(): void {}
}

/** A stream protocol that receives bytes as they come. asyncio `Protocol`. */
export class Protocol extends BaseProtocol {
  override connectionMade(_transport: Transport): void {}
  /** Bytes arrived (asyncio `Protocol.data_received`). */
  dataReceived(_data: Uint8Array): void {}
  /** The peer sent EOF. Return true to keep the connection open for writing. */
  eofReceived(): boolean | void {}
}

/**
 * A stream protocol that receives bytes into buffers it provides, to save copies
 * (`getBuffer(sizehint)` then `bufferUpdated(nbytes)`).
 *
 * asyncio `BufferedProtocol`.
 */
export class BufferedProtocol extends BaseProtocol {
  override connectionMade(_transport: Transport): void {}
  /** A buffer for the next bytes; `sizehint` is how many are waiting (-1: unknown). */
  getBuffer(sizehint: number): Uint8Array {
    throw new TypeError(`getBuffer(${sizehint}): a BufferedProtocol must override getBuffer() and return a non-empty Uint8Array`);
  }
  /** `nbytes` bytes were written to the start of the buffer `getBuffer` returned. */
  bufferUpdated(_nbytes: number): void {}
  /** The peer sent EOF. Return true to keep the connection open for writing (asyncio `BufferedProtocol.eof_received`). */
  eofReceived(): boolean | void {}
}

/** A datagram (UDP) protocol. asyncio `DatagramProtocol`. */
export class DatagramProtocol extends BaseProtocol {
  override connectionMade(_transport: DatagramTransport): void {}
  /** A datagram arrived from `addr` (asyncio `DatagramProtocol.datagram_received`). */
  datagramReceived(_data: Uint8Array, _addr: SockAddr): void {}
  /** A send or receive failed (often an ICMP error from an earlier datagram). */
  errorReceived(_exc: Error): void {}
}

/** What a stream transport calls: a Protocol or a BufferedProtocol, or a look-alike. asyncio's `Protocol | BufferedProtocol`. */
export type StreamProtocol = Protocol | BufferedProtocol;

export function isBufferedProtocol(protocol: object): protocol is BufferedProtocol {
  const p = protocol as Partial<BufferedProtocol>;
  return typeof p.getBuffer === 'function' && typeof p.bufferUpdated === 'function';
}
