/**
 * IP address literals, without Node's `net` (this package runs in browsers too): which
 * family a string is, its canonical spelling, and whether it is loopback.
 *
 * IPv6 goes through the WHATWG URL parser, which every platform has and which writes
 * the canonical compressed form ('0:0::1' -> '::1'), so two spellings of one address are
 * one host.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Answers so far, by spelling. S2 (a world per seed: every listen, connect and SYN asks
 * for the family of '::', '0.0.0.0' or a host's address) pays the URL parser once per
 * spelling, where the plain function parsed at every call. Cleared past a size bound.
 */
const known = new Map<string, string | null>();
const KNOWN_AT_MOST = 4096;

/** The canonical spelling of an IPv4 or IPv6 literal, or null if `text` is neither. */
export function normalizeAddress(text: string): string | null {
  let normal = known.get(text);
  if (normal === undefined) {
    if (known.size >= KNOWN_AT_MOST) known.clear();
    known.set(text, (normal = parseAddress(text)));
  }
  return normal;
}

function parseAddress(text: string): string | null {
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
  const normal = normalizeAddress(text);
  return normal === null ? null : normal.includes(':') ? 'IPv6' : 'IPv4';
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}
