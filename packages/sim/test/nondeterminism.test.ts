/**
 * What a simulation cannot make deterministic raises NondeterminismError naming the call
 * (issue #12): a real socket (no network given), a subprocess, a thread. It is an
 * InvalidStateError, as these calls were before.
 */
import { InvalidStateError, NondeterminismError, simulate, toThread, type Coro } from '@yieldio/core';
import { createSubprocessExec, openConnection } from '@yieldio/net';

function thrown(main: () => Coro<unknown>): Error {
  try {
    simulate(main(), { network: null });
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

test('a real socket, a subprocess and a thread each raise NondeterminismError naming the call', () => {
  const errors = [
    thrown(() => openConnection('127.0.0.1', 80)),
    thrown(() => createSubprocessExec('true')),
    thrown(() => toThread(() => 1)),
  ];
  for (const err of errors) {
    expect(err).toBeInstanceOf(NondeterminismError);
    expect(err).toBeInstanceOf(InvalidStateError);
    expect(err.name).toBe('NondeterminismError');
  }
  expect(errors.map((e) => e.message.split(':')[0])).toEqual(['openConnection()', 'createSubprocessExec()', 'toThread()']);
});
