/**
 * RealHost: the loop on the wall clock, driven by Node's own event loop (or a browser's).
 *
 * Node owns the thread: we cannot block in `select()` as asyncio does, so the host
 * returns to Node between batches and comes back on a macrotask:
 *
 *   - While callbacks are ready it runs passes back to back, for up to `SLICE` seconds,
 *     then yields with `setImmediate` so Node can poll I/O and run its own timers.
 *   - When nothing is ready it arms one `setTimeout` for the next deadline (a day away if
 *     nothing is scheduled, so a running loop keeps the process alive) and returns: an
 *     idle loop costs no CPU (no busy wait). When the loop stops, nothing is left armed,
 *     so the process can exit.
 *   - `wake()` (a callback scheduled from an I/O callback or a settled Promise) disarms the
 *     timer and runs a pass on the next macrotask.
 *   - `wakeForIo()` (a socket's event, from net's transports) does the same, except while
 *     the loop sees one socket event at a time (W6c: one connection, request/response):
 *     then the pass runs at the end of the I/O callback, on a microtask, as plain Node
 *     code answers inside its 'data' handler. Per message that saves a setImmediate and
 *     its own tick round. When several sockets' events come in one poll phase (W6a: 50
 *     connections), one pass after the poll phase serves them all, so the host watches
 *     for bursts: a pass that more than BURST socket events asked for switches back to
 *     setImmediate, and every PROBE_EVERY-th wake-up goes through setImmediate to look.
 *     Only when passes run changes, relative to Node's callbacks (as if the events had
 *     come in separate poll phases); what runs in a pass, and in what order, does not.
 *     A microtask pass is bounded by the slice like any other, and Promise settlements
 *     keep `wake()`, so a loop and a chain of Promises cannot keep Node from its I/O.
 *
 * Rejected: running each pass on its own macrotask (a `setImmediate` per pass costs more
 * than a pass of a few tasks), and microtasks (`queueMicrotask`) as the pass driver
 * (they starve Node's I/O: nothing else runs until the microtask queue is empty).
 * Also rejected, measured: waking with a microtask instead of `setImmediate`. It saves a
 * hop per wake-up but runs a pass per socket event; the macrotask lets every socket's
 * data from one poll phase share one pass (W6, 50 connections: 86k against 116k round
 * trips a second). `wakeForIo` takes the microtask only while events come one at a time.
 *
 * Uses only globals that Node and browsers share (`setTimeout`, `performance`), with
 * `setImmediate` where it exists and a `MessageChannel` elsewhere; never a Node module.
 */
import type { AsyncHost, LoopDriver } from './host';
import type { ExecutorFactory } from './executor-seam';
import type { Network } from './network';

/** How long to run passes back to back before letting Node poll for I/O. */
const SLICE = 0.005;
/** How many callbacks (task steps included) may run between two reads of the clock. */
const CLOCK_EVERY = 64;
/** Never arm a timer further out than this (Node clamps larger delays to 1 ms!). */
const MAX_WAIT = 24 * 3600;
/** W6c: a pass that at most this many socket events asked for is a quiet one. */
const BURST = 2;
/** W6c: after this many quiet passes in a row, socket events run their pass on a microtask. */
const QUIET_PASSES = 8;
/** W6c: meanwhile, one socket wake-up in this many goes through setImmediate, to see bursts. */
const PROBE_EVERY = 32;
/** `RESOLVED.then(fn)`: a microtask, without queueMicrotask's per-call async resource on Node. */
const RESOLVED = Promise.resolve();

type Immediate = (fn: () => void) => void;

const runSoon: Immediate = (() => {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return (fn) => void g.setImmediate!(fn);
  if (typeof MessageChannel === 'function') {
    // Browsers: a message is a macrotask, without setTimeout's 4 ms clamp.
    const queue: Array<() => void> = [];
    const channel = new MessageChannel();
    (channel.port1 as unknown as { onmessage: (() => void) | null }).onmessage = () => queue.shift()!();
    return (fn) => {
      queue.push(fn);
      channel.port2.postMessage(null);
    };
  }
  return (fn) => void setTimeout(fn, 0);
})();

