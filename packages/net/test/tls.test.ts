/**
 * TLS: the `ssl` option on clients and servers, verification failures, client
 * certificates, and `startTls` upgrades (test_streams.py `test_start_tls`). The
 * certificate is a test-only self-signed one in fixtures/.
 */
import { join } from 'node:path';
import { getRunningLoop } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import {
  CERT_REQUIRED,
  PROTOCOL_TLS_SERVER,
  FileNotFoundError,
  SSLContext,
  SSLError,
  createDefaultContext,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
} from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { bytes, portOf, runNet, tempDir, text } from './helpers';

const CERT = join(__dirname, 'fixtures', 'localhost.crt');
const KEY = join(__dirname, 'fixtures', 'localhost.key');

function serverContext(): SSLContext {
  const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
  ctx.loadCertChain(CERT, KEY);
  return ctx;
}

function clientContext(): SSLContext {
  return createDefaultContext({ cafile: CERT });
}

function* echoLine(reader: StreamReader, writer: StreamWriter): Coro<void> {
  writer.write(yield* reader.readline());
  yield* writer.drain();
  writer.close();
}

describe('TLS through the ssl option', () => {
  it('a TLS client and server echo a line, and the transport reports TLS details', async () => {
    const { result, messages } = await runNet(function* () {
      const server = yield* startServer(echoLine, '127.0.0.1', 0, { ssl: serverContext() });
      const ctx = clientContext();
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server), { ssl: ctx, serverHostname: 'localhost' });
      writer.write(bytes('secret\n'));
      const line = text(yield* reader.readline());
      const info = {
        sameContext: writer.getExtraInfo('sslcontext') === ctx,
        peercert: writer.getExtraInfo<Record<string, unknown>>('peercert'),
        cipher: writer.getExtraInfo<[string, string, number | null]>('cipher'),
        protocol: writer.getExtraInfo<string>('ssl_protocol'),
      };
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { line, ...info };
    });
    expect(result.line).toBe('secret\n');
    expect(result.sameContext).toBe(true);
    expect((result.peercert!.subject as Record<string, string>).CN).toBe('localhost');
    expect(typeof result.cipher![0]).toBe('string');
    expect(result.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(messages).toEqual([]);
  });

  it('the host name checked is the one connected to when serverHostname is not given', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(echoLine, '127.0.0.1', 0, { ssl: serverContext() });
      const [reader, writer] = yield* openConnection('localhost', portOf(server), { ssl: clientContext(), family: 2 });
      writer.write(bytes('by name\n'));
      const line = text(yield* reader.readline());
      writer.close();
      server.close();
      return line;
    });
    expect(result).toBe('by name\n');
  });

  it('an untrusted certificate fails the handshake with SSLError naming the address', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(echoLine, '127.0.0.1', 0, { ssl: serverContext() });
      const port = portOf(server);
      let error: unknown = null;
      try {
        yield* openConnection('127.0.0.1', port, { ssl: true, serverHostname: 'localhost' });
      } catch (exc) {
        error = exc;
      }
      server.close();
      yield* server.waitClosed();
      return { error, port };
    });
    expect(result.error).toBeInstanceOf(SSLError);
    expect((result.error as SSLError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect((result.error as Error).message).toBe(`openConnection(): cannot connect to 127.0.0.1:${result.port}: certificate verify failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`);
  });

  it('a certificate for another name fails when checkHostname is on, passes when off', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(echoLine, '127.0.0.1', 0, { ssl: serverContext() });
      const port = portOf(server);
      let error: unknown = null;
      try {
        yield* openConnection('127.0.0.1', port, { ssl: clientContext(), serverHostname: 'example.com' });
      } catch (exc) {
        error = exc;
      }
      const lax = clientContext();
      lax.checkHostname = false;
      const [reader, writer] = yield* openConnection('127.0.0.1', port, { ssl: lax, serverHostname: 'example.com' });
      writer.write(bytes('lax\n'));
      const line = text(yield* reader.readline());
      writer.close();
      server.close();
      return { error, line };
    });
    expect(result.error).toBeInstanceOf(SSLError);
    expect((result.error as SSLError).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(result.line).toBe('lax\n');
  });

  it('a server that requires client certificates accepts one and refuses none', async () => {
    const { result } = await runNet(function* () {
      const sctx = serverContext();
      sctx.verifyMode = CERT_REQUIRED;
      sctx.loadVerifyLocations({ cafile: CERT });
      const server = yield* startServer(echoLine, '127.0.0.1', 0, { ssl: sctx });
      const port = portOf(server);
      const withCert = clientContext();
      withCert.loadCertChain(CERT, KEY);
      const [reader, writer] = yield* openConnection('127.0.0.1', port, { ssl: withCert, serverHostname: 'localhost' });
      writer.write(bytes('mutual\n'));
      const line = text(yield* reader.readline());
      writer.close();
      // Without a certificate, TLS 1.3 finishes the client's handshake first; the server's
      // refusal then arrives as an alert, so the first read fails.
      let refused: unknown = null;
      try {
        const [r2, w2] = yield* openConnection('127.0.0.1', port, { ssl: clientContext(), serverHostname: 'localhost' });
        w2.write(bytes('anonymous\n'));
        yield* r2.readline();
        const rest = yield* r2.read();
        refused = rest.length === 0 ? 'eof' : 'data';
      } catch (exc) {
        refused = exc;
      }
      server.close();
      return { line, refused };
    });
    expect(result.line).toBe('mutual\n');
    expect(result.refused === 'eof' || result.refused instanceof SSLError || (result.refused as Error).name === 'ConnectionResetError').toBe(true);
  });

  it('TLS works over Unix sockets too', async () => {
    const [dir, cleanup] = tempDir();
    try {
      const { result } = await runNet(function* () {
        const path = `${dir}/tls.sock`;
        const server = yield* startUnixServer(echoLine, path, { ssl: serverContext() });
        const [reader, writer] = yield* openUnixConnection(path, { ssl: clientContext(), serverHostname: 'localhost' });
        writer.write(bytes('unix tls\n'));
        const line = text(yield* reader.readline());
        writer.close();
        server.close();
        yield* server.waitClosed();
        return line;
      });
      expect(result).toBe('unix tls\n');
    } finally {
      cleanup();
    }
  });

  it('a TLS client can write EOF; the server reads everything up to it', async () => {
    const { result } = await runNet(function* () {
      const got = getRunningLoop().createFuture<string>();
      const server = yield* startServer(function* (r, w) {
        got.setResult(text(yield* r.read()));
        w.close();
      }, '127.0.0.1', 0, { ssl: serverContext() });
      const [, writer] = yield* openConnection('127.0.0.1', portOf(server), { ssl: clientContext(), serverHostname: 'localhost' });
      expect(writer.canWriteEof()).toBe(true);
      writer.write(bytes('all of it'));
      writer.writeEof();
      const all = yield* got;
      writer.close();
      server.close();
      return all;
    });
    expect(result).toBe('all of it');
  });
});

