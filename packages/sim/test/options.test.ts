/**
 * Bad options and bad calls: each fails at once with the pinned message.
 */
import { InvalidStateError, simulate, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { createSubprocessExec, openUnixConnection, startUnixServer } from '@yieldio/net';
import { getNetwork } from '@yieldio/sim';
import { sim } from './helpers';

function optionsError(network: unknown): unknown {
  try {
    simulate((function* () {})(), { network: network as never });
  } catch (exc) {
    return exc;
  }
  return null;
}

describe('simulate() network options', () => {
  it.each([
    [{ latency: -1 }, RangeError, 'simulate(): latency must be seconds >= 0, or [min, max] with min <= max, got -1'],
    [{ latency: [0.01, 0.001] }, RangeError, 'simulate(): latency must be seconds >= 0, or [min, max] with min <= max, got [0.01, 0.001]; swap them: [0.001, 0.01]'],
    [{ latency: '1ms' }, TypeError, 'simulate(): latency must be seconds >= 0, or [min, max] with min <= max, got "1ms" (a string)'],
    [{ loss: 1.5 }, RangeError, 'simulate(): loss must be a probability in [0, 1], got 1.5'],
    [{ duplicate: -0.1 }, RangeError, 'simulate(): duplicate must be a probability in [0, 1], got -0.1'],
    [{ bandwidth: 0 }, RangeError, 'simulate(): bandwidth must be bytes per second > 0 (Infinity for no limit), got 0'],
    [{ tcpTimeout: 0 }, RangeError, 'simulate(): tcpTimeout must be seconds > 0, got 0'],
    [{ tcpTimout: 5 }, TypeError, 'simulate(): unknown option "tcpTimout"; the options are latency, loss, duplicate, bandwidth, tcpTimeout'],
  ])('%j is refused with a message that says what to pass', (network, cls, message) => {
    const exc = optionsError(network);
    expect(exc).toBeInstanceOf(cls);
    expect((exc as Error).message).toBe(message);
  });
});

describe('hosts and faults refuse bad calls', () => {
  it('addHost, partition, link, crash, restart and spawn each name the call, the value and the fix', () => {
    const messages = sim(function* (): Coro<string[]> {
      const net = getNetwork();
      const a = net.addHost('a');
      const out: string[] = [];
      const attempt = (fn: () => unknown): void => {
        try {
          fn();
          out.push('no error');
        } catch (exc) {
          out.push(`${(exc as Error).name}: ${(exc as Error).message}`);
        }
      };
      attempt(() => net.addHost('a'));
      attempt(() => net.addHost('b', { address: a.address }));
      attempt(() => net.addHost('c', { address: 'db.local' }));
      attempt(() => net.addHost('d', { address: '127.0.0.5' }));
      attempt(() => net.partition('a', 'nowhere'));
      attempt(() => net.link('a', 'localhost', { loss: 2 }));
      attempt(() => net.link('a', 'localhost', { latency: [2, 1] }));
      a.crash();
      attempt(() => a.crash());
      attempt(() => a.spawn(sleep(1)));
      a.restart();
      attempt(() => a.restart());
      attempt(() => net.localhost.crash());
      return out;
    });
    expect(messages).toEqual([
      'InvalidStateError: SimNetwork.addHost(): a host named "a" already exists; pick another name',
      'InvalidStateError: SimNetwork.addHost(): address 10.0.0.2 is already host "a"\'s; pick another address',
      'RangeError: SimNetwork.addHost(): address must be an IPv4 or IPv6 literal like \'10.0.0.7\' or \'fd00::7\', got "db.local"',
      'RangeError: SimNetwork.addHost(): address "127.0.0.5" is loopback or a wildcard; every host has its own loopback, give it a unicast address like \'10.0.0.7\'',
      'RangeError: SimNetwork.partition(): no host named "nowhere"; add it first with addHost(), or use one of: "localhost", "a"',
      'RangeError: SimNetwork.link(): loss must be a probability in [0, 1], got 2',
      'RangeError: SimNetwork.link(): latency must be seconds >= 0, or [min, max] with min <= max, got [2, 1]; swap them: [1, 2]',
      'InvalidStateError: SimHost.crash(): host "a" is already down; restart() it before crashing it again',
      'InvalidStateError: SimHost.spawn(): host "a" is down (crashed); restart() it first',
      'InvalidStateError: SimHost.restart(): host "a" is running; crash() it first',
      'InvalidStateError: SimHost.crash(): called from task "Task-1", which runs on host "localhost"; crash a host from a task on another host',
    ]);
  });

  it('Unix sockets and subprocesses inside simulate() say that they are not simulated', () => {
    const errors = sim(function* (): Coro<string[]> {
      const out: string[] = [];
      for (const attempt of [() => openUnixConnection('/tmp/db.sock'), () => startUnixServer(() => {}, '/tmp/db.sock'), () => createSubprocessExec('ls')]) {
        try {
          yield* attempt();
          out.push('no error');
        } catch (exc) {
          out.push(`${(exc as Error).name}: ${(exc as Error).message}`);
        }
      }
      return out;
    });
    const unix =
      "InvalidStateError: a Unix socket is not simulated: inside simulate(), @yieldio/sim's network has TCP and UDP between hosts only; use a host and port (startServer(handler, host, port)), or run this under run()";
    expect(errors).toEqual([
      unix,
      unix,
      'NondeterminismError: createSubprocessExec(): subprocesses are not available inside simulate(): the virtual clock has no processes; run this under run()',
    ]);
  });

  it('getNetwork() outside a simulation says where to call it', () => {
    expect(() => getNetwork()).toThrow(new InvalidStateError("getNetwork(): no simulation is running; call it inside simulate(), with '@yieldio/sim' imported"));
  });

  it('getNetwork() in a run without the simulated network says why', () => {
    const exc = simulate(
      (function* () {
        try {
          getNetwork();
        } catch (e) {
          return e;
        }
        return null;
      })(),
      { network: null },
    );
    expect(exc).toEqual(
      new InvalidStateError(
        "getNetwork(): this loop's network is none, not the simulated one; call it inside simulate(), with '@yieldio/sim' imported and no network of your own passed",
      ),
    );
  });
});
