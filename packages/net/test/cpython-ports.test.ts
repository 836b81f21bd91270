/**
 * Tests ported from CPython's asyncio suite (`Lib/test/test_asyncio/`, 3.13/3.14) where a
 * second port found yieldio differing (#19). Each names its origin; the behaviour is
 * asyncio's unless the README's "Where yieldio differs" list says otherwise.
 */
import { getRunningLoop } from '@yieldio/core';
import { DatagramProtocol, Protocol, openConnection, startServer } from '@yieldio/net';
import type { StreamReader, StreamWriter } from '@yieldio/net';
import type { Coro } from '@yieldio/core';
import { bytes, portOf, runNet, text } from './helpers';

function* echoLine(reader: StreamReader, writer: StreamWriter): Coro<void> {
  writer.write(yield* reader.readline());
  writer.close();
}

function* thrown(body: () => Coro<unknown>): Coro<unknown> {
  try {
    yield* body();
  } catch (exc) {
    return exc;
  }
  throw new Error('expected an error');
}

describe('servers (test_base_events.py)', () => {
  // test_base_events.py BaseEventLoopWithSelectorTests.test_create_server_empty_host:
  // "if host is empty string use None instead".
  it("an empty host listens on every interface, as null does", async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const server = yield* startServer(echoLine, '', 0);
      const names = server.sockets.map((s) => (s.getsockname() as [string, number])[0]);
      const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
      writer.write(bytes('hi\n'));
      const echoed = text(yield* reader.readline());
      writer.close();
      server.close();
      yield* server.waitClosed();
      const protocolServer = yield* loop.createServer(() => new Protocol(), '', 0, { startServing: false });
      const protocolNames = protocolServer.sockets.map((s) => (s.getsockname() as [string, number])[0]);
      protocolServer.close();
      return { names, echoed, protocolNames };
    });
    expect(result.names).toContain('0.0.0.0');
    expect(result.protocolNames).toContain('0.0.0.0');
    expect(result.echoed).toBe('hi\n');
  });

  // test_base_events.py BaseEventLoopWithSelectorTests.test_create_server_no_host_port_sock:
  // create_server(MyProto) raises ValueError("Neither host/port nor sock were specified").
  it('a server with neither host nor port is an error, not a random port on every interface', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      return [
        yield* thrown(() => loop.createServer(() => new Protocol())),
        yield* thrown(() => startServer(echoLine, null, null)),
      ];
    });
    expect(result).toEqual([
      new TypeError("createServer(): neither host nor port was given; pass a port (and null or '' for every interface), such as createServer(..., null, 8080)"),
      new TypeError("startServer(): neither host nor port was given; pass a port (and null or '' for every interface), such as startServer(..., null, 8080)"),
    ]);
  });

  // test_base_events.py BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_addr_error:
  // local_addr='localhost' and local_addr=('localhost', 1, 2, 3) raise TypeError.
  it('a datagram localAddr that is not exactly a (host, port) pair is a TypeError', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      return [
        yield* thrown(() => loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: 'localhost' as never })),
        yield* thrown(() => loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['localhost', 1, 2, 3] as never })),
        yield* thrown(() => loop.createDatagramEndpoint(() => new DatagramProtocol(), { remoteAddr: ['127.0.0.1', 1, 2] as never })),
      ];
    });
    expect(result).toEqual([
      new TypeError('createDatagramEndpoint(): localAddr must be a [host, port] pair, got "localhost"'),
      new TypeError('createDatagramEndpoint(): localAddr must be a [host, port] pair, got an array of 4'),
      new TypeError('createDatagramEndpoint(): remoteAddr must be a [host, port] pair, got an array of 3'),
    ]);
  });
});
