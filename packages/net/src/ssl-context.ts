/**
 * SSLContext: TLS settings as Python's `ssl.SSLContext` holds them, passed as the `ssl`
 * option of `openConnection`, `startServer`, `createConnection`, `createServer` and as
 * the argument of `startTls`.
 *
 *     const ctx = createDefaultContext({ cadata: caPem });           // a client
 *     const server = new SSLContext(PROTOCOL_TLS_SERVER);
 *     server.loadCertChain('cert.pem', 'key.pem');                  // files, as Python
 *
 * A client context verifies the server's certificate and host name by default
 * (`verifyMode` 'required', `checkHostname` true); a server context asks for no client
 * certificate ('none'), as Python's `PROTOCOL_TLS_CLIENT` and `PROTOCOL_TLS_SERVER` do.
 * `ssl: true` on a client means `createDefaultContext()`.
 *
 * Where we differ: Python's file-path loaders also accept PEM text here (a string that
 * starts with "-----BEGIN"), since Node code often holds certificates in memory; and the
 * settings are plain data (core's `TlsOptions`), so a simulated network can read them.
 */
import { readFileSync } from 'node:fs';
import type { TlsOptions } from '@yieldio/core';
import { describeValue as describe } from '@yieldio/core';
import { osErrorFor } from './errors';
import { checkOptions } from './options';

/** An `SSLContext` for the client side (Python `ssl.PROTOCOL_TLS_CLIENT`). */
export const PROTOCOL_TLS_CLIENT = 'client';
/** An `SSLContext` for the server side (Python `ssl.PROTOCOL_TLS_SERVER`). */
export const PROTOCOL_TLS_SERVER = 'server';
/** Which side an `SSLContext` is for. Python's `ssl.PROTOCOL_TLS_CLIENT` or `ssl.PROTOCOL_TLS_SERVER`. */
export type SSLProtocol = typeof PROTOCOL_TLS_CLIENT | typeof PROTOCOL_TLS_SERVER;

/** Do not verify the peer's certificate (Python `ssl.CERT_NONE`). */
export const CERT_NONE = 'none';
/** Verify the peer's certificate if it sends one (Python `ssl.CERT_OPTIONAL`). */
export const CERT_OPTIONAL = 'optional';
/** Require and verify the peer's certificate (Python `ssl.CERT_REQUIRED`). */
export const CERT_REQUIRED = 'required';
/** How an `SSLContext` verifies the peer (Python's `verify_mode`). */
export type VerifyMode = typeof CERT_NONE | typeof CERT_OPTIONAL | typeof CERT_REQUIRED;

type Pem = string | Uint8Array;

