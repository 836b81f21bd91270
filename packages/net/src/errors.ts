/**
 * The errors the network raises: Python's `OSError` family (what asyncio's sockets raise)
 * and the two stream errors of `asyncio/exceptions.py`.
 *
 *     OSError                      code, errno, syscall, address
 *       ConnectionError
 *         BrokenPipeError          EPIPE, ESHUTDOWN
 *         ConnectionAbortedError   ECONNABORTED
 *         ConnectionRefusedError   ECONNREFUSED
 *         ConnectionResetError     ECONNRESET
 *       FileNotFoundError          ENOENT: a Unix socket path or a program that is not there
 *       PermissionError            EACCES, EPERM
 *       ProcessLookupError         ESRCH: a signal to a child that has exited
 *       GaiError                   a name that does not resolve (Python's socket.gaierror)
 *       SSLError                   a TLS failure (Python's ssl.SSLError)
 *         SSLCertVerificationError a certificate that cannot be verified
 *     IncompleteReadError          partial, expected
 *     LimitOverrunError            consumed
 *
 * Node reports failures as plain `Error`s with a `code`; `fromNodeError` turns one into the
 * class asyncio code would catch (the code-to-class table is Python's, PEP 3151), with a
 * message that names the call and the address (a refused connection says which port
 * refused it), and keeps Node's error as `cause`.
 *
 * ETIMEDOUT (a connect that no one answered) is core's `TimeoutError`, which is what
 * Python raises for it (its `TimeoutError` is an OSError too; ours cannot be both).
 *
 * Where we differ: Python's `errno` numbers are the platform's; ours is Node's (negative
 * libuv numbers). Match on the class, or on `code` ('ECONNRESET'), which is portable.
 */
import { TimeoutError } from '@yieldio/core';

