/**
 * TCP over the simulated network: connections as a kernel keeps them, behind the seam's
 * `StreamSocket`.
 *
 * Each end (`TcpSocket`) is two things at once, kept apart: the kernel's connection
 * (`state`: connecting, established, dead), which goes on retransmitting after the
 * program closed it, and the program's socket (`app`: open, closed), which hears events.
 *
 *   - connect: a SYN to the host the address routes to; a listener there answers with a
 *     SYN-ACK (the connection costs a round trip), no listener with a reset
 *     (ECONNREFUSED). The SYN is retried (1 s, doubling) until `tcpTimeout`, then the
 *     connect fails with ETIMEDOUT (net raises core's TimeoutError): a down or cut-off
 *     host answers nothing.
 *   - bytes: `write` copies into the outbox; segments of at most 16 KiB leave while the
 *     receiver's window (64 KiB not yet read by the program there) has room, so a paused
 *     reader fills the window and then the writer's buffer (`writeBufferSize`, `drain`).
 *     Each segment draws its own latency and may be lost; the receiver puts segments in
 *     order (an out-of-order queue) and acknowledges what it holds. A lost segment, or
 *     one whose acknowledgement cannot get back (a one-way cut), is retransmitted
 *     (200 ms or four latencies, doubling to 2 s), so loss and partitions delay bytes and
 *     never drop, duplicate or reorder them; a segment unacknowledged for `tcpTimeout`
 *     resets its sender's connection (ECONNRESET). A side that sends nothing notices
 *     nothing (no keepalive).
 *   - `end()` sends FIN after the outbox; the peer reads EOF after the last byte.
 *     `close()` is `end()` then, once the outbox is sent, the socket closes; the kernel
 *     still delivers what it holds. `destroy()` drops the outbox and closes at once: a FIN,
 *     or a reset when bytes it received were never read (Linux's rule). Bytes that reach
 *     a closed socket, a dead connection or a restarted host are answered with a reset.
 *
 * Simplifications (documented, not hidden): acknowledgements are not packets of their
 * own (a segment's ack reaches the sender when the segment arrives, if the way back is
 * open at that moment), and window updates are immediate; a sender whose peer cannot be
 * reached keeps one segment in flight as its zero-window probe.
 */
import type {
  ConnectRequest,
  IncomingStream,
  Listener,
  ListenerHandlers,
  ListenRequest,
  NetworkAddress,
  StreamHandlers,
  StreamSocket,
  TlsInfo,
  TlsUpgrade,
} from '@yieldio/core';
import { callAtWithContext, callSoonWithContext } from '@yieldio/core/internal';
import type { HostResource, SimHost } from './host';
import type { Link } from './links';
import type { Packet, SimNetwork } from './network';
import { TimedPacket } from './timed-packet';
import { Fifo } from './fifo';
import { ipFamily, isLoopback } from './addresses';
import { TlsSocket } from './tls';

export const WINDOW = 64 * 1024;
export const MSS = 16 * 1024;
const RTO_MIN = 0.2;
const RTO_MAX = 2;
const SYN_RTO = 1;

type IpAddress = Extract<NetworkAddress, { family: 'IPv4' | 'IPv6' }>;

