/**
 * `npm start` (issue #3, README quick start): the demo must show, on the real clock with
 * real timings, hello / 1 s / world; two tasks interleaving; gather of three sleeps in
 * the time of the longest; a timeout firing; a task cancelled and cleaning up in its
 * finally; then the same program under simulate() at once, in virtual time, and a
 * DeadlockError report for a program that can never finish. Then the simulator's two
 * parts (issues #11, #12): stream code across two simulated hosts that a partition
 * delays but loses no byte of, and explore() finding a race that a plain run misses,
 * shrinking it to one departure from FIFO, and the printed schedule replaying it.
 *
 * The demo is run as `npm start` runs it, against core bundled fresh into a temporary
 * node_modules (so a stale dist/ cannot hide a change), and its output is checked
 * section by section. It takes about 2.5 s of real time, as the demo does.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPackage } from './fixtures/install-core';

const root = join(__dirname, '..', '..', '..');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yieldio-demo-'));
  for (const name of ['core', 'net', 'sim']) installPackage(dir, name);
  copyFileSync(join(root, 'examples', 'demo.mjs'), join(dir, 'demo.mjs'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runDemo(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(dir, 'demo.mjs')], { cwd: dir, encoding: 'utf8', timeout: 30000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the demo failed: ${err.message}\n${stderr}`));
      else if (stderr !== '') reject(new Error(`the demo wrote to stderr:\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The lines of the section that starts with `heading`, up to the next blank line. */
function section(lines: string[], heading: string, from = 0): string[] {
  const start = lines.indexOf(heading, from);
  expect([heading, start >= 0]).toEqual([heading, true]);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** `[wall  1.014] world` -> { time: 1.014, text: 'world' } (or `[virtual ...]`). */
function stamped(line: string): { clock: string; time: number; text: string } {
  const match = /^ {2}\[(wall|virtual) +(\d+\.\d{3})\] (.*)$/.exec(line);
  expect([line, match !== null]).toEqual([line, true]);
  return { clock: match![1], time: Number(match![2]), text: match![3] };
}

test('npm start shows every part the issue asks for, with real and virtual timings', async () => {
  const lines = (await runDemo()).split('\n');
  const realEnd = lines.findIndex((line) => line.startsWith('6. '));
  expect(realEnd).toBeGreaterThan(0);

  for (const [clock, from] of [['wall', 0], ['virtual', realEnd]] as const) {
    // 1. hello, one second, world.
    const hello = section(lines, '1. hello, world', from).map(stamped);
    expect(hello.map((l) => [l.clock, l.text])).toEqual([[clock, 'hello'], [clock, 'world']]);
    expect(hello[1].time - hello[0].time).toBeGreaterThanOrEqual(0.999);
    if (clock === 'virtual') expect(hello[1].time - hello[0].time).toBe(1);

    // 2. two tasks interleaving: A ticks every 0.1 s, B every 0.15 s, so B's first tick
    // falls between A's first two. A's third and B's second are both due at 0.3 s, so on
    // the real clock either may come first.
    const ticks = section(lines, '2. two tasks interleaving (createTask)', from).map((line) => stamped(line).text);
    expect(ticks.slice(0, 3)).toEqual(['A tick 1', 'B tick 1', 'A tick 2']);
    expect(new Set(ticks.slice(3, 5))).toEqual(new Set(['B tick 2', 'A tick 3']));
    expect(ticks.slice(5)).toEqual(['A done, B done']);

    // 3. gather of three sleeps takes the longest one, not the sum.
    const [gathered] = section(lines, '3. gather', from).map(stamped);
    const took = /^gather -> \[0\.3,0\.5,0\.2\] in (\d+\.\d\d) s/.exec(gathered.text);
    expect(took).not.toBeNull();
    expect(Number(took![1])).toBeGreaterThanOrEqual(0.5);
    expect(Number(took![1])).toBeLessThan(0.9);

    // 4. a timeout firing, with the CancelledError it replaced as its cause.
    const [fired] = section(lines, '4. timeout', from).map(stamped);
    expect(fired.text).toBe('timeout(0.2) fired: TimeoutError, cause CancelledError');

    // 5. a cancelled task cleans up in its finally, and the caller sees CancelledError.
    const cancelled = section(lines, '5. cancellation', from).map(stamped);
    expect(cancelled.map((l) => l.text)).toEqual([
      'worker: started, working for 10 s',
      'worker: cancelled, cleaning up in finally',
      'worker ended with CancelledError: "no longer needed"; task.cancelled() = true',
    ]);
    expect(cancelled[1].time - cancelled[0].time).toBeGreaterThanOrEqual(0.249);
    expect(cancelled[1].time - cancelled[0].time).toBeLessThan(1);
  }

  // 6. The same program under simulate() takes (almost) no wall time.
  const simTotal = lines.find((line) => line.startsWith('simulate() total: '));
  expect(Number(/(\d+\.\d+) s of wall time/.exec(simTotal ?? '')?.[1])).toBeLessThan(0.5);

  // 7. A program that can never finish: a DeadlockError naming each task and its wait.
  const deadlock = section(lines, '7. a program that can never finish: simulate() reports the deadlock');
  expect(deadlock[0]).toMatch(/^ {2}DeadlockError: deadlock at virtual time 0: nothing is ready, no timer is pending, and 2 task\(s\)/);
  expect(deadlock.slice(1)).toEqual([
    '    task "Task-1" waits for task "consumer"',
    '    task "consumer" waits for <Future pending a reply that nobody sends>',
  ]);

  // 8. The network under simulate(): the partition holds the second line back for its
  // 2 s (the bytes are retransmitted, not lost), and every line comes back.
  const network = section(lines, '8. a network under simulate(): two hosts, a partition, TCP that loses no byte').map(stamped);
  expect(network.map((line) => line.clock)).toEqual(Array(network.length).fill('virtual'));
  expect(network.map((line) => line.text.replace(/\d+/g, 'N'))).toEqual([
    'sent one, echoed one',
    'partitioned localhost from db for N s',
    'sent two, echoed two',
    'sent three, echoed three',
    'packets: N sent, N delivered, N dropped (and retransmitted)',
  ]);
  expect(network[2].time - network[1].time).toBeGreaterThanOrEqual(2);
  const [, , dropped] = /(\d+) sent, (\d+) delivered, (\d+) dropped/.exec(network[4].text)!.slice(1).map(Number);
  expect(dropped).toBeGreaterThan(0);

  // 9. explore(): the race a plain run misses is found, shrunk to one departure, replayed.
  const race = section(lines, '9. explore(): find a race, shrink it, print the line that replays it');
  expect(race[0]).toBe('  a plain simulate() run passes');
  expect(race[1]).toMatch(/^ {2}ScheduleFailure: explore\(\): run \d+ of 100 failed \(seed \d+, scheduler random\): Error: session "alice" created 2 times$/);
  expect(race[2]).toMatch(/ to 1$/);
  expect(race.at(-2)).toMatch(/^ {2}simulate\(main\(\), \{ seed: \d+, schedule: "y1[^"]+" \}\)$/);
  expect(race.at(-1)).toBe('  replayed, the same failure: session "alice" created 2 times');
});