interface NodeProcessLike {
  on(event: 'SIGINT', fn: () => void): unknown;
  off(event: 'SIGINT', fn: () => void): unknown;
  listenerCount(event: 'SIGINT'): number;
}

/** The real clock's host, on Node's event loop (no asyncio counterpart: asyncio's `BaseEventLoop` owns its selector and clock). */
export class RealHost implements AsyncHost {
  readonly kind = 'real' as const;
  readonly outcome = 'async' as const;
  /** I/O callbacks, settled Promises and threads' results wake the loop from outside. */
  readonly sealed = false;
  /** Exact: a timer is due when its deadline has passed, never up to a millisecond early. */
  readonly resolution = 0;
  /**
   * The network of every real host that was not given its own: `@yieldio/net` installs
   * Node's when imported (core cannot import Node modules; it runs in browsers too).
   */
  static defaultNetwork: Network | null = null;
  #network: Network | null = null;

  get network(): Network | null {
    return this.#network ?? RealHost.defaultNetwork;
  }

  /** Give this host its own network (a fake, in tests); null goes back to the default. */
  set network(network: Network | null) {
    this.#network = network;
  }

  /**
   * Makes the default executor of every real host that was not given its own:
   * `@yieldio/threads` installs its worker-thread pool when imported (as net does above).
   */
  static defaultExecutorFactory: ExecutorFactory | null = null;
  #executorFactory: ExecutorFactory | null = null;

  get executorFactory(): ExecutorFactory | null {
    return this.#executorFactory ?? RealHost.defaultExecutorFactory;
  }

  /** Give this host its own executor factory; null goes back to the default. */
  set executorFactory(factory: ExecutorFactory | null) {
    this.#executorFactory = factory;
  }

