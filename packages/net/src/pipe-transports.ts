/**
 * The transports of a child's pipes (asyncio `unix_events.py`, `_UnixReadPipeTransport`
 * and `_UnixWritePipeTransport`): what lets a subprocess's stdout and stderr be
 * StreamReaders and its stdin a StreamWriter, exactly as a socket's are.
 *
 * They sit on the child handle of node-process.ts (never on a Node stream), and
 * subprocess.ts feeds them its events, one callSoon each, so protocols run inside a pass.
 *
 *   - ReadPipeTransport: read-only. `pauseReading` pauses the pipe (the child then blocks
 *     on a full pipe: back-pressure), which the StreamReader does past 2 x limit. With
 *     `stderr: STDOUT` one transport reads both pipes (Node cannot hand the child one pipe
 *     as both fds): it pauses both, and reports EOF once both have ended.
 *   - WritePipeTransport: write-only, with asyncio's water marks (WriteFlowControl). Node
 *     keeps the write queue; its length is the buffer size, and drain events are watched
 *     only while the protocol is paused, as socket-transport.ts does.
 *
 * A state per transport: 'open' until close/abort/EOF/error, then 'closing' until the
 * protocol's connectionLost has run, then 'closed'.
 */
import type { EventLoop } from '@yieldio/core';
import { callSoonWithContext } from '@yieldio/core/internal';
import { BrokenPipeError } from './errors';
import type { ChildHandle, PipeFd } from './node-process';
import type { BaseProtocol, Protocol } from './protocols';
import { Transport, WriteFlowControl, checkBytes } from './transports';

/** A pipe transport's state. asyncio tracks it in flags (`_closing`). */
export type PipeState = 'open' | 'closing' | 'closed';

abstract class PipeTransport extends Transport {
  readonly _loop: EventLoop;
  readonly _child: ChildHandle;
  _protocol: Protocol;
  /** Invariant: connectionLost was called on the protocol exactly when this is 'closed'. */
  _state: PipeState = 'open';

  constructor(loop: EventLoop, child: ChildHandle, protocol: Protocol, pid: number) {
    super(new Map<string, unknown>([['pid', pid]]));
    this._loop = loop;
    this._child = child;
    this._protocol = protocol;
  }

  isClosing(): boolean {
    return this._state !== 'open';
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol as Protocol;
  }

  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  /** Tell the protocol the pipe is gone (once). */
  _lose(exc: Error | null): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    try {
      this._protocol.connectionLost(exc);
    } catch (err) {
      this._loop.callExceptionHandler({ message: 'protocol.connectionLost() failed', exception: err, transport: this });
    }
  }

  _notWritable(caller: string): never {
    throw new TypeError(`${caller}: ${this} is a read pipe; write to the process's stdin instead`);
  }
}

/** The transport of a child process's stdout or stderr (asyncio's read pipe transport): read-only. */
export class ReadPipeTransport extends PipeTransport {
  /** The child's pipes this transport reads: [1], [2], or [1, 2] for `stderr: STDOUT`. */
  readonly _fds: readonly PipeFd[];
  /** Invariant: how many of `_fds` have not ended yet; EOF reaches the protocol at 0. */
  _openFds: number;
  _reading = true;

  constructor(loop: EventLoop, child: ChildHandle, protocol: Protocol, pid: number, fds: readonly PipeFd[]) {
    super(loop, child, protocol, pid);
    this._fds = fds;
    this._openFds = fds.length;
  }

  isReading(): boolean {
    return this._reading && this._state === 'open';
  }

  pauseReading(): void {
    if (!this._reading || this._state !== 'open') return;
    this._reading = false;
    for (const fd of this._fds) this._child.pause(fd);
  }

  resumeReading(): void {
    if (this._reading || this._state !== 'open') return;
    this._reading = true;
    for (const fd of this._fds) this._child.resume(fd);
  }

  /** One of the pipes delivered bytes (called from a loop callback). */
  _dataReceived(chunk: Uint8Array): void {
    if (this._state === 'closed') return;
    this._protocol.dataReceived(chunk);
  }

  /** The child closed its end of one pipe; after the last: EOF, then the pipe is gone. */
  _eofReceived(): void {
    if (this._state === 'closed' || --this._openFds > 0) return;
    this._protocol.eofReceived();
    this._lose(null);
  }

  /** Stop reading: what is still in the pipe is discarded. */
  close(): void {
    if (this._state !== 'open') return;
    this._state = 'closing';
    for (const fd of this._fds) this._child.resume(fd);
    callSoonWithContext(this._loop, () => this._lose(null), null, null);
  }

