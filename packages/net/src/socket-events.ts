/**
 * SocketEvents: the handlers a stream socket reports to, kept as a queue until the loop
 * can look at them.
 *
 * A network calls these handlers outside the loop's pass (Node's callbacks) or from a
 * loop callback (a simulated network). They only record: bytes and EOF go into `inbox`
 * in arrival order, `connect`, `error` and `close` set fields, and each event calls
 * `onEvent`, which the owner points at "schedule one processing callback". So the
 * protocol always runs inside a pass, in order, and a burst of events costs one handle.
 * A socket that says `eventsInPass` (sim's TCP: its handlers run only from loop
 * callbacks, never from inside a socket method) is already inside a pass: a transport
 * points `onEvent` at "process now" instead.
 *
 * One queue outlives its owners: `createConnection` watches it until the socket connects,
 * then the transport takes it over with whatever already arrived; nothing is lost between
 * the two.
 */
import type { StreamHandlers, StreamSocket } from '@yieldio/core';

/**
 * A stream socket that may say its handlers are called only from loop callbacks (inside
 * a pass, never from inside one of its own methods), so an event can be handled where it
 * is reported. Optional: a socket that leaves it out is processed a pass later.
 */
export interface InPassSocket extends StreamSocket {
  readonly eventsInPass?: boolean;
}

/** The inbox's end-of-stream marker (the peer half-closed). */
export const EOF: unique symbol = Symbol('EOF');
export type InboxItem = Uint8Array | typeof EOF;

export class SocketEvents implements StreamHandlers {
  /**
   * Bytes and EOF not yet handed to a protocol, oldest first: `_inbox[_head]` up to
   * `_inbox[_tail - 1]`. Slots outside that range are undefined.
   *
   * S1/S2 (one item in, one out, per message): a queue that keeps its storage, with its
   * own end (`_tail`) rather than the array's length. It replaces `push` and, once empty,
   * `_inbox.length = 0`, which gave the storage back, so the next `push` allocated it
   * again: one array a message.
   */
  _inbox: (InboxItem | undefined)[] = [];
  _head = 0;
  _tail = 0;
  connected = false;
  /** The first error the socket reported; null if none. */
  failure: Error | null = null;
  closed = false;
  onEvent: () => void;

  constructor(onEvent: () => void) {
    this.onEvent = onEvent;
  }

  connect(): void {
    this.connected = true;
    this.onEvent();
  }

  data(chunk: Uint8Array): void {
    this._inbox[this._tail++] = chunk;
    this.onEvent();
  }

  end(): void {
    this._inbox[this._tail++] = EOF;
    this.onEvent();
  }

  drain(): void {
    this.onEvent();
  }

  error(err: Error): void {
    this.failure ??= err;
    this.onEvent();
  }

  close(): void {
    this.closed = true;
    this.onEvent();
  }

  hasInbox(): boolean {
    return this._head < this._tail;
  }

  /** The oldest item; call only when `hasInbox()`. */
  shift(): InboxItem {
    const inbox = this._inbox;
    const item = inbox[this._head]!;
    inbox[this._head++] = undefined;
    if (this._head === this._tail) {
      this._head = this._tail = 0;
    } else if (this._head >= 1024) {
      // Never emptied (a reader that pauses and resumes mid-queue): move the items down.
      inbox.splice(0, this._head);
      this._tail -= this._head;
      this._head = 0;
    }
    return item;
  }

  /** Put back the unconsumed rest of an item (a protocol paused in the middle of a chunk). */
  unshift(item: InboxItem): void {
    if (this._head > 0) {
      this._inbox[--this._head] = item;
    } else {
      this._inbox.splice(0, 0, item);
      this._tail++;
    }
  }

  clearInbox(): void {
    this._inbox.fill(undefined, this._head, this._tail);
    this._head = this._tail = 0;
  }

  /** Take the bytes not yet delivered (for a TLS upgrade: they belong to the new stream). */
  takeUnread(): Uint8Array[] {
    const unread: Uint8Array[] = [];
    for (let i = this._head; i < this._tail; i++) {
      const item = this._inbox[i]!;
      if (item !== EOF) unread.push(item);
    }
    this.clearInbox();
    return unread;
  }
}
