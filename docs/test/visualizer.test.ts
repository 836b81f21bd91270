/**
 * The loop visualizer (docs/visualizer/) in headless Chromium: builds it with its own
 * build script (scripts/visualizer.mjs, as `npm run visualizer` does, into a temp dir),
 * loads index.html with the bundle, steps through the examples pass by pass and checks
 * what the page shows after each: the ready queue, the timer heap, each task's state and
 * what it waits on, the simulated network's packets. Screenshots go to a temp dir.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { launchBrowser } from '../../test-support/browser';
import { repoRoot } from '../../test-support/bundle';

interface TaskView { name: string; state: string; waitsOn: string | null; waitsOnTask: string | null; outcome: string | null }
interface Snapshot {
  example: string; pass: number; time: number; status: string; ran: number; stepped: string[];
  ready: string[]; timers: { when: number; what: string }[]; tasks: TaskView[];
  packets: { time: number; kind: string; from: string; to: string; bytes: number }[];
  log: string[]; result: string | null;
}

const outDir = mkdtempSync(join(tmpdir(), 'yieldio-visualizer-'));
let browser: Browser;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  const bundle = join(outDir, 'visualizer.js');
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'visualizer.mjs'), bundle], { stdio: 'pipe' });
  const js = readFileSync(bundle, 'utf8');
  expect(js).not.toMatch(/<\/script/i);
  const html = readFileSync(join(repoRoot, 'docs', 'visualizer', 'index.html'), 'utf8');
  const tag = '<script src="./dist/visualizer.js"></script>';
  expect(html).toContain(tag);
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.setContent(html.replace(tag, () => `<script>${js}</script>`));
  await page.waitForFunction(() => 'visualizer' in globalThis, { timeout: 15_000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

const call = (method: string, arg?: string): Promise<Snapshot> =>
  page.evaluate((m, a) => (globalThis as unknown as { visualizer: Record<string, (x?: string) => Snapshot> }).visualizer[m]!(a), method, arg);

/** What the page shows, read from the DOM (not from the engine). */
function shown(): Promise<{ status: string; ready: string[]; timers: string[]; tasks: Record<string, [string, string]>; packets: string[]; packetsHidden: boolean; graphNodes: number; graphEdges: number }> {
  return page.evaluate(() => {
    // The repo's tsconfig has no DOM types: this runs in the page, typed as much as it needs.
    interface Node { textContent: string | null; hidden: boolean; querySelectorAll(selector: string): Node[] }
    const document = (globalThis as unknown as { document: Node & { getElementById(id: string): Node | null } }).document;
    const items = (id: string) => Array.from(document.querySelectorAll(`#${id} li:not(.empty)`)).map((li) => li.textContent!);
    const tasks: Record<string, [string, string]> = {};
    for (const row of Array.from(document.querySelectorAll('#tasks tr'))) {
      const cells = row.querySelectorAll('td');
      tasks[cells[0]!.textContent!] = [cells[1]!.textContent!, cells[2]!.textContent!];
    }
    return {
      status: document.getElementById('status')!.textContent!,
      ready: items('ready'),
      timers: items('timers'),
      tasks,
      packets: items('packets'),
      packetsHidden: document.getElementById('packets-section')!.hidden,
      graphNodes: document.querySelectorAll('#graph rect').length,
      graphEdges: document.querySelectorAll('#graph .edge').length,
    };
  });
}

