/**
 * Addresses: checking what callers pass (host, port, path) at the public boundary, and
 * converting between the seam's `NetworkAddress` and asyncio's shapes.
 *
 * asyncio shows a socket address as Python's socket module does: `(host, port)` for IPv4,
 * `(host, port, flowinfo, scope_id)` for IPv6, and the path string for a Unix socket. We
 * keep those shapes as tuples (`getExtraInfo('peername')`, `server.sockets[0].getsockname()`,
 * `datagramReceived(data, addr)`), so asyncio code ports line for line.
 *
 * No Node module here: IP literals are recognised by hand, so the layers above the seam
 * stay portable to a simulated network.
 */
import type { NetworkAddress } from '@yieldio/core';
import { describeValue as describe } from '@yieldio/core';

/** asyncio's socket address: `[host, port]`, `[host, port, flowinfo, scopeid]`, or a Unix path. */
export type SockAddr = readonly [host: string, port: number] | readonly [host: string, port: number, flowinfo: number, scopeid: number] | string;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(host: string): boolean {
  return IPV4.test(host);
}

export function isIPv6(host: string): boolean {
  const percent = host.indexOf('%');
  const text = percent >= 0 ? host.slice(0, percent) : host;
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return false;
  let groups = text.split(':');
  const last = groups[groups.length - 1];
  let limit = 8;
  if (last.includes('.')) {
    if (!isIPv4(last)) return false;
    groups = groups.slice(0, -1);
    limit = 6;
  }
  const doubleColon = text.indexOf('::');
  if (doubleColon !== text.lastIndexOf('::')) return false;
  if (doubleColon >= 0) {
    const parts = text.split('::');
    const count = (parts[0] ? parts[0].split(':').length : 0) + (parts[1] ? parts[1].split(':').length : 0) - (last.includes('.') ? 1 : 0);
    return count < limit && groups.every((g) => g === '' || /^[0-9a-fA-F]{1,4}$/.test(g));
  }
  return groups.length === limit && groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g));
}

/** 'IPv4' or 'IPv6' for an IP literal, null for a name. */
export function ipFamily(host: string): 'IPv4' | 'IPv6' | null {
  if (isIPv4(host)) return 'IPv4';
  if (isIPv6(host)) return 'IPv6';
  return null;
}

/** "127.0.0.1:8080", "[::1]:8080", or the path, for messages. */
export function formatAddress(address: NetworkAddress): string {
  if (address.family === 'unix') return address.path === '' ? '<unnamed unix socket>' : address.path;
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

/** A host and port as a message shows them, before they are resolved. */
export function formatHostPort(host: string | null, port: number | null): string {
  const h = host === null ? '<any>' : host.includes(':') ? `[${host}]` : host;
  return `${h}:${port === null ? 0 : port}`;
}

export function toSockAddr(address: NetworkAddress | null): SockAddr | null {
  if (address === null) return null;
  if (address.family === 'unix') return address.path;
  if (address.family === 'IPv6') return [address.address, address.port, 0, 0] as const;
  return [address.address, address.port] as const;
}

/** Check a port at the boundary: an integer 0-65535 (null allowed where asyncio allows None). */
export function checkPort(caller: string, port: unknown, nullable: boolean): number | null {
  if (port === null || port === undefined) {
    if (nullable) return null;
    throw new TypeError(`${caller}: port must be an integer 0-65535, got ${describe(port)}`);
  }
  if (typeof port !== 'number') {
    throw new TypeError(`${caller}: port must be an integer 0-65535, got ${describe(port)}${typeof port === 'string' && /^\d+$/.test(port) ? `; pass the number: ${port}` : ''}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${caller}: port must be an integer 0-65535, got ${port}`);
  }
  return port;
}

/** Check a host at the boundary: a non-empty string, or null where asyncio allows None. */
export function checkHost(caller: string, host: unknown, nullable: boolean): string | null {
  if (host === null || host === undefined) {
    if (nullable) return null;
    throw new TypeError(`${caller}: host must be a host name or an IP address (a string), got ${describe(host)}`);
  }
  if (typeof host !== 'string') {
    throw new TypeError(`${caller}: host must be a host name or an IP address (a string), got ${describe(host)}`);
  }
  if (host === '') {
    throw new RangeError(`${caller}: host must not be empty; pass a name such as "localhost", an address such as "127.0.0.1", or null`);
  }
  if (/[\s/\\]/.test(host)) {
    throw new RangeError(`${caller}: host ${JSON.stringify(host)} is not a valid host name or IP address`);
  }
  return host;
}

/** Check a Unix socket path at the boundary. */
export function checkPath(caller: string, path: unknown): string {
  if (typeof path !== 'string') {
    throw new TypeError(`${caller}: path must be the Unix socket's file path (a string), got ${describe(path)}`);
  }
  if (path === '') throw new RangeError(`${caller}: path must not be empty; pass the Unix socket's file path`);
  // Linux's sun_path holds 108 bytes with the terminating NUL.
  if (new TextEncoder().encode(path).length > 107) {
    throw new RangeError(`${caller}: path is ${new TextEncoder().encode(path).length} bytes long, more than a Unix socket allows (107); use a shorter path`);
  }
  return path;
}

/**
 * An asyncio-style address pair `[host, port]` from a caller, checked. `exact`: nothing
 * after the port either, as asyncio's `create_datagram_endpoint` asserts a 2-tuple (an
 * IPv6 `sendto` address may carry flowinfo and scope id after it).
 */
export function checkAddressPair(caller: string, what: string, value: unknown, exact = false): [string, number] {
  if (!Array.isArray(value) || value.length < 2 || (exact && value.length !== 2)) {
    throw new TypeError(`${caller}: ${what} must be a [host, port] pair, got ${describe(value)}`);
  }
  const host = checkHost(`${caller}: ${what}`, value[0], false)!;
  const port = checkPort(`${caller}: ${what}`, value[1], false)!;
  return [host, port];
}
