// pipeline: a shell pipeline built from coroutines. Three child processes,
//
//     tr A-Z a-z | sort | uniq -c
//
// connected by yieldio: a task per pipe copies one child's stdout into the next one's
// stdin, chunk by chunk, with `drain()` for back-pressure, and closes it at EOF so the
// next child sees the end. The same pipeline run by /bin/sh (createSubprocessShell)
// must print the same thing.
// Run it: npm run example -- pipeline
import { createTask, gather, type Coro } from '@yieldio/core';
import {
  PIPE,
  createSubprocessExec,
  createSubprocessShell,
  type StreamReader,
  type StreamWriter,
} from '@yieldio/net';

export const text = 'the Cat sat\non the mat\nThe cat\nsat\n'.split(/\s+/).filter(Boolean).join('\n') + '\n';

/** Copy `reader` to `writer` until EOF, then close `writer` (the next child's stdin). */
function* pump(reader: StreamReader, writer: StreamWriter): Coro<void> {
  for (let chunk; (chunk = yield* reader.read(65536)).length > 0; ) {
    writer.write(chunk);
    yield* writer.drain();
  }
  writer.close();
  yield* writer.waitClosed();
}

function* byCoroutines(input: string): Coro<string> {
  const options = { stdin: PIPE, stdout: PIPE };
  const lower = yield* createSubprocessExec('tr', 'A-Z', 'a-z', options);
  const sort = yield* createSubprocessExec('sort', options);
  const count = yield* createSubprocessExec('uniq', '-c', options);
  const pumps = [
    createTask(pump(lower.stdout!, sort.stdin!)),
    createTask(pump(sort.stdout!, count.stdin!)),
  ];
  lower.stdin!.write(new TextEncoder().encode(input));
  lower.stdin!.close();
  const output = yield* count.stdout!.read(); // to EOF
  yield* gather(...pumps);
  const codes = yield* gather(lower.wait(), sort.wait(), count.wait());
  console.log(`exit codes: ${codes.join(', ')}`);
  return new TextDecoder().decode(output);
}

function* byShell(input: string): Coro<string> {
  const shell = yield* createSubprocessShell('tr A-Z a-z | sort | uniq -c', { stdin: PIPE, stdout: PIPE });
  const [output] = yield* shell.communicate(new TextEncoder().encode(input));
  return new TextDecoder().decode(output!);
}

export function* main(): Coro<void> {
  const ours = yield* byCoroutines(text);
  process.stdout.write(ours);
  const theirs = yield* byShell(text);
  console.log(`the same as /bin/sh's pipeline: ${ours === theirs}`);
}
