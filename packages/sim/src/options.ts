/**
 * The options of a simulated world and of its links, checked once at the boundary.
 *
 * `simulate(main(), { network: { latency, loss, duplicate, bandwidth, tcpTimeout } })`
 * sets the defaults of every link (loopback included) and the TCP timeout;
 * `net.link(a, b, options)` overrides one link. Each bad value is a TypeError (wrong
 * kind) or RangeError (out of range) whose message names the call, the value and what
 * would do instead; the tests pin them.
 *
 * How a packet draws its fate from these settings is `links.ts`.
 */
import { describeValue } from '@yieldio/core';

/** One direction of a link: what each packet on it goes through. */
export interface LinkSettings {
  /** One-way latency, seconds: the least, and the spread above it. */
  readonly latencyMin: number;
  readonly latencySpread: number;
  /** Probabilities in [0, 1]. */
  readonly loss: number;
  readonly duplicate: number;
  /** Bytes per second (Infinity: no serialization delay). */
  readonly bandwidth: number;
}

/** What `link(a, b, options)` takes. No asyncio counterpart. */
export interface LinkOptions {
  latency?: number | readonly [number, number];
  loss?: number;
  duplicate?: number;
  bandwidth?: number;
  oneWay?: boolean;
}

/** What `simulate(main(), { network })` takes. No asyncio counterpart. */
export interface SimNetworkOptions {
  latency?: number | readonly [number, number];
  loss?: number;
  duplicate?: number;
  bandwidth?: number;
  tcpTimeout?: number;
}

export const DEFAULT_LINK: LinkSettings = {
  latencyMin: 0.0005,
  latencySpread: 0,
  loss: 0,
  duplicate: 0,
  bandwidth: Infinity,
};

export const DEFAULT_TCP_TIMEOUT = 30;

const NETWORK_KEYS = ['latency', 'loss', 'duplicate', 'bandwidth', 'tcpTimeout'];
const LINK_KEYS = ['latency', 'loss', 'duplicate', 'bandwidth', 'oneWay'];

function checkKeys(caller: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${caller}: unknown option ${JSON.stringify(key)}; the options are ${allowed.join(', ')}`);
    }
  }
}

function checkProbability(caller: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${caller}: ${name} must be a probability in [0, 1], got ${describeValue(value)}`);
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${caller}: ${name} must be a probability in [0, 1], got ${value}`);
  return value;
}

function checkLatency(caller: string, value: unknown): [number, number] {
  const usage = 'seconds >= 0, or [min, max] with min <= max';
  if (typeof value === 'number') {
    if (!(value >= 0) || value === Infinity) throw new RangeError(`${caller}: latency must be ${usage}, got ${value}`);
    return [value, 0];
  }
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number') {
    const [min, max] = value as [number, number];
    if (!(min >= 0) || !(max < Infinity) || !(min <= max)) {
      throw new RangeError(`${caller}: latency must be ${usage}, got [${min}, ${max}]${min > max ? '; swap them: [' + max + ', ' + min + ']' : ''}`);
    }
    return [min, max - min];
  }
  throw new TypeError(`${caller}: latency must be ${usage}, got ${describeValue(value)}`);
}

function checkBandwidth(caller: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${caller}: bandwidth must be bytes per second > 0 (Infinity for no limit), got ${describeValue(value)}`);
  if (!(value > 0)) throw new RangeError(`${caller}: bandwidth must be bytes per second > 0 (Infinity for no limit), got ${value}`);
  return value;
}

/** Settings `base` with what `options` changes. */
function applyLink(caller: string, base: LinkSettings, options: Record<string, unknown>): LinkSettings {
  let { latencyMin, latencySpread, loss, duplicate, bandwidth } = base;
  if (options.latency !== undefined) [latencyMin, latencySpread] = checkLatency(caller, options.latency);
  if (options.loss !== undefined) loss = checkProbability(caller, 'loss', options.loss);
  if (options.duplicate !== undefined) duplicate = checkProbability(caller, 'duplicate', options.duplicate);
  if (options.bandwidth !== undefined) bandwidth = checkBandwidth(caller, options.bandwidth);
  return { latencyMin, latencySpread, loss, duplicate, bandwidth };
}

function checkObject(caller: string, what: string, options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${caller}: ${what} must be an object, got ${describeValue(options)}`);
  }
  return options as Record<string, unknown>;
}

/** The world's defaults from `simulate(main(), { network: options })`. */
export function parseNetworkOptions(options: unknown): { link: LinkSettings; tcpTimeout: number } {
  const caller = 'simulate()';
  if (options === undefined) return { link: DEFAULT_LINK, tcpTimeout: DEFAULT_TCP_TIMEOUT };
  const o = checkObject(caller, 'network options', options);
  checkKeys(caller, o, NETWORK_KEYS);
  const link = applyLink(caller, DEFAULT_LINK, o);
  let tcpTimeout = DEFAULT_TCP_TIMEOUT;
  if (o.tcpTimeout !== undefined) {
    if (typeof o.tcpTimeout !== 'number') throw new TypeError(`${caller}: tcpTimeout must be seconds > 0, got ${describeValue(o.tcpTimeout)}`);
    if (!(o.tcpTimeout > 0)) throw new RangeError(`${caller}: tcpTimeout must be seconds > 0, got ${o.tcpTimeout}`);
    tcpTimeout = o.tcpTimeout;
  }
  return { link, tcpTimeout };
}

/** One link's settings from `link(a, b, options)`, over the world's defaults. */
export function parseLinkOptions(caller: string, base: LinkSettings, options: unknown): { settings: LinkSettings; oneWay: boolean } {
  const o = checkObject(caller, 'options', options);
  checkKeys(caller, o, LINK_KEYS);
  if (o.oneWay !== undefined && typeof o.oneWay !== 'boolean') {
    throw new TypeError(`${caller}: oneWay must be a boolean, got ${describeValue(o.oneWay)}`);
  }
  return { settings: applyLink(caller, base, o), oneWay: o.oneWay === true };
}