  #driver: LoopDriver | null = null;
  #resolve: (() => void) | null = null;
  #reject: ((err: unknown) => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Armed for as long as the loop runs, so a running loop keeps the process alive, as
   * asyncio's does (`main()` waiting on a server until Ctrl-C is not cut short by Node
   * exiting). One timer for the whole run: re-arming a day-long timer at every idle
   * moment cost a clearTimeout and a setTimeout per wake-up (W6c: one connection's
   * round trips, each one an idle moment).
   */
  #keepAlive: ReturnType<typeof setTimeout> | null = null;
  /** Re-arms the keep-alive timer (only setTimeout: some realms lack setInterval). */
  readonly #holdOn = (): void => {
    this.#keepAlive = setTimeout(this.#holdOn, MAX_WAIT * 1000);
  };
  /** Waiting for a deadline or a wake-up (no tick is queued). */
  #waiting = false;
  /** Socket events (wakeForIo) since the queued pass was asked for; 0 if none asked. */
  #ioWakes = 0;
  /** Quiet passes in a row (see BURST); from QUIET_PASSES on, socket events wake on a microtask. */
  #quietPasses = 0;
  /** Socket wake-ups on a microtask since the last one through setImmediate. */
  #sinceProbe = 0;
  readonly #tick = (): void => this.#runBatch();

  time(): number {
    return performance.now() / 1000;
  }

  /** Drive the loop on Node's event loop until it stops. */
  run(driver: LoopDriver): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#driver = driver;
      this.#resolve = resolve;
      this.#reject = reject;
      this.#holdOn();
      this.#runBatch();
    });
  }

  /** `next` (or `fail`) once the Promise `first()` returned settles; what `first()` throws, throws now. */
  after<A, T>(first: () => Promise<A>, next: (value: A) => T, fail: (err: unknown) => T): Promise<T> {
    return first().then(next, fail);
  }

  settled<T>(value: T): Promise<T> {
    return Promise.resolve(value);
  }

  /** Never stuck for good: an I/O callback or a settled Promise may still wake the loop. */
  stuck(): null {
    return null;
  }

  wake(): void {
    if (!this.#waiting) return;
    this.#waiting = false;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    runSoon(this.#tick);
  }

  /** `wake()` for a socket's event: see the module note (W6c). Plain code: `this.wake()`. */
  wakeForIo(): void {
    if (!this.#waiting) {
      this.#ioWakes++;
      return;
    }
    this.#waiting = false;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#ioWakes = 1;
    if (this.#quietPasses >= QUIET_PASSES && ++this.#sinceProbe < PROBE_EVERY) {
      void RESOLVED.then(this.#tick);
      return;
    }
    this.#sinceProbe = 0;
    runSoon(this.#tick);
  }

  onInterrupt(handler: () => void): (() => void) | null {
    const proc = (globalThis as { process?: NodeProcessLike }).process;
    // Like asyncio's Runner, leave Ctrl-C alone if the program installed its own handler:
    // one installed before (then we install nothing), or after, such as
    // `loop.addSignalHandler('SIGINT', ...)`, which takes Ctrl-C over as it does in asyncio.
    if (proc === undefined || typeof proc.on !== 'function' || proc.listenerCount('SIGINT') > 0) return null;
    const listener = (): void => {
      if (proc.listenerCount('SIGINT') === 1) handler();
    };
    proc.on('SIGINT', listener);
    return () => void proc.off('SIGINT', listener);
  }

  /** Run passes until the loop stops, waits, or the slice is used up. */
  #runBatch(): void {
    this.#timer = null;
    this.#waiting = false;
    const ioWakes = this.#ioWakes;
    if (ioWakes > 0) {
      this.#ioWakes = 0;
      this.#quietPasses = ioWakes <= BURST ? this.#quietPasses + 1 : 0;
    }
    const driver = this.#driver!;
    // W6c: the slice starts at the first clock read, after 8 passes (no read for a short
    // batch, which most are). Plain code: `const sliceEnd = this.time() + SLICE`.
    let sliceEnd = -1;
    let passes = 0;
    let work = 0;
    try {
      for (;;) {
        const deadline = driver.nextDeadline();
        if (deadline > -Infinity) {
          const delay = deadline - this.time();
          // Node may fire a timer a fraction of a millisecond early: then wait again.
          if (delay > 0) {
            this.#wait(delay);
            return;
          }
        }
        work += driver.runOnce() + 1;
        if (driver.isStopping()) {
          this.#finish();
          return;
        }
        // Read the clock every 8 passes only, and only once CLOCK_EVERY callbacks ran
        // since the last read: a read costs as much as a short pass. W7 (a lock handed
        // over, a task a pass) read it every 8 passes, 5% of its time. Long passes
        // still yield after 8, as before, and no sooner: yielding between W2's two
        // passes of 100,000 steps cost it a third more CPU. The slice starts at the
        // first read (W6c: a short batch, which most are, reads no clock at all).
        // Plain code: `(++passes & 7) === 0 && this.time() >= sliceEnd`, with
        // `sliceEnd = this.time() + SLICE` at the batch's start.
        if ((++passes & 7) === 0 && work >= CLOCK_EVERY) {
          work = 0;
          const now = this.time();
          if (sliceEnd < 0) sliceEnd = now + SLICE;
          else if (now >= sliceEnd) {
            runSoon(this.#tick);
            return;
          }
        }
      }
    } catch (err) {
      // Only a bug in the loop itself gets here: callbacks' errors go to the handler.
      const reject = this.#reject!;
      this.#release();
      reject(err);
    }
  }

  #wait(delay: number): void {
    this.#waiting = true;
    // Nothing scheduled (delay Infinity): only a wake-up can make work; the keep-alive
    // timer holds the process meanwhile.
    if (delay !== Infinity) this.#timer = setTimeout(this.#tick, Math.ceil(Math.min(delay, MAX_WAIT) * 1000));
  }

  #finish(): void {
    const resolve = this.#resolve!;
    this.#release();
    resolve();
  }

  #release(): void {
    clearTimeout(this.#keepAlive!);
    this.#keepAlive = null;
    this.#driver = this.#resolve = this.#reject = null;
  }
}

