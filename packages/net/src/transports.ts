/**
 * Transports: what a protocol writes to (asyncio `transports.py`).
 *
 * `BaseTransport` holds the extra info (`getExtraInfo('peername')`); `Transport` is a
 * bidirectional stream and `DatagramTransport` sends datagrams. The concrete ones are
 * socket-transport.ts and datagram-transport.ts; users never construct a transport,
 * `loop.createConnection()` and friends make them.
 *
 * `WriteFlowControl` is asyncio's `_FlowControlMixin` as a part rather than a base class
 * (TypeScript has one base): the high and low water marks, and whether the protocol was
 * told to pause. When the write buffer grows past `high` the protocol's `pauseWriting()`
 * is called once; when it shrinks to `low` or below, `resumeWriting()` once. Defaults are
 * asyncio's: high 64 KiB, low high/4.
 */
import type { EventLoop } from '@yieldio/core';
import { describeValue as describe } from '@yieldio/core';
import type { BaseProtocol } from './protocols';

/** What every transport has (asyncio `BaseTransport`): extra info, closing, and its protocol. */
export abstract class BaseTransport {
  readonly _extra: Map<string, unknown>;

  constructor(extra?: Map<string, unknown>) {
    this._extra = extra ?? new Map();
  }

  /** Optional information about the connection: 'peername', 'sockname', 'socket', 'sslcontext', 'peercert', 'cipher'... */
  getExtraInfo<T = unknown>(name: string, defaultValue: T | null = null): T | null {
    return this._extra.has(name) ? (this._extra.get(name) as T) : defaultValue;
  }

  /** True once close() or abort() was called, or the connection was lost. */
  abstract isClosing(): boolean;
  /** Close after the buffered data is sent; then `connectionLost(null)`. */
  abstract close(): void;
  /** Replace the protocol that receives this transport's events (asyncio `set_protocol`). */
  abstract setProtocol(protocol: BaseProtocol): void;
  /** The protocol that receives this transport's events (asyncio `get_protocol`). */
  abstract getProtocol(): BaseProtocol;
}

/** A stream transport: bytes in order, with flow control both ways (asyncio `Transport`). */
export abstract class Transport extends BaseTransport {
  /** Whether the transport delivers received data (asyncio `is_reading`). */
  abstract isReading(): boolean;
  /** Stop delivering received data until `resumeReading()` (asyncio `pause_reading`). */
  abstract pauseReading(): void;
  /** Deliver received data again (asyncio `resume_reading`). */
  abstract resumeReading(): void;
  /** Set the write buffer's high- and low-water marks, in bytes (asyncio `set_write_buffer_limits`). */
  abstract setWriteBufferLimits(high?: number | null, low?: number | null): void;
  /** The write buffer's `[low, high]` water marks (asyncio `get_write_buffer_limits`). */
  abstract getWriteBufferLimits(): [low: number, high: number];
  /** Bytes buffered and not yet sent (asyncio `get_write_buffer_size`). */
  abstract getWriteBufferSize(): number;
  /** Send `data` without blocking: it is buffered if it cannot go now (asyncio `write`). */
  abstract write(data: Uint8Array): void;
  /** Write each chunk in turn (asyncio `writelines`). */
  abstract writelines(listOfData: Iterable<Uint8Array>): void;
  /** Close the write side after the buffered data is sent; reading goes on (asyncio `write_eof`). */
  abstract writeEof(): void;
  /** Whether `writeEof()` is possible (asyncio `can_write_eof`; false over TLS). */
  abstract canWriteEof(): boolean;
  /** Close now: buffered data is lost; then `connectionLost(null)`. */
  abstract abort(): void;
}

/** A datagram (UDP) transport (asyncio `DatagramTransport`). */
export abstract class DatagramTransport extends BaseTransport {
  /** Send one datagram to `addr`, or to the connected peer when null (asyncio `sendto`). */
  abstract sendto(data: Uint8Array, addr?: readonly [string, number] | null): void;
  /** Close now, dropping buffered datagrams (asyncio `abort`). */
  abstract abort(): void;
  /** Bytes buffered and not yet sent (asyncio `get_write_buffer_size`). */
  abstract getWriteBufferSize(): number;
  /** Set the write buffer's high- and low-water marks (asyncio `set_write_buffer_limits`). */
  abstract setWriteBufferLimits(high?: number | null, low?: number | null): void;
  /** The write buffer's `[low, high]` water marks (asyncio `get_write_buffer_limits`). */
  abstract getWriteBufferLimits(): [low: number, high: number];
}

/** Whether the protocol was told to pause writing. */
export type WriteFlowState = 'flowing' | 'paused';

export class WriteFlowControl {
  _high = 64 * 1024;
  _low = 16 * 1024;
  /** Invariant: 'paused' exactly between a pauseWriting() call and the resumeWriting() after it. */
  _state: WriteFlowState = 'flowing';

  /** Set the water marks (asyncio `_set_write_buffer_limits`): high alone sets low to high/4. */
  setLimits(caller: string, high: unknown, low: unknown): void {
    let h = checkLimit(caller, 'high', high);
    let l = checkLimit(caller, 'low', low);
    if (h === null) h = l === null ? 64 * 1024 : 4 * l;
    if (l === null) l = Math.floor(h / 4);
    if (!(h >= l && l >= 0)) {
      throw new RangeError(`${caller}: high (${h}) must be >= low (${l}) must be >= 0`);
    }
    this._high = h;
    this._low = l;
  }

  /** The buffer grew to `size`: pause the protocol if it went over the high-water mark. */
  maybePause(size: number, loop: EventLoop, transport: object, protocol: BaseProtocol): boolean {
    if (size <= this._high || this._state === 'paused') return false;
    this._state = 'paused';
    try {
      protocol.pauseWriting();
    } catch (exc) {
      loop.callExceptionHandler({ message: 'protocol.pauseWriting() failed', exception: exc, transport, protocol });
    }
    return true;
  }

  /** The buffer shrank to `size`: resume the protocol once it is at the low-water mark. */
  maybeResume(size: number, loop: EventLoop, transport: object, protocol: BaseProtocol): boolean {
    if (this._state !== 'paused' || size > this._low) return false;
    this._state = 'flowing';
    try {
      protocol.resumeWriting();
    } catch (exc) {
      loop.callExceptionHandler({ message: 'protocol.resumeWriting() failed', exception: exc, transport, protocol });
    }
    return true;
  }
}

function checkLimit(caller: string, name: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${caller}: ${name} must be a whole number of bytes or null, got ${describe(value)}`);
  }
  if (value < 0) throw new RangeError(`${caller}: ${name} must be >= 0, got ${value}`);
  return value;
}

/** Check that `data` is bytes at a write boundary. */
export function checkBytes(caller: string, data: unknown): asserts data is Uint8Array {
  if (data instanceof Uint8Array) return;
  if (typeof data === 'string') {
    throw new TypeError(`${caller}: data must be bytes (a Uint8Array or Buffer), got ${describe(data)}; encode it first: Buffer.from(text)`);
  }
  if (data instanceof ArrayBuffer) {
    throw new TypeError(`${caller}: data must be bytes (a Uint8Array or Buffer), got an ArrayBuffer; wrap it: new Uint8Array(buffer)`);
  }
  throw new TypeError(`${caller}: data must be bytes (a Uint8Array or Buffer), got ${describe(data)}`);
}
