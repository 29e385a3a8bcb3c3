import { EventQueue } from './event-queue.js';
import { watchedClock } from '../util/call-watch.js';
import { switchedOn } from '../util/switches.js';

/** A handler receives the event's subject id; the engine's clock is already at the event time. */
export type EventHandler = (subject: number) => void;

/**
 * The discrete-event core: a clock, the future event list and a table of handlers indexed by
 * event kind. Nothing here knows about pods or nodes; the cluster simulation registers kinds.
 */
export class Engine {
  readonly queue: EventQueue;
  private readonly handlers: EventHandler[] = [];
  private readonly kindNames: string[] = [];
  private clock = 0;
  private eventsProcessed = 0;
  /**
   * Called every 65,536 events with the current time (for progress displays). It cannot
   * schedule events, so it never changes a result.
   */
  onProgress: ((now: number) => void) | undefined;

  constructor(initialCapacity = 1024) {
    this.queue = new EventQueue(initialCapacity, switchedOn('ORCHSIM_NO_EVENT_LANE'), switchedOn('ORCHSIM_NO_SMALL_EVENT_QUEUE'));
  }

  /** Current simulated time in seconds. */
  get now(): number {
    return this.clock;
  }

  get processed(): number {
    return this.eventsProcessed;
  }

  /** Registers a handler and returns its event kind. At most 256 kinds. */
  defineEvent(name: string, handler: EventHandler): number {
    if (this.handlers.length >= 256) throw new RangeError('too many event kinds (max 256)');
    if (this.kindNames.includes(name)) throw new Error(`event kind "${name}" is already defined`);
    this.handlers.push(handler);
    this.kindNames.push(name);
    return this.handlers.length - 1;
  }

  /** Schedules `kind` for `subject` after `delay` seconds (>= 0). */
  schedule(delay: number, kind: number, subject: number): void {
    if (!(delay >= 0)) throw this.badDelay(delay, kind);
    this.queue.push(this.clock + delay, kind, subject);
  }

  /** Schedules `kind` at absolute time `time` (not before now). */
  scheduleAt(time: number, kind: number, subject: number): void {
    if (!(time >= this.clock)) throw this.beforeNow(time, kind);
    this.queue.push(time, kind, subject);
  }

  // The errors are made apart from schedule and scheduleAt, which V8 inlines into every
  // per-pod caller: their messages' bytecode counted against each caller's inlining budget.
  private badDelay(delay: number, kind: number): RangeError {
    return new RangeError(`negative or NaN delay ${delay} for event "${this.kindNames[kind] ?? kind}"`);
  }

  private beforeNow(time: number, kind: number): RangeError {
    return new RangeError(`event "${this.kindNames[kind] ?? kind}" at ${time} is before now (${this.clock})`);
  }

  /**
   * Runs events with time <= until, in (time, sequence) order, then sets the clock to `until`.
   * Events at exactly `until` are processed.
   */
  run(until: number): void {
    const q = this.queue;
    const handlers = this.handlers;
    // Read by the thread watching a user's plugin (call-watch.ts), to say when a call hung. The
    // cell is taken once a run: a worker installs its watch before it runs anything, and the
    // imported binding, read at every event, was a module-cell load, a hole check and a map
    // check each time.
    const watched = watchedClock;
    // `=== true`: popDue is not inlined here, and the truth of a value V8 knows no type of is a
    // dozen instructions (false, "", undetectable objects, heap numbers, BigInts) at every event.
    while (q.popDue(until) === true) {
      const time = q.time;
      this.clock = time;
      watched[0] = time;
      handlers[q.kind]!(q.subject);
      if ((++this.eventsProcessed & 0xffff) === 0 && this.onProgress) this.onProgress(this.clock);
    }
    if (until > this.clock && Number.isFinite(until)) this.clock = until;
  }

  kindName(kind: number): string {
    return this.kindNames[kind] ?? `#${kind}`;
  }
}