describe('the loop visualizer in headless Chromium', () => {
  it('steps the producer/consumer example pass by pass, showing the ready queue, the timers and who waits on what', async () => {
    let s = await call('select', 'queue');
    expect(s.pass).toBe(0);
    expect(s.status).toBe('start');
    expect(s.ready).toEqual(['step of task main']);
    let page_ = await shown();
    expect(page_.status).toBe('pass 0 · t = 0 s · start');
    expect(page_.tasks).toEqual({ main: ['ready', ''] });

    // Pass 1: main creates the two consumers and the producer, then awaits the producer.
    s = await call('step');
    expect(s.stepped).toEqual(['main']);
    expect(s.ready).toEqual(['step of task consumer-a', 'step of task consumer-b', 'step of task producer']);
    page_ = await shown();
    expect(page_.status).toBe('pass 1 · t = 0 s · running · last pass ran 1');
    expect(page_.ready).toEqual(s.ready);
    expect(page_.tasks.main).toEqual(['waiting', '→ producer']);
    expect(page_.tasks.producer).toEqual(['ready', '']);
    expect(page_.graphEdges).toBe(1);

    // Pass 2: consumer-a takes item 1; consumer-b finds the queue empty; the producer sleeps 0.1 s.
    s = await call('step');
    expect(s.stepped).toEqual(['consumer-a', 'consumer-b', 'producer']);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('stepped').textContent))
      .toBe('stepped in the last pass: consumer-a, consumer-b, producer');
    expect(s.time).toBe(0);
    expect(s.timers.map((t) => t.when)).toEqual([0.1]);
    page_ = await shown();
    expect(page_.tasks['consumer-b']).toEqual(['waiting', 'Queue.get()']);
    expect(page_.tasks.producer).toEqual(['waiting', 'sleep until t=0.1']);
    expect(page_.timers).toEqual(['t=0.1  wake task producer (sleep)']);

    // Pass 3: consumer-a works on it (0.3 s); nothing is ready, two timers are pending.
    s = await call('step');
    expect(s.ready).toEqual([]);
    expect(s.timers.map((t) => t.when)).toEqual([0.1, 0.3]);
    expect((await shown()).ready).toEqual([]);

    // Pass 4: nothing was ready, so the clock jumped to the first deadline.
    s = await call('step');
    expect(s.time).toBe(0.1);
    expect(s.ready).toEqual(['step of task producer']);
    expect(s.timers.map((t) => t.when)).toEqual([0.3]);
    expect((await shown()).status).toBe('pass 4 · t = 0.1 s · running · last pass ran 1');
    await page.screenshot({ path: join(outDir, 'queue-pass-4.png'), fullPage: true });

    s = await call('runToEnd');
    expect(s.status).toBe('finished');
    expect(s.result).toBe('"done"');
    expect(s.time).toBe(0.7);
    expect(s.tasks.map((t) => [t.name, t.state])).toEqual([['main', 'done'], ['consumer-a', 'cancelled'], ['consumer-b', 'cancelled'], ['producer', 'done']]);
    expect(s.log).toContain('[0.300] consumer-a got 3');
    page_ = await shown();
    expect(page_.status).toMatch(/^pass \d+ · t = 0\.7 s · finished/);
    expect(page_.graphNodes).toBe(0);
    expect(page_.packetsHidden).toBe(true);
  }, 60_000);

  it('shows gather with timeouts: three timeout timers in the heap, and the slow fetch cancelled at t=1', async () => {
    await call('select', 'gather');
    await call('step');
    const s = await call('step');
    expect(s.tasks.find((t) => t.name === 'main')!.waitsOn).toBe('gather(3)');
    expect(s.timers.map((t) => [t.when, t.what.startsWith('<TimerHandle') ? 'timeout' : t.what])).toEqual([
      [0.2, 'wake task fetch-fast (sleep)'], [0.5, 'wake task fetch-medium (sleep)'],
      [1, 'timeout'], [1, 'timeout'], [1, 'timeout'], [2, 'wake task fetch-slow (sleep)'],
    ]);
    expect((await shown()).tasks['fetch-slow']).toEqual(['waiting', 'sleep until t=2']);
    let last = s;
    while (last.status === 'running' && last.time < 1) last = await call('step');
    expect(last.time).toBe(1);
    const end = await call('runToEnd');
    expect(end.status).toBe('finished');
    expect(end.time).toBe(1);
    expect(JSON.parse(end.result!)).toEqual(['fast after 0.2s', 'medium after 0.5s', 'slow timed out']);
    expect(end.timers).toEqual([]);
  }, 60_000);

  it('shows the two-host echo with every packet on the simulated network', async () => {
    let s = await call('select', 'echo');
    expect((await shown()).packetsHidden).toBe(false);
    while (s.packets.length === 0 && s.status === 'running' || s.pass === 0) s = await call('step');
    expect(s.packets[0]).toEqual({ time: 0, kind: 'sent', from: 'client', to: 'server', bytes: 6 });
    expect((await shown()).packets).toEqual(['t=0  sent  client → server  6 B']);
    expect(s.tasks.find((t) => t.name === 'echo-client')!.waitsOn).toBe('reply to ping 1');
    while (s.time < 0.05) s = await call('step');
    expect(s.packets.some((p) => p.kind === 'delivered' && p.to === 'server' && p.time === 0.05)).toBe(true);
    await page.screenshot({ path: join(outDir, 'echo.png'), fullPage: true });
    s = await call('runToEnd');
    expect(s.status).toBe('finished');
    expect(JSON.parse(s.result!)).toEqual(['ping 1', 'ping 2', 'ping 3']);
    // Three pings and three echoes, each sent and delivered: 12 events at 50 ms a hop.
    expect(s.packets.map((p) => p.kind).sort()).toEqual([...Array(6).fill('delivered'), ...Array(6).fill('sent')]);
    expect(s.time).toBeCloseTo(0.3, 9);
    expect(statSync(join(outDir, 'echo.png')).size).toBeGreaterThan(10_000);
    expect(statSync(join(outDir, 'queue-pass-4.png')).size).toBeGreaterThan(10_000);
  }, 60_000);

  it('has Step, Run / pause and Reset buttons that drive the page', async () => {
    await call('select', 'queue');
    await page.click('#step');
    await page.click('#step');
    expect((await shown()).status).toMatch(/^pass 2 · t = 0 s · running/);
    await page.click('#run'); // one pass every 400 ms
    await page.waitForFunction(() => /^pass [4-9]/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('status').textContent), { timeout: 10_000 });
    await page.click('#run'); // pause
    const paused = (await call('state')).pass;
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect((await call('state')).pass).toBe(paused);
    await page.click('#reset');
    expect((await shown()).status).toBe('pass 0 · t = 0 s · start');
  }, 60_000);

  it('names the examples when asked for one it does not have', async () => {
    await expect(call('select', 'nope')).rejects.toThrow("Stepper(): no example named \"nope\" (a string); pick one of queue, gather, echo");
    pageErrors.length = 0;
    // The page still works after the bad name.
    const s = await call('select', 'queue');
    expect(s.pass).toBe(0);
  }, 60_000);
});

afterAll(() => {
  // Where to look at the screenshots.
  process.stdout.write(`visualizer screenshots in ${outDir}\n`);
});
