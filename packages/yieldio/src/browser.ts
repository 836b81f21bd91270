/**
 * yieldio's entry for browsers and any runtime without Node's built-ins (chosen by the
 * package's `exports` conditions "browser" and "default"; index.ts is Node's, and adds
 * net and threads to this).
 *
 * Everything here runs on a plain JavaScript engine: core (futures, tasks, the loop on a
 * real and a virtual clock), sync (locks, events, semaphores), queues, and sim (the
 * simulated world inside simulate()). A test bundles this module for the browser and
 * checks that no `node:` import is in it.
 */
export * from '@yieldio/core';
export * from '@yieldio/sync';
export * from '@yieldio/queues';
export * from '@yieldio/sim';
