import type { LoadEvent, ServiceLoad } from '../api/workload.js';

/** How one load event went: how long until ready capacity covered the offered rate again. */
export interface LoadEventOutcome {
  readonly kind: LoadEvent['kind'];
  readonly at: number;
  readonly factor: number;
  /**
   * Seconds from the event's onset until ready replicas x capacity covered the offered rate
   * again for good: the start of the stretch of enough capacity that reaches the event's peak.
   * 0 when capacity never fell short; null when it was still short when the event ended (or at
   * the horizon).
   */
  readonly timeToCapacitySeconds: number | null;
}

/**
 * The request accounting of one service: offered and served requests and the time below the
 * served-fraction objective, integrated over time with the number of ready replicas as a step
 * function (the caller advances it before every change of that number). Within a step the rate
 * is integrated by the midpoint rule on sub-steps of at most `load.step` seconds.
 */
export class ServiceTraffic {
  offered = 0;
  served = 0;
  /** Seconds with served / offered below the objective. */
  belowSlo = 0;
  private lastT: number;
  private nextEvent = 0;
  private readonly events: readonly LoadEvent[];
  private readonly open: number[] = [];
  private readonly outcome: (number | null | undefined)[];
  /** Per event: capacity fell short since its onset; start of the current stretch of enough capacity (NaN while short). */
  private readonly short: boolean[];
  /**
   * A typed array: as a plain array of event times (small integers, as a scenario writes them)
   * its first NaN changed its element kind and the compiled checkEvents and advance with it
   * (bench/README.md, "Autoscaled week, sixth pass").
   */
  private readonly enoughSince: Float64Array;
  /**
   * Events not yet decided (not yet open, or open): the HPA's sync advances every service every
   * 15 s, and one number of this object's own answers "none" without loading two arrays.
   */
  private undecided: number;
  // The load model's figures as own fields: read at every advance and sync, one object fewer.
  private readonly curve: ServiceLoad['curve'];
  private readonly step: number;
  private readonly slo: number;
  private readonly capacityPerReplica: number;
  private readonly maxUtilization: number;
  private readonly utilizationAtCapacity: number;

  constructor(readonly load: ServiceLoad, start: number) {
    this.lastT = start;
    this.curve = load.curve;
    this.step = load.step;
    this.slo = load.slo;
    this.capacityPerReplica = load.capacityPerReplica;
    this.maxUtilization = load.maxUtilization;
    this.utilizationAtCapacity = load.utilizationAtCapacity;
    this.events = [...load.curve.events].sort((a, b) => a.at - b.at || a.peakAt - b.peakAt);
    this.outcome = this.events.map(() => undefined);
    this.short = this.events.map(() => false);
    this.enoughSince = Float64Array.from(this.events, (e) => e.at);
    // Written twice: a field no object has changed since construction is compiled as a constant,
    // and its first change (an event decided) would throw that code away (bench/README.md,
    // "Autoscaled week, sixth pass").
    this.undecided = -1;
    this.undecided = this.events.length;
  }

  /** Offered requests per second now. */
  rate(t: number): number {
    return this.curve.rate(t);
  }

  /** CPU use of each ready replica as a fraction of its request (NaN with no ready replica). */
  cpuUtilization(t: number, ready: number): number {
    return this.utilizationAt(this.rate(t), ready);
  }

  /** cpuUtilization at a rate already read (a sync reads the rate once). */
  utilizationAt(rate: number, ready: number): number {
    if (ready <= 0) return NaN;
    return Math.min(this.maxUtilization, (rate / (ready * this.capacityPerReplica)) * this.utilizationAtCapacity);
  }

  /** Accounts for [last advance, now) with `ready` replicas serving. */
  advance(now: number, ready: number): void {
    const t0 = this.lastT;
    if (!(now > t0)) return;
    const curve = this.curve;
    const step = this.step;
    const slo = this.slo;
    const capacity = ready * this.capacityPerReplica;
    const n = Math.ceil((now - t0) / step);
    const h = (now - t0) / n;
    for (let k = 0; k < n; k++) {
      const a = t0 + k * h;
      if (this.undecided > 0) this.checkEvents(a, capacity);
      const r = curve.rate(a + h / 2);
      const s = r < capacity ? r : capacity;
      this.offered += r * h;
      this.served += s * h;
      if (r > 0 && s < slo * r) this.belowSlo += h;
    }
    this.lastT = now;
  }

  /** Final outcomes; call after the last advance. */
  outcomes(horizon: number): LoadEventOutcome[] {
    return this.events.filter((e) => e.at <= horizon).map((e, i) => {
      const o = this.outcome[i];
      return { kind: e.kind, at: e.at, factor: e.factor, timeToCapacitySeconds: o === undefined ? null : o };
    });
  }

  private checkEvents(t: number, capacity: number): void {
    while (this.nextEvent < this.events.length && this.events[this.nextEvent]!.at <= t) this.open.push(this.nextEvent++);
    if (this.open.length === 0) return;
    const enough = capacity >= this.curve.rate(t);
    for (let i = this.open.length - 1; i >= 0; i--) {
      const k = this.open[i]!;
      const e = this.events[k]!;
      if (!enough) {
        this.short[k] = true;
        this.enoughSince[k] = NaN;
      } else if (Number.isNaN(this.enoughSince[k]!)) {
        this.enoughSince[k] = t;
      }
      if (enough && t >= e.peakAt) this.outcome[k] = this.short[k] ? this.enoughSince[k]! - e.at : 0;
      else if (t >= e.end) this.outcome[k] = null;
      else continue;
      this.open.splice(i, 1);
      this.undecided--;
    }
  }
}
