/**
 * yieldio: the one import, as Python's `import asyncio` is. This is the Node entry.
 *
 * It re-exports the public names of every scoped package, so
 * `import { run, sleep, Queue, Lock, openConnection, toThread } from 'yieldio'` needs
 * nothing else. Importing it on Node also installs what core leaves open because it runs
 * in browsers: `@yieldio/net` gives every real loop Node's network, subprocesses and
 * signal handlers, and `@yieldio/threads` gives it a worker-thread pool as its default
 * executor (`toThread`, `loop.runInExecutor`). Those two imports are the side effects
 * this package declares in `sideEffects`.
 *
 * A browser, or any runtime without Node's built-ins, gets browser.ts instead through
 * the package's `exports` conditions ("browser", and the neutral "default"): core, sync,
 * queues and sim, and never a Node module. The scoped packages stay for a small install.
 */
// The same list as browser.ts, repeated rather than `export * from './browser'`: a
// bundler that inlines the local module turns re-exports of packages it keeps external
// into a runtime copy, which Node's ESM loader cannot see as named exports.
export * from '@yieldio/core';
export * from '@yieldio/sync';
export * from '@yieldio/queues';
export * from '@yieldio/sim';
export * from '@yieldio/net';
export * from '@yieldio/threads';
