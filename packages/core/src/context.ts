/**
 * Context variables: Python's `contextvars`, which asyncio tasks run in.
 *
 * A `Context` maps `ContextVar`s to values. Exactly one context is current at any
 * moment; `ctx.run(fn)` makes `ctx` current while `fn` runs. Every task runs its steps
 * in its own context, a copy of the one current when the task was created, so a
 * `ContextVar.set` inside a task is seen by that task (and the tasks it creates) but
 * not by its parent. The loop's `Handle` runs each callback in the context it was
 * scheduled from.
 *
 * Copies are cheap: a context's mapping is never changed in place. `set` replaces the
 * current context's map with a new one (copy-on-write), so `copyContext()` is one
 * allocation however many variables there are, and `set` is O(number of variables).
 * Python uses a HAMT to make `set` O(log n); contexts here hold a handful of
 * variables, so a plain Map copy is simpler and as fast.
 */
import { InvalidStateError, LookupError } from './errors';
import { checkOptions } from './options';

export type Vars = ReadonlyMap<ContextVar<unknown>, unknown>;

/** An immutable mapping of context variables to values, in which a task runs (Python's `contextvars.Context`). */
export class Context {
  /** Never mutated: `ContextVar.set` swaps in a new map. */
  _vars: Vars;
  /** Whether `run` is executing in this context now (Python forbids entering twice). */
  _entered = false;

  constructor(vars: Vars = new Map()) {
    this._vars = vars;
  }

  /** Run `fn(...args)` with this context current, and return what it returns. */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    const prev = enterContext(this);
    try {
      return fn(...args);
    } finally {
      leaveContext(this, prev);
    }
  }

  /** A new context with the same values. */
  copy(): Context {
    return new Context(this._vars);
  }

  /** The value of `variable` in this context, or `defaultValue` when it has none. */
  get<T>(variable: ContextVar<T>, defaultValue?: T): T | undefined {
    return this._vars.has(variable) ? (this._vars.get(variable) as T) : defaultValue;
  }

  /** Whether `variable` has a value in this context (Python's `var in ctx`). */
  has(variable: ContextVar<unknown>): boolean {
    return this._vars.has(variable);
  }

  /** The variables with a value in this context (Python's `Context.keys`). */
  keys(): IterableIterator<ContextVar<unknown>> {
    return this._vars.keys();
  }

  get size(): number {
    return this._vars.size;
  }
}

/** The root context: current whenever no `Context.run` is active. */
let current: Context = new Context();

/** Make `ctx` current; returns the context to restore. Internal: the task step uses it. */
export function enterContext(ctx: Context): Context {
  if (ctx._entered) {
    throw new InvalidStateError(
      'Context.run(): cannot enter a context that is already entered; use ctx.copy().run(...) to run in a copy',
    );
  }
  ctx._entered = true;
  const prev = current;
  current = ctx;
  return prev;
}

export function leaveContext(ctx: Context, prev: Context): void {
  ctx._entered = false;
  current = prev;
}

/** A copy of the current context (Python's `contextvars.copy_context()`). */
export function copyContext(): Context {
  return new Context(currentVars());
}

/** The context current now. */
export function currentContext(): Context {
  if (current === taskStepContext) return promoteStepContext();
  return current;
}

// ---- Tasks' contexts, copied when first observed (W2 and W4 in bench/) -----------------
//
// asyncio copies the current context into every task it creates. A copy is a Context
// around the same immutable map of variables, and most tasks never set a variable nor
// ask for their context: so a task keeps only that map (`takeVars()`) and runs its steps
// in `taskStepContext`, one Context shared by such tasks, whose map is set to the task's
// at each step (`enterTaskVars`). The task gets a Context of its own (`promote`) the first
// time anything could tell the shared one from a copy: `task.getContext()`,
// `currentContext()`, `ContextVar.set` or `reset` (a Token keeps its context). A task
// whose step starts while the shared context is in use (an eager task started inside
// another's step) gets its own at once. This saves a Context (40 bytes) per task; the
// plain code it replaces is `this._context = copyContext()` in the Task constructor and
// `enterContext(this._context)` in its step.

/** The map of variables of the current context, as a task created now keeps it. */
export function currentVars(): Vars {
  if (current === taskStepContext && stepOwner !== null && stepOwner._context instanceof Context) return stepOwner._context._vars;
  return current._vars;
}

/** What a task holds: its own Context, or the variables it was created with (see above). */
export interface ContextHolder {
  _context: Context | Vars;
}

/** The Context shared by the steps of tasks that hold only variables. */
const taskStepContext = new Context();
/** The task whose step `taskStepContext` serves now, or null. */
let stepOwner: ContextHolder | null = null;
/** Whether `stepOwner` got its own Context during this step (see `promote`). */
let stepPromoted = false;

