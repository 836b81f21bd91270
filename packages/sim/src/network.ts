/**
 * SimNetwork: a simulated world of hosts and links, behind core's `Network` seam.
 *
 * `simulate()` asks `VirtualHost.networkFactory` (installed by index.ts) for one world per
 * run, so unchanged `openConnection`/`startServer`/datagram code talks over it on the
 * virtual clock. This module holds the world: hosts and their addresses, links and
 * partitions, name lookup, and the one path every packet takes (`_send`): counted as
 * sent, dropped at once if its link is cut or the draw loses it, maybe duplicated, then
 * delivered by a loop timer after its latency unless, by then, the link was cut or the
 * destination went down (a fault applies to packets already in flight: turmoil #251).
 * TCP (tcp.ts) and UDP (udp.ts) build on `_send`; each packet tells its own sink what
 * became of it.
 *
 * Every random choice goes through `VirtualHost.decide(bound)` (links.ts), so the seed
 * decides a run and a recorder can replay it. Events are timers on the loop; none is
 * ever called from inside a socket method, as the seam requires.
 *
 * Addresses: each host has its own loopback (127.0.0.1 and ::1 reach the host that
 * sends) and one address others reach it at; `'localhost'`, the host of code that runs
 * on no other, is 10.0.0.1 to the others, and `addHost` numbers 10.0.0.2 on. A name
 * resolves to its host's address; 'localhost' to the asker's own loopback.
 *
 * What a run leaves behind (S2, and every seed loop: explore, sweep): V8's young-generation
 * collector (the scavenger) frees a seed's objects only if nothing in the old generation
 * points at them, and some old objects do, although nothing live reaches them: the Map V8
 * makes for each generator function created at run time (a program's
 * `host.spawn((function* () {...})())`, made per seed) points at that function, and so
 * at the world its closure sees; a WeakMap keyed by a host kept its value; an arrow stored
 * on a per-run object and called from shared code (this module's `decide` closure, net's
 * transport callbacks) kept its closure (each found by removing it and measuring; V8's
 * reasons are its own). Whatever they reach survives each scavenge, is
 * copied, then promoted, and waits for a full collection: at 3.5 MB promoted per scavenge
 * and 12-20 ms pauses, GC was a quarter of a seed's time. So the world keeps no per-run
 * closure or WeakMap (the virtual host is the chooser links ask; listeners and datagram
 * sockets are fields of their host), and when the run's loop closes (index.ts's hook)
 * the hosts drop their sockets and the world its loop and virtual host: what a program's
 * closure still holds is a few kilobytes. Measured with `node --trace-gc-nvp` (promoted
 * bytes per scavenge, S2's scenario): 3.5 MB before, 11 KB with the program's generators
 * declared once, 57 KB with one made per seed.
 *
 * Rejected: a global "packet queue" stepped by the simulation (turmoil's model): the
 * loop's timer heap already orders every arrival, and costs one timer per packet.
 */
import { InvalidStateError, describeValue, getRunningLoop } from '@yieldio/core';
import { callAtWithContext, callSoonWithContext, scheduleTimer } from '@yieldio/core/internal';
import type {
  ConnectRequest,
  Coro,
  DatagramHandlers,
  DatagramRequest,
  DatagramSocket,
  EventLoop,
  Listener,
  ListenerHandlers,
  ListenRequest,
  Network,
  ResolvedAddress,
  StreamHandlers,
  StreamSocket,
  VirtualHost,
} from '@yieldio/core';
import { SimHost, hostVar } from './host';
import { Link } from './links';
import { parseLinkOptions, parseNetworkOptions } from './options';
import type { LinkOptions, LinkSettings } from './options';
import { ipFamily, isLoopback, normalizeAddress } from './addresses';
import { TcpListener, connectTcp } from './tcp';
import { TimedPacket } from './timed-packet';
import { SimDatagramSocket } from './udp';

/** One packet on its way: where from and to, its size, and who hears its fate. */
export interface Packet {
  readonly from: SimHost;
  readonly to: SimHost;
  /** Payload bytes (0 for control packets), for bandwidth and the event log. */
  readonly size: number;
  /** It reached `to`, which is up; false if nothing there takes it (then it counts as dropped). */
  _arrived(): boolean;
  /** It was lost: dropped by the draw, a cut link, or a destination that is down. */
  _dropped(): void;
}

