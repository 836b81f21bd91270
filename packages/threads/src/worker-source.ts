/**
 * The program each pool thread runs, as source text (a `Worker` with `eval: true`), so the
 * package needs no separate file on disk to find at run time, bundled or not.
 *
 * A job arrives as `{ id, fn, source, args }`: `fn` numbers the function's source text,
 * which comes along (`source`) only the first time this thread sees it. The thread
 * compiles it once (indirect `eval`, so the function sees only the thread's globals, never
 * this module's scope), calls it with the structured-cloned `args`, awaits a returned
 * Promise (a thenable; any other result is posted at once), and posts back
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
// W8: compiled functions by the pool's source id, so a job after the first carries the id
// only (plain code: a Map keyed by the source text, sent and looked up on every job).
const compiled = [];
const MISSING = /^(\S+) is not defined$/;

function compile(id, source) {
  let fn = compiled[id];
  if (fn === undefined) {
    try {
      fn = (0, eval)('(' + source + '\n)');
    } catch (exc) {
      exc.compile = true;
      throw exc;
    }
    compiled[id] = fn;
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

function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';
}

// W8: a result that is not a thenable is posted at once; the plain code, an async handler
// that awaited fn(...args), spent a Promise and a microtask on every job for the same value.
parentPort.on('message', (job) => {
  let value;
  let thenable;
  try {
    value = compile(job.fn, job.source)(...job.args);
    thenable = isThenable(value);
  } catch (exc) {
    reply(job, { id: job.id, ok: false, error: describeError(exc, 0) });
    return;
  }
  if (!thenable) {
    reply(job, { id: job.id, ok: true, value });
    return;
  }
  Promise.resolve(value).then(
    (settled) => reply(job, { id: job.id, ok: true, value: settled }),
    (exc) => reply(job, { id: job.id, ok: false, error: describeError(exc, 0) }),
  );
});

function reply(job, message) {
  try {
    parentPort.postMessage(message);
  } catch (exc) {
    // The result (or a thrown non-Error) cannot be structured-cloned: send why instead.
    const error = describeError(exc, 0);
    error.uncloned = message.ok ? 'result' : 'exception';
    parentPort.postMessage({ id: job.id, ok: false, error });
  }
}
`;
