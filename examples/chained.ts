// chained: coroutines that feed each other. Each chain runs part1, then part2 with
// part1's result; the chains run concurrently, so the whole takes as long as the
// slowest chain, not the sum. Sleeps are random (0 to 1 s here; 0 to 10 s in the Python
// original), drawn from `random`, which tests replace with a seeded generator.
// Run it: npm run example -- chained
import { gather, getRunningLoop, sleep, type Coro } from '@yieldio/core';

/** An integer in [0, 10], as Python's random.randint(0, 10). */
function randint(random: () => number): number {
  return Math.floor(random() * 11);
}

function* part1(n: number, random: () => number): Coro<string> {
  const tenths = randint(random);
  console.log(`part1(${n}) sleeping for ${tenths / 10} seconds.`);
  yield* sleep(tenths / 10);
  const result = `result${n}-1`;
  console.log(`Returning part1(${n}) == ${result}.`);
  return result;
}

function* part2(n: number, arg: string, random: () => number): Coro<string> {
  const tenths = randint(random);
  console.log(`part2(${n}, '${arg}') sleeping for ${tenths / 10} seconds.`);
  yield* sleep(tenths / 10);
  const result = `result${n}-2 derived from ${arg}`;
  console.log(`Returning part2(${n}, '${arg}') == ${result}.`);
  return result;
}

function* chain(n: number, random: () => number): Coro<number> {
  const loop = getRunningLoop();
  const start = loop.time();
  const p1 = yield* part1(n, random);
  const p2 = yield* part2(n, p1, random);
  const took = loop.time() - start;
  console.log(`-->Chained result${n} => ${p2} (took ${took.toFixed(2)} seconds).`);
  return took;
}

export function* main(args: number[] = [9, 6, 3], random: () => number = Math.random): Coro<void> {
  const loop = getRunningLoop();
  const start = loop.time();
  const took = yield* gather(...args.map((n) => chain(n, random)));
  const total = loop.time() - start;
  console.log(`Program finished in ${total.toFixed(2)} seconds (the slowest chain took ${Math.max(...took).toFixed(2)}).`);
}