function loadPem(caller: string, what: string, value: unknown): Pem {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${caller}: ${what} must be a file path or PEM text (a string) or bytes, got ${describe(value)}`);
  }
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  try {
    return readFileSync(value);
  } catch (err) {
    // A file that is missing or unreadable is an OSError as in Python's load_cert_chain
    // (FileNotFoundError, PermissionError), not a bad argument.
    const { code, errno, syscall, message } = err as NodeJS.ErrnoException;
    throw osErrorFor(code, `${caller}: cannot read ${what} ${JSON.stringify(value)}: ${message}`, { errno, syscall, cause: err });
  }
}

/** TLS settings for a connection or a server (Python `ssl.SSLContext`, the parts asyncio uses). */
export class SSLContext {
  readonly protocol: SSLProtocol;
  verifyMode: VerifyMode;
  checkHostname: boolean;
  _ca: Pem[] = [];
  _cert: Pem | null = null;
  _key: Pem | null = null;
  _passphrase: string | undefined;
  _alpn: string[] | undefined;
  minimumVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.2';

  constructor(protocol: SSLProtocol = PROTOCOL_TLS_CLIENT) {
    if (protocol !== PROTOCOL_TLS_CLIENT && protocol !== PROTOCOL_TLS_SERVER) {
      throw new TypeError(`SSLContext(): protocol must be PROTOCOL_TLS_CLIENT ('client') or PROTOCOL_TLS_SERVER ('server'), got ${describe(protocol)}`);
    }
    this.protocol = protocol;
    const client = protocol === PROTOCOL_TLS_CLIENT;
    this.verifyMode = client ? CERT_REQUIRED : CERT_NONE;
    this.checkHostname = client;
  }

  /** Our certificate chain and its private key (a server needs them). */
  loadCertChain(certfile: string | Uint8Array, keyfile?: string | Uint8Array | null, password?: string): void {
    this._cert = loadPem('loadCertChain()', 'certfile', certfile);
    this._key = keyfile === undefined || keyfile === null ? this._cert : loadPem('loadCertChain()', 'keyfile', keyfile);
    this._passphrase = password;
  }

  /** Trust these certificate authorities (instead of the platform's). */
  loadVerifyLocations(options: { cafile?: string; cadata?: string | Uint8Array }): void {
    if (options === null || typeof options !== 'object' || (options.cafile === undefined && options.cadata === undefined)) {
      throw new TypeError(`loadVerifyLocations(): expected { cafile } or { cadata }, got ${describe(options)}`);
    }
    checkOptions('loadVerifyLocations()', options, ['cafile', 'cadata']);
    if (options.cafile !== undefined) this._ca.push(loadPem('loadVerifyLocations()', 'cafile', options.cafile));
    if (options.cadata !== undefined) this._ca.push(loadPem('loadVerifyLocations()', 'cadata', options.cadata));
  }

  /** The protocols to offer in ALPN, most preferred first (Python `SSLContext.set_alpn_protocols`). */
  setAlpnProtocols(protocols: readonly string[]): void {
    if (!Array.isArray(protocols) || !protocols.every((p) => typeof p === 'string' && p.length > 0 && p.length < 256)) {
      throw new TypeError(`setAlpnProtocols(): expected an array of protocol names such as ['h2', 'http/1.1'], got ${describe(protocols)}`);
    }
    this._alpn = [...protocols];
  }

  /** The plain settings core's network seam takes. */
  _toTlsOptions(caller: string): TlsOptions {
    if (this.verifyMode !== CERT_NONE && this.verifyMode !== CERT_OPTIONAL && this.verifyMode !== CERT_REQUIRED) {
      throw new TypeError(`${caller}: ssl.verifyMode must be CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED, got ${describe(this.verifyMode)}`);
    }
    if (this.checkHostname && this.verifyMode === CERT_NONE) {
      throw new RangeError(`${caller}: ssl.checkHostname needs verification; set verifyMode to CERT_REQUIRED, or checkHostname to false`);
    }
    return {
      ca: this._ca.length > 0 ? this._ca : undefined,
      cert: this._cert ?? undefined,
      key: this._key ?? undefined,
      passphrase: this._passphrase,
      verifyMode: this.verifyMode,
      checkHostname: this.checkHostname,
      alpnProtocols: this._alpn,
      minimumVersion: this.minimumVersion,
    };
  }

  /** `<SSLContext protocol verify_mode>`, for messages. */
  toString(): string {
    return `<SSLContext ${this.protocol} verify=${this.verifyMode}${this.checkHostname ? ' check_hostname' : ''}>`;
  }
}

/**
 * A context with secure defaults (Python's `ssl.create_default_context`): `purpose`
 * 'serverAuth' (default) makes a client context, 'clientAuth' a server one.
 */
export function createDefaultContext(options: { purpose?: 'serverAuth' | 'clientAuth'; cafile?: string; cadata?: string | Uint8Array } = {}): SSLContext {
  checkOptions('createDefaultContext()', options, ['purpose', 'cafile', 'cadata']);
  const purpose = options.purpose ?? 'serverAuth';
  if (purpose !== 'serverAuth' && purpose !== 'clientAuth') {
    throw new TypeError(`createDefaultContext(): purpose must be 'serverAuth' (for a client) or 'clientAuth' (for a server), got ${describe(purpose)}`);
  }
  const ctx = new SSLContext(purpose === 'serverAuth' ? PROTOCOL_TLS_CLIENT : PROTOCOL_TLS_SERVER);
  if (options.cafile !== undefined || options.cadata !== undefined) ctx.loadVerifyLocations(options);
  return ctx;
}

/** The `ssl` option as callers pass it: true (a default client context) or a context. */
export function toSSLContext(caller: string, ssl: unknown, serverSide: boolean): SSLContext | null {
  if (ssl === undefined || ssl === null || ssl === false) return null;
  if (ssl === true) {
    if (serverSide) throw new TypeError(`${caller}: ssl=true needs a certificate on a server; pass an SSLContext(PROTOCOL_TLS_SERVER) with loadCertChain()`);
    return createDefaultContext();
  }
  if (ssl instanceof SSLContext) {
    if (serverSide && !ssl._cert) {
      throw new TypeError(`${caller}: the server's SSLContext has no certificate; call ssl.loadCertChain(certfile, keyfile) first`);
    }
    return ssl;
  }
  throw new TypeError(`${caller}: ssl must be an SSLContext, true or null, got ${describe(ssl)}`);
}
