/**
 * IP address literals, without Node's `net` (this package runs in browsers too): which
 * family a string is, its canonical spelling, and whether it is loopback.
 *
 * IPv6 goes through the WHATWG URL parser, which every platform has and which writes
 * the canonical compressed form ('0:0::1' -> '::1'), so two spellings of one address are
 * one host.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The canonical spelling of an IPv4 or IPv6 literal, or null if `text` is neither. */
export function normalizeAddress(text: string): string | null {
  if (IPV4.test(text)) return text;
  if (!text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) return null;
  try {
    const host = new URL(`http://[${text}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return null;
  }
}

export function ipFamily(text: string): 'IPv4' | 'IPv6' | null {
  if (IPV4.test(text)) return 'IPv4';
  return normalizeAddress(text) === null ? null : 'IPv6';
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}
