/**
 * The OSError family (errors.ts): each code becomes the class Python raises for it
 * (PEP 3151), with a message naming the call and the address, and Node's error as cause.
 * The real case here: a Unix socket path the user may not reach (a missing one is in
 * streams.test.ts).
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BrokenPipeError,
  ConnectionRefusedError,
  FileNotFoundError,
  GaiError,
  OSError,
  PermissionError,
  ProcessLookupError,
  SSLCertVerificationError,
  SSLError,
} from '@yieldio/net';
import { fromNodeError, osErrorFor } from '../src/errors';
import { bundleProgram, runProgram, tempDir } from './helpers';

function nodeError(code: string, message = `${code}: something failed`): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

describe('fromNodeError', () => {
  test.each([
    ['ENOENT', FileNotFoundError, 'no such file: is the server listening on that path? (ENOENT)'],
    ['EACCES', PermissionError, "permission denied: check the path's permissions and its directories', or pick a port above 1023 (EACCES)"],
    ['EPERM', PermissionError, 'operation not permitted (EPERM)'],
    ['ESRCH', ProcessLookupError, 'ESRCH: something failed'],
    ['ECONNREFUSED', ConnectionRefusedError, 'connection refused; is a server listening there? (ECONNREFUSED)'],
    ['EPIPE', BrokenPipeError, 'broken pipe: the peer closed the connection (EPIPE)'],
    ['ENOTFOUND', GaiError, 'no such host (ENOTFOUND)'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', SSLCertVerificationError, 'certificate verify failed: ERR_TLS_CERT_ALTNAME_INVALID: something failed'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', SSLError, 'ERR_SSL_WRONG_VERSION_NUMBER: something failed'],
    ['EMFILE', OSError, 'EMFILE: something failed'],
  ])('%s becomes %p', (code, cls, reason) => {
    const cause = nodeError(code);
    const exc = fromNodeError(cause, 'openUnixConnection(): cannot connect to', '/tmp/x.sock') as OSError;
    expect(exc.constructor).toBe(cls);
    expect(exc).toBeInstanceOf(OSError);
    expect(exc.message).toBe(`openUnixConnection(): cannot connect to /tmp/x.sock: ${reason}`);
    expect([exc.name, exc.code, exc.errno, exc.syscall, exc.address, exc.cause]).toEqual([cls.name, code, -1, 'connect', '/tmp/x.sock', cause]);
  });

  test('a code named like an Object.prototype key is a plain OSError', () => {
    const exc = fromNodeError(nodeError('constructor', 'odd'), 'f(): cannot', 'here');
    expect([exc.constructor, exc.message]).toEqual([OSError, 'f(): cannot here: odd (constructor)']);
  });

  test('osErrorFor keeps our message and picks the class by code', () => {
    const exc = osErrorFor('ENOENT', 'loadCertChain(): cannot read certfile "/x"', { errno: -2 });
    expect(exc).toEqual(new FileNotFoundError('loadCertChain(): cannot read certfile "/x"'));
    expect([exc.constructor, exc.code, exc.errno]).toEqual([FileNotFoundError, 'ENOENT', -2]);
    expect(osErrorFor(undefined, 'm').constructor).toBe(OSError);
  });
});

describe('a Unix socket path', () => {
  test('a path the user may not reach raises PermissionError naming the path', async () => {
    // Root reaches every path, so as root the program runs as nobody (uid 65534); the
    // socket sits in a directory no one but root may enter.
    const [dir, cleanup] = tempDir();
    try {
      chmodSync(dir, 0o755);
      const locked = join(dir, 'locked');
      mkdirSync(locked, { mode: 0o000 });
      const path = join(locked, 'server.sock');
      const program = bundleProgram(
        `
        import { run } from '@yieldio/core';
        import { openUnixConnection, PermissionError } from '@yieldio/net';
        run((function* () {
          try {
            yield* openUnixConnection(process.argv[2]);
            console.log('connected');
          } catch (exc) {
            console.log(JSON.stringify([exc.name, exc instanceof PermissionError, exc.code, exc.message]));
          }
        })());
        `,
        dir,
      );
      chmodSync(program, 0o644);
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const outcome = await runProgram(program, [path], 10_000, { cwd: dir, ...asNobody });
      expect([outcome.stderr, outcome.killed]).toEqual(['', false]);
      expect(JSON.parse(outcome.stdout)).toEqual([
        'PermissionError',
        true,
        'EACCES',
        `openUnixConnection(): cannot connect to ${path}: permission denied: check the path's permissions and its directories', or pick a port above 1023 (EACCES)`,
      ]);
    } finally {
      cleanup();
    }
  }, 20_000);
});
