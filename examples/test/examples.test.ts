// The examples are programs people copy: each test runs one as `npm run example` does
// (its exported `main`) and checks what it prints. Programs without real I/O run under
// simulate() with a seeded random source, so their timings are exact; the crawler, the
// thread pool, the pipeline and the echo server run on the real clock, on loopback.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { run, simulate } from '@yieldio/core';
import * as hello from '../hello';
import * as chained from '../chained';
import * as queue from '../queue';
import * as crawler from '../crawler';
import * as blocking from '../blocking';
import * as pipeline from '../pipeline';
import * as echo from '../echo';

const root = join(__dirname, '..', '..');

/** A seeded PRNG (mulberry32), so "random" sleeps give the same run every time. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What `body` prints with console.log and process.stdout.write, as lines. */
function printed<T>(body: () => T): { lines: string[]; result: T } {
  let out = '';
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out += args.join(' ') + '\n';
  });
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const result = body();
    return { lines: out.trimEnd().split('\n'), result };
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}

async function printedAsync<T>(body: () => Promise<T>): Promise<{ lines: string[]; result: T }> {
  let out = '';
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out += args.join(' ') + '\n';
  });
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const result = await body();
    return { lines: out.trimEnd().split('\n'), result };
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}

test('hello: three count() calls overlap, so they take one second, not three', () => {
  const { lines } = printed(() => simulate(hello.main()));
  expect(lines).toEqual([
    'hello',
    'world',
    'One',
    'One',
    'One',
    'Two',
    'Two',
    'Two',
    'count() three times executed in 1.00 seconds.',
  ]);
});

test('chained: each chain takes the sum of its two sleeps, and the program as long as the slowest chain', () => {
  const { lines } = printed(() => simulate(chained.main([9, 6, 3], seeded(42))));
  const sleeps = new Map<number, number>();
  for (const line of lines) {
    const m = /^part[12]\((\d+).*sleeping for ([\d.]+) seconds\.$/.exec(line);
    if (m !== null) sleeps.set(Number(m[1]), (sleeps.get(Number(m[1])) ?? 0) + Number(m[2]));
  }
  expect([...sleeps.keys()].sort()).toEqual([3, 6, 9]);
  for (const [n, total] of sleeps) {
    expect(lines).toContain(`-->Chained result${n} => result${n}-2 derived from result${n}-1 (took ${total.toFixed(2)} seconds).`);
  }
  const slowest = Math.max(...sleeps.values()).toFixed(2);
  expect(lines.at(-1)).toBe(`Program finished in ${slowest} seconds (the slowest chain took ${slowest}).`);
  // part2 of a chain starts only after its part1 returned.
  for (const n of [3, 6, 9]) {
    expect(lines.indexOf(`Returning part1(${n}) == result${n}-1.`)).toBeLessThan(
      lines.findIndex((l) => l.startsWith(`part2(${n}, `)),
    );
  }
  // The same seed gives the same run, line for line.
  expect(printed(() => simulate(chained.main([9, 6, 3], seeded(42)))).lines).toEqual(lines);
});

test('queue: every item a producer adds is taken by exactly one consumer, and the idle consumers are cancelled', () => {
  const { lines } = printed(() => simulate(queue.main(3, 4, seeded(7))));
  const added = lines.flatMap((l) => /^Producer \d added <(\w+)> to queue\.$/.exec(l)?.[1] ?? []);
  const got = lines.flatMap((l) => /^Consumer \d got element <(\w+)> in [\d.]+ seconds\.$/.exec(l)?.[1] ?? []);
  expect(added.length).toBeGreaterThanOrEqual(3);
  expect([...got].sort()).toEqual([...added].sort());
  expect(lines.at(-1)).toMatch(/^Program completed in [\d.]+ seconds; 4 consumers cancelled\.$/);
});

describe('crawler', () => {
  test('fetches every page of its own site once, over at most `limit` connections at a time', async () => {
    const { lines } = await printedAsync(() => run(crawler.main(3)));
    const expected = Object.entries(crawler.site).map(([path, links]) => `200 ${path} (${links.length} links)`);
    expect(lines.slice(0, -1).sort()).toEqual([...expected, '404 /missing (0 links)'].sort());
    expect(lines[0]).toBe('200 / (3 links)');
    // '/' links to three pages, fetched at once: the bound is reached, and holds.
    expect(lines.at(-1)).toMatch(/^crawled 10 pages in [\d.]+ s, at most 3 connections open at once \(limit 3\)$/);
  });

  test('with a limit of one, fetches one page at a time', async () => {
    const { lines } = await printedAsync(() => run(crawler.main(1)));
    expect(lines.at(-1)).toMatch(/^crawled 10 pages in [\d.]+ s, at most 1 connections open at once \(limit 1\)$/);
  });
});

test('blocking: a blocking call freezes the loop, and the same calls on threads overlap while the loop ticks', async () => {
  const { result: phases } = await printedAsync(() => run(blocking.main(4, 0.1)));
  const [inLoop, toThread, inExecutor] = phases;
  expect(inLoop.ticks).toBe(0); // the ticker could not run at all
  expect(inLoop.took).toBeGreaterThanOrEqual(0.4 - 0.005);
  expect(inExecutor.took).toBeLessThan(0.3); // four threads: the waits overlap
  expect(inExecutor.ticks).toBeGreaterThanOrEqual(1); // and the loop kept running meanwhile
  expect(toThread.took).toBeLessThan(inLoop.took);
  expect(toThread.ticks).toBeGreaterThanOrEqual(1);
});

test('pipeline: tr | sort | uniq -c joined by coroutines prints what /bin/sh prints', async () => {
  const { lines } = await printedAsync(() => run(pipeline.main()));
  expect(lines[0]).toBe('exit codes: 0, 0, 0');
  expect(lines.slice(1, -1).map((l) => l.trim().split(/\s+/))).toEqual([
    ['2', 'cat'],
    ['1', 'mat'],
    ['1', 'on'],
    ['2', 'sat'],
    ['3', 'the'],
  ]);
  expect(lines.at(-1)).toBe("the same as /bin/sh's pipeline: true");
});

test('echo: yieldio clients and real peers get their lines back', async () => {
  const { lines } = await printedAsync(() => run(echo.main()));
  expect(lines.slice(0, 4)).toEqual(['hello from yieldio 1', 'bye', 'hello from yieldio 2', 'bye']);
  const has = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
  const rest = lines.slice(4).join('\n');
  expect(rest).toContain(has('nc') ? 'hello from nc\nbye' : '(nc is not installed; skipped)');
  expect(rest).toContain(has('python3') ? 'hello from python\nbye' : '(python3 is not installed; skipped)');
});

describe('npm run example', () => {
  test('runs an example by name on the real clock', () => {
    const out = execFileSync(process.execPath, [join(root, 'scripts', 'example.mjs'), 'hello'], { encoding: 'utf8' });
    const lines = out.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual(['hello', 'world', 'One', 'One', 'One', 'Two', 'Two', 'Two']);
    expect(lines.at(-1)).toMatch(/^count\(\) three times executed in 1\.0\d seconds\.$/);
  });

  test('an unknown name is refused with the list of examples', () => {
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'example.mjs'), 'helo'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      'npm run example -- NAME: expected one of blocking, chained, crawler, echo, hello, pipeline, queue; got "helo"',
    );
  });
});
