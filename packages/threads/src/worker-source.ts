/**
 * The program each pool thread runs, as source text (a `Worker` with `eval: true`), so the
 * package needs no separate file on disk to find at run time, bundled or not.
 *
 * A job arrives as `{ id, source, args }`: the thread compiles `source` once (indirect
 * `eval`, so the function sees only the thread's globals, never this module's scope),
 * calls it with the structured-cloned `args`, awaits a returned Promise, and posts back
 * `{ id, ok: true, value }` or `{ id, ok: false, error }`. An error crosses as plain data
 * (name, message, stack), with its own fields that can be cloned (`code`, `errno`,
 * `path`... of Node's errors, which callers test), its `cause` and an AggregateError's
 * `errors` (structured clone alone would keep only name, message and stack), plus
 * `missing`: the variable named by a `ReferenceError` "x is not defined", which is how a
 * function that closed over `x` in the main thread fails here; the pool turns that into
 * the error that says so. A result (or a thrown value) that cannot be cloned fails the
 * job with the DataCloneError and `uncloned` saying which, not the thread.
 *
 * Rejected: checking for closures in the main thread by parsing the source (it would need
 * a JavaScript parser and scope analysis, and would still miss globals the worker lacks);
 * running the function and catching the ReferenceError is exact for the code path taken.
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const compiled = new Map();
const MISSING = /^(\S+) is not defined$/;

function compile(source) {
  let fn = compiled.get(source);
  if (fn === undefined) {
    try {
      fn = (0, eval)('(' + source + '\n)');
    } catch (exc) {
      exc.compile = true;
      throw exc;
    }
    compiled.set(source, fn);
  }
  return fn;
}

// Causes and AggregateError members nest; a cycle stops here.
const MAX_DEPTH = 8;

function describeError(exc, depth) {
  if (!(exc instanceof Error)) return { isError: false, value: exc };
  const missing = exc.name === 'ReferenceError' ? MISSING.exec(exc.message) : null;
  const props = {};
  for (const key of Object.keys(exc)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause' || key === 'errors') continue;
    try {
      props[key] = structuredClone(exc[key]);
    } catch {
      // A field that cannot cross (a socket, a function) stays behind.
    }
  }
  const error = {
    isError: true,
    name: exc.name,
    message: exc.message,
    stack: exc.stack,
    compile: exc.compile === true,
    missing: missing === null ? null : missing[1],
    props,
    cause: undefined,
    errors: undefined,
    uncloned: null,
  };
  if (depth < MAX_DEPTH && Object.hasOwn(exc, 'cause')) error.cause = describeNested(exc.cause, depth);
  if (depth < MAX_DEPTH && Array.isArray(exc.errors)) error.errors = exc.errors.map((member) => describeNested(member, depth));
  return error;
}

function describeNested(value, depth) {
  if (value instanceof Error) return describeError(value, depth + 1);
  try {
    return { isError: false, value: structuredClone(value) };
  } catch {
    return { isError: false, value: String(value) };
  }
}

parentPort.on('message', async (job) => {
  let reply;
  try {
    reply = { id: job.id, ok: true, value: await compile(job.source)(...job.args) };
  } catch (exc) {
    reply = { id: job.id, ok: false, error: describeError(exc, 0) };
  }
  try {
    parentPort.postMessage(reply);
  } catch (exc) {
    // The result (or a thrown non-Error) cannot be structured-cloned: send why instead.
    const error = describeError(exc, 0);
    error.uncloned = reply.ok ? 'result' : 'exception';
    parentPort.postMessage({ id: job.id, ok: false, error });
  }
});
`;
