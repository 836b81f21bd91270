// The ladder's steps are programs a reader runs with `node docs/ladder/NN-name.mjs`: each
// test runs one the same way and checks what it prints, so a step cannot rot. Real-clock
// steps print times; those are checked against a floor (a sleep never ends early) and a
// generous ceiling (the machine may be loaded), and the rest of each line exactly.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ladder = join(__dirname, '..', 'ladder');

function runStep(file: string): string[] {
  const out = execFileSync(process.execPath, [join(ladder, file)], { encoding: 'utf8', timeout: 15000 });
  return out.trimEnd().split('\n');
}

/** Splits `[0.12] text` into its time and its text. */
function timed(line: string): { time: number; text: string } {
  const match = /^\s*\[\s*([\d.]+)\] (.*)$/.exec(line);
  if (match === null) throw new Error(`expected a line "[seconds] text", got ${JSON.stringify(line)}`);
  return { time: Number(match[1]), text: match[2] };
}

function expectTimeline(lines: string[], expected: [number, string][]): void {
  const got = lines.map(timed);
  expect(got.map((l) => l.text)).toEqual(expected.map(([, text]) => text));
  got.forEach(({ time }, i) => {
    expect(time).toBeGreaterThanOrEqual(expected[i][0] - 0.005); // printed to 2 decimals
    expect(time).toBeLessThan(expected[i][0] + 0.5);
  });
}

test('step 1: two counters take turns at each bare yield', () => {
  expect(runStep('01-round-robin.mjs')).toEqual(['a 1', 'b 1', 'a 2', 'b 2', 'a 3', 'b done', 'a done']);
});

test('step 2: three sleeps at once wake in deadline order and take as long as the longest', () => {
  expectTimeline(runStep('02-sleep.mjs'), [
    [0, 'a sleeps 0.3 s'],
    [0, 'b sleeps 0.1 s'],
    [0, 'c sleeps 0.2 s'],
    [0.1, 'b wakes'],
    [0.2, 'c wakes'],
    [0.3, 'a wakes'],
    [0.3, 'all done'],
  ]);
});

test('step 3: a coroutine waits on a future until another sets it', () => {
  expectTimeline(runStep('03-futures.mjs'), [
    [0, 'consumer waits for the reply'],
    [0.2, 'producer sets the reply'],
    [0.2, 'consumer got "pong"'],
    [0.2, 'all done'],
  ]);
});

test('step 4: awaiting a task returns its result or throws its error, and a bad yield is a TypeError', () => {
  expectTimeline(runStep('04-tasks.mjs'), [
    [0.1, 'main caught "missing: not found"'],
    [0.2, 'main got "home: ok"'],
    [0.2, 'main caught TypeError: Task got a bad yield: 42; use yield* to wait for a future or a coroutine'],
    [0.2, 'runUntilComplete returned "main result"'],
  ]);
});

test('step 5: cancel throws in at the yield, finally runs, and a timeout cancels its task', () => {
  expectTimeline(runStep('05-cancellation.mjs'), [
    [0, 'worker: working for 10 s'],
    [0.1, 'worker: finally runs'],
    [0.1, 'stubborn: caught the CancelledError, returns anyway'],
    [0.1, 'main: worker ended with CancelledError "no longer needed", cancelled() = true'],
    [0.1, 'main: stubborn returned "stubborn result", cancelled() = false'],
    [0.2, 'main: TimeoutError: timeout(): not done after 0.1 s'],
    // The timeout's own 10 s sleep was cancelled with its timer: the loop ends at once.
    [0.2, 'all done: no timer left waiting'],
  ]);
});

test('step 6: the virtual clock runs hours exactly and at once, the real clock the same order, and a deadlock is reported', () => {
  const lines = runStep('06-virtual-clock.mjs');
  expect(lines.slice(0, 8)).toEqual([
    'virtual clock, an hour is 3600 s:',
    '  [1800.00] half-hourly beat 1',
    '  [3600.00] hourly beat 1',
    '  [3600.00] half-hourly beat 2',
    '  [5400.00] half-hourly beat 3',
    '  [7200.00] hourly beat 2',
    '  [10800.00] TimeoutError: timeout(): not done after 3600 s',
    '  (3 virtual hours took under a second of wall time)',
  ]);
  expect(lines[8]).toBe('real clock, an hour is 0.1 s:');
  expectTimeline(lines.slice(9, 15), [
    [0.05, 'half-hourly beat 1'],
    [0.1, 'hourly beat 1'],
    [0.1, 'half-hourly beat 2'],
    [0.15, 'half-hourly beat 3'],
    [0.2, 'hourly beat 2'],
    [0.3, 'TimeoutError: timeout(): not done after 0.1 s'],
  ]);
  expect(lines.slice(15)).toEqual([
    'a deadlock, on the virtual clock:',
    '  runUntilComplete(): deadlock at 0 s: the main task waits on a future that nothing can complete (nothing is ready and no timer is set)',
  ]);
});

test('the last step points at yieldio\'s own task.ts and loop.ts, and those files exist', () => {
  const source = readFileSync(join(ladder, '06-virtual-clock.mjs'), 'utf8');
  for (const file of ['packages/core/src/task.ts', 'packages/core/src/loop.ts', 'packages/core/src/virtual-host.ts']) {
    expect(source).toContain(file);
    expect(existsSync(join(__dirname, '..', '..', file))).toBe(true);
  }
});

test('the guide\'s table of ladder steps lists every step with its current length', () => {
  const intro = readFileSync(join(__dirname, '..', 'guide', '00-introduction.md'), 'utf8');
  const rows = [...intro.matchAll(/^\| \d \| `([\w-]+\.mjs)` \| .* \| (\d+) \|$/gm)].map((m) => [m[1], Number(m[2])]);
  const steps = readdirSync(ladder).filter((f) => f.endsWith('.mjs')).sort();
  expect(rows.map(([file]) => file)).toEqual(steps);
  for (const [file, lines] of rows) {
    expect([file, readFileSync(join(ladder, file as string), 'utf8').trimEnd().split('\n').length]).toEqual([file, lines]);
  }
});
