/**
 * Datagrams: `loop.createDatagramEndpoint`, DatagramProtocol's callbacks and the
 * transport's `sendto` checks, over loopback UDP.
 */
import * as dgram from 'node:dgram';
import { getRunningLoop, sleep } from '@yieldio/core';
import type { Coro, EventLoop, Future } from '@yieldio/core';
import { AF_INET, AF_INET6, DatagramProtocol, OSError } from '@yieldio/net';
import type { DatagramTransport, SockAddr } from '@yieldio/net';
import { bytes, runNet, text } from './helpers';

class Recorder extends DatagramProtocol {
  trace: string[] = [];
  datagrams: Array<[string, SockAddr]> = [];
  transport: DatagramTransport | null = null;
  lost: Future<Error | null>;
  echo = false;
  constructor(loop: EventLoop) {
    super();
    this.lost = loop.createFuture<Error | null>();
  }
  override connectionMade(transport: DatagramTransport): void {
    this.trace.push('made');
    this.transport = transport;
  }
  override datagramReceived(data: Uint8Array, addr: SockAddr): void {
    this.trace.push('datagram');
    this.datagrams.push([text(data), addr]);
    if (this.echo) this.transport!.sendto(data, addr as [string, number]);
  }
  override errorReceived(exc: Error): void {
    this.trace.push(`error(${exc.name})`);
  }
  override connectionLost(exc: Error | null): void {
    this.trace.push('lost');
    this.lost.setResult(exc);
  }
}

function* until(what: () => boolean): Coro<void> {
  for (let i = 0; i < 200 && !what(); i++) yield* sleep(0.005);
  if (!what()) throw new Error('condition not reached in time');
}