function codeError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function where(address: IpAddress): string {
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

/** A run of bytes (or the FIN) from one end to the other. */
class Segment extends TimedPacket {
  readonly from: SimHost;
  readonly to: SimHost;
  readonly size: number;
  readonly sender: TcpSocket;
  readonly receiver: TcpSocket;
  readonly seq: number;
  /**
   * The bytes: one chunk, several, or null for the FIN. S1/S2 (a write per segment): one
   * chunk is kept as it is, where an array of one cost an array per segment.
   */
  readonly data: Uint8Array | Uint8Array[] | null;
  readonly fin: boolean;
  firstSent = 0;
  /**
   * When it was last sent, and its retransmission timeout: set when it is first lost
   * (0 until then). S1/S2: a segment never lost writes neither, where writing both at
   * every send boxed two more numbers per segment.
   */
  lastSent = 0;
  rto = 0;
  acked = false;
  /** A retransmission is scheduled. */
  timer = false;

  constructor(sender: TcpSocket, receiver: TcpSocket, seq: number, data: Uint8Array | Uint8Array[] | null, size: number, fin: boolean) {
    super();
    this.sender = sender;
    this.receiver = receiver;
    this.from = sender._host;
    this.to = receiver._host;
    this.seq = seq;
    this.data = data;
    this.size = size;
    this.fin = fin;
  }

  _arrived(): boolean {
    this.receiver._receive(this);
    return true;
  }

  _dropped(): void {
    this.sender._segmentLost(this);
  }
}

/** A connection request. */
class Syn implements Packet {
  readonly size = 0;
  readonly from: SimHost;
  constructor(
    readonly client: TcpSocket,
    readonly to: SimHost,
  ) {
    this.from = client._host;
  }
  _arrived(): boolean {
    acceptSyn(this.client, this.to);
    return true;
  }
  _dropped(): void {}
}

/** The listener's yes. */
class SynAck implements Packet {
  readonly size = 0;
  readonly from: SimHost;
  readonly to: SimHost;
  constructor(
    readonly server: TcpSocket,
    readonly client: TcpSocket,
  ) {
    this.from = server._host;
    this.to = client._host;
  }
  _arrived(): boolean {
    this.client._synAcked(this.server);
    return true;
  }
  _dropped(): void {}
}

/** A reset: "no such connection here" (or "nobody listens", for a SYN). */
class Rst implements Packet {
  readonly size = 0;
  readonly to: SimHost;
  constructor(
    readonly from: SimHost,
    readonly target: TcpSocket,
  ) {
    this.to = target._host;
  }
  _arrived(): boolean {
    this.target._rstArrived();
    return true;
  }
  _dropped(): void {}
}

export type KernelState = 'connecting' | 'established' | 'dead';
export type AppState = 'open' | 'closed';

export class TcpSocket implements StreamSocket {
  readonly raw = this;
  /**
   * Its handlers run only from loop callbacks (a packet's arrival, a timer, a callSoon),
   * never from inside one of its methods: net's transport handles an event where it is
   * reported (net's socket-events.ts), as asyncio reads in the pass the selector says.
   */
  readonly eventsInPass = true;
  _handlers: StreamHandlers | null;
  readonly _net: SimNetwork;
  readonly _host: SimHost;
  /** The host's incarnation this end belongs to: a crash makes it stale (see `_stale`). */
  readonly _epoch: number;
  readonly _local: IpAddress;
  readonly _remote: IpAddress;
  _peer: TcpSocket | null = null;
  /** The link towards the peer (looked up once: `link()` reconfigures links in place). */
  _linkOut: Link | null = null;
  /** The kernel's view; 'dead' once reset, refused, timed out or vanished in a crash. */
  _state: KernelState = 'connecting';
  /** The program's view; 'closed' once `close` was sent (or will be) to the handlers. */
  _app: AppState = 'open';
  /** Written, not yet sent (the window was full): the seam's write buffer. */
  readonly _outbox = new Fifo<Uint8Array>();
  _outboxBytes = 0;
  /** Data bytes sent so far (sequence numbers count data only; the FIN comes after). */
  _sndNxt = 0;
  /** Sent, not yet acknowledged, in sequence order. */
  readonly _unacked = new Fifo<Segment>();
  _fin: 'none' | 'queued' | 'sent' = 'none';
  _closeWhenFlushed = false;
  _watching = false;
  #drainScheduled = false;
  #pumpScheduled = false;
  /** Data bytes received in order. */
  _rcvNxt = 0;
  /** Segments that came ahead of a gap, in sequence order. */
  _ahead: Segment[] = [];
  /** Received in order, not yet handed to the program (paused, or not accepted yet). */
  readonly _inbox = new Fifo<Uint8Array>();
  _inboxBytes = 0;
  /** Data bytes handed to the program: the sender's window is measured against this. */
  _consumed = 0;
  _finReceived = false;
  _eofDelivered = false;
  _paused = false;
  #flushScheduled = false;
  /** The connect's retry-or-give-up timer. */
  #connectTimer: { cancel(): void } | null = null;
  #connectStart = 0;
  #synRto = SYN_RTO;
  #rto0 = RTO_MIN;

  constructor(net: SimNetwork, host: SimHost, local: IpAddress, remote: IpAddress, handlers: StreamHandlers | null) {
    this._net = net;
    this._host = host;
    this._local = local;
    this._remote = remote;
    this._handlers = handlers;
    this._epoch = host._epoch;
  }

  /**
   * Whether this end's host crashed since it was made. A crash does not visit every socket:
   * each finds out here, at its next packet or timer, and vanishes without a word.
   */
  _stale(): boolean {
    if (this._epoch === this._host._epoch) return false;
    if (this._state !== 'dead' || this._app !== 'closed') this._vanish();
    return true;
  }

  // ---- The seam ------------------------------------------------------------------------
  // After a crash the program's code is gone, but callbacks it left (a transport closing
  // when its task died) may still call in: a stale socket ignores them.

  write(data: Uint8Array): void {
    if (this._stale() || this._app === 'closed' || this._state === 'dead' || this._fin !== 'none' || data.length === 0) return;
    // The kernel copies at write(): the program may change `data` afterwards. Not
    // `data.slice()`: on a Buffer that is a view, not a copy (S1/S2: and on a Uint8Array
    // twice the time, looking up the species).
    const copy = new Uint8Array(data);
    const n = copy.length;
    if (this._outboxBytes === 0 && this._state === 'established' && n <= MSS && this.#room(this._peer!) >= n) {
      // S1/S2 (one write, one segment, nothing queued): what `_pump` does with it, without
      // the trip through the outbox; its FIN and close checks have nothing to do before
      // `end()`. The plain code is the two lines below.
      const segment = new Segment(this, this._peer!, this._sndNxt, copy, n, false);
      this._sndNxt += n;
      this.#transmit(segment);
      if (this._watching) this.#scheduleDrain();
      return;
    }
    this._outbox.push(copy);
    this._outboxBytes += n;
    if (this._state === 'established') this._pump();
  }

  writeBufferSize(): number {
    return this._outboxBytes;
  }

  watchDrain(on: boolean): void {
    this._watching = on;
  }

  end(): void {
    if (this._stale() || this._app === 'closed' || this._state === 'dead' || this._fin !== 'none') return;
    this._fin = 'queued';
    if (this._state === 'established') this._pump();
  }

  close(): void {
    if (this._stale() || this._app === 'closed') return;
    this._closeWhenFlushed = true;
    this.end();
    this._maybeFinishApp();
  }

  destroy(): void {
    if (this._stale() || this._app === 'closed') return;
    this._outbox.clear();
    this._outboxBytes = 0;
    if (this._state === 'established') {
      if (this._inboxBytes > 0 || this._ahead.length > 0) {
        // Linux: closing with unread input resets the connection.
        const peer = this._peer!;
        this._die();
        this._net._send(new Rst(this._host, peer));
      } else if (this._fin !== 'sent') {
        this._fin = 'queued';
        this._pump();
      }
    } else if (this._state === 'connecting') {
      this._die();
    }
    this._finishApp();
  }

  pause(): void {
    this._paused = true;
  }

  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    this._scheduleFlush();
  }

  localAddress(): NetworkAddress {
    return this._local;
  }

  remoteAddress(): NetworkAddress {
    return this._remote;
  }

  startTls(upgrade: TlsUpgrade, handlers: StreamHandlers, unread: readonly Uint8Array[]): StreamSocket {
    return TlsSocket.over(this, upgrade, handlers, unread);
  }

  tlsInfo(): TlsInfo | null {
    return null;
  }

  /** A listener's connection was accepted: attach, and deliver what waited. */
  _attach(handlers: StreamHandlers): void {
    this._handlers = handlers;
    const failure = this._pendingFailure;
    if (failure !== null) {
      this._host._callSoon(() => {
        handlers.error(failure);
        handlers.close();
      });
    } else if (this._app === 'open') {
      this._scheduleFlush();
    }
  }

  // ---- Crash ---------------------------------------------------------------------------

  /** The host crashed: no event, no packet, nothing left. */
  private _vanish(): void {
    this._state = 'dead';
    this._app = 'closed';
    this.#clear();
    this.#connectTimer?.cancel();
  }

  // ---- Connecting ----------------------------------------------------------------------

  /** The first retransmission timeout towards `peer`: 200 ms, or four latencies on a slow link. */
  _initRto(peer: SimHost): void {
    this._linkOut = this._net._link(this._host, peer);
    this.#rto0 = Math.max(RTO_MIN, 4 * this._linkOut.maxLatency());
  }

  _startConnect(target: SimHost | null): void {
    const loop = this._net.loop;
    this.#connectStart = loop.time();
    if (target === null) {
      this._net._sendNowhere(this._host, 0);
      this.#connectTimer = callAtWithContext(loop, this.#connectStart + this._net.tcpTimeout, connectRetry, [this, null], null);
      return;
    }
    this._initRto(target);
    this.#synRto = Math.max(SYN_RTO, this.#rto0);
    this.#sendSyn(target);
  }

  #sendSyn(target: SimHost): void {
    const loop = this._net.loop;
    const deadline = this.#connectStart + this._net.tcpTimeout;
    const retry = Math.min(loop.time() + this.#synRto, deadline);
    this.#synRto *= 2;
    this.#connectTimer = callAtWithContext(loop, retry, connectRetry, [this, target], null);
    this._net._send(new Syn(this, target));
  }

  /** The retry timer fired: send the SYN again, or give up. */
  _connectRetry(target: SimHost | null): void {
    this.#connectTimer = null;
    if (this._stale() || this._state !== 'connecting') return;
    if (target === null || this._net.loop.time() >= this.#connectStart + this._net.tcpTimeout) {
      this._fail(codeError(`connect ETIMEDOUT ${where(this._remote)}`, 'ETIMEDOUT'));
      return;
    }
    this.#sendSyn(target);
  }

  _synAcked(server: TcpSocket): void {
    if (this._stale() || this._state !== 'connecting') {
      // We gave up (or crashed and came back): the server's end must go.
      if (this._state === 'dead') this._net._send(new Rst(this._host, server));
      return;
    }
    this.#connectTimer?.cancel();
    this.#connectTimer = null;
    this._peer = server;
    this._state = 'established';
    this._net._countConnection();
    if (this._app === 'open') this._handlers?.connect();
    this._pump();
  }

  _rstArrived(): void {
    if (this._stale()) return;
    if (this._state === 'connecting') {
      this._fail(codeError(`connect ECONNREFUSED ${where(this._remote)}`, 'ECONNREFUSED'));
    } else if (this._state === 'established') {
      this._net._countReset(this._host, this._peer?._host ?? null);
      this._fail(codeError(`read ECONNRESET ${where(this._remote)}`, 'ECONNRESET'));
    }
  }

  /** The connection failed: tell the program (error, then close), drop everything. */
  _fail(err: Error): void {
    this._die();
    if (this._app === 'closed') return;
    this._app = 'closed';
    const handlers = this._handlers;
    if (handlers !== null) {
      handlers.error(err);
      handlers.close();
    } else {
      this._pendingFailure = err;
    }
  }

  /** A failure that came before the listener accepted this end. */
  _pendingFailure: Error | null = null;

  _die(): void {
    this._state = 'dead';
    this.#connectTimer?.cancel();
    this.#connectTimer = null;
    this.#clear();
  }

  #clear(): void {
    this._outbox.clear();
    this._outboxBytes = 0;
    this._unacked.clear();
    this._inbox.clear();
    this._inboxBytes = 0;
    this._ahead = [];
  }

  // ---- Sending -------------------------------------------------------------------------

  /** How many more bytes may leave now. */
  #room(peer: TcpSocket): number {
    const net = this._net;
    const reachable = peer._state !== 'dead' && peer._host._state === 'up' && peer._epoch === peer._host._epoch && net._passable(this._host, peer._host) && net._passable(peer._host, this._host);
    if (!reachable) return this._unacked.length === 0 ? MSS : 0; // the zero-window probe
    return WINDOW - (this._sndNxt - peer._consumed);
  }

  /** Send what the window allows, then the FIN if it is due. Calls no handler. */
  _pump(): void {
    if (this._state !== 'established') return;
    const peer = this._peer!;
    let sent = false;
    while (this._outboxBytes > 0) {
      const room = this.#room(peer);
      if (room <= 0) break;
      let n = Math.min(room, MSS, this._outboxBytes);
      const size = n;
      const outbox = this._outbox;
      let data: Uint8Array | Uint8Array[];
      if (outbox.at(0).length === n) {
        data = outbox.shift(); // the usual case: one write, one segment
      } else {
        const chunks: Uint8Array[] = [];
        while (n > 0) {
          const head = outbox.at(0);
          if (head.length <= n) {
            chunks.push(head);
            outbox.shift();
            n -= head.length;
          } else {
            chunks.push(head.subarray(0, n));
            outbox.replaceHead(head.subarray(n));
            n = 0;
          }
        }
        data = chunks;
      }
      this._outboxBytes -= size;
      const segment = new Segment(this, peer, this._sndNxt, data, size, false);
      this._sndNxt += size;
      this.#transmit(segment);
      sent = true;
    }
    if (this._outboxBytes === 0 && this._fin === 'queued') {
      this._fin = 'sent';
      this.#transmit(new Segment(this, peer, this._sndNxt, null, 0, true));
    }
    if (sent && this._watching) this.#scheduleDrain();
    this._maybeFinishApp();
  }

  #transmit(segment: Segment): void {
    const now = this._net.loop.time();
    segment.firstSent = now;
    this._unacked.push(segment);
    this._net._send(segment, this._linkOut!);
  }

  /** A segment (or its acknowledgement) was lost: send it again later, or give up. */
  _segmentLost(segment: Segment): void {
    if (segment.acked || segment.timer || this._state !== 'established') return;
    segment.timer = true;
    if (segment.rto === 0) {
      segment.lastSent = segment.firstSent;
      segment.rto = this.#rto0;
    }
    const loop = this._net.loop;
    const at = Math.min(Math.max(loop.time(), segment.lastSent + segment.rto), segment.firstSent + this._net.tcpTimeout);
    callAtWithContext(loop, at, retransmit, [this, segment], null);
  }

  _retransmit(segment: Segment): void {
    segment.timer = false;
    if (segment.acked || this._stale() || this._state !== 'established') return;
    const now = this._net.loop.time();
    if (now >= segment.firstSent + this._net.tcpTimeout) {
      // Nothing came back for tcpTimeout: the kernel gives up on the connection.
      this._net._countReset(this._host, this._peer?._host ?? null);
      this._fail(codeError(`write ECONNRESET ${where(this._remote)}: no acknowledgement for ${this._net.tcpTimeout} s`, 'ECONNRESET'));
      return;
    }
    segment.rto = Math.min(segment.rto * 2, Math.max(RTO_MAX, this.#rto0));
    segment.lastSent = now;
    this._net._send(segment);
  }

  /** The peer holds every byte below `ackNo` (and our FIN, if `finAcked`). */
  _acked(ackNo: number, finAcked: boolean): void {
    const unacked = this._unacked;
    while (unacked.length > 0) {
      const s = unacked.at(0);
      if (s.fin ? !finAcked : s.seq + s.size > ackNo) break;
      s.acked = true;
      unacked.shift();
    }
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    callSoonWithContext(this._net.loop, drainSoon, [this], null);
  }

  _drainNow(): void {
    this.#drainScheduled = false;
    if (this._stale()) return;
    if (this._app === 'open' && this._watching) this._handlers?.drain();
  }

  _schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    callSoonWithContext(this._net.loop, pumpSoon, [this], null);
  }

  _pumpNow(): void {
    this.#pumpScheduled = false;
    if (!this._stale()) this._pump();
  }

  // ---- Receiving -----------------------------------------------------------------------

  _receive(segment: Segment): void {
    const sender = segment.sender;
    if (this._stale() || this._state === 'dead' || (this._app === 'closed' && segment.size > 0 && segment.seq >= this._rcvNxt)) {
      // No connection here (any more), or bytes for a program that closed: reset.
      if (this._state !== 'dead') this._die();
      this._net._send(new Rst(this._host, sender));
      return;
    }
    if (segment.seq === this._rcvNxt && !(segment.fin && this._finReceived)) {
      this.#take(segment);
      const ahead = this._ahead;
      while (ahead.length > 0 && ahead[0].seq <= this._rcvNxt) {
        const next = ahead.shift()!;
        if (next.seq === this._rcvNxt && !(next.fin && this._finReceived)) this.#take(next);
      }
    } else if (segment.seq > this._rcvNxt) {
      const ahead = this._ahead;
      let i = 0;
      while (i < ahead.length && ahead[i].seq < segment.seq) i++;
      if (i === ahead.length || ahead[i].seq !== segment.seq || ahead[i].fin !== segment.fin) ahead.splice(i, 0, segment);
    }
    // Acknowledge, if the way back is open and the sender is still there to hear it.
    const net = this._net;
    if (!net._passable(this._host, sender._host) || sender._host._state === 'down') {
      sender._segmentLost(segment);
    } else if (sender._epoch !== sender._host._epoch) {
      // The sender's host crashed and came back: it answers our acknowledgement with a reset.
      net._send(new Rst(sender._host, this));
    } else if (sender._state === 'established') {
      sender._acked(this._rcvNxt, this._finReceived);
      if (!segment.acked) sender._segmentLost(segment); // it came ahead of a gap: resent after the gap is filled
    }
    if (!this._paused && this._handlers !== null && this._app === 'open') this._flush();
  }

  #take(segment: Segment): void {
    if (segment.fin) {
      this._finReceived = true;
      return;
    }
    const data = segment.data!;
    if (data instanceof Uint8Array) this._inbox.push(data);
    else for (const chunk of data) this._inbox.push(chunk);
    this._inboxBytes += segment.size;
    this._rcvNxt += segment.size;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    callSoonWithContext(this._net.loop, flushSoon, [this], null);
  }

  _scheduleFlush(): void {
    this.#scheduleFlush();
  }

  _flushNow(): void {
    this.#flushScheduled = false;
    if (this._stale()) return;
    if (this._handlers !== null && this._app === 'open' && !this._paused) this._flush();
  }

  /** Hand what arrived to the program, then EOF if it came; open the window. */
  _flush(): void {
    const handlers = this._handlers!;
    const before = this._consumed;
    const inbox = this._inbox;
    while (!this._paused && inbox.length > 0 && this._app === 'open') {
      const chunk = inbox.shift()!;
      this._inboxBytes -= chunk.length;
      this._consumed += chunk.length;
      handlers.data(chunk);
    }
    if (!this._paused && inbox.length === 0 && this._finReceived && !this._eofDelivered && this._app === 'open') {
      this._eofDelivered = true;
      handlers.end();
      this._maybeFinishApp();
    }
    const peer = this._peer;
    if (this._consumed !== before && peer !== null && peer._outboxBytes > 0) peer._schedulePump();
  }

  /** Close the program's socket once it is done both ways (or was asked to close). */
  _maybeFinishApp(): void {
    if (this._app === 'closed' || this._fin !== 'sent' || this._outboxBytes > 0) return;
    if (this._closeWhenFlushed || this._eofDelivered) this._finishApp();
  }

  _finishApp(): void {
    if (this._app === 'closed') return;
    this._app = 'closed';
    const handlers = this._handlers;
    if (handlers !== null) this._host._callSoon(() => handlers.close());
  }
}