describe('ssl options are checked at the boundary', () => {
  it('bad ssl values and options that need ssl are TypeErrors naming the fix', async () => {
    const { result } = await runNet(function* () {
      const errors: unknown[] = [];
      const attempts: Array<() => Coro<unknown>> = [
        () => openConnection('127.0.0.1', 1, { ssl: 'yes' as never }),
        () => openConnection('127.0.0.1', 1, { serverHostname: 'x' }),
        () => startServer(() => {}, '127.0.0.1', 0, { ssl: true as never }),
        () => startServer(() => {}, '127.0.0.1', 0, { ssl: new SSLContext(PROTOCOL_TLS_SERVER) }),
      ];
      for (const attempt of attempts) {
        try {
          yield* attempt();
        } catch (exc) {
          errors.push(exc);
        }
      }
      return errors;
    });
    expect(result).toEqual([
      new TypeError('openConnection(): ssl must be an SSLContext, true or null, got "yes" (a string)'),
      new TypeError('openConnection(): serverHostname is only meaningful with ssl; pass ssl too, or drop serverHostname'),
      new TypeError('startServer(): ssl=true needs a certificate on a server; pass an SSLContext(PROTOCOL_TLS_SERVER) with loadCertChain()'),
      new TypeError("startServer(): the server's SSLContext has no certificate; call ssl.loadCertChain(certfile, keyfile) first"),
    ]);
  });

  it('a missing certificate file is a FileNotFoundError naming it (as Python)', () => {
    const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
    let caught: unknown = null;
    try {
      ctx.loadCertChain('/nonexistent/cert.pem');
    } catch (exc) {
      caught = exc;
    }
    expect(caught).toEqual(new FileNotFoundError(`loadCertChain(): cannot read certfile "/nonexistent/cert.pem": ENOENT: no such file or directory, open '/nonexistent/cert.pem'`));
    expect(caught).toBeInstanceOf(FileNotFoundError);
    expect((caught as FileNotFoundError).code).toBe('ENOENT');
  });
});