describe('createDatagramEndpoint', () => {
  it('a connected client and an echo server exchange datagrams, with asyncio\'s callbacks', async () => {
    const { result, messages } = await runNet(function* () {
      const loop = getRunningLoop();
      const server = new Recorder(loop);
      server.echo = true;
      const [serverTransport] = yield* loop.createDatagramEndpoint(() => server, { localAddr: ['127.0.0.1', 0] });
      const [host, port] = serverTransport.getExtraInfo<[string, number]>('sockname')!;
      const client = new Recorder(loop);
      const [clientTransport] = yield* loop.createDatagramEndpoint(() => client, { remoteAddr: [host, port] });
      const clientName = clientTransport.getExtraInfo<[string, number]>('sockname')!;
      clientTransport.sendto(bytes('one'));
      clientTransport.sendto(bytes('two'), [host, port]);
      yield* until(() => client.datagrams.length === 2);
      clientTransport.close();
      serverTransport.close();
      yield* client.lost;
      yield* server.lost;
      return { host, server: server.trace, client: client.trace, echoed: client.datagrams, from: server.datagrams[0][1], clientName, peer: clientTransport.getExtraInfo('peername') };
    });
    expect(result.host).toBe('127.0.0.1');
    expect(result.server).toEqual(['made', 'datagram', 'datagram', 'lost']);
    expect(result.client).toEqual(['made', 'datagram', 'datagram', 'lost']);
    expect(result.echoed.map(([t]) => t)).toEqual(['one', 'two']);
    expect(result.from).toEqual(result.clientName);
    expect(result.peer).toEqual(['127.0.0.1', result.echoed[0][1][1]]);
    expect(messages).toEqual([]);
  });

  /** An IPv4 receiver on loopback and an unconnected sender; `send(st, port)` sends, then what arrived first. */
  function* firstReceived(send: (st: DatagramTransport, port: number) => void): Coro<string> {
    const loop = getRunningLoop();
    const receiver = new Recorder(loop);
    const [rt] = yield* loop.createDatagramEndpoint(() => receiver, { localAddr: ['127.0.0.1', 0] });
    const port = rt.getExtraInfo<[string, number]>('sockname')![1];
    const [st] = yield* loop.createDatagramEndpoint(() => new Recorder(loop), { family: AF_INET });
    send(st, port);
    yield* until(() => receiver.datagrams.length === 1);
    st.close();
    rt.close();
    return receiver.datagrams[0][0];
  }

  it('an unconnected endpoint sends to any address, including localhost by name', async () => {
    const { result } = await runNet(() => firstReceived((st, port) => st.sendto(bytes('hi'), ['localhost', port])));
    expect(result).toBe('hi');
  });

  it('sendto() keeps the bytes as they were: the buffer reused at once changes nothing sent', async () => {
    const { result } = await runNet(() =>
      firstReceived((st, port) => {
        const buffer = bytes('first');
        st.sendto(buffer, ['127.0.0.1', port]); // Node sends it on a later tick
        buffer.set(bytes('later'));
      }),
    );
    expect(result).toBe('first');
  });

  it('IPv6 loopback works when the machine has it', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const receiver = new Recorder(loop);
      const [rt] = yield* loop.createDatagramEndpoint(() => receiver, { localAddr: ['::1', 0] });
      const name = rt.getExtraInfo<[string, number, number, number]>('sockname')!;
      const [st] = yield* loop.createDatagramEndpoint(() => new Recorder(loop), { family: AF_INET6 });
      st.sendto(bytes('six'), ['::1', name[1]]);
      yield* until(() => receiver.datagrams.length === 1);
      st.close();
      rt.close();
      return { name, got: receiver.datagrams[0][0], from: receiver.datagrams[0][1] };
    });
    expect(result.name).toEqual(['::1', result.name[1], 0, 0]);
    expect(result.got).toBe('six');
    expect((result.from as readonly unknown[]).length).toBe(4);
  });

  it('sendto checks its arguments', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const [connected] = yield* loop.createDatagramEndpoint(() => new Recorder(loop), { remoteAddr: ['127.0.0.1', 9] });
      const [free] = yield* loop.createDatagramEndpoint(() => new Recorder(loop), { family: AF_INET });
      const errors: unknown[] = [];
      const attempts = [
        () => connected.sendto(bytes('x'), ['127.0.0.1', 10]),
        () => free.sendto(bytes('x')),
        () => free.sendto(bytes('x'), ['example.com', 9]),
        () => free.sendto('x' as never, ['127.0.0.1', 9]),
        () => free.sendto(bytes('x'), ['127.0.0.1', 99999]),
      ];
      for (const attempt of attempts) {
        try {
          attempt();
        } catch (exc) {
          errors.push(exc);
        }
      }
      connected.close();
      free.close();
      return errors;
    });
    expect(result).toEqual([
      new RangeError('sendto(): invalid address: must be null or ["127.0.0.1",9] (the endpoint is connected), got ["127.0.0.1",10]'),
      new TypeError('sendto(): addr is required: the endpoint has no remoteAddr; pass [host, port]'),
      new RangeError('sendto(): addr host must be an IP address, got "example.com"; resolve names first: yield* loop.getaddrinfo(host, port)'),
      new TypeError('sendto(): data must be bytes (a Uint8Array or Buffer), got "x" (a string); encode it first: Buffer.from(text)'),
      new RangeError('sendto(): addr: port must be an integer 0-65535, got 99999'),
    ]);
  });

  it('binding to a port in use fails naming the address', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    const port = taken.address().port;
    try {
      const { result } = await runNet(function* () {
        try {
          yield* getRunningLoop().createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['127.0.0.1', port] });
        } catch (exc) {
          return exc;
        }
        return null;
      });
      expect(result).toBeInstanceOf(OSError);
      expect((result as Error).message).toBe(`createDatagramEndpoint(): cannot bind 127.0.0.1:${port}: address already in use; pick another port or stop what listens there (EADDRINUSE)`);
    } finally {
      taken.close();
    }
  });

  it('an endpoint with no address and no family is refused', async () => {
    const { result } = await runNet(function* () {
      try {
        yield* getRunningLoop().createDatagramEndpoint(() => new DatagramProtocol(), {});
      } catch (exc) {
        return exc;
      }
      return null;
    });
    expect(result).toEqual(
      new TypeError("createDatagramEndpoint(): give localAddr, remoteAddr or family (AF_INET or AF_INET6); with none, the endpoint's address family is unknown"),
    );
  });

  it('the write buffer counts datagrams not yet sent, and close waits for them', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const receiver = new Recorder(loop);
      const [rt] = yield* loop.createDatagramEndpoint(() => receiver, { localAddr: ['127.0.0.1', 0] });
      const port = rt.getExtraInfo<[string, number]>('sockname')![1];
      const sender = new Recorder(loop);
      const [st] = yield* loop.createDatagramEndpoint(() => sender, { remoteAddr: ['127.0.0.1', port] });
      for (let i = 0; i < 10; i++) st.sendto(bytes(`d${i}`));
      const buffered = st.getWriteBufferSize();
      st.close();
      yield* sender.lost;
      const after = st.getWriteBufferSize();
      yield* until(() => receiver.datagrams.length === 10);
      rt.close();
      return { buffered, after, got: receiver.datagrams.map(([t]) => t) };
    });
    expect(result.buffered).toBe(10 * (2 + 8));
    expect(result.after).toBe(0);
    expect(result.got).toEqual(Array.from({ length: 10 }, (_, i) => `d${i}`));
  });
});
