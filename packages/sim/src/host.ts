/**
 * SimHost: one machine of the simulated world, and which tasks run on it.
 *
 * A task belongs to a host through a context variable (`hostVar`): `host.spawn(coro)`
 * starts the task in a copy of the current context with the variable set, and every task
 * it creates copies that context, so a whole program runs on its host without a line of
 * it knowing (turmoil and madsim scope their hosts the same way, through a task-local).
 * Code on no host of its own runs on `'localhost'`. The network reads the variable when a
 * socket is made: the socket binds its host's address, and dies with its host.
 *
 * `crash()`: the machine stops. Its tasks are killed where they stand (`Task._kill`: no
 * `finally` runs, as none would on a machine that lost power) and end cancelled; its
 * sockets vanish without a word to anyone; nothing answers for it until `restart()`,
 * which runs `boot()` again with fresh state. A new incarnation (`epoch`) knows no old
 * connection: a packet for one is answered with a reset.
 *
 * A killed machine runs nothing: the callbacks its code scheduled (`callSoon`,
 * `callLater`, `callAt`: they run in the context they were scheduled from, which names
 * the host) and its sockets' pending events are cancelled with it.
 *
 * Not modelled: disks (nothing survives a crash but what `boot` rebuilds). Still run after
 * a crash: a callback already due in the very pass that crashes the host (the loop's
 * running batch is out of reach), and a done callback its code added to a future that
 * completes later (that callback is scheduled only then).
 */
import { ContextVar, Handle, InvalidStateError, allTasks, copyContext, currentTask, describeValue } from '@yieldio/core';
import type { Coro, Task } from '@yieldio/core';
import { callSoonWithContext, killTask, pendingCallbacks } from '@yieldio/core/internal';
import type { SimNetwork } from './network';
import type { TcpListener } from './tcp';
import type { SimDatagramSocket } from './udp';

/** The host the current task runs on; null: `'localhost'`. */
export const hostVar = new ContextVar<SimHost | null>('yieldio.sim.host', { default: null });

/** Something of a host's that a crash must make vanish (a socket, a listener). */
export interface HostResource {
  _vanish(): void;
}

export type HostState = 'up' | 'down';

/** A simulated machine (turmoil's host): its tasks, its address, and `crash()`/`restart()`. No asyncio counterpart. */
export class SimHost {
  readonly name: string;
  /** The address other hosts reach it at (besides 127.0.0.1 and ::1, its own loopback). */
  readonly address: string;
  readonly _net: SimNetwork;
  readonly #boot: (() => Coro<unknown>) | null;
  _state: HostState = 'up';
  /** Incarnation: bumped by each crash, so what an old one left behind is stale. */
  _epoch = 0;
  /** Sockets and listeners to drop on a crash. */
  readonly _resources = new Set<HostResource>();
  _nextPort = 49152;
  /**
   * Its TCP listeners (tcp.ts) and datagram sockets (udp.ts) by port, made on first use.
   * Fields, not WeakMaps keyed by the host: see network.ts on what a run leaves behind.
   */
  _listeners: Map<number, TcpListener[]> | null = null;
  _datagramSockets: Map<number, SimDatagramSocket[]> | null = null;

  constructor(net: SimNetwork, name: string, address: string, boot: (() => Coro<unknown>) | null) {
    this._net = net;
    this.name = name;
    this.address = address;
    this.#boot = boot;
  }

  /** False from `crash()` until `restart()`. */
  isUp(): boolean {
    return this._state === 'up';
  }

  /** Run `coro` as a task on this host (it and every task it creates). */
  spawn<T>(coro: Coro<T>, options: { name?: string } = {}): Task<T> {
    if (this._state === 'down') {
      throw new InvalidStateError(`SimHost.spawn(): host ${JSON.stringify(this.name)} is down (crashed); restart() it first`);
    }
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`SimHost.spawn(): options must be an object like { name: 'server' }, got ${describeValue(options)}`);
    }
    const context = copyContext();
    context.run(() => hostVar.set(this));
    return this._net.loop.createTask(coro, { name: options.name, context });
  }

  /** The tasks running on this host now. */
  tasks(): Task<unknown>[] {
    return [...allTasks(this._net.loop)].filter((t) => this._owns(t));
  }

  /** Whether `task` runs on this host (a task on no host runs on localhost). */
  _owns(task: Task<unknown>): boolean {
    return (task.getContext().get(hostVar) ?? this._net.localhost) === this;
  }

  /** Take the host down: see the module note. */
  crash(): void {
    if (this._state === 'down') {
      throw new InvalidStateError(`SimHost.crash(): host ${JSON.stringify(this.name)} is already down; restart() it before crashing it again`);
    }
    const loop = this._net.loop;
    const running = currentTask(loop);
    if (running !== null && this._owns(running)) {
      throw new InvalidStateError(
        `SimHost.crash(): called from task ${JSON.stringify(running.getName())}, which runs on host ${JSON.stringify(this.name)}; crash a host from a task on another host`,
      );
    }
    this._state = 'down';
    this._epoch++;
    for (const task of this.tasks()) killTask(task, `host ${JSON.stringify(this.name)} crashed`);
    this.#cancelCallbacks();
    const resources = [...this._resources];
    this._resources.clear();
    for (const r of resources) r._vanish();
    this._net._hostCrashed(this);
  }

  /**
   * A killed machine runs nothing: cancel the callbacks its code scheduled that have not
   * run (`callSoon`, `callLater`, `callAt`, its transports' processing). A handle runs in
   * the context it was scheduled from, which names its host, so one scan of the loop's
   * ready queue and timer heap finds them at the crash, and scheduling costs nothing more.
   * The network's own callbacks for the host's sockets go through `_callSoon`.
   */
  #cancelCallbacks(): void {
    for (const handle of pendingCallbacks(this._net.loop)) this.#cancelIfOurs(handle);
  }

  #cancelIfOurs(item: unknown): void {
    if (item instanceof Handle && !item.cancelled() && item.getContext()?.get(hostVar) === this) item.cancel();
  }

  /** Call `fn` on the next pass unless this host crashes first (its sockets' events and answers). */
  _callSoon(fn: () => void): void {
    const epoch = this._epoch;
    callSoonWithContext(this._net.loop, () => {
      if (this._epoch === epoch) fn();
    }, null, null);
  }

  /** Bring a crashed host back: `boot()` runs again; no old connection is known. */
  restart(): void {
    if (this._state === 'up') {
      throw new InvalidStateError(`SimHost.restart(): host ${JSON.stringify(this.name)} is running; crash() it first`);
    }
    this._state = 'up';
    this._net._hostRestarted(this);
    this._runBoot();
  }

  _runBoot(): void {
    if (this.#boot === null) return;
    const coro = this.#boot();
    this.spawn(coro, { name: `${this.name}:boot` });
  }

  /** A free port for an outgoing socket or a port-0 listener. */
  _ephemeralPort(inUse: (port: number) => boolean): number {
    for (let i = 0; i < 16384; i++) {
      const port = this._nextPort;
      this._nextPort = port >= 65535 ? 49152 : port + 1;
      if (!inUse(port)) return port;
    }
    throw Object.assign(new Error(`no free port on host ${this.name}`), { code: 'EADDRINUSE' });
  }

  /** The run is over (its loop closed): let go of its sockets; see network.ts. */
  _release(): void {
    this._resources.clear();
    this._listeners = null;
    this._datagramSockets = null;
  }

  /** The host as error messages name it. */
  toString(): string {
    return `<SimHost ${JSON.stringify(this.name)} ${this.address} ${this._state}>`;
  }
}
