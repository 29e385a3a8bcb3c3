/**
 * Request-rate curves of the service load model: requests per second as a function of simulated
 * time in seconds. A curve is a base rate (constant, diurnal, or a replayed trace) multiplied by
 * modifiers: steps, spikes and random bursts. It is described by plain data (LoadCurveSpec, which
 * the scenario layer maps YAML onto), built once by loadCurve(), then evaluated millions of times
 * by the simulator (a week at 5 s steps for 100 services is 12M calls). So everything is
 * precomputed into flat typed arrays at build time and rate() allocates nothing.
 */
import type { Distribution } from '../api/distribution.js';
import { sample } from '../util/distributions.js';
import { formatPath } from '../util/errors.js';
import type { RandomStream } from '../util/random.js';

// ---------------------------------------------------------------------------------------------
// Public types.

/**
 * One change of load that the simulator measures reactions to ("time from spike to enough
 * capacity"). The multiplier on the base rate is 1 before `at`, moves linearly to `factor` by
 * `peakAt`, and is back to 1 at `end`.
 */
export interface LoadEvent {
  readonly kind: 'spike' | 'step' | 'burst';
  /** Onset: the multiplier starts to move away from 1. */
  readonly at: number;
  /** End of the rising ramp: the multiplier is `factor` from here; = `at` without a ramp. */
  readonly peakAt: number;
  /** The multiplier is 1 again (end of the falling ramp); Infinity for a step, which holds. */
  readonly end: number;
  /** Multiplier at the peak: 3 triples the load, 0.5 halves it. */
  readonly factor: number;
}

/**
 * Requests per second as a function of simulated time (seconds). `rate` is defined for every
 * time and is never negative; `integrate()` works on [0, horizon].
 */
export interface LoadCurve {
  rate(t: number): number;
  /** The curve's events (steps, spikes, bursts) sorted by onset. */
  readonly events: readonly LoadEvent[];
  /** End of the simulated period the curve was built for (bursts are drawn up to it). */
  readonly horizon: number;
  /**
   * The times in (0, horizon) where the curve changes shape (a jump or a kink: trace bin edges,
   * ramp starts and ends), ascending. Between two of them the rate is the base rate times a
   * polynomial, which integrate() treats exactly. Absent: the curve is smooth everywhere.
   */
  readonly breakpoints?: Float64Array | undefined;
  /**
   * Longest stretch integrate() covers with one 5-point Gauss-Legendre rule. Absent or Infinity:
   * the rate is a polynomial of degree <= 9 between breakpoints, which that rule integrates
   * exactly. A diurnal base sets a sixteenth of its period (error below 1e-15 relative).
   */
  readonly integrationStep?: number | undefined;
}

/**
 * A trace as a rate histogram: bin i covers trace seconds [i * binSeconds, (i + 1) * binSeconds)
 * and rates[i] is its requests per second. Made by rateBins() in azure-llm.ts.
 */
export interface RateBins {
  readonly binSeconds: number;
  readonly rates: Float64Array;
}

/**
 * mean * (1 + amplitude * cos(2 pi (t - peakAt) / period)): the same sinusoid as
 * mean * (1 + amplitude * sin(2 pi (t - phase) / period)) with phase = peakAt - period / 4 (the
 * time of the mean on the rise). The peak time is given rather than the phase because that is
 * what operators know ("busiest at 14:00" is peakAt 50400).
 */
export interface DiurnalSpec {
  /** Requests per second averaged over a period. */
  readonly mean: number;
  /** In [0, 1]: the rate swings between mean * (1 - amplitude) and mean * (1 + amplitude). */
  readonly amplitude: number;
  /** Seconds; default 86400 (a day). */
  readonly period?: number | undefined;
  /** Time of the maximum, seconds; default period / 4 (the rate is the mean and rising at 0). */
  readonly peakAt?: number | undefined;
}

/**
 * Replay of `opts.trace` (rateBins()). Simulated time = trace time * timeScale, and the rate at
 * simulated time t is rateScale * (trace rate at t / timeScale): timeScale stretches the trace's
 * shape without changing its rates, so the requests replayed scale by timeScale * rateScale.
 */
export interface TraceReplaySpec {
  /** Simulated seconds per trace second; default 1. 24 plays a one-hour trace as a day. */
  readonly timeScale?: number | undefined;
  /** Multiplies every rate; default 1. */
  readonly rateScale?: number | undefined;
  /** Repeat the trace until the horizon; default true. Without it the rate is 0 after its end. */
  readonly loop?: boolean | undefined;
}

