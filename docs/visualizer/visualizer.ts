/**
 * A loop you can watch: runs an example program on yieldio's virtual clock one pass at a
 * time, and shows after each pass what the loop holds.
 *
 * `simulate()` drives its loop to the end in one call, so this page drives the loop
 * itself, as `VirtualHost.run` does (packages/core/src/virtual-host.ts): ask the loop for
 * its next deadline (`nextDeadline()`), jump the clock there if nothing is ready, run one
 * pass (`runOnce()`). Between passes it reads the loop's internals, which are plain
 * fields: the ready queue (`_ready`), the timer heap (`_scheduled`), the pending tasks
 * (`allTasks`) and what each waits on (`task._futWaiter`, the wait-for graph). With the
 * simulated network (an example that calls `getNetwork()`), every packet's fate comes
 * from `SimNetwork.onEvent`.
 *
 * `Stepper` is the engine and knows no DOM; `mount` draws it into index.html. The page
 * exposes `window.visualizer` (select / step / run / reset / state) for its test
 * (docs/test/visualizer.test.ts), which drives it in headless Chromium.
 */
import {
  EventLoop, VirtualHost, Future, Queue, Task, allTasks, sleep, gather, waitFor, getRunningLoop,
  getNetwork, SimNetwork, TimeoutError, describeValue,
  type Coro, type SimEvent,
} from 'yieldio';

// ---- Example programs ------------------------------------------------------------

/** A program to watch: `main` runs as the task "main"; `log` prints into the page. */
export interface Example {
  readonly title: string;
  readonly about: string;
  main(log: (line: string) => void): Coro<unknown>;
}

function* named<T>(name: string, coro: Coro<T>): Coro<Task<T>> {
  return getRunningLoop().createTask(coro, { name });
}

export const EXAMPLES: Readonly<Record<string, Example>> = {
  queue: {
    title: 'Producer and consumers on a Queue',
    about: 'A producer puts 4 items into a Queue of size 2; two consumers take them and work 0.3 s each. Watch the producer wait on a full queue and the consumers on an empty one.',
    *main(log) {
      const queue = new Queue<number>(2);
      function* consumer(id: string): Coro<void> {
        for (;;) {
          const item = yield* queue.get();
          log(`${id} got ${item}`);
          yield* sleep(0.3);
          queue.taskDone();
        }
      }
      function* producer(): Coro<void> {
        for (let i = 1; i <= 4; i++) {
          yield* queue.put(i);
          log(`producer put ${i}`);
          yield* sleep(0.1);
        }
      }
      const consumers = [yield* named('consumer-a', consumer('consumer-a')), yield* named('consumer-b', consumer('consumer-b'))];
      yield* yield* named('producer', producer());
      yield* queue.join();
      for (const c of consumers) c.cancel();
      log('all work done; consumers cancelled');
      return 'done';
    },
  },
  gather: {
    title: 'gather with timeouts',
    about: 'Three fetches run at once under gather; each is wrapped in waitFor(…, 1). The slow one (2 s) times out at 1 s and is cancelled; the others return.',
    *main(log) {
      function* fetch(name: string, delay: number): Coro<string> {
        yield* sleep(delay);
        return `${name} after ${delay}s`;
      }
      function* guarded(name: string, delay: number): Coro<string> {
        try {
          return yield* waitFor(fetch(name, delay), 1);
        } catch (exc) {
          if (exc instanceof TimeoutError) return `${name} timed out`;
          throw exc;
        }
      }
      const tasks = [
        yield* named('fetch-fast', guarded('fast', 0.2)),
        yield* named('fetch-medium', guarded('medium', 0.5)),
        yield* named('fetch-slow', guarded('slow', 2)),
      ];
      const results = yield* gather(...tasks);
      for (const r of results) log(r);
      return results;
    },
  },
  echo: {
    title: 'Echo between two hosts (simulated network)',
    about: 'Host "server" echoes UDP datagrams; host "client" sends three pings and waits for each reply. Every packet crosses a simulated link with 50 ms latency.',
    *main(log) {
      const net = getNetwork();
      const server = net.addHost('server');
      const client = net.addHost('client');
      net.link('client', 'server', { latency: 0.05 });
      const port = 7;
      const bound = getRunningLoop().createFuture<void>({ description: 'server bound' });
      server.spawn((function* (): Coro<void> {
        const closed = getRunningLoop().createFuture<void>({ description: 'echo socket closed' });
        const socket = getRunningLoop().host.network!.bindDatagram(
          { family: 'IPv4', local: { family: 'IPv4', address: server.address, port }, remote: null, reuseAddress: false, allowBroadcast: false },
          {
            ready: () => bound.setResult(undefined),
            message: (data, from) => socket.send(data, from, () => {}),
            error: () => {},
            close: () => { if (!closed.done()) closed.setResult(undefined); },
          },
        );
        yield* closed;
      })(), { name: 'echo-server' });
      yield* bound;
      const answers = yield* client.spawn((function* (): Coro<string[]> {
        const loop = getRunningLoop();
        let reply: Future<string> | null = null;
        const opened = loop.createFuture<void>({ description: 'client bound' });
        const socket = loop.host.network!.bindDatagram(
          { family: 'IPv4', local: { family: 'IPv4', address: client.address, port: 0 }, remote: null, reuseAddress: false, allowBroadcast: false },
          {
            ready: () => opened.setResult(undefined),
            message: (data) => reply?.setResult(new TextDecoder().decode(data)),
            error: () => {},
            close: () => {},
          },
        );
        yield* opened;
        const got: string[] = [];
        for (let i = 1; i <= 3; i++) {
          reply = loop.createFuture<string>({ description: `reply to ping ${i}` });
          socket.send(new TextEncoder().encode(`ping ${i}`), { family: 'IPv4', address: server.address, port }, () => {});
          got.push(yield* reply);
          log(`client got "${got[got.length - 1]}"`);
        }
        socket.close();
        return got;
      })(), { name: 'echo-client' });
      return answers;
    },
  },
};

