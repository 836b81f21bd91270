// hello: the 10,000-foot view. `hello`, a second's pause, `world`; then count() three
// times at once: the three sleeps overlap, so the whole takes one second, not three.
// The Python original:
//
//     async def count():
//         print("One")
//         await asyncio.sleep(1)
//         print("Two")
//
//     async def main():
//         await asyncio.gather(count(), count(), count())
//
// Run it: npm run example -- hello
import { gather, getRunningLoop, sleep, type Coro } from '@yieldio/core';

function* count(): Coro<void> {
  console.log('One');
  yield* sleep(1);
  console.log('Two');
}

export function* main(): Coro<void> {
  const loop = getRunningLoop();
  console.log('hello');
  yield* sleep(1);
  console.log('world');

  const start = loop.time();
  yield* gather(count(), count(), count());
  console.log(`count() three times executed in ${(loop.time() - start).toFixed(2)} seconds.`);
}