export type BaseLoadSpec =
  | { readonly constant: number }
  | { readonly diurnal: DiurnalSpec }
  | { readonly trace: TraceReplaySpec };

/** From `at` the rate is multiplied by `factor` for good, reached linearly over `ramp` seconds. */
export interface StepSpec {
  readonly at: number;
  readonly factor: number;
  /** Seconds; default 0 (a jump). */
  readonly ramp?: number | undefined;
}

/**
 * A spike: the multiplier rises linearly from 1 at `at` to `factor` at `at + ramp`, holds for
 * `duration` (the plateau alone, ramps excluded), then falls linearly over another `ramp` back
 * to 1 at `at + 2 ramp + duration`.
 */
export interface SpikeSpec {
  readonly at: number;
  readonly factor: number;
  /** Plateau seconds, excluding both ramps. */
  readonly duration: number;
  /** Seconds of each of the two ramps; default 0. */
  readonly ramp?: number | undefined;
}

/**
 * Random spikes: onsets form a Poisson process of `rate` bursts per second over [0, horizon);
 * each burst's factor and plateau duration are drawn from the distributions, in that order after
 * its inter-arrival gap, from the stream handed to loadCurve() (same seed, same bursts). Draws
 * below 0 count as 0.
 */
export interface BurstsSpec {
  /** Bursts per second (1 / mean seconds between onsets). */
  readonly rate: number;
  readonly factor: Distribution;
  /** Plateau seconds, excluding the ramps, as for a spike. */
  readonly duration: Distribution;
  /** Seconds of each ramp; default 0. */
  readonly ramp?: number | undefined;
}

/** A request-rate curve as plain data; modifiers multiply the base and each other. */
export interface LoadCurveSpec {
  readonly base: BaseLoadSpec;
  readonly steps?: readonly StepSpec[] | undefined;
  readonly spikes?: readonly SpikeSpec[] | undefined;
  readonly bursts?: BurstsSpec | undefined;
}

export interface LoadCurveOptions {
  /** End of the simulated period, seconds: bursts and breakpoints are generated up to it. */
  readonly horizon: number;
  /** The stream the bursts are drawn from; used only when the spec has bursts. */
  readonly stream: RandomStream;
  /** The bins a `trace` base replays. */
  readonly trace?: RateBins | undefined;
}

/** A problem with a LoadCurveSpec: the path inside the spec and what was expected. */
export interface LoadSpecIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// Validation.

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Every problem of a spec, as data, so that the scenario layer can report them with its file and
 * path prefix. Empty when loadCurve() accepts the spec.
 */
