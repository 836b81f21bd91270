/**
 * ChunkBuffer: the bytes a StreamReader holds (asyncio's `StreamReader._buffer`, a
 * `bytearray`), as a queue of the chunks as they came.
 *
 * A socket's chunks are ours to keep, so nothing is copied in. A read within the first
 * chunk returns that chunk, or a view of it: a stream read in big pieces (`read(65536)`)
 * copies nothing. Only a separator search needs the bytes in one piece; it coalesces the
 * queue into an owned array that doubles as needed and copies only what came since its
 * last search, so a long line assembled from many chunks costs linear time.
 *
 * The reader (stream-reader.ts) extends it: waiting, EOF, errors, back-pressure and the
 * read methods are its; taking bytes out, and finding a separator, are this module's.
 */
import { allocBytes, indexOfBytes } from './bytes';

/** An owned buffer this big or bigger is dropped when it empties, not kept for reuse. */
const KEEP_AT_MOST = 256 * 1024;
/** The buffer of an empty reader (never written, never handed out). */
const EMPTY = new Uint8Array(0);

/** The buffered bytes of a StreamReader, which extends it (asyncio keeps a `bytearray`). */
export class ChunkBuffer {
  /**
   * The buffered bytes: `_chunks[_head]` from `_offset` on, then the later chunks whole.
   * Invariant: `_length` is their total, and no chunk in the queue is empty.
   */
  _chunks: Uint8Array[] = [];
  _head = 0;
  _offset = 0;
  _length = 0;
  /**
   * The owned array separator searches coalesce into, and how much of it is filled.
   * Invariant: while `_growHead` is true, `_chunks[_head]` is `_grow.subarray(0, _growFill)`.
   * Bytes below `_growFill` are never written again, so views of them stay valid.
   */
  _grow: Uint8Array = EMPTY;
  _growFill = 0;
  _growHead = false;

  /** A copy of the buffered bytes (asyncio's `_buffer`, for tests and repr). */
  get _buffer(): Uint8Array {
    const out = allocBytes(this._length);
    let at = 0;
    for (let i = this._head; i < this._chunks.length; i++) {
      const chunk = i === this._head ? this._chunks[i].subarray(this._offset) : this._chunks[i];
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /**
   * Remove and return the first `n` buffered bytes (0 < n <= length). Within the first
   * chunk: that chunk itself, or a view of it (no copy); across chunks: one copy.
   */
  _take(n: number): Uint8Array {
    const chunks = this._chunks;
    const first = chunks[this._head];
    const offset = this._offset;
    const available = first.length - offset;
    let result: Uint8Array;
    if (n <= available) {
      result = offset === 0 && n === first.length ? first : first.subarray(offset, offset + n);
      this._advance(n);
      return result;
    }
    result = allocBytes(n);
    let at = 0;
    while (at < n) {
      const chunk = chunks[this._head];
      const from = this._offset;
      const count = Math.min(chunk.length - from, n - at);
      result.set(chunk.subarray(from, from + count), at);
      at += count;
      this._advance(count);
    }
    return result;
  }

  /** Drop `n` bytes from the front (n <= what the head chunk has left). */
  _advance(n: number): void {
    this._length -= n;
    this._offset += n;
    if (this._offset < this._chunks[this._head].length) return;
    this._offset = 0;
    this._growHead = false;
    if (++this._head === this._chunks.length) {
      // S1/S2 (one chunk in, one out, per message): pop() empties a queue of one and keeps
      // some storage, where `length = 0` gave it all back for the next push to allocate.
      if (this._head === 1) this._chunks.pop();
      else this._chunks.length = 0;
      this._head = 0;
      if (this._grow.length >= KEEP_AT_MOST) this._grow = EMPTY;
      this._growFill = 0;
    } else if (this._head >= 64) {
      this._chunks.splice(0, this._head);
      this._head = 0;
    }
  }

  /**
   * Make the buffered bytes one chunk, for a search. Copies only what came since the last
   * time (into the spare room of the owned array, doubling it when full), so assembling a
   * long line from many chunks stays linear.
   */
  _coalesce(): Uint8Array {
    const chunks = this._chunks;
    const count = chunks.length - this._head;
    if (count === 1) return chunks[this._head];
    const rest = this._growHead ? this._length - (this._growFill - this._offset) : this._length;
    let grow = this._grow;
    let fill: number;
    let offset: number;
    let from: number;
    if (this._growHead && grow.length - this._growFill >= rest) {
      fill = this._growFill;
      offset = this._offset;
      from = this._head + 1;
    } else {
      const next = allocBytes(Math.max(2 * this._length, 4096));
      fill = 0;
      from = this._head;
      if (this._growHead) {
        next.set(grow.subarray(this._offset, this._growFill));
        fill = this._growFill - this._offset;
        from = this._head + 1;
      }
      grow = next;
      offset = 0;
    }
    for (let i = from; i < chunks.length; i++) {
      const chunk = i === this._head ? chunks[i].subarray(this._offset) : chunks[i];
      grow.set(chunk, fill);
      fill += chunk.length;
    }
    const head = grow.subarray(0, fill);
    chunks.length = 0;
    chunks.push(head);
    this._head = 0;
    this._offset = offset;
    this._grow = grow;
    this._growFill = fill;
    this._growHead = true;
    return head;
  }

  /** Where `sep` starts in the buffer at or after `offset` (relative to the buffer), or -1. */
  _find(sep: Uint8Array, offset: number): number {
    const buf = this._coalesce();
    const base = this._offset;
    const at = sep.length === 1 ? buf.indexOf(sep[0], base + offset) : indexOfBytes(buf, sep, base + offset, buf.length);
    return at < 0 ? -1 : at - base;
  }
}
