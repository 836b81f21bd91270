/**
 * TLS options for Node: the seam's plain `TlsOptions` (core's network.ts, Python's
 * `ssl.SSLContext` settings) mapped to node:tls's, for a client and for a server. Kept
 * apart from the adapters in node-network.ts, which wrap Node's sockets: this is the
 * one place that knows how `verifyMode` and `checkHostname` read in Node's terms.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsOptions, TlsUpgrade } from '@yieldio/core';

type Pem = string | Buffer | Array<string | Buffer>;

function pem(value: TlsOptions['ca']): Pem | undefined {
  if (value === undefined) return undefined;
  const one = (v: string | Uint8Array): string | Buffer => (typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  return Array.isArray(value) ? (value as Array<string | Uint8Array>).map(one) : one(value as string | Uint8Array);
}

/** Node's options common to both sides, from the seam's plain settings. */
function contextOptions(o: TlsOptions): tls.SecureContextOptions & tls.CommonConnectionOptions {
  return {
    ca: pem(o.ca),
    cert: pem(o.cert),
    key: pem(o.key),
    passphrase: o.passphrase,
    ALPNProtocols: o.alpnProtocols ? [...o.alpnProtocols] : undefined,
    minVersion: o.minimumVersion,
  };
}

/** A client's: verification as Python's `verify_mode` and `check_hostname` say. */
export function clientOptions(upgrade: TlsUpgrade): tls.ConnectionOptions {
  const o = upgrade.tls;
  const options: tls.ConnectionOptions = { ...contextOptions(o), rejectUnauthorized: o.verifyMode !== 'none' };
  const name = upgrade.serverName;
  if (!o.checkHostname) {
    options.checkServerIdentity = () => undefined;
  } else if (name) {
    // We connect to a resolved address; the certificate must name what the caller asked for.
    options.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(name, cert);
  }
  // SNI must not carry an IP address (RFC 6066).
  if (name && net.isIP(name) === 0) options.servername = name;
  return options;
}

/** A server's: ask for a client certificate unless verify_mode is CERT_NONE. */
export function serverOptions(upgrade: TlsUpgrade): tls.TlsOptions {
  const o = upgrade.tls;
  return { ...contextOptions(o), requestCert: o.verifyMode !== 'none', rejectUnauthorized: o.verifyMode === 'required' };
}