export function loadCurveIssues(spec: LoadCurveSpec, opts: Pick<LoadCurveOptions, 'horizon' | 'trace'>): LoadSpecIssue[] {
  const issues: LoadSpecIssue[] = [];
  const add = (path: readonly (string | number)[], message: string) => issues.push({ path, message });
  const nonNegative = (path: readonly (string | number)[], v: unknown, what: string) => {
    if (!(isNum(v) && v >= 0)) add(path, `expected ${what} >= 0, got ${String(v)}`);
  };
  const positive = (path: readonly (string | number)[], v: unknown, what: string) => {
    if (!(isNum(v) && v > 0)) add(path, `expected ${what} > 0, got ${String(v)}`);
  };
  const finite = (path: readonly (string | number)[], v: unknown, what: string) => {
    if (!isNum(v)) add(path, `expected ${what} to be a finite number, got ${String(v)}`);
  };

  if (!(isNum(opts.horizon) && opts.horizon > 0)) add(['horizon'], `expected a horizon > 0 seconds, got ${String(opts.horizon)}`);
  const base = spec.base as Partial<Record<'constant' | 'diurnal' | 'trace', unknown>> | undefined;
  const kinds = base ? (['constant', 'diurnal', 'trace'] as const).filter((k) => base[k] !== undefined) : [];
  if (kinds.length !== 1) {
    add(['base'], `expected exactly one of constant, diurnal, trace, got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`);
  } else if ('constant' in spec.base) {
    nonNegative(['base', 'constant'], spec.base.constant, 'a constant rate (requests per second)');
  } else if ('diurnal' in spec.base) {
    const d = spec.base.diurnal;
    nonNegative(['base', 'diurnal', 'mean'], d.mean, 'a mean rate (requests per second)');
    if (!(isNum(d.amplitude) && d.amplitude >= 0 && d.amplitude <= 1)) {
      add(['base', 'diurnal', 'amplitude'], `expected an amplitude in [0, 1] (1 swings the rate down to 0), got ${String(d.amplitude)}`);
    }
    if (d.period !== undefined) positive(['base', 'diurnal', 'period'], d.period, 'a period in seconds');
    if (d.peakAt !== undefined) finite(['base', 'diurnal', 'peakAt'], d.peakAt, 'peakAt (seconds)');
  } else {
    const tr = spec.base.trace;
    if (tr.timeScale !== undefined) positive(['base', 'trace', 'timeScale'], tr.timeScale, 'a timeScale (simulated seconds per trace second)');
    if (tr.rateScale !== undefined) nonNegative(['base', 'trace', 'rateScale'], tr.rateScale, 'a rateScale');
    const bins = opts.trace;
    if (!bins) add(['base', 'trace'], 'a trace base needs the trace bins (opts.trace), got none');
    else {
      if (!(isNum(bins.binSeconds) && bins.binSeconds > 0)) add(['base', 'trace'], `expected trace bins of > 0 seconds, got ${String(bins.binSeconds)}`);
      if (bins.rates.length === 0) add(['base', 'trace'], 'expected at least one trace bin, got none');
      const bad = bins.rates.findIndex((r) => !(Number.isFinite(r) && r >= 0));
      if (bad >= 0) add(['base', 'trace'], `expected trace rates >= 0, got ${bins.rates[bad]} in bin ${bad}`);
    }
  }
  (spec.steps ?? []).forEach((s, i) => {
    finite(['steps', i, 'at'], s.at, 'at (seconds)');
    nonNegative(['steps', i, 'factor'], s.factor, 'a factor');
    if (s.ramp !== undefined) nonNegative(['steps', i, 'ramp'], s.ramp, 'a ramp in seconds');
  });
  (spec.spikes ?? []).forEach((s, i) => {
    finite(['spikes', i, 'at'], s.at, 'at (seconds)');
    nonNegative(['spikes', i, 'factor'], s.factor, 'a factor');
    nonNegative(['spikes', i, 'duration'], s.duration, 'a duration in seconds (the plateau)');
    if (s.ramp !== undefined) nonNegative(['spikes', i, 'ramp'], s.ramp, 'a ramp in seconds');
  });
  const b = spec.bursts;
  if (b) {
    nonNegative(['bursts', 'rate'], b.rate, 'a burst rate (bursts per second)');
    if (b.ramp !== undefined) nonNegative(['bursts', 'ramp'], b.ramp, 'a ramp in seconds');
    if (!b.factor) add(['bursts', 'factor'], 'expected a distribution of factors, got none');
    if (!b.duration) add(['bursts', 'duration'], 'expected a distribution of durations, got none');
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Building.

const BASE_CONSTANT = 0;
const BASE_DIURNAL = 1;
const BASE_TRACE = 2;

/** Gauss-Legendre 5-point rule on [-1, 1]: exact for polynomials of degree <= 9. */
const GL_NODES = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664] as const;
const GL_WEIGHTS = [0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891] as const;

/** An event with its four knots; plateauEnd = end = Infinity for a step. */
interface Knots {
  readonly at: number;
  readonly peakAt: number;
  readonly plateauEnd: number;
  readonly end: number;
  readonly factor: number;
}

/**
 * The product of all event multipliers as a piecewise polynomial: between consecutive knots every
 * event is linear, so segment i (from start[i] to start[i + 1]) is a constant times a product of
 * a few linear ramps rampValue + rampRise * u, u = (t - start[i]) / (start[i + 1] - start[i]).
 * Ramps are interpolated over the segment rather than stored as slopes, because a ramp of a
 * denormal number of seconds has an infinite slope. A ramp always ends at a knot, so the last
 * segment (unbounded) has none. Struct of arrays, as the simulator reads it in its hot loop.
 */
interface Multiplier {
  readonly start: Float64Array;
  readonly factor: Float64Array;
  /** Ramps of segment i are rampValue/rampRise[rampFrom[i] .. rampFrom[i + 1]). */
  readonly rampFrom: Int32Array;
  /** The ramp's multiplier at the segment's start. */
  readonly rampValue: Float64Array;
  /** Its change from the segment's start to its end. */
  readonly rampRise: Float64Array;
}

function buildMultiplier(events: readonly Knots[]): Multiplier {
  const knotList: number[] = [];
  for (const e of events) for (const k of [e.at, e.peakAt, e.plateauEnd, e.end]) if (Number.isFinite(k)) knotList.push(k);
  const sorted = Float64Array.from(knotList).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (n === 0 || sorted[i]! !== sorted[n - 1]!) sorted[n++] = sorted[i]!;
  const start = sorted.slice(0, n);
  const factor = new Float64Array(n);
  const rampFrom = new Int32Array(n + 1);
  const values: number[] = [];
  const rises: number[] = [];
  const byOnset = [...events].sort((a, b) => a.at - b.at);
  let next = 0;
  let active: Knots[] = [];
  // Steps whose ramp is over multiply every later segment by a constant: fold them here so the
  // active list holds only what still changes.
  let settled = 1;
  // Multiplier of a ramp from v0 at t0 to v1 at t1, at x in [t0, t1].
  const along = (v0: number, v1: number, t0: number, t1: number, x: number) => v0 + (v1 - v0) * ((x - t0) / (t1 - t0));
  for (let i = 0; i < n; i++) {
    const s = start[i]!;
    const s1 = start[i + 1] ?? Infinity;
    while (next < byOnset.length && byOnset[next]!.at <= s) active.push(byOnset[next++]!);
    let constant = settled;
    const still: Knots[] = [];
    for (const e of active) {
      if (s >= e.end) continue;
      if (s < e.peakAt) {
        const v = along(1, e.factor, e.at, e.peakAt, s);
        values.push(v);
        rises.push(along(1, e.factor, e.at, e.peakAt, s1) - v);
      } else if (s < e.plateauEnd) {
        if (e.plateauEnd === Infinity) {
          settled *= e.factor;
          constant *= e.factor;
          continue;
        }
        constant *= e.factor;
      } else {
        const v = along(e.factor, 1, e.plateauEnd, e.end, s);
        values.push(v);
        rises.push(along(e.factor, 1, e.plateauEnd, e.end, s1) - v);
      }
      still.push(e);
    }
    active = still;
    factor[i] = constant;
    rampFrom[i + 1] = values.length;
  }
  return { start, factor, rampFrom, rampValue: Float64Array.from(values), rampRise: Float64Array.from(rises) };
}

function drawBursts(b: BurstsSpec, horizon: number, stream: RandomStream): Knots[] {
  const out: Knots[] = [];
  if (!(b.rate > 0)) return out;
  const gap = 1 / b.rate;
  const ramp = b.ramp ?? 0;
  for (let t = stream.exponential(gap); t < horizon; t += stream.exponential(gap)) {
    const factor = Math.max(0, sample(b.factor, stream));
    const duration = Math.max(0, sample(b.duration, stream));
    out.push({ at: t, peakAt: t + ramp, plateauEnd: t + ramp + duration, end: t + 2 * ramp + duration, factor });
  }
  return out;
}

/** Sorted, without duplicates, keeping only times in (0, horizon). */
function mergeTimes(a: Float64Array, b: Float64Array, horizon: number): Float64Array {
  const all = new Float64Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!;
    if (t > 0 && t < horizon && (n === 0 || t !== all[n - 1]!)) all[n++] = t;
  }
  return all.slice(0, n);
}

