/**
 * VirtualHost.networkFactory: what a simulator installs so that every simulate() run
 * gets a fresh network of its own; options and Network objects passed through.
 */
import { VirtualHost, getRunningLoop, simulate } from '@yieldio/core';
import type { Network, NetworkOptions, SimulateOptions } from '@yieldio/core';

describe('VirtualHost.networkFactory', () => {
  const made: Array<NetworkOptions | undefined> = [];
  const fake = (name: string): Network => ({ name }) as unknown as Network;
  beforeEach(() => {
    made.length = 0;
    VirtualHost.networkFactory = (_host, options) => {
      made.push(options);
      return fake(`made ${made.length}`);
    };
  });
  afterEach(() => {
    VirtualHost.networkFactory = null;
  });

  const networkName = (options?: SimulateOptions): string | null =>
    simulate(
      (function* () {
        return getRunningLoop().host.network?.name ?? null;
      })(),
      options,
    );

  it('makes a fresh network for each run, with the options given', () => {
    expect(networkName()).toBe('made 1');
    expect(networkName({ network: { latency: 0.01 } })).toBe('made 2');
    expect(made).toEqual([undefined, { latency: 0.01 }]);
  });

  it('is not asked when a Network object or null is passed', () => {
    const own = { ...fake('own'), connect() {} } as unknown as Network;
    expect(networkName({ network: own })).toBe('own');
    expect(networkName({ network: null })).toBeNull();
    expect(made).toEqual([]);
  });
});
