/**
 * @yieldio/core/internal: the entry sibling packages use for what core's public types do
 * not show. Each function does on public objects what core's own modules do with the
 * underscore members, and the declarations core publishes leave those members out
 * (scripts/strip-internals.cjs; spec/packaging.test.ts checks the packed files).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import * as core from '@yieldio/core';
import { ContextVar, CancelledError, Handle, InvalidStateError, createTask, getRunningLoop, newVirtualEventLoop, simulate, sleep } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import * as internal from '@yieldio/core/internal';
import {
  LoopBound,
  bindLoop,
  callAtWithContext,
  callSoonWithContext,
  checkLoopOpen,
  createFutureUnchecked,
  killTask,
  pendingCallbacks,
  scheduleHandle,
  scheduleTimer,
} from '@yieldio/core/internal';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { internalMembers, stripText } = require('../../../scripts/strip-internals.cjs') as {
  internalMembers: (text: string, fileName?: string) => [string, number, number][];
  stripText: (text: string, fileName?: string) => string;
};

describe('the internal entry', () => {
  it('shares no name with the public entry', () => {
    const publicNames = new Set(Object.keys(core));
    expect(Object.keys(internal).filter((name) => publicNames.has(name))).toEqual([]);
    expect(Object.keys(internal).sort()).toEqual(
      [
        'LoopBound',
        'bindLoop',
        'callAtWithContext',
        'callSoonWithContext',
        'checkLoopOpen',
        'createFutureUnchecked',
        'killTask',
        'pendingCallbacks',
        'scheduleHandle',
        'scheduleTimer',
      ],
    );
  });

  it('kills a task made through the public entry without running its finally', () => {
    const log = simulate(
      (function* (): Coro<string[]> {
        const log: string[] = [];
        const victim = createTask(
          (function* (): Coro<void> {
            try {
              yield* sleep(10);
            } finally {
              log.push('finally');
            }
          })(),
        );
        yield* sleep(1);
        log.push(`killed: ${killTask(victim, 'host down')}`);
        try {
          yield* victim;
        } catch (exc) {
          log.push(exc instanceof CancelledError ? `CancelledError: ${exc.message}` : String(exc));
        }
        yield* sleep(20);
        log.push(`again: ${killTask(victim)}`);
        return log;
      })(),
    );
    expect(log).toEqual(['killed: true', 'CancelledError: host down', 'again: false']);
  });

  it('runs callbacks in the context given, soon and at a loop time', () => {
    const who = new ContextVar<string>('who', { default: 'nobody' });
    const seen = simulate(
      (function* (): Coro<string[]> {
        const loop = getRunningLoop();
        const seen: string[] = [];
        const context = core.copyContext();
        context.run(() => who.set('transport'));
        callAtWithContext(loop, loop.time() + 5, (at: number) => seen.push(`at ${at}: ${who.get()}`), [loop.time() + 5], context);
        callSoonWithContext(loop, (what: string) => seen.push(`${what}: ${who.get()}`), ['soon'], context);
        callSoonWithContext(loop, () => seen.push(`no context: ${who.get()}`), null, null);
        yield* sleep(10);
        return seen;
      })(),
    );
    expect(seen).toEqual(['soon: transport', 'no context: nobody', 'at 5: transport']);
  });

  it('queues a Handle made once, each time it is scheduled', () => {
    const runs = simulate(
      (function* (): Coro<number> {
        const loop = getRunningLoop();
        let runs = 0;
        const handle = new Handle(() => runs++, null, loop, null);
        scheduleHandle(loop, handle);
        yield* sleep(0);
        scheduleHandle(loop, handle);
        yield* sleep(0);
        return runs;
      })(),
    );
    expect(runs).toBe(2);
  });

  it('puts an object of the Timer shape in the heap, in order with the handles due at the same time', () => {
    const order = simulate(
      (function* (): Coro<string[]> {
        const loop = getRunningLoop();
        const order: string[] = [];
        const at = loop.time() + 5;
        loop.callAt(at, () => order.push('handle before'));
        const timer = {
          _when: 0,
          _seq: 0,
          _scheduled: false,
          _cancelled: false,
          _run(): void {
            this._scheduled = false;
            order.push(`timer at ${loop.time()}`);
          },
        };
        scheduleTimer(loop, timer, at);
        loop.callAt(at, () => order.push('handle after'));
        expect(timer._scheduled).toBe(true);
        yield* sleep(10);
        return order;
      })(),
    );
    expect(order).toEqual(['handle before', 'timer at 5', 'handle after']);
  });

  it('lists the callbacks not yet run, ready and timed, and not a sleep', () => {
    const seen = simulate(
      (function* (): Coro<string[]> {
        const loop = getRunningLoop();
        const sleeper = createTask(sleep(3));
        yield* sleep(0); // the sleeper now waits in the heap, on a timer that is not a Handle
        const soon = loop.callSoon(() => {});
        const later = loop.callLater(5, () => {});
        const pending = pendingCallbacks(loop);
        const seen = [`${pending.length} pending`, `soon ${pending.includes(soon)}`, `later ${pending.includes(later)}`];
        soon.cancel();
        later.cancel();
        yield* sleeper;
        seen.push(`${pendingCallbacks(loop).length} after`);
        return seen;
      })(),
    );
    expect(seen).toEqual(['2 pending', 'soon true', 'later true', '0 after']);
  });

  it('lists every ready callback of a pass longer than one chunk of the ready queue (5000)', () => {
    const loop = newVirtualEventLoop();
    const handles = Array.from({ length: 5000 }, () => loop.callSoon(() => {}));
    const pending = pendingCallbacks(loop);
    expect([pending.length, pending[0] === handles[0], pending[4999] === handles[4999]]).toEqual([5000, true, true]);
    loop.close();
    expect(pendingCallbacks(loop)).toEqual([]);
  });

  it("checks that a loop is open with the loop's own words, naming the method", () => {
    const loop = newVirtualEventLoop();
    expect(() => checkLoopOpen(loop, 'createConnection')).not.toThrow();
    loop.close();
    expect(() => checkLoopOpen(loop, 'createConnection')).toThrow(
      new InvalidStateError('createConnection(): the event loop is closed; create a new one (newEventLoop()) or use run()'),
    );
  });

  it('makes a pending future of the loop that carries its description and waiter-of, as createFuture does', () => {
    const loop = newVirtualEventLoop();
    const gate = { toString: () => '<Gate>' };
    const fut = createFutureUnchecked<number>(loop, { description: 'Gate.wait()', waiterOf: gate });
    expect(fut.getLoop()).toBe(loop);
    expect(fut.done()).toBe(false);
    expect(String(fut)).toBe(String(loop.createFuture({ description: 'Gate.wait()', waiterOf: gate })));
    expect(fut._waiterOf).toBe(gate);
    fut.setResult(7);
    expect(fut.result()).toBe(7);
    loop.close();
  });

  it('binds a primitive to the first loop that waits on it, and names the caller when another loop uses it', () => {
    class Gate extends LoopBound {
      override toString(): string {
        return '<Gate>';
      }
    }
    const gate = new Gate();
    const first = simulate(
      (function* (): Coro<boolean> {
        return bindLoop(gate, 'Gate.wait') === getRunningLoop() && bindLoop(gate, 'Gate.wait') === getRunningLoop();
      })(),
    );
    expect(first).toBe(true);
    expect(() =>
      simulate(
        (function* (): Coro<void> {
          bindLoop(gate, 'Gate.wait');
        })(),
      ),
    ).toThrow(
      new InvalidStateError(
        'Gate.wait(): <Gate> is bound to a different event loop (the first one that waited on it); create one primitive per event loop, inside the code that loop runs',
      ),
    );
  });
});

describe('the declarations core publishes', () => {
  const DTS = `
/** A thing. */
export declare class Thing {
    /** The ready queue (internal). */
    _ready: number[];
    readonly _seq: number;
    #private;
    /** Public. */
    run(_unused: number): void;
    private _step;
    get _state(): string;
}
export interface Shape {
    _kind: 'x';
    _method(): void;
    name: string;
    nested: { _deep: number; shallow: number };
}
`;

  it('leave out every underscore member, with its doc comment, and keep underscore parameters', () => {
    expect(internalMembers(DTS).map(([name]) => name)).toEqual(['_ready', '_seq', '_step', '_state', '_kind', '_method', '_deep']);
    const stripped = stripText(DTS);
    expect(internalMembers(stripped)).toEqual([]);
    expect(stripped).not.toMatch(/internal\)|_ready|_seq|_step|_state|_kind|_method|_deep/);
    expect(stripped).toContain('run(_unused: number): void;');
    expect(stripped).toContain('#private;');
    expect(stripped).toContain('/** Public. */');
    expect(stripped).toMatch(/nested: \{\s*shallow: number;?\s*\}/);
  });
});

describe("the sibling packages' sources", () => {
  it('reach no underscore member of a core class: they go through @yieldio/core/internal', () => {
    // The type-check runs on the sources, where core's internals are visible; this finds
    // at once what the declaration build (against core's stripped .d.ts) would reject.
    const root = join(__dirname, '..', '..', '..');
    const coreSrc = join(root, 'packages', 'core', 'src');
    const files = readdirSync(join(root, 'packages'))
      .filter((name) => name !== 'core' && existsSync(join(root, 'packages', name, 'src')))
      .flatMap((name) =>
        readdirSync(join(root, 'packages', name, 'src'), { recursive: true })
          .map(String)
          .filter((file) => file.endsWith('.ts'))
          .map((file) => join(root, 'packages', name, 'src', file)),
      );
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Preserve,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      customConditions: ['yieldio-source'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
    });
    const checker = program.getTypeChecker();
    const reached: string[] = [];
    for (const file of files) {
      const source = program.getSourceFile(file)!;
      const visit = (node: ts.Node): void => {
        if ((ts.isPropertyAccessExpression(node) || ts.isPropertyAccessChain(node)) && node.name.text.startsWith('_')) {
          const declarations = checker.getSymbolAtLocation(node.name)?.declarations ?? [];
          if (declarations.some((d) => d.getSourceFile().fileName.startsWith(coreSrc))) {
            const { line } = source.getLineAndCharacterOfPosition(node.getStart());
            reached.push(`${relative(root, file)}:${line + 1}: ${node.getText()}`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(files.length).toBeGreaterThan(50);
    expect(reached).toEqual([]);
  }, 60_000);
});