class CompiledLoadCurve implements LoadCurve {
  readonly events: readonly LoadEvent[];
  readonly breakpoints: Float64Array;
  readonly integrationStep: number;

  private readonly baseKind: number;
  /** Constant rate, diurnal mean. */
  private readonly level: number;
  private readonly amplitude: number;
  /** 2 pi / period. */
  private readonly omega: number;
  private readonly peakAt: number;
  /** Trace rates already multiplied by rateScale. */
  private readonly traceRates: Float64Array;
  /** Simulated seconds per trace bin. */
  private readonly traceBin: number;
  private readonly traceLoop: boolean;

  // The Multiplier's arrays as own fields: one load less per call in the hot path.
  private readonly segStart: Float64Array;
  private readonly segFactor: Float64Array;
  private readonly rampFrom: Int32Array;
  private readonly rampValue: Float64Array;
  private readonly rampRise: Float64Array;
  private readonly segments: number;
  /** Last segment found: the simulator asks for nearby, mostly increasing times. */
  private cursor = 0;

  constructor(spec: LoadCurveSpec, readonly horizon: number, stream: RandomStream, trace: RateBins | undefined) {
    const base = spec.base;
    let traceEdges: Float64Array = new Float64Array(0);
    this.level = 0;
    this.amplitude = 0;
    this.omega = 0;
    this.peakAt = 0;
    this.traceRates = new Float64Array(0);
    this.traceBin = 1;
    this.traceLoop = false;
    this.integrationStep = Infinity;
    if ('constant' in base) {
      this.baseKind = BASE_CONSTANT;
      this.level = base.constant;
    } else if ('diurnal' in base) {
      const period = base.diurnal.period ?? 86_400;
      this.baseKind = BASE_DIURNAL;
      this.level = base.diurnal.mean;
      this.amplitude = base.diurnal.amplitude;
      this.omega = (2 * Math.PI) / period;
      this.peakAt = base.diurnal.peakAt ?? period / 4;
      this.integrationStep = period / 16;
    } else {
      const bins = trace!;
      const rateScale = base.trace.rateScale ?? 1;
      this.baseKind = BASE_TRACE;
      this.traceRates = Float64Array.from(bins.rates, (r) => r * rateScale);
      this.traceBin = bins.binSeconds * (base.trace.timeScale ?? 1);
      this.traceLoop = base.trace.loop ?? true;
      traceEdges = this.traceEdges();
    }

    const knots: { kind: LoadEvent['kind']; k: Knots }[] = [];
    for (const s of spec.steps ?? []) {
      const ramp = s.ramp ?? 0;
      knots.push({ kind: 'step', k: { at: s.at, peakAt: s.at + ramp, plateauEnd: Infinity, end: Infinity, factor: s.factor } });
    }
    for (const s of spec.spikes ?? []) {
      const ramp = s.ramp ?? 0;
      knots.push({ kind: 'spike', k: { at: s.at, peakAt: s.at + ramp, plateauEnd: s.at + ramp + s.duration, end: s.at + 2 * ramp + s.duration, factor: s.factor } });
    }
    if (spec.bursts) for (const k of drawBursts(spec.bursts, horizon, stream)) knots.push({ kind: 'burst', k });
    knots.sort((a, b) => a.k.at - b.k.at);
    this.events = Object.freeze(knots.map(({ kind, k }) => Object.freeze({ kind, at: k.at, peakAt: k.peakAt, end: k.end, factor: k.factor })));
    const m = buildMultiplier(knots.map((k) => k.k));
    this.segStart = m.start;
    this.segFactor = m.factor;
    this.rampFrom = m.rampFrom;
    this.rampValue = m.rampValue;
    this.rampRise = m.rampRise;
    this.segments = m.start.length;
    this.breakpoints = mergeTimes(traceEdges, m.start, horizon);
    // Written once more than its initial value: V8 compiles a field no object has changed yet as
    // a constant, and the first move of the cursor (at the week's first spike) threw away the
    // compiled rate(), the HPA sync and the request accounting (bench/README.md, "Autoscaled
    // week, sixth pass").
    this.cursor = 1;
    this.cursor = 0;
  }

