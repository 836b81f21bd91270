/**
 * TimedPacket: a packet that is its own arrival timer.
 *
 * `SimNetwork._send` puts each packet in the loop's timer heap until it arrives. The
 * heap holds any object of core's `Timer` shape (`_when`, `_seq`, `_scheduled`,
 * `_cancelled`, `_run`), as it holds a `sleep`'s future; a packet that has those fields
 * goes in as it is, numbered from the same counter a `TimerHandle` would be, so the run
 * is the same event for event and the same seed gives the same trace.
 *
 * S1/S2, one per message: replaces `loop._callAt(when, arrive, [net, packet], null)`,
 * which made a TimerHandle and an arguments array per packet (TCP segments and
 * datagrams are TimedPackets). The second copy of a duplicated packet, and a packet sent
 * again while still in the heap, take that plain path.
 */
import type { Timer } from '@yieldio/core/internal';
import type { SimHost } from './host';
import type { Packet, SimNetwork } from './network';

/** A packet with the fields of a timer; see the module note. */
export abstract class TimedPacket implements Packet {
  abstract readonly from: SimHost;
  abstract readonly to: SimHost;
  abstract readonly size: number;
  abstract _arrived(): boolean;
  abstract _dropped(): void;
  _when = 0;
  _seq = 0;
  /** True while it sits in the loop's heap (the loop clears it when it pops it). */
  _scheduled = false;
  readonly _cancelled = false;
  _next: Timer | undefined = undefined;
  _net: SimNetwork | null = null;

  /** Due: as `arrive(net, packet)` run by a TimerHandle, which reports what it throws. */
  _run(): void {
    this._scheduled = false;
    const net = this._net!;
    try {
      net._arrive(this);
    } catch (exc) {
      net.loop.callExceptionHandler({ message: 'Exception in callback arrive()', exception: exc });
    }
  }
}
