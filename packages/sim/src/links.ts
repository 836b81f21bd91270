/**
 * Links: one direction between two hosts (or a host and itself: loopback), and how a
 * packet on it draws its fate.
 *
 * Every random choice comes from the run's seed through `VirtualHost.decide(bound)`, an
 * integer in [0, bound) where 0 is always the plain choice, so a recorder can replay a
 * run and a shrinker can walk each choice towards 0 (no fault, least delay):
 *   - latency: `[min, max]` drawn in whole microseconds, `min + decide(spread + 1)`;
 *   - loss, duplication: a draw in [0, 1,000,000) is a fault when it reaches
 *     `(1 - p) * 1,000,000`, so 0 means "delivered, once" unless p is 1.
 * A setting without randomness (a fixed latency, p = 0) draws nothing.
 *
 * Bandwidth is a queue per direction: a packet leaves when the link is free and holds it
 * for `size / bandwidth` seconds, then travels for its latency (turmoil's and madsim's
 * links have latency only; a queue is what makes a slow link back up).
 */
import type { LinkSettings } from './options';

const SCALE = 1_000_000;

/**
 * What a link asks for its random choices: the virtual host, whose `decide(bound)` draws
 * from the run's seed. The object, not a function: see network.ts on per-run closures.
 */
export interface Chooser {
  decide(bound: number): number;
}

export class Link {
  settings: LinkSettings;
  /** When the link has finished putting the last queued packet on the wire. */
  busyUntil = 0;
  #spread = 0;
  #lossThreshold = SCALE;
  #duplicateThreshold = SCALE;

  constructor(settings: LinkSettings) {
    this.settings = settings;
    this.configure(settings);
  }

  configure(settings: LinkSettings): void {
    this.settings = settings;
    this.#spread = Math.round(settings.latencySpread * SCALE);
    this.#lossThreshold = Math.round((1 - settings.loss) * SCALE);
    this.#duplicateThreshold = Math.round((1 - settings.duplicate) * SCALE);
  }

  /** Whether this packet is lost on the way. */
  lost(chooser: Chooser): boolean {
    return this.settings.loss > 0 && chooser.decide(SCALE) >= this.#lossThreshold;
  }

  /** Whether the network makes a second copy of this packet. */
  duplicated(chooser: Chooser): boolean {
    return this.settings.duplicate > 0 && chooser.decide(SCALE) >= this.#duplicateThreshold;
  }

  /** When a packet of `size` bytes sent at `now` arrives (drawing its latency). */
  arrival(now: number, size: number, chooser: Chooser): number {
    const s = this.settings;
    let depart = now;
    if (s.bandwidth !== Infinity) {
      depart = Math.max(now, this.busyUntil) + size / s.bandwidth;
      this.busyUntil = depart;
    }
    const latency = this.#spread === 0 ? s.latencyMin : s.latencyMin + chooser.decide(this.#spread + 1) / SCALE;
    return depart + latency;
  }

  /** The longest one-way latency this link can draw (for retransmission timers). */
  maxLatency(): number {
    return this.settings.latencyMin + this.settings.latencySpread;
  }
}
