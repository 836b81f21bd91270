/**
 * TLS over the simulated network: the handshake costs a round trip, bytes pass through,
 * `startTls` upgrades a plain connection, and the transport reports plausible details.
 */
import { join } from 'node:path';
import { TimeoutError, getRunningLoop } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { PROTOCOL_TLS_SERVER, SSLContext, createDefaultContext, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import { bytes, portOf, sim, text, thrownBy } from './helpers';

const FIXTURES = join(__dirname, '..', '..', 'net', 'test', 'fixtures');

function serverContext(): SSLContext {
  const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
  ctx.loadCertChain(join(FIXTURES, 'localhost.crt'), join(FIXTURES, 'localhost.key'));
  ctx.setAlpnProtocols(['h2', 'http/1.1']);
  return ctx;
}

function clientContext(): SSLContext {
  const ctx = createDefaultContext({ cafile: join(FIXTURES, 'localhost.crt') });
  ctx.setAlpnProtocols(['http/1.1']);
  return ctx;
}

describe('TLS over simulated TCP', () => {
  it('the handshake costs one round trip after the connect; then bytes pass through', () => {
    const result = sim(
      function* () {
        const loop = getRunningLoop();
        const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
          writer.write(yield* reader.readline());
          writer.close();
        }, '127.0.0.1', 0, { ssl: serverContext() });
        const t0 = loop.time();
        const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server), { ssl: clientContext(), serverHostname: 'localhost' });
        const connected = loop.time() - t0;
        writer.write(bytes('secret\n'));
        const line = text(yield* reader.readline());
        const info = {
          cipher: writer.getExtraInfo('cipher'),
          alpn: writer.getExtraInfo('alpn_protocol'),
          peercert: writer.getExtraInfo('peercert'),
        };
        server.close();
        return { connected, line, info };
      },
      { network: { latency: 0.01 } },
    );
    expect(result.connected).toBeCloseTo(0.04, 6);
    expect(result.line).toBe('secret\n');
    expect(result.info.alpn).toBe('http/1.1');
    expect(result.info.cipher).toEqual(['TLS_AES_256_GCM_SHA384', 'TLSv1.3', 256]);
    expect(result.info.peercert).toMatchObject({ subject: [[['commonName', 'localhost']]] });
  });

  it('startTls upgrades a plain connection on both sides', () => {
    const line = sim(function* () {
      const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter) {
        yield* reader.readline(); // "STARTTLS"
        writer.write(bytes('go ahead\n'));
        yield* writer.drain();
        yield* writer.startTls(serverContext());
        writer.write(yield* reader.readline());
        writer.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(bytes('STARTTLS\n'));
      yield* reader.readline();
      yield* writer.startTls(clientContext(), { serverHostname: 'localhost' });
      writer.write(bytes('over tls\n'));
      const echoed = text(yield* reader.readline());
      server.close();
      return [echoed, writer.getExtraInfo('cipher') !== null];
    });
    expect(line).toEqual(['over tls\n', true]);
  });

  it('a handshake the server never answers fails after sslHandshakeTimeout', () => {
    const [exc, took] = sim(function* (): Coro<[unknown, number]> {
      const loop = getRunningLoop();
      const server = yield* startServer(function* (reader: StreamReader) {
        yield* reader.read(); // a plain server: it never answers the hello
      }, '127.0.0.1', 0);
      const t0 = loop.time();
      const exc = yield* thrownBy(() => openConnection('127.0.0.1', portOf(server), { ssl: clientContext(), serverHostname: 'localhost', sslHandshakeTimeout: 2 }));
      server.close();
      return [exc, loop.time() - t0];
    });
    expect(exc).toBeInstanceOf(TimeoutError);
    expect((exc as Error).message).toMatch(/^openConnection\(\): cannot connect to 127\.0\.0\.1:\d+: timed out \(ETIMEDOUT\)$/);
    expect(took).toBeCloseTo(2, 6);
  });
});