/** What happened to a packet: sent, delivered, dropped, duplicated, or a reset. No asyncio counterpart. */
export type SimEventKind = 'sent' | 'delivered' | 'dropped' | 'duplicated' | 'reset';

/** One packet's fate, as `onEvent` reports it: when, what happened, between which hosts, how many payload bytes. No asyncio counterpart. */
export interface SimEvent {
  readonly time: number;
  readonly kind: SimEventKind;
  readonly from: string;
  readonly to: string;
  readonly bytes: number;
}

/** Packet counts of a run (`delivered + dropped = sent + duplicated`), resets and crashes, from `stats()`. No asyncio counterpart. */
export interface SimStats {
  /** Packets handed to the network by senders (TCP segments, retransmissions included, and control packets; datagrams). */
  sent: number;
  /** Extra copies the network made. */
  duplicated: number;
  /** Copies that reached an up host. delivered + dropped = sent + duplicated. */
  delivered: number;
  dropped: number;
  /** TCP connections reset (by a reset packet, or after tcpTimeout without an answer). */
  resets: number;
  crashes: number;
  restarts: number;
  /** TCP connections established. */
  connections: number;
}

/** A host named by its name, its `SimHost`, or an array of them (for `partition`, `heal`, `link`). No asyncio counterpart. */
export type HostSpec = string | SimHost | ReadonlyArray<string | SimHost>;

/** Options of `addHost()`: the host's `address` (an IPv4 or IPv6 literal) and its `boot` coroutine factory. No asyncio counterpart. */
export interface AddHostOptions {
  address?: string;
  boot?: () => Coro<unknown>;
}

/** The simulated world of one `simulate()` run: hosts, links between them, faults, and the packets' record (turmoil's `Sim`, madsim's `NetSim`). No asyncio counterpart. */
export class SimNetwork implements Network {
  readonly name = 'simulated';
  readonly tcpTimeout: number;
  readonly _defaults: LinkSettings;
  /** The run's virtual host, which draws every choice; null once the run is over. */
  #vhost: VirtualHost | null;
  #loop: EventLoop | null = null;
  readonly #hosts = new Map<string, SimHost>();
  readonly #byAddress = new Map<string, SimHost>();
  readonly #links = new Map<SimHost, Map<SimHost, Link>>();
  /** Directed cuts: from -> the hosts it cannot reach. */
  readonly #cuts = new Map<SimHost, Set<SimHost>>();
  #cutCount = 0;
  #nextAddress = 2;
  readonly #stats: SimStats = { sent: 0, duplicated: 0, delivered: 0, dropped: 0, resets: 0, crashes: 0, restarts: 0, connections: 0 };
  #observers: Array<(event: SimEvent) => void> = [];
  /** The host of code that runs on no other. */
  readonly localhost: SimHost;

  constructor(vhost: VirtualHost, options?: unknown) {
    const { link, tcpTimeout } = parseNetworkOptions(options);
    this.#vhost = vhost;
    this._defaults = link;
    this.tcpTimeout = tcpTimeout;
    this.localhost = new SimHost(this, 'localhost', '10.0.0.1', null);
    this.#hosts.set('localhost', this.localhost);
    this.#byAddress.set('10.0.0.1', this.localhost);
  }

