/**
 * Bytes: allocation and search over Uint8Array, without Node's Buffer where possible.
 *
 * Under Node, new arrays are Buffers (`Buffer.allocUnsafe`), so what a reader returns is a
 * Buffer as the socket's own chunks are (`line.toString()` gives text); elsewhere they are
 * plain Uint8Arrays. Either is a Uint8Array, which is all the types promise.
 */

type BufferLike = { allocUnsafe(size: number): Uint8Array };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

export function allocBytes(size: number): Uint8Array {
  return NodeBuffer !== undefined ? NodeBuffer.allocUnsafe(size) : new Uint8Array(size);
}

/** A fresh copy of `src[start, end)`. */
export function copyBytes(src: Uint8Array, start: number, end: number): Uint8Array {
  const out = allocBytes(end - start);
  out.set(src.subarray(start, end));
  return out;
}

/** The index of `needle` in `haystack[from, to)`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const n = needle.length;
  const first = needle[0];
  const last = to - n;
  let i = from;
  while (i <= last) {
    i = haystack.indexOf(first, i);
    if (i < 0 || i > last) return -1;
    let j = 1;
    while (j < n && haystack[i + j] === needle[j]) j++;
    if (j === n) return i;
    i++;
  }
  return -1;
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = allocBytes(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
