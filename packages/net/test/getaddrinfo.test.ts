/**
 * `loop.getaddrinfo`: Python's 5-tuples, the IP-literal shortcut, passive (server)
 * lookups, and the errors.
 */
import { getRunningLoop } from '@yieldio/core';
import { AF_INET, AF_INET6, AI_NUMERICHOST, AI_PASSIVE, GaiError, IPPROTO_TCP, IPPROTO_UDP, OSError, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from '@yieldio/net';
import { runNet } from './helpers';

describe('getaddrinfo', () => {
  it('an IP literal gives one entry per socket type, as Python does', async () => {
    const { result } = await runNet(function* () {
      return yield* getRunningLoop().getaddrinfo('127.0.0.1', 80);
    });
    expect(result).toEqual([
      [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 80]],
      [AF_INET, SOCK_DGRAM, IPPROTO_UDP, '', ['127.0.0.1', 80]],
      [AF_INET, SOCK_RAW, 0, '', ['127.0.0.1', 80]],
    ]);
  });

  it('type narrows the answer; IPv6 addresses have four-part sockaddrs', async () => {
    const { result } = await runNet(function* () {
      return yield* getRunningLoop().getaddrinfo('::1', 443, { type: SOCK_STREAM });
    });
    expect(result).toEqual([[AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['::1', 443, 0, 0]]]);
  });

  it('localhost resolves to a loopback address', async () => {
    const { result } = await runNet(function* () {
      return yield* getRunningLoop().getaddrinfo('localhost', 8080, { family: AF_INET, type: SOCK_STREAM });
    });
    expect(result).toEqual([[AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 8080]]]);
  });

  it('a null host is every interface with AI_PASSIVE, loopback without', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const passive = yield* loop.getaddrinfo(null, 80, { flags: AI_PASSIVE, type: SOCK_STREAM });
      const active = yield* loop.getaddrinfo(null, 80, { type: SOCK_STREAM, family: AF_INET });
      return { passive: passive.map((a) => a[4]), active: active.map((a) => a[4]) };
    });
    expect(result.passive).toEqual([
      ['0.0.0.0', 80],
      ['::', 80, 0, 0],
    ]);
    expect(result.active).toEqual([['127.0.0.1', 80]]);
  });

  it('a name that does not resolve raises GaiError; AI_NUMERICHOST refuses names', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const errors: unknown[] = [];
      for (const [host, options] of [
        ['nonexistent.invalid', {}],
        ['localhost', { flags: AI_NUMERICHOST }],
      ] as const) {
        try {
          yield* loop.getaddrinfo(host, 80, options);
        } catch (exc) {
          errors.push(exc);
        }
      }
      return errors;
    }, 15);
    expect(result[0]).toBeInstanceOf(GaiError);
    expect((result[0] as Error).message).toMatch(/^getaddrinfo\(\): cannot resolve "nonexistent\.invalid": /);
    expect(result[1]).toEqual(new OSError('getaddrinfo(): "localhost" is not a numeric address and AI_NUMERICHOST was given'));
  });

  it('bad arguments are refused at the boundary', async () => {
    const { result } = await runNet(function* () {
      const loop = getRunningLoop();
      const errors: unknown[] = [];
      const attempts = [
        () => loop.getaddrinfo('127.0.0.1', -1),
        () => loop.getaddrinfo('127.0.0.1', 80, { type: 9 }),
        () => loop.getaddrinfo('127.0.0.1', 80, { family: 99 }),
        () => loop.getaddrinfo('127.0.0.1', 80, { family: AF_INET6 }),
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
      new RangeError('getaddrinfo(): port must be an integer 0-65535, got -1'),
      new RangeError('getaddrinfo(): type must be 0, SOCK_STREAM (1), SOCK_DGRAM (2) or SOCK_RAW (3), got 9 (a number)'),
      new RangeError('getaddrinfo(): family must be AF_UNSPEC (0), AF_INET (2) or AF_INET6 (10), got 99 (a number)'),
      new GaiError('getaddrinfo(): cannot resolve "127.0.0.1": it is an IPv4 address but family IPv6 was asked for'),
    ]);
  });
});