/** Enter `owner`'s context for a step; returns the context to restore with `leaveTaskContext`. */
export function enterTaskContext(owner: ContextHolder): Context {
  const ctx = owner._context;
  // `ctx instanceof Context`, spelt as a field test: instanceof on a Map walks its
  // prototype chain, a few ns at every step (W1).
  if ((ctx as Context)._entered !== undefined) return enterContext(ctx as Context);
  if (taskStepContext._entered) return enterContext(promote(owner));
  // enterContext(taskStepContext), inlined: this runs at every step of most tasks.
  taskStepContext._vars = ctx as Vars;
  taskStepContext._entered = true;
  stepOwner = owner;
  const prev = current;
  current = taskStepContext;
  return prev;
}

/** Leave the context `enterTaskContext(owner)` entered (even if the step promoted it). */
export function leaveTaskContext(owner: ContextHolder, prev: Context): void {
  if (stepOwner === owner) {
    stepOwner = null;
    taskStepContext._entered = false;
    // Promoted during the step: its own context was entered in place of the shared one.
    if (stepPromoted) {
      stepPromoted = false;
      (owner._context as Context)._entered = false;
    }
  } else {
    (owner._context as Context)._entered = false;
  }
  current = prev;
}

/** `owner`'s own Context, made now from the variables it holds. */
export function promote(owner: ContextHolder): Context {
  const held = owner._context;
  if (held instanceof Context) return held;
  const ctx = new Context(held);
  owner._context = ctx;
  if (stepOwner === owner) {
    // Its step is running in the shared context: the new one takes its place.
    ctx._entered = true;
    stepPromoted = true;
    if (current === taskStepContext) current = ctx;
  }
  return ctx;
}

/** The running task's own Context, in place of the shared one (see above). */
function promoteStepContext(): Context {
  if (stepOwner === null) return current;
  const ctx = promote(stepOwner);
  current = ctx;
  return ctx;
}


const MISSING: unique symbol = Symbol('MISSING');

/** A variable whose value depends on the current context (Python's `ContextVar`). */
export class ContextVar<T> {
  readonly name: string;
  readonly #default: T | typeof MISSING;

  constructor(name: string, options?: { default?: T }) {
    if (typeof name !== 'string') {
      throw new TypeError(`ContextVar(): expected a name (a string), got ${typeof name}`);
    }
    checkOptions('ContextVar()', options, ['default']);
    this.name = name;
    Object.defineProperty(this, 'name', { writable: false });
    this.#default = options !== undefined && 'default' in options ? (options.default as T) : MISSING;
  }

  /**
   * The value in the current context; else `defaultValue` if given; else the default the
   * variable was created with; else throws `LookupError`.
   */
  get(...defaultValue: [] | [T]): T {
    const vars = currentVars();
    if (vars.has(this)) return vars.get(this) as T;
    if (defaultValue.length > 0) return defaultValue[0] as T;
    if (this.#default !== MISSING) return this.#default;
    throw new LookupError(
      `ContextVar.get(): ${JSON.stringify(this.name)} has no value in this context and no default; ` +
        `set it first, or pass a default: variable.get(fallback)`,
    );
  }

  /** Set the value in the current context; the token undoes it with `reset`. */
  set(value: T): Token<T> {
    const ctx = current === taskStepContext ? promoteStepContext() : current;
    const vars = ctx._vars;
    const token = new Token(ctx, this, vars.has(this) ? (vars.get(this) as T) : MISSING);
    const next = new Map(vars);
    next.set(this, value);
    ctx._vars = next;
    return token;
  }

  /** Restore the value the variable had before the `set` that returned `token`. */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) {
      throw new TypeError(`ContextVar.reset(): expected a Token from set(), got ${typeof token}`);
    }
    if (token.used) {
      throw new InvalidStateError(`ContextVar.reset(): this token of ${JSON.stringify(this.name)} has already been used once`);
    }
    if (token.var !== this) {
      throw new TypeError(
        `ContextVar.reset(): the token was created by ContextVar ${JSON.stringify(token.var.name)}, not ${JSON.stringify(this.name)}`,
      );
    }
    if (current === taskStepContext) promoteStepContext();
    if (token.context !== current) {
      throw new InvalidStateError(
        `ContextVar.reset(): the token of ${JSON.stringify(this.name)} was created in a different Context; reset it where it was set`,
      );
    }
    const next = new Map(current._vars);
    if (token.oldValue === MISSING) next.delete(this);
    else next.set(this, token.oldValue);
    current._vars = next;
    token.used = true;
  }

  /** `<ContextVar name=...>`, as Python's `repr`. */
  toString(): string {
    return `<ContextVar name=${JSON.stringify(this.name)}>`;
  }
}

/** What `ContextVar.set` returns, for `reset`. Python `contextvars.Token`. */
export class Token<T> {
  used = false;
  /** The variable whose `set` returned this token (Python's `Token.var`). */
  readonly var: ContextVar<T>;
  constructor(
    readonly context: Context,
    variable: ContextVar<T>,
    readonly oldValue: T | typeof MISSING,
  ) {
    this.var = variable;
  }

  /** The same as `var`, the name this had first; kept for code written against it. */
  get variable(): ContextVar<T> {
    return this.var;
  }

  /** Token.MISSING: `oldValue` when the variable had no value before the `set`. */
  static readonly MISSING: typeof MISSING = MISSING;
}