function connectRetry(socket: TcpSocket, target: SimHost | null): void {
  socket._connectRetry(target);
}
function retransmit(socket: TcpSocket, segment: Segment): void {
  socket._retransmit(segment);
}
function drainSoon(socket: TcpSocket): void {
  socket._drainNow();
}
function pumpSoon(socket: TcpSocket): void {
  socket._pumpNow();
}
function flushSoon(socket: TcpSocket): void {
  socket._flushNow();
}

// ---- Listening ---------------------------------------------------------------------------

function listenersOf(host: SimHost): Map<number, TcpListener[]> {
  return (host._listeners ??= new Map());
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** Whether a socket bound to `bound` takes packets for `destination` (of `family`). */
export function boundMatches(bound: string, ipv6Only: boolean, destination: string): boolean {
  if (bound === destination) return true;
  if (bound === '0.0.0.0') return ipFamily(destination) === 'IPv4';
  if (bound === '::') return !ipv6Only || ipFamily(destination) === 'IPv6';
  return false;
}

/** Whether `address` is one a socket on `host` may bind. */
export function isLocalAddress(host: SimHost, address: string): boolean {
  return isWildcard(address) || isLoopback(address) || address === host.address;
}

/** Whether two bindings of one port collide (an IPv6-only '::' leaves IPv4 free). */
function overlaps(a: string, aV6Only: boolean, b: string, bV6Only: boolean): boolean {
  if (a === b) return true;
  const fa = ipFamily(a);
  const fb = ipFamily(b);
  if (fa === fb) return isWildcard(a) || isWildcard(b);
  // Across families, only a dual-stack '::' covers IPv4 addresses.
  return (a === '::' && !aV6Only) || (b === '::' && !bV6Only);
}

/** What a listener hands out: a TCP end, or a TLS one whose handshake is done. */
interface Acceptable extends StreamSocket {
  _attach(handlers: StreamHandlers): void;
}

class SimIncoming implements IncomingStream {
  constructor(readonly socket: Acceptable) {}

  accept(handlers: StreamHandlers): StreamSocket {
    this.socket._attach(handlers);
    return this.socket;
  }

  reject(): void {
    this.socket.destroy();
  }
}

export class TcpListener implements Listener, HostResource {
  readonly #net: SimNetwork;
  readonly #host: SimHost;
  readonly #handlers: ListenerHandlers;
  readonly _tls: TlsUpgrade | null;
  readonly _ipv6Only: boolean;
  #address: IpAddress | null = null;
  #state: 'listening' | 'closed' = 'listening';

  constructor(net: SimNetwork, host: SimHost, request: ListenRequest, handlers: ListenerHandlers) {
    this.#net = net;
    this.#host = host;
    this.#handlers = handlers;
    this._tls = request.tls ?? null;
    this._ipv6Only = request.ipv6Only;
    const local = request.local as IpAddress;
    // S2 (servers built per seed): `fail` and `taken` are methods, where closures here had
    // a name defined on each at every construction (esbuild's keepNames).
    if (!isLocalAddress(host, local.address)) {
      this.#fail(Object.assign(codeError(`listen EADDRNOTAVAIL ${where(local)}`, 'EADDRNOTAVAIL'), { syscall: 'listen' }));
      return;
    }
    const map = listenersOf(host);
    let port = local.port;
    if (port === 0) {
      port = host._ephemeralPort((p) => TcpListener.#taken(map, p, local.address, request.ipv6Only));
    } else if (TcpListener.#taken(map, port, local.address, request.ipv6Only)) {
      this.#fail(codeError(`listen EADDRINUSE: address already in use ${where(local)}`, 'EADDRINUSE'));
      return;
    }
    this.#address = { family: local.family, address: local.address, port };
    const list = map.get(port);
    if (list === undefined) map.set(port, [this]);
    else list.push(this);
    host._resources.add(this);
    host._callSoon(() => handlers.listening());
  }

  /** Whether `port` is bound on the host (`map`) in a way that collides with `address`. */
  static #taken(map: Map<number, TcpListener[]>, port: number, address: string, ipv6Only: boolean): boolean {
    const list = map.get(port);
    return list !== undefined && list.some((l) => overlaps(l.#address!.address, l._ipv6Only, address, ipv6Only));
  }

  #fail(err: Error): void {
    this.#state = 'closed';
    const handlers = this.#handlers;
    this.#host._callSoon(() => {
      handlers.error(err);
      handlers.close();
    });
  }

  localAddress(): NetworkAddress | null {
    return this.#address;
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#unregister();
    this.#host._resources.delete(this);
    const handlers = this.#handlers;
    this.#host._callSoon(() => handlers.close());
  }

  _vanish(): void {
    this.#unregister();
  }

  #unregister(): void {
    this.#state = 'closed';
    const address = this.#address;
    if (address === null) return;
    const map = listenersOf(this.#host);
    const list = map.get(address.port);
    if (list === undefined) return;
    const rest = list.filter((l) => l !== this);
    if (rest.length === 0) map.delete(address.port);
    else map.set(address.port, rest);
  }

  _incoming(socket: TcpSocket): void {
    if (this._tls !== null) {
      TlsSocket.serverSide(socket, this._tls, (tls) => this.#handlers.connection(new SimIncoming(tls)));
    } else {
      this.#handlers.connection(new SimIncoming(socket));
    }
  }

  static find(host: SimHost, address: string, port: number): TcpListener | null {
    const list = host._listeners?.get(port);
    if (list === undefined) return null;
    return list.find((l) => boundMatches(l.#address!.address, l._ipv6Only, address)) ?? null;
  }
}

/** A SYN reached `host`: answer it. */
function acceptSyn(client: TcpSocket, host: SimHost): void {
  const net = client._net;
  if (client._state !== 'connecting') return;
  const existing = client._peer;
  if (existing !== null && existing._state !== 'dead') {
    net._send(new SynAck(existing, client)); // our SYN-ACK was lost: say it again
    return;
  }
  const remote = client._remote;
  const listener = TcpListener.find(host, remote.address, remote.port);
  if (listener === null) {
    net._send(new Rst(host, client));
    return;
  }
  const server = new TcpSocket(net, host, remote, client._local, null);
  server._state = 'established';
  server._peer = client;
  client._peer = server;
  server._initRto(client._host);
  listener._incoming(server);
  net._send(new SynAck(server, client));
}

/** `network.connect` for TCP (and TLS over it). */
export function connectTcp(net: SimNetwork, host: SimHost, request: ConnectRequest, handlers: StreamHandlers): StreamSocket {
  const remote = request.remote as IpAddress;
  const target = net._route(host, remote.address);
  const requested = request.local as IpAddress | null | undefined;
  let localAddress: string;
  if (requested !== null && requested !== undefined && requested.address !== '0.0.0.0' && requested.address !== '::') localAddress = requested.address;
  else if (isLoopback(remote.address) || isWildcard(remote.address)) localAddress = remote.family === 'IPv6' ? '::1' : '127.0.0.1';
  else localAddress = host.address;
  const port = requested && requested.port !== 0 ? requested.port : host._ephemeralPort(() => false);
  const local: IpAddress = { family: ipFamily(localAddress) ?? remote.family, address: localAddress, port };
  if (request.tls) return TlsSocket.clientSide(net, host, local, remote, target, request.tls, handlers);
  const socket = new TcpSocket(net, host, local, remote, handlers);
  socket._startConnect(target);
  return socket;
}