// ---- The engine ------------------------------------------------------------------

/** The virtual host, with a clock this page moves itself (VirtualHost.run keeps its own private). */
class SteppedHost extends VirtualHost {
  now = 0;
  override time(): number {
    return this.now;
  }
}

export type TaskState = 'ready' | 'waiting' | 'cancelling' | 'done' | 'failed' | 'cancelled';

export interface TaskView {
  readonly name: string;
  readonly state: TaskState;
  /** What it waits on (a future's description), or null. */
  readonly waitsOn: string | null;
  /** The task it waits on, when it awaits a task: an edge of the wait-for graph. */
  readonly waitsOnTask: string | null;
  /** Its result or error, once done. */
  readonly outcome: string | null;
}

export interface Snapshot {
  readonly example: string;
  readonly pass: number;
  readonly time: number;
  /** 'start' before the first pass, 'running', 'finished', 'failed', or 'deadlock'. */
  readonly status: 'start' | 'running' | 'finished' | 'failed' | 'deadlock';
  /** How many callbacks and task steps the last pass ran. */
  readonly ran: number;
  /** The tasks that took a step in the last pass, in the order they ran (the host's `onStep`). */
  readonly stepped: readonly string[];
  readonly ready: readonly string[];
  readonly timers: readonly { readonly when: number; readonly what: string }[];
  readonly tasks: readonly TaskView[];
  readonly packets: readonly SimEvent[];
  readonly log: readonly string[];
  readonly result: string | null;
}

/** Drives one run of an example, one pass per `step()`. */
export class Stepper {
  readonly host: SteppedHost;
  readonly loop: EventLoop<SteppedHost>;
  readonly main: Task<unknown>;
  #pass = 0;
  #ran = 0;
  #status: Snapshot['status'] = 'start';
  #seen: Task<unknown>[] = [];
  #log: string[] = [];
  #packets: SimEvent[] = [];
  #error: string | null = null;
  #cleaning = false;
  #stepped: string[] = [];

