/**
 * Where futures and tasks were created, recorded only in debug mode (`setDebug(true)`,
 * `run(main(), { debug: true })`): the exception handler prints it beside an error no one
 * retrieved. A WeakMap rather than a field, so a task costs nothing for it outside debug.
 */
export const sourceTracebacks = new WeakMap<object, string>();