function named<C extends abstract new (...args: never[]) => Error>(cls: C, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** What an `OSError` may carry beyond its message: Python's `errno`, and Node's `code` and `syscall`. */
export interface OSErrorOptions {
  /** The POSIX-style code: 'ECONNREFUSED', 'ENOTFOUND'... */
  code?: string;
  errno?: number;
  syscall?: string;
  /** The address the operation was about, as the message shows it ("127.0.0.1:8080"). */
  address?: string;
  cause?: unknown;
}

/** A system-level failure (Python's `OSError`). */
export class OSError extends Error {
  readonly code: string | undefined;
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  readonly address: string | undefined;

  constructor(message: string, options: OSErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.errno = options.errno;
    this.syscall = options.syscall;
    this.address = options.address;
  }
}
named(OSError, 'OSError');

/** Python's `ConnectionError`. */
export class ConnectionError extends OSError {}
named(ConnectionError, 'ConnectionError');
/** Python's `BrokenPipeError`. */
export class BrokenPipeError extends ConnectionError {}
named(BrokenPipeError, 'BrokenPipeError');
/** Python's `ConnectionAbortedError`. */
export class ConnectionAbortedError extends ConnectionError {}
named(ConnectionAbortedError, 'ConnectionAbortedError');
/** Python's `ConnectionRefusedError`. */
export class ConnectionRefusedError extends ConnectionError {}
named(ConnectionRefusedError, 'ConnectionRefusedError');
/** Python's `ConnectionResetError`. */
export class ConnectionResetError extends ConnectionError {}
named(ConnectionResetError, 'ConnectionResetError');

/** No such file or directory, ENOENT (Python's `FileNotFoundError`). */
export class FileNotFoundError extends OSError {}
named(FileNotFoundError, 'FileNotFoundError');

/** Permission denied, EACCES or EPERM (Python's `PermissionError`). */
export class PermissionError extends OSError {}
named(PermissionError, 'PermissionError');

/** No such process, ESRCH: a signal to a process that has exited (Python's `ProcessLookupError`). */
export class ProcessLookupError extends OSError {}
named(ProcessLookupError, 'ProcessLookupError');

/** A host name that does not resolve (Python's `socket.gaierror`). */
export class GaiError extends OSError {}
named(GaiError, 'GaiError');

/** A TLS failure: a handshake, a certificate, a protocol error (Python's `ssl.SSLError`). */
export class SSLError extends OSError {}
named(SSLError, 'SSLError');

/**
 * The peer's certificate could not be verified: untrusted, expired, self-signed, for
 * another host name (Python's `ssl.SSLCertVerificationError`, whose message starts
 * "certificate verify failed"). `code` is Node's name for OpenSSL's reason
 * ('CERT_HAS_EXPIRED'); `verifyMessage` is OpenSSL's words for it.
 */
export class SSLCertVerificationError extends SSLError {
  readonly verifyMessage: string;

  constructor(message: string, options: OSErrorOptions & { verifyMessage?: string } = {}) {
    super(message, options);
    this.verifyMessage = options.verifyMessage ?? message;
  }
}
named(SSLCertVerificationError, 'SSLCertVerificationError');

/**
 * EOF came before the read was satisfied (asyncio `IncompleteReadError`). `partial` holds
 * the bytes read before the end; `expected` is how many were wanted (null for `readuntil`).
 */
export class IncompleteReadError extends Error {
  readonly partial: Uint8Array;
  readonly expected: number | null;

  constructor(partial: Uint8Array, expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? 'undefined' : expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}
named(IncompleteReadError, 'IncompleteReadError');

/**
 * `readuntil` found no separator within the limit (asyncio `LimitOverrunError`). The data
 * stays in the reader's buffer; `consumed` says how many bytes it would take to get past it.
 */
export class LimitOverrunError extends Error {
  readonly consumed: number;

  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}
named(LimitOverrunError, 'LimitOverrunError');

interface NodeLikeError extends Error {
  code?: string;
  errno?: number;
  syscall?: string;
}

const HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused; is a server listening there?',
  ECONNRESET: 'connection reset by the peer',
  EPIPE: 'broken pipe: the peer closed the connection',
  ECONNABORTED: 'connection aborted',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRINUSE: 'address already in use; pick another port or stop what listens there',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: "permission denied: check the path's permissions and its directories', or pick a port above 1023",
  EPERM: 'operation not permitted',
  ENOENT: 'no such file: is the server listening on that path?',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'temporary failure in name resolution; try again',
  EAI_NONAME: 'no such host',
};

/**
 * The OSError subclass for a Node error, with a message: `${what} ${address}: ${reason}`.
 * `what` names the call and the action ("openConnection(): cannot connect to").
 */
export function fromNodeError(err: unknown, what: string, address: string): Error {
  // Node's errors may come from another realm (a vm context, jest), so no `instanceof Error`.
  if (err === null || typeof err !== 'object' || typeof (err as Error).message !== 'string') {
    return new OSError(`${what} ${address}: ${String(err)}`, { address, cause: err });
  }
  if (err instanceof OSError) return err;
  const { code, errno, syscall, message: nodeMessage } = err as NodeLikeError;
  if (code !== undefined && VERIFY_CODES.has(code)) {
    const said = nodeMessage.includes(code) ? nodeMessage : `${nodeMessage} (${code})`;
    return new SSLCertVerificationError(`${what} ${address}: certificate verify failed: ${said}`, {
      code,
      errno,
      syscall,
      address,
      cause: err,
      verifyMessage: nodeMessage,
    });
  }
  const hint = code !== undefined && Object.hasOwn(HINTS, code) ? HINTS[code] : undefined;
  const reason = hint !== undefined ? `${hint} (${code})` : code !== undefined && !nodeMessage.includes(code) ? `${nodeMessage} (${code})` : nodeMessage;
  const message = `${what} ${address}: ${reason}`;
  const options: OSErrorOptions = { code, errno, syscall, address, cause: err };
  // Python's TimeoutError is the OSError of ETIMEDOUT; ours is core's, the one timeouts raise.
  if (code === 'ETIMEDOUT') return Object.assign(new TimeoutError(message, { cause: err }), { code, errno, syscall, address });
  const cls = classFor(code) ?? (isTlsError(err as NodeLikeError) ? SSLError : OSError);
  return new cls(message, options);
}

/**
 * The OSError subclass Python raises for each code (PEP 3151's errno table, plus Node's own
 * codes for a destroyed stream and a failed lookup); any other code is a plain OSError.
 */
const CLASS_BY_CODE: Record<string, typeof OSError> = {
  ECONNREFUSED: ConnectionRefusedError,
  ECONNRESET: ConnectionResetError,
  EPIPE: BrokenPipeError,
  ESHUTDOWN: BrokenPipeError,
  ERR_STREAM_DESTROYED: BrokenPipeError,
  ERR_STREAM_WRITE_AFTER_END: BrokenPipeError,
  ECONNABORTED: ConnectionAbortedError,
  ENOENT: FileNotFoundError,
  EACCES: PermissionError,
  EPERM: PermissionError,
  ESRCH: ProcessLookupError,
  ENOTFOUND: GaiError,
  EAI_AGAIN: GaiError,
  EAI_NONAME: GaiError,
  EAI_FAIL: GaiError,
  EAI_NODATA: GaiError,
  EAI_FAMILY: GaiError,
};

function classFor(code: string | undefined): typeof OSError | undefined {
  return code !== undefined && Object.hasOwn(CLASS_BY_CODE, code) ? CLASS_BY_CODE[code] : undefined;
}

/** An error of the class Python raises for `code` ('ENOENT' -> FileNotFoundError), with our own message. */
export function osErrorFor(code: string | undefined, message: string, options: OSErrorOptions = {}): OSError {
  const cls = classFor(code) ?? OSError;
  return new cls(message, { code, ...options });
}

/**
 * Node's codes for OpenSSL's certificate verification failures (X509_V_ERR_*, the table
 * in Node's `src/crypto/crypto_common.cc`), and its own for a host name the certificate
 * does not name: each is Python's SSLCertVerificationError. Many lack "CERT" in their
 * name (UNABLE_TO_VERIFY_LEAF_SIGNATURE, INVALID_CA), which is how they once slipped
 * through as plain OSErrors (#19).
 */
const VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isTlsError(err: NodeLikeError): boolean {
  const code = err.code ?? '';
  return (
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'HOSTNAME_MISMATCH' ||
    (err as { library?: string }).library === 'SSL routines'
  );
}