describe('startTls', () => {
  it('upgrades a plain connection on both sides (test_start_tls)', async () => {
    const { result, messages } = await runNet(function* () {
      const server = yield* startServer(function* (reader, writer) {
        const data1 = yield* reader.readline();
        writer.write(data1);
        yield* writer.drain();
        expect(writer.getExtraInfo('sslcontext')).toBeNull();
        yield* writer.startTls(serverContext());
        expect(writer.getExtraInfo('sslcontext')).not.toBeNull();
        const data2 = yield* reader.readline();
        writer.write(data2);
        yield* writer.drain();
        writer.close();
        yield* writer.waitClosed();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(bytes('hello world 1!\n'));
      yield* writer.drain();
      const msg1 = text(yield* reader.readline());
      const before = writer.getExtraInfo('sslcontext');
      yield* writer.startTls(clientContext(), { serverHostname: 'localhost' });
      const after = writer.getExtraInfo('sslcontext');
      writer.write(bytes('hello world 2!\n'));
      yield* writer.drain();
      const msg2 = text(yield* reader.readline());
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { msg1, msg2, before, upgraded: after !== null };
    });
    expect(result).toEqual({ msg1: 'hello world 1!\n', msg2: 'hello world 2!\n', before: null, upgraded: true });
    expect(messages).toEqual([]);
  });

  it('a failed upgrade raises SSLError and closes the stream', async () => {
    const { result } = await runNet(function* () {
      const server = yield* startServer(function* (reader, writer) {
        yield* reader.readline();
        writer.write(bytes('go\n'));
        yield* writer.drain();
        try {
          yield* writer.startTls(serverContext());
        } catch {
          // The client refused our certificate.
        }
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(bytes('starttls\n'));
      yield* reader.readline();
      let error: unknown = null;
      try {
        yield* writer.startTls(createDefaultContext(), { serverHostname: 'localhost' });
      } catch (exc) {
        error = exc;
      }
      let readError: unknown = null;
      try {
        yield* reader.read();
      } catch (exc) {
        readError = exc;
      }
      server.close();
      return { error, readError };
    });
    expect(result.error).toBeInstanceOf(SSLError);
    expect(result.readError).toBe(result.error);
  });

  it('startTls on a transport that is not a stream socket is a TypeError', async () => {
    const { result } = await runNet(function* () {
      try {
        yield* getRunningLoop().startTls({} as never, {} as never, clientContext());
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toEqual(new TypeError('startTls(): transport an object is not supported by startTls(); pass a stream transport from createConnection() or a server'));
  });
});