  /** Bin edges in (0, horizon) where the replayed rate actually changes. */
  private traceEdges(): Float64Array {
    const rates = this.traceRates;
    const n = rates.length;
    const bin = this.traceBin;
    const last = this.traceLoop ? Math.ceil(this.horizon / bin) : Math.min(n, Math.ceil(this.horizon / bin));
    const edges: number[] = [];
    for (let j = 1; j <= last; j++) {
      const before = rates[(j - 1) % n]!;
      const after = this.traceLoop ? rates[j % n]! : j < n ? rates[j]! : 0;
      if (after !== before) edges.push(j * bin);
    }
    return Float64Array.from(edges);
  }

  rate(t: number): number {
    let base: number;
    if (this.baseKind === BASE_CONSTANT) base = this.level;
    else if (this.baseKind === BASE_DIURNAL) base = this.level * (1 + this.amplitude * Math.cos(this.omega * (t - this.peakAt)));
    else {
      const n = this.traceRates.length;
      let i = Math.floor(t / this.traceBin);
      // The remainder only when needed: it is the slow part of a lookup.
      if (this.traceLoop && (i >= n || i < 0)) i = ((i % n) + n) % n;
      base = i >= 0 && i < n ? this.traceRates[i]! : 0;
    }
    const r = this.segments === 0 ? base : base * this.multiplier(t);
    // Validated inputs cannot make r negative; the clamp keeps the promise against rounding.
    return r < 0 ? 0 : r;
  }

