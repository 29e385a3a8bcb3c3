/**
 * The request-body bytes `orchsim serve` holds at once, across every connection, bounded.
 *
 * Each body is read whole before it is decided on (JSON has to be), so without a bound the
 * memory a server needs is the number of clients times the largest body: 24 clients sending
 * 63 MB each kept 1.8 GB resident. A request that declares its size (Content-Length; Go's
 * client, and so kube-scheduler, always does) reserves it before a byte is read; when it does
 * not fit it waits, its socket paused so TCP holds the sender back, first come first served,
 * until earlier bodies are released or the client's request timeout ends it (408). A body sent
 * without a declared size (chunked) takes its chunks as they come and is refused with 503 when
 * the budget is spent: waiting there could deadlock, every reader holding part of the budget.
 */
export class BodyBudget {
  private used = 0;
  private readonly queue: Waiter[] = [];

  /** `limit`: most bytes held at once; at least the largest body accepted, or that body could never be read. */
  constructor(readonly limit: number) {}

  /** Bytes held by bodies being read or decided on. */
  get inFlight(): number {
    return this.used;
  }

  /** Requests waiting for their declared size to fit. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Reserves `bytes` (a declared size, at most `limit`): at once when they fit and nobody waits
   * ahead, else when enough is released. The promise never rejects; `release` withdraws a
   * waiting reservation (the client went away) or returns a granted one (the body is done with).
   */
  reserve(bytes: number): BodyLease {
    if (bytes > this.limit) throw new RangeError(`cannot reserve ${bytes} bytes of a ${this.limit}-byte budget`);
    if (this.queue.length === 0 && this.used + bytes <= this.limit) {
      this.used += bytes;
      let held = true;
      return { heldAtOnce: true, granted: Promise.resolve(), release: () => { if (held) { held = false; this.release(bytes); } } };
    }
    let grant!: () => void;
    const granted = new Promise<void>((resolve) => (grant = resolve));
    const waiter: Waiter = { bytes, grant, state: 'waiting' };
    this.queue.push(waiter);
    return {
      heldAtOnce: false,
      granted,
      release: () => {
        if (waiter.state === 'waiting') {
          waiter.state = 'cancelled';
          this.queue.splice(this.queue.indexOf(waiter), 1);
          this.admit(); // a large request at the head may have been holding smaller ones back
        } else if (waiter.state === 'granted') {
          waiter.state = 'cancelled';
          this.release(bytes);
        }
      },
    };
  }

  /** Takes `bytes` of an undeclared body if they fit now (and nobody waits); false when they do not. */
  tryTake(bytes: number): boolean {
    if (this.queue.length > 0 || this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  /** Returns bytes taken or reserved, and admits waiters that now fit, in arrival order. */
  release(bytes: number): void {
    this.used -= bytes;
    this.admit();
  }

  private admit(): void {
    while (this.queue.length > 0 && this.used + this.queue[0]!.bytes <= this.limit) {
      const waiter = this.queue.shift()!;
      this.used += waiter.bytes;
      waiter.state = 'granted';
      waiter.grant();
    }
  }
}

/** A reservation: `granted` settles when the bytes are held; `release` gives them back (idempotent). */
export interface BodyLease {
  /** Whether the bytes were free when asked for (the usual case): nothing to wait for. */
  readonly heldAtOnce: boolean;
  readonly granted: Promise<void>;
  release(): void;
}

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
  state: 'waiting' | 'granted' | 'cancelled';
}