  constructor(readonly exampleName: string) {
    const example = EXAMPLES[exampleName];
    if (example === undefined) {
      throw new RangeError(`Stepper(): no example named ${describeValue(exampleName)}; pick one of ${Object.keys(EXAMPLES).join(', ')}`);
    }
    this.host = new SteppedHost({ seed: 1, onStep: (name) => this.#stepped.push(name) });
    const network = this.host.network;
    if (network instanceof SimNetwork) network.onEvent((event) => this.#packets.push(event));
    this.loop = new EventLoop(this.host);
    this.main = this.loop.createTask(example.main((line) => this.#log.push(`[${this.host.now.toFixed(3)}] ${line}`)), { name: 'main' });
    this.#track();
  }

  /** True once the run can go no further. */
  over(): boolean {
    return this.#status !== 'start' && this.#status !== 'running';
  }

  /** One pass of the loop, jumping the clock first if nothing is ready (VirtualHost.run's body). */
  step(): Snapshot {
    if (this.over()) return this.snapshot();
    const deadline = this.loop.nextDeadline();
    if (deadline === Infinity) {
      this.#status = 'deadlock';
      this.#error = this.loop.deadlockError().message;
      return this.snapshot();
    }
    if (deadline > this.host.now) this.host.now = deadline;
    this.#stepped = [];
    this.loop._state = 'running';
    try {
      this.#ran = this.loop.runOnce();
    } finally {
      this.loop._state = 'idle';
    }
    this.#pass++;
    this.#track();
    if (!this.main.done()) {
      this.#status = 'running';
    } else if (allTasks(this.loop).size > 0) {
      // As run() does once main returns: cancel what is left, and run until it has ended.
      if (!this.#cleaning) {
        this.#cleaning = true;
        const left = [...allTasks(this.loop)];
        this.#log.push(`[${this.host.now.toFixed(3)}] main is done; cancelling ${left.map((t) => t.getName()).join(', ')}, as run() does`);
        for (const task of left) task.cancel();
      }
      this.#status = 'running';
    } else {
      this.#status = this.main.cancelled() || this.main.exception() !== null ? 'failed' : 'finished';
    }
    return this.snapshot();
  }

  /** Pass after pass until the run ends or `maxPasses` ran. */
  run(maxPasses = 1000): Snapshot {
    for (let i = 0; i < maxPasses && !this.over(); i++) this.step();
    return this.snapshot();
  }

  /** Remember every task ever pending, in creation order, so finished ones stay on the page. */
  #track(): void {
    for (const task of allTasks(this.loop)) if (!this.#seen.includes(task)) this.#seen.push(task);
  }

  snapshot(): Snapshot {
    const loop = this.loop;
    const readyItems = loop._ready.items.slice(0, loop._ready.length);
    const timers = loop._scheduled.toArray().filter((t) => !t._cancelled).sort((a, b) => a._when - b._when || a._seq - b._seq);
    return {
      example: this.exampleName,
      pass: this.#pass,
      time: this.host.now,
      status: this.#status,
      ran: this.#ran,
      stepped: this.#stepped.slice(),
      ready: readyItems.map((item) => describeRunnable(item)),
      timers: timers.map((t) => {
        const sleeper = this.#seen.find((task) => !task.done() && task._futWaiter === (t as unknown));
        return { when: t._when, what: sleeper !== undefined ? `wake task ${sleeper.getName()} (sleep)` : describeRunnable(t) };
      }),
      tasks: this.#seen.map((task) => viewTask(task, readyItems)),
      packets: this.#packets.slice(),
      log: this.#log.slice(),
      result: this.#error ?? (this.main.done() ? outcomeOf(this.main) : null),
    };
  }
}

/** A ready-queue entry or a timer, in words. */
function describeRunnable(item: unknown): string {
  if (item instanceof Task) return `step of task ${item.getName()}`;
  const waker = (item as { _task?: unknown })._task;
  if (waker instanceof Task) return `wake task ${waker.getName()} (sleep)`;
  if (item instanceof Future) return String(item);
  const text = String(item);
  return text === '[object Object]' ? (item as object).constructor.name : text;
}

function viewTask(task: Task<unknown>, ready: readonly unknown[]): TaskView {
  const name = task.getName();
  if (task.done()) {
    const state: TaskState = task.cancelled() ? 'cancelled' : task.exception() !== null ? 'failed' : 'done';
    return { name, state, waitsOn: null, waitsOnTask: null, outcome: outcomeOf(task) };
  }
  const waiter = task._futWaiter;
  // A cancelled task runs once more, to have CancelledError thrown in at its yield point.
  const cancelling = task.cancelling() > 0;
  if (ready.includes(task) || waiter === null) return { name, state: cancelling ? 'cancelling' : 'ready', waitsOn: null, waitsOnTask: null, outcome: null };
  return {
    name,
    state: cancelling ? 'cancelling' : 'waiting',
    waitsOn: waiter instanceof Task ? `task ${waiter.getName()}` : describeWaiter(waiter),
    waitsOnTask: waiter instanceof Task ? waiter.getName() : null,
    outcome: null,
  };
}

function describeWaiter(fut: Future<unknown>): string {
  const when = (fut as { _when?: number })._when;
  if (typeof when === 'number') return `sleep until t=${round(when)}`;
  return fut.description ?? fut.constructor.name;
}

function outcomeOf(task: Task<unknown>): string {
  if (task.cancelled()) return 'cancelled';
  const exc = task.exception();
  if (exc !== null) return exc instanceof Error ? `${exc.name}: ${exc.message}` : describeValue(exc);
  return JSON.stringify(task.result());
}

function round(t: number): string {
  return String(Math.round(t * 1e6) / 1e6);
}

// ---- The page --------------------------------------------------------------------

function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function list(id: string, items: readonly string[], empty: string): void {
  const ul = document.getElementById(id)!;
  ul.replaceChildren(...(items.length === 0 ? [el('li', { class: 'empty' }, empty)] : items.map((t) => el('li', {}, t))));
}

function draw(s: Snapshot): void {
  document.getElementById('status')!.textContent =
    `pass ${s.pass} · t = ${round(s.time)} s · ${s.status}${s.pass > 0 ? ` · last pass ran ${s.ran}` : ''}`;
  document.getElementById('stepped')!.textContent =
    s.pass === 0 ? '' : s.stepped.length === 0 ? 'no task stepped in the last pass (only callbacks ran)' : `stepped in the last pass: ${s.stepped.join(', ')}`;
  document.getElementById('status')!.dataset.status = s.status;
  list('ready', s.ready, '(empty)');
  list('timers', s.timers.map((t) => `t=${round(t.when)}  ${t.what}`), '(none)');
  const tbody = document.getElementById('tasks')!;
  tbody.replaceChildren(...s.tasks.map((t) => {
    const row = el('tr', { 'data-task': t.name, class: t.state + (s.stepped.includes(t.name) ? ' stepped' : '') });
    row.append(el('td', {}, t.name), el('td', { class: 'state' }, t.state), el('td', {}, t.waitsOnTask !== null ? `→ ${t.waitsOnTask}` : t.waitsOn ?? t.outcome ?? ''));
    return row;
  }));
  drawGraph(s.tasks);
  const packets = document.getElementById('packets-section')!;
  packets.hidden = s.example !== 'echo';
  list('packets', s.packets.slice(-12).map((p) => `t=${round(p.time)}  ${p.kind}  ${p.from} → ${p.to}  ${p.bytes} B`), '(no packets yet)');
  list('log', s.log, '(nothing printed yet)');
  document.getElementById('result')!.textContent = s.result ?? '';
}

/** The wait-for graph as SVG: a box per live task, an arrow to what it waits on. */
function drawGraph(tasks: readonly TaskView[]): void {
  const svg = document.getElementById('graph')!;
  const live = tasks.filter((t) => t.state === 'ready' || t.state === 'waiting' || t.state === 'cancelling');
  const ns = 'http://www.w3.org/2000/svg';
  const parts: Element[] = [];
  const rowH = 34;
  const pos = new Map<string, number>();
  live.forEach((t, i) => pos.set(t.name, 10 + i * rowH));
  svg.setAttribute('height', String(Math.max(40, live.length * rowH + 10)));
  for (const t of live) {
    const y = pos.get(t.name)!;
    const box = document.createElementNS(ns, 'rect');
    Object.entries({ x: '34', y: String(y), width: '130', height: '24', rx: '4', class: `node ${t.state}` }).forEach(([k, v]) => box.setAttribute(k, v));
    const label = document.createElementNS(ns, 'text');
    Object.entries({ x: '42', y: String(y + 16) }).forEach(([k, v]) => label.setAttribute(k, v));
    label.textContent = t.name;
    parts.push(box, label);
    if (t.waitsOn === null) continue;
    const target = t.waitsOnTask !== null ? pos.get(t.waitsOnTask) : undefined;
    if (target !== undefined) {
      const path = document.createElementNS(ns, 'path');
      // Task-to-task edges go round the left side, futures leave to the right.
      path.setAttribute('d', `M34 ${y + 12} C 2 ${y + 12}, 2 ${target + 12}, 32 ${target + 12}`);
      path.setAttribute('class', 'edge');
      path.setAttribute('marker-end', 'url(#arrow)');
      parts.push(path);
    } else {
      const line = document.createElementNS(ns, 'line');
      Object.entries({ x1: '164', y1: String(y + 12), x2: '220', y2: String(y + 12), class: 'edge', 'marker-end': 'url(#arrow)' }).forEach(([k, v]) => line.setAttribute(k, v));
      const what = document.createElementNS(ns, 'text');
      Object.entries({ x: '226', y: String(y + 16), class: 'future' }).forEach(([k, v]) => what.setAttribute(k, v));
      what.textContent = t.waitsOn ?? '';
      parts.push(line, what);
    }
  }
  const defs = svg.querySelector('defs');
  svg.replaceChildren(...(defs ? [defs] : []), ...parts);
}

/** Wires the controls of index.html to a Stepper and exposes `window.visualizer`. */
export function mount(): void {
  const select = document.getElementById('example') as HTMLSelectElement;
  for (const [name, ex] of Object.entries(EXAMPLES)) select.append(el('option', { value: name }, ex.title));
  let stepper = new Stepper(select.value);
  let timer: ReturnType<typeof setInterval> | null = null;
  const stop = (): void => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  const reset = (name = select.value): Snapshot => {
    stop();
    select.value = name;
    stepper = new Stepper(name);
    document.getElementById('about')!.textContent = EXAMPLES[name]!.about;
    const s = stepper.snapshot();
    draw(s);
    return s;
  };
  const step = (): Snapshot => {
    const s = stepper.step();
    draw(s);
    if (stepper.over()) stop();
    return s;
  };
  select.addEventListener('change', () => reset());
  document.getElementById('step')!.addEventListener('click', () => { stop(); step(); });
  document.getElementById('reset')!.addEventListener('click', () => reset());
  document.getElementById('run')!.addEventListener('click', () => {
    if (timer !== null) return stop();
    timer = setInterval(step, 400);
  });
  reset();
  (globalThis as unknown as { visualizer: unknown }).visualizer = {
    examples: Object.keys(EXAMPLES),
    select: (name: string) => reset(name),
    step,
    reset: () => reset(),
    runToEnd: () => { stop(); const s = stepper.run(); draw(s); return s; },
    state: () => stepper.snapshot(),
  };
}

if (typeof document !== 'undefined') mount();