  private multiplier(t: number): number {
    const start = this.segStart;
    const n = this.segments;
    let i = this.cursor;
    if (t < start[i]!) {
      if (t < start[0]!) return 1;
      i = segmentAt(start, t);
    } else if (i + 1 < n && t >= start[i + 1]!) {
      i = i + 2 >= n || t < start[i + 2]! ? i + 1 : segmentAt(start, t);
    }
    this.cursor = i;
    let m = this.segFactor[i]!;
    const from = this.rampFrom[i]!;
    const to = this.rampFrom[i + 1]!;
    if (from === to) return m;
    const u = (t - start[i]!) / (start[i + 1]! - start[i]!);
    const value = this.rampValue;
    const rise = this.rampRise;
    for (let k = from; k < to; k++) m *= value[k]! + rise[k]! * u;
    return m;
  }
}

/** Index of the last start <= t (t >= start[0]). */
function segmentAt(start: Float64Array, t: number): number {
  let lo = 0;
  let hi = start.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (start[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Builds a curve from its spec. Throws a RangeError listing every issue of loadCurveIssues()
 * (call that first to report them against a file). Bursts are drawn now, from `opts.stream`.
 * Breakpoints hold one entry per trace bin edge where the rate changes, per loop, up to the
 * horizon.
 */
export function loadCurve(spec: LoadCurveSpec, opts: LoadCurveOptions): LoadCurve {
  const issues = loadCurveIssues(spec, opts);
  if (issues.length > 0) {
    throw new RangeError(`invalid load curve: ${issues.map((i) => `${formatPath(i.path) || '(spec)'}: ${i.message}`).join('; ')}`);
  }
  return new CompiledLoadCurve(spec, opts.horizon, opts.stream, opts.trace);
}

// ---------------------------------------------------------------------------------------------
// Integration.

/** Index of the first breakpoint > t. */
function firstAfter(bp: Float64Array, t: number): number {
  let lo = 0;
  let hi = bp.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bp[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function gaussLegendre(curve: LoadCurve, a: number, b: number, step: number): number {
  if (b <= a) return 0;
  const pieces = step === Infinity ? 1 : Math.max(1, Math.ceil((b - a) / step));
  const h = (b - a) / pieces;
  let total = 0;
  for (let p = 0; p < pieces; p++) {
    const lo = a + p * h;
    const hi = p === pieces - 1 ? b : lo + h;
    const mid = (lo + hi) / 2;
    const half = (hi - lo) / 2;
    let s = 0;
    for (let k = 0; k < 5; k++) s += GL_WEIGHTS[k]! * curve.rate(mid + half * GL_NODES[k]!);
    total += s * half;
  }
  return total;
}

/**
 * Expected requests from t0 to t1: the integral of the rate. Exact (to rounding) where the curve
 * is piecewise polynomial of degree <= 9 between its breakpoints (constant and trace bases with
 * any steps and spikes, while at most nine ramps overlap); accurate to ~1e-15 relative for a diurnal
 * base, through its integrationStep. t1 < t0 gives minus the integral from t1 to t0, so
 * integrate(a, b) + integrate(b, c) = integrate(a, c) for any order. Both ends must lie in
 * [0, horizon], where the breakpoints are known.
 */
export function integrate(curve: LoadCurve, t0: number, t1: number): number {
  if (t1 < t0) return -integrate(curve, t1, t0);
  if (!(t0 >= 0 && t1 <= curve.horizon)) {
    throw new RangeError(`integrate: expected 0 <= t0 <= t1 <= horizon (${curve.horizon}), got t0 = ${t0}, t1 = ${t1}`);
  }
  const step = curve.integrationStep ?? Infinity;
  const bp = curve.breakpoints;
  let total = 0;
  let a = t0;
  if (bp) {
    for (let i = firstAfter(bp, t0); i < bp.length && bp[i]! < t1; i++) {
      total += gaussLegendre(curve, a, bp[i]!, step);
      a = bp[i]!;
    }
  }
  return total + gaussLegendre(curve, a, t1, step);
}
