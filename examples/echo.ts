// echo: an echo server and its clients. The server (startServer) answers each line with
// the same line, until the client says "bye"; clients talk to it over yieldio streams,
// and then real peers do: `nc` and a Python client, each where it is installed (a
// missing one is skipped, and the output says so).
// Run it: npm run example -- echo
import { gather, timeout, TimeoutError, type Coro } from '@yieldio/core';
import {
  FileNotFoundError,
  PIPE,
  createSubprocessExec,
  openConnection,
  startServer,
  type StreamReader,
  type StreamWriter,
} from '@yieldio/net';

const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const encode = (s: string) => new TextEncoder().encode(s);

function* echo(reader: StreamReader, writer: StreamWriter): Coro<void> {
  for (let line; (line = yield* reader.readline()).length > 0; ) {
    writer.write(line);
    yield* writer.drain();
    if (decode(line).trim() === 'bye') break;
  }
  writer.close();
  yield* writer.waitClosed();
}

function* client(name: string, port: number): Coro<string> {
  const [reader, writer] = yield* openConnection('127.0.0.1', port);
  writer.write(encode(`hello from ${name}\nbye\n`));
  const answer = decode(yield* reader.read()); // until the server closes
  writer.close();
  yield* writer.waitClosed();
  return answer;
}

/**
 * Runs a program that talks to the server, feeding it `input`, and returns what it
 * printed, or why it was skipped: not installed, or (a netcat variant that waits for
 * more) not done within 5 s, when it is killed.
 */
function* peer(program: string, args: string[], input: string): Coro<string> {
  try {
    return yield* timeout(5, function* () {
      const proc = yield* createSubprocessExec(program, ...args, { stdin: PIPE, stdout: PIPE, killOnCancel: true });
      const [out] = yield* proc.communicate(encode(input));
      return decode(out!);
    });
  } catch (err) {
    if (err instanceof FileNotFoundError) return `(${program} is not installed; skipped)\n`;
    if (err instanceof TimeoutError) return `(${program} did not finish within 5 s; killed)\n`;
    throw err;
  }
}

const pythonClient = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hello from python\\nbye\\n")
data = b""
while chunk := s.recv(4096):
    data += chunk
sys.stdout.write(data.decode())
`;

export function* main(): Coro<void> {
  const server = yield* startServer(echo, '127.0.0.1', 0);
  const port = (server.sockets[0].getsockname() as [string, number])[1];
  try {
    const answers = yield* gather(client('yieldio 1', port), client('yieldio 2', port));
    for (const answer of answers) process.stdout.write(answer);
    const peers: [string, string[], string][] = [
      ['nc', ['127.0.0.1', String(port)], 'hello from nc\nbye\n'],
      ['python3', ['-c', pythonClient, String(port)], ''],
    ];
    for (const [program, args, input] of peers) process.stdout.write(yield* peer(program, args, input));
  } finally {
    server.close();
    yield* server.waitClosed();
  }
}