  abort(): void {
    this.close();
  }

  setWriteBufferLimits(): void {
    this._notWritable('setWriteBufferLimits()');
  }
  getWriteBufferLimits(): [number, number] {
    return [0, 0];
  }
  getWriteBufferSize(): number {
    return 0;
  }
  write(): void {
    this._notWritable('write()');
  }
  writelines(): void {
    this._notWritable('writelines()');
  }
  writeEof(): void {
    this._notWritable('writeEof()');
  }
  canWriteEof(): boolean {
    return false;
  }

  override toString(): string {
    return `<ReadPipeTransport fd=${this._fds.join('+')} ${this._state}${this._reading ? '' : ' paused'}>`;
  }
}

/** The transport of a child process's stdin (asyncio's write pipe transport): write-only. */
export class WritePipeTransport extends PipeTransport {
  readonly _flow = new WriteFlowControl();
  _watchingDrain = false;

  isReading(): boolean {
    return false;
  }
  pauseReading(): void {}
  resumeReading(): void {}

  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._flow.setLimits('setWriteBufferLimits()', high, low);
    this._checkFlow();
  }

  getWriteBufferLimits(): [number, number] {
    return [this._flow._low, this._flow._high];
  }

  getWriteBufferSize(): number {
    return this._state === 'closed' ? 0 : this._child.stdinBufferSize();
  }

  write(data: Uint8Array): void {
    checkBytes('write()', data);
    // asyncio drops writes to a lost pipe (after logging); drain() raises instead.
    if (this._state !== 'open' || data.length === 0) return;
    const failed = this._child.write(data);
    if (failed !== null) {
      // The child closed its stdin or exited: asyncio's os.write raises EPIPE here and the
      // transport closes with it, so drain() raises and a write/drain loop cannot spin.
      this._state = 'closing';
      const exc = brokenPipe(failed);
      callSoonWithContext(this._loop, () => this._lose(exc), null, null);
      return;
    }
    this._checkFlow();
  }

  writelines(listOfData: Iterable<Uint8Array>): void {
    for (const data of listOfData) this.write(data);
  }

  /** Pause the protocol over the high mark; watch drains only while paused. */
  _checkFlow(): void {
    const size = this.getWriteBufferSize();
    this._flow.maybePause(size, this._loop, this, this._protocol);
    this._flow.maybeResume(size, this._loop, this, this._protocol);
    const watch = this._flow._state === 'paused';
    if (watch !== this._watchingDrain) {
      this._watchingDrain = watch;
      this._child.watchDrain(watch);
    }
  }

  /** Node's write queue drained (called from a loop callback). */
  _drained(): void {
    if (this._state === 'closed') return;
    this._checkFlow();
  }

  /** Writing failed: EPIPE when the child closed its stdin or exited. */
  _writeFailed(err: NodeJS.ErrnoException): void {
    if (this._state === 'closed') return;
    this._child.destroyStdin();
    this._lose(brokenPipe(err));
  }

  /**
   * stdin closed (called from a loop callback). Unless we closed it or a write failed
   * first, the child's side went away with nothing pending (Node closes stdin when the
   * child exits): the pipe is lost without an error, as asyncio's `_read_ready` on an
   * empty buffer does, so drain() raises from now on.
   */
  _closedByChild(): void {
    if (this._state !== 'open') return;
    this._lose(null);
  }

  canWriteEof(): boolean {
    return true;
  }

  /** Close stdin after what was written is sent: the child reads EOF. */
  writeEof(): void {
    this.close();
  }

  close(): void {
    if (this._state !== 'open') return;
    this._state = 'closing';
    this._child.endStdin();
    callSoonWithContext(this._loop, () => this._lose(null), null, null);
  }

  abort(): void {
    if (this._state === 'closed') return;
    this._state = 'closing';
    this._child.destroyStdin();
    callSoonWithContext(this._loop, () => this._lose(null), null, null);
  }

  override toString(): string {
    return `<WritePipeTransport fd=0 ${this._state} bufsize=${this.getWriteBufferSize()}>`;
  }
}

function brokenPipe(err: NodeJS.ErrnoException): BrokenPipeError {
  return new BrokenPipeError(`write(): the child process closed its stdin (${err.code ?? err.message})`, {
    code: err.code,
    errno: err.errno,
    syscall: err.syscall,
    cause: err,
  });
}