  /**
   * The run's loop closed: its hosts let go of their sockets and listeners, and the
   * world of its loop. See the module note ("What a run leaves behind").
   */
  _release(): void {
    for (const host of this.#hosts.values()) host._release();
    this.#loop = null;
    this.#vhost = null;
  }

  /** Seam calls happen inside the loop's pass, so the running loop is this run's. */
  get loop(): EventLoop {
    return (this.#loop ??= getRunningLoop('SimNetwork'));
  }

  /** The host the calling code runs on. */
  _currentHost(): SimHost {
    return hostVar.get() ?? this.localhost;
  }

  // ---- Hosts ---------------------------------------------------------------------------

  /** Add a machine named `name` (its address defaults to 10.0.0.N in order of creation); its `boot` coroutine is spawned now and at each `restart()`. */
  addHost(name: string, options: AddHostOptions = {}): SimHost {
    const caller = 'SimNetwork.addHost()';
    if (typeof name !== 'string' || name === '') throw new TypeError(`${caller}: name must be a non-empty string like 'db1', got ${describeValue(name)}`);
    if (options === null || typeof options !== 'object') throw new TypeError(`${caller}: options must be an object like { address, boot }, got ${describeValue(options)}`);
    if (this.#hosts.has(name)) throw new InvalidStateError(`${caller}: a host named ${JSON.stringify(name)} already exists; pick another name`);
    let address: string;
    if (options.address !== undefined) {
      if (typeof options.address !== 'string') throw new TypeError(`${caller}: address must be an IPv4 or IPv6 literal string like '10.0.0.7', got ${describeValue(options.address)}`);
      const normal = normalizeAddress(options.address);
      if (normal === null) throw new RangeError(`${caller}: address must be an IPv4 or IPv6 literal like '10.0.0.7' or 'fd00::7', got ${JSON.stringify(options.address)}`);
      if (isLoopback(normal) || normal === '0.0.0.0' || normal === '::') {
        throw new RangeError(`${caller}: address ${JSON.stringify(options.address)} is loopback or a wildcard; every host has its own loopback, give it a unicast address like '10.0.0.7'`);
      }
      const owner = this.#byAddress.get(normal);
      if (owner !== undefined) throw new InvalidStateError(`${caller}: address ${normal} is already host ${JSON.stringify(owner.name)}'s; pick another address`);
      address = normal;
    } else {
      do address = `10.0.${(this.#nextAddress >> 8) & 255}.${this.#nextAddress++ & 255}`;
      while (this.#byAddress.has(address) || address.endsWith('.0') || address.endsWith('.255'));
    }
    const boot = options.boot;
    if (boot !== undefined && typeof boot !== 'function') {
      throw new TypeError(`${caller}: boot must be a function returning a coroutine, like () => server(), got ${describeValue(boot)}`);
    }
    const host = new SimHost(this, name, address, boot ?? null);
    this.#hosts.set(name, host);
    this.#byAddress.set(address, host);
    host._runBoot();
    return host;
  }

  /** The host named `name`, or undefined. */
  host(name: string): SimHost | undefined {
    return this.#hosts.get(name);
  }

  /** Every host of this world, `localhost` first, in order of creation. */
  hosts(): SimHost[] {
    return [...this.#hosts.values()];
  }

  /** Which host `address` reaches from `from` (its own loopback, or another's address). */
  _route(from: SimHost, address: string): SimHost | null {
    if (isLoopback(address) || address === '0.0.0.0' || address === '::') return from;
    return this.#byAddress.get(address) ?? null;
  }

  _hostCrashed(_host: SimHost): void {
    this.#stats.crashes++;
  }

  _hostRestarted(_host: SimHost): void {
    this.#stats.restarts++;
  }

  // ---- Links and faults ----------------------------------------------------------------

  #resolveHosts(caller: string, what: string, spec: unknown): SimHost[] {
    const list = Array.isArray(spec) ? spec : [spec];
    return list.map((item) => {
      if (item instanceof SimHost) {
        if (item._net !== this) throw new RangeError(`${caller}: ${what} ${item} belongs to another simulation; pass hosts of this run's network`);
        return item;
      }
      if (typeof item !== 'string') throw new TypeError(`${caller}: ${what} must be a host name, a SimHost or an array of them, got ${describeValue(item)}`);
      const host = this.#hosts.get(item);
      if (host === undefined) {
        throw new RangeError(`${caller}: no host named ${JSON.stringify(item)}; add it first with addHost(), or use one of: ${[...this.#hosts.keys()].map((n) => JSON.stringify(n)).join(', ')}`);
      }
      return host;
    });
  }

  /** Cut every link from `a` to `b` (and back, unless `oneWay`); packets in flight are lost too. */
  partition(a: HostSpec, b: HostSpec, options: { oneWay?: boolean } = {}): void {
    const caller = 'SimNetwork.partition()';
    const as = this.#resolveHosts(caller, 'a', a);
    const bs = this.#resolveHosts(caller, 'b', b);
    if (options === null || typeof options !== 'object') throw new TypeError(`${caller}: options must be an object like { oneWay: true }, got ${describeValue(options)}`);
    if (options.oneWay !== undefined && typeof options.oneWay !== 'boolean') throw new TypeError(`${caller}: oneWay must be a boolean, got ${describeValue(options.oneWay)}`);
    for (const x of as) {
      for (const y of bs) {
        if (x === y) continue;
        this.#cut(x, y);
        if (options.oneWay !== true) this.#cut(y, x);
      }
    }
  }

  #cut(from: SimHost, to: SimHost): void {
    let set = this.#cuts.get(from);
    if (set === undefined) this.#cuts.set(from, (set = new Set()));
    if (!set.has(to)) {
      set.add(to);
      this.#cutCount++;
    }
  }

  /** Heal every cut (no arguments), every cut touching `a`, or those between `a` and `b`. */
  heal(a?: HostSpec, b?: HostSpec): void {
    const caller = 'SimNetwork.heal()';
    if (a === undefined) {
      this.#cuts.clear();
      this.#cutCount = 0;
      return;
    }
    const as = this.#resolveHosts(caller, 'a', a);
    const bs = b === undefined ? null : this.#resolveHosts(caller, 'b', b);
    for (const [from, set] of this.#cuts) {
      for (const to of [...set]) {
        const touches = bs === null ? as.includes(from) || as.includes(to) : (as.includes(from) && bs.includes(to)) || (bs.includes(from) && as.includes(to));
        if (touches) {
          set.delete(to);
          this.#cutCount--;
        }
      }
    }
  }

  /** Whether packets from `from` can reach `to` now (no partition between them). */
  _passable(from: SimHost, to: SimHost): boolean {
    if (this.#cutCount === 0) return true;
    const set = this.#cuts.get(from);
    return set === undefined || !set.has(to);
  }

  /** Set one link's options (both directions unless `oneWay`). */
  link(a: HostSpec, b: HostSpec, options: LinkOptions): void {
    const caller = 'SimNetwork.link()';
    const as = this.#resolveHosts(caller, 'a', a);
    const bs = this.#resolveHosts(caller, 'b', b);
    for (const x of as) {
      for (const y of bs) {
        const { settings, oneWay } = parseLinkOptions(caller, this._link(x, y).settings, options);
        this._link(x, y).configure(settings);
        if (!oneWay) this._link(y, x).configure(parseLinkOptions(caller, this._link(y, x).settings, options).settings);
      }
    }
  }

  _link(from: SimHost, to: SimHost): Link {
    let row = this.#links.get(from);
    if (row === undefined) this.#links.set(from, (row = new Map()));
    let link = row.get(to);
    if (link === undefined) row.set(to, (link = new Link(this._defaults)));
    return link;
  }

  // ---- Packets -------------------------------------------------------------------------

  /** Put a packet on the network: see the module note. */
  _send(packet: Packet, link: Link = this._link(packet.from, packet.to)): void {
    const { from, to } = packet;
    const stats = this.#stats;
    stats.sent++;
    if (this.#observers.length > 0) this.#emit('sent', from, to, packet.size);
    const chooser = this.#vhost!;
    if (!this._passable(from, to) || link.lost(chooser)) {
      this.#drop(packet);
      return;
    }
    const loop = this.loop;
    const now = loop.time();
    if (link.duplicated(chooser)) {
      stats.duplicated++;
      if (this.#observers.length > 0) this.#emit('duplicated', from, to, packet.size);
      callAtWithContext(loop, link.arrival(now, packet.size, chooser), arrive, [this, packet], null);
    }
    const when = link.arrival(now, packet.size, chooser);
    if (packet instanceof TimedPacket && !packet._scheduled) {
      // See TimedPacket: the fields a TimerHandle would get, then into the heap.
      packet._net = this;
      scheduleTimer(loop, packet, when);
    } else {
      callAtWithContext(loop, when, arrive, [this, packet], null);
    }
  }

  _arrive(packet: Packet): void {
    const { from, to } = packet;
    if (to._state === 'down' || !this._passable(from, to)) {
      this.#drop(packet);
      return;
    }
    if (packet._arrived()) {
      this.#stats.delivered++;
      if (this.#observers.length > 0) this.#emit('delivered', from, to, packet.size);
    } else {
      this.#stats.dropped++;
      if (this.#observers.length > 0) this.#emit('dropped', from, to, packet.size);
    }
  }

  #drop(packet: Packet): void {
    this.#stats.dropped++;
    if (this.#observers.length > 0) this.#emit('dropped', packet.from, packet.to, packet.size);
    packet._dropped();
  }

  /** A packet for an address no host has: it is sent, and lost. */
  _sendNowhere(from: SimHost, size: number): void {
    this.#stats.sent++;
    this.#stats.dropped++;
    if (this.#observers.length > 0) {
      this.#emit('sent', from, null, size);
      this.#emit('dropped', from, null, size);
    }
  }

  _countReset(at: SimHost, peer: SimHost | null): void {
    this.#stats.resets++;
    if (this.#observers.length > 0) this.#emit('reset', peer, at, 0);
  }

  _countConnection(): void {
    this.#stats.connections++;
  }

  #emit(kind: SimEventKind, from: SimHost | null, to: SimHost | null, bytes: number): void {
    const event: SimEvent = { time: this.loop.time(), kind, from: from?.name ?? '?', to: to?.name ?? '?', bytes };
    for (const observer of this.#observers) observer(event);
  }

  // ---- Observation ---------------------------------------------------------------------

  /** A copy of the counts so far. */
  stats(): SimStats {
    return { ...this.#stats };
  }

  /** Call `callback(event)` for each packet event; returns a function that stops it. */
  onEvent(callback: (event: SimEvent) => void): () => void {
    if (typeof callback !== 'function') throw new TypeError(`SimNetwork.onEvent(): callback must be a function (event) => void, got ${describeValue(callback)}`);
    this.#observers = [...this.#observers, callback];
    return () => {
      this.#observers = this.#observers.filter((o) => o !== callback);
    };
  }

  // ---- The seam ------------------------------------------------------------------------

  connect(request: ConnectRequest, handlers: StreamHandlers): StreamSocket {
    if (request.remote.family === 'unix') throw notSimulated('a Unix socket');
    return connectTcp(this, this._currentHost(), request, handlers);
  }

  listen(request: ListenRequest, handlers: ListenerHandlers): Listener {
    if (request.local.family === 'unix') throw notSimulated('a Unix socket');
    return new TcpListener(this, this._currentHost(), request, handlers);
  }

  bindDatagram(request: DatagramRequest, handlers: DatagramHandlers): DatagramSocket {
    return new SimDatagramSocket(this, this._currentHost(), request, handlers);
  }

  lookup(name: string, family: 'IPv4' | 'IPv6' | null, done: (err: Error | null, addresses: readonly ResolvedAddress[]) => void): void {
    let result: ResolvedAddress[] | null = null;
    if (name === 'localhost') {
      result = [
        { family: 'IPv4', address: '127.0.0.1' },
        { family: 'IPv6', address: '::1' },
      ];
    } else {
      const host = this.#hosts.get(name);
      if (host !== undefined) result = [{ family: ipFamily(host.address)!, address: host.address }];
    }
    const answer = result?.filter((a) => family === null || a.family === family) ?? null;
    callSoonWithContext(this.loop,
      () => {
        if (answer === null) done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }), []);
        else done(null, answer);
      },
      null,
      null,
    );
  }
}

function arrive(net: SimNetwork, packet: Packet): void {
  net._arrive(packet);
}

function notSimulated(what: string): InvalidStateError {
  return new InvalidStateError(
    `${what} is not simulated: inside simulate(), @yieldio/sim's network has TCP and UDP between hosts only; use a host and port (startServer(handler, host, port)), or run this under run()`,
  );
}

/** The running simulation's world. No asyncio counterpart. */
export function getNetwork(): SimNetwork {
  let loop: EventLoop;
  try {
    loop = getRunningLoop('getNetwork');
  } catch {
    throw new InvalidStateError("getNetwork(): no simulation is running; call it inside simulate(), with '@yieldio/sim' imported");
  }
  const network = loop.host.network;
  if (!(network instanceof SimNetwork)) {
    throw new InvalidStateError(
      `getNetwork(): this loop's network is ${network === null ? 'none' : JSON.stringify(network.name)}, not the simulated one; call it inside simulate(), with '@yieldio/sim' imported and no network of your own passed`,
    );
  }
  return network;
}

/** Installed as `VirtualHost.networkFactory` by index.ts. */
export function makeSimNetwork(vhost: VirtualHost, options: unknown): SimNetwork {
  return new SimNetwork(vhost, options);
}

