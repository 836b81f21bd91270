/**
 * LoopBound: a primitive belongs to the first event loop it has to wait on (asyncio
 * `mixins._LoopBoundMixin`, 3.10+).
 *
 * A primitive is created without a loop (`new Lock()` works anywhere, even before a loop
 * runs) and binds to the running loop the first time it creates a future, that is, the
 * first time some task has to wait. An acquire that does not wait never binds. Using it
 * from another loop afterwards is a mistake (its futures would belong to the wrong loop)
 * and throws at once, rather than leaving a task waiting on a future no loop will run.
 *
 * In core so that every package binds the same way, with one message: sync's locks,
 * events and semaphores and queues' queues extend it and bind through
 * `@yieldio/core/internal` (`bindLoop(this, 'Lock.acquire')`; internal.ts).
 */
import { InvalidStateError } from './errors';
import { getRunningLoop } from './running';
import type { EventLoop } from './loop';
import { noteCreationSite } from './debug';

/** A primitive bound to the first event loop that waits on it (asyncio `mixins._LoopBoundMixin`). */
export class LoopBound {
  _loop: EventLoop | null = null;

  constructor() {
    // In debug mode, where the primitive was made: a DeadlockError names it by that line.
    noteCreationSite(this, new.target);
  }

  /** The running loop, which must be this primitive's loop (binding it on first use). */
  _getLoop(caller: string): EventLoop {
    const loop = getRunningLoop(caller);
    if (this._loop === null) {
      this._loop = loop;
    } else if (loop !== this._loop) {
      throw new InvalidStateError(
        `${caller}(): ${this} is bound to a different event loop (the first one that waited on it); ` +
          'create one primitive per event loop, inside the code that loop runs',
      );
    }
    return loop;
  }
}
