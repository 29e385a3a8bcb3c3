import * as z from 'zod';
import { clip, excerpt, MAX_EXCERPT_CHARS } from '../util/errors.js';
import { isValidGpuRequest } from '../api/gpu.js';
import type { Distribution } from '../api/distribution.js';
import { parseBytes, parseDuration, parseMilliCPU, parseQuantity } from '../util/quantity.js';
import { MAX_GPUS_PER_NODE, MAX_QUANTITY } from '../workloads/input-limits.js';
import { inputShapeOf, withInputShape } from './input-shape.js';
import { switchedOn } from '../util/switches.js';

/**
 * Schemas built on first use rather than when this module loads (distributionSchema): the same
 * schemas, so the same verdicts and messages; ORCHSIM_NO_LAZY_SCHEMA=1 builds them all up front.
 */
const LAZY_SCHEMA = switchedOn('ORCHSIM_NO_LAZY_SCHEMA');

/**
 * A schema built when first asked for (a workload kind when a file first has one, a
 * distribution's forms when a field first meets one), once; under ORCHSIM_NO_LAZY_SCHEMA=1 built
 * here, where it is declared, as every schema was.
 */
export function lazily<T>(build: () => T): () => T {
  let built: T | undefined;
  const get = (): T => (built ??= build());
  if (!LAZY_SCHEMA) get();
  return get;
}

/**
 * A section of a file's schema (a top-level key such as `failures:`, or a part of a pool or a
 * pod template) built when a file first has it: zod's lazy schema, whose parse is its inner
 * schema's parse, so the same verdicts, messages and paths. Most files give a few of the
 * sections; building the others was most of what remained of the scenario schema's construction
 * on every CLI start. ORCHSIM_NO_LAZY_SCHEMA=1 builds the section here and uses it as it is, as
 * before (test/scenario/lazy-schema.test.ts compares the two).
 */
export function lazySection<T extends z.ZodType>(build: () => T): z.ZodType<z.output<T>, z.input<T>> {
  // The built schema is the type it declares: TypeScript cannot see that T is a ZodType of its own output and input.
  return LAZY_SCHEMA ? z.lazy(build) : (build() as unknown as z.ZodType<z.output<T>, z.input<T>>);
}

/**
 * Zod schemas for the units people write in scenario files. Each reports what it expected and
 * what it got, so the message stands on its own next to the file position.
 */

function show(v: unknown): string {
  // JSON.stringify writes Infinity (a YAML 1e400) and NaN as null.
  // A string or structure is quoted as an excerpt: never a whole block of the file.
  return typeof v === 'string' ? excerpt(v) : v === undefined ? 'nothing' : typeof v === 'number' ? String(v) : clip(JSON.stringify(v) ?? String(v), MAX_EXCERPT_CHARS);
}

/** `max` (base units) with what it is, e.g. 2^53 milli-CPU. */
interface UnitMax {
  readonly value: number;
  readonly message: string;
}

/**
 * What a unit's values look like in a file, for editors (input-shape.ts): a number, or a string
 * matching `pattern`. The patterns follow the parsers in util/quantity.ts and parseRate below,
 * with the surrounding whitespace they trim; test/scenario/json-schema.test.ts checks that every
 * string a parser accepts matches.
 */
interface UnitShape {
  /** What the value is, for editors and the name of its definition in the JSON Schema. */
  readonly title: string;
  readonly number: z.ZodNumber;
  /** Absent: numbers only. */
  readonly pattern?: RegExp;
}

/** A non-negative decimal, as resource.Quantity writes it (a sign "-" is refused, see unitSchema). */
const UNSIGNED = String.raw`\+?(?:\d+\.?\d*|\.\d+)`;
/** A resource quantity: "500m", "4Gi", "1.5", "2e3" (util/quantity.ts QUANTITY). */
const QUANTITY = String.raw`${UNSIGNED}(?:Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?`;
const QUANTITY_PATTERN = new RegExp(String.raw`^\s*${QUANTITY}\s*$`);
/** A duration: seconds, or Go-style parts with d and w ("90s", "1h30m", "7d", "500ms"). */
const DURATION_PATTERN = /^\s*(?:\d+(?:\.\d+)?|(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h|d|w))+)\s*$/;
/** A rate: "120/h", "2/m", "0.5/s", or a quantity per second. */
const RATE_PATTERN = new RegExp(String.raw`^\s*(?:(?:\d+(?:\.\d+)?|\.\d+)\s*\/\s*(?:s|m|min|h|d)|${QUANTITY})\s*$`);

function unitSchema(parse: (v: string | number) => number | undefined, expected: string, shape: () => UnitShape, min = 0, max?: UnitMax) {
  return withInputShape(z.unknown().transform((v, ctx) => {
    const n = typeof v === 'string' || typeof v === 'number' ? parse(v) : undefined;
    if (n === undefined || Number.isNaN(n)) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(v)}` });
      return z.NEVER;
    }
    // -0: a negative quantity rounded up to zero ("-0.5" bytes, "-100u" CPU) is still negative.
    if (n < min || Object.is(n, -0)) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected} of at least ${min}, got ${show(v)}` });
      return z.NEVER;
    }
    if (max && n > max.value) {
      ctx.addIssue({ code: 'custom', message: `${show(v)} is too large: ${max.message}` });
      return z.NEVER;
    }
    return n;
  }), () => {
    const { title, number, pattern } = shape();
    return (pattern ? z.union([number, z.string().regex(pattern)]) : number).meta({ title, description: `${expected[0]!.toUpperCase()}${expected.slice(1)}.` });
  });
}

const quantityShape = (title: string) => (): UnitShape => ({ title, number: z.number().min(0), pattern: QUANTITY_PATTERN });

/** Resource quantities: base units stay exact integers below 2^53 (input-limits.ts MAX_QUANTITY). */
const quantityMax = (unit: string, plain: string): UnitMax => ({ value: MAX_QUANTITY, message: `quantities are limited to 2^53 ${unit} (${plain})` });

export const milliCPUSchema = unitSchema(parseMilliCPU, 'a CPU quantity such as "500m" or 2', quantityShape('cpu'), 0, quantityMax('milli-CPU', 'about 9e12 CPUs'));
export const bytesSchema = unitSchema(parseBytes, 'a memory quantity such as "512Mi" or "4Gi"', quantityShape('bytes'), 0, quantityMax('bytes', '8 PiB'));
export const durationSchema = unitSchema(parseDuration, 'a duration such as "90s", "5m", "2h" or "7d"', () => ({ title: 'duration', number: z.number().min(0), pattern: DURATION_PATTERN }));
/** Whole GPU devices (a node's nvidia.com/gpu); stored as milli-GPU. */
export const gpuSchema = unitSchema((v) => {
  const n = parseQuantity(v);
  return n !== undefined && Number.isInteger(n) ? n * 1000 : undefined;
}, 'a whole number of GPUs', () => ({ title: 'gpus', number: z.number().int().min(0).max(MAX_GPUS_PER_NODE), pattern: QUANTITY_PATTERN }), 0, { value: MAX_GPUS_PER_NODE * 1000, message: `at most ${MAX_GPUS_PER_NODE} GPUs per node (the simulator keeps a table per GPU)` });

/**
 * A pod's GPU request: whole GPUs (1, 2, 8) or a share of one device (0.5, "250m"); stored as
 * milli-GPU. 1.5 is refused: a pod takes either part of one device or whole devices.
 */
export const gpuRequestSchema = unitSchema((v) => {
  const n = parseQuantity(v);
  if (n === undefined) return undefined;
  const milli = Math.round(n * 1000);
  return Math.abs(milli - n * 1000) < 1e-6 && isValidGpuRequest(milli) ? milli : undefined;
}, 'GPUs: a whole number (1, 2, 8) or a share of one GPU below 1 ("0.5", "250m")',
  // Any number: 1.5 is refused, but 1.9999999999 rounds to 2 GPUs and is not (a JSON Schema cannot say "within 1e-6 of").
  quantityShape('gpuRequest'), 0, quantityMax('milli-GPU', 'about 9e12 GPUs'));

const RATE_UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400 };
/** A rate "120/h", "2/m", "0.5/s" or a number per second, to events per second. */
export function parseRate(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*\/\s*(s|m|min|h|d)\s*$/.exec(v);
  if (!m) return parseQuantity(v);
  return Number(m[1]) / RATE_UNITS[m[2]!]!;
}
export const rateSchema = unitSchema(parseRate, 'a rate such as "120/h", "2/m" or "0.5/s"', () => ({ title: 'rate', number: z.number().min(0), pattern: RATE_PATTERN }));
/** A plain non-negative number (a factor, a ratio). */
export const numberSchema = unitSchema((v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined), 'a number', () => ({ title: 'number', number: z.number().min(0) }));

type UnitSchema = ReturnType<typeof unitSchema>;

/**
 * A distribution of values in one unit: a plain value (fixed), or one of
 * {fixed: v}, {exponential: {mean}}, {lognormal: {median, sigma}}, {uniform: {min, max}},
 * {choice: [v, ...], weights?: [w, ...]}.
 */
export function distributionSchema(unit: UnitSchema): z.ZodType<Distribution> {
  // Built when a value of this field is first an object (or the JSON Schema is asked for): some
  // twenty fields take a distribution, each with these eight forms, and building them all was
  // about a fifth of the scenario schema's construction on every CLI start, for files that mostly
  // give plain values. The same schemas, built later; ORCHSIM_NO_LAZY_SCHEMA=1 builds them here.
  // Each form on its own: a field meets one or two forms (a file's `{exponential: {mean: 15s}}`),
  // and building all eight for it was most of the forms' cost in a validate of the default scenario.
  const built = new Map<DistributionKind, z.ZodType<Distribution>>();
  const form = (kind: DistributionKind): z.ZodType<Distribution> => {
    let schema = built.get(kind);
    if (schema === undefined) built.set(kind, (schema = distributionForm(unit, kind)));
    return schema;
  };
  const forms = lazily(() => Object.fromEntries(DISTRIBUTION_KINDS.map((k) => [k, form(k)])) as Record<DistributionKind, z.ZodType<Distribution>>);
  const fixed = unit.transform((value): Distribution => ({ kind: 'fixed', value }));
  const shape = () => {
    const title = (inputShapeOf(unit)?.meta() as { title?: string } | undefined)?.title ?? 'value';
    return z.union([unit, ...Object.values(forms())]).meta({
      title: `${title}Distribution`,
      description: 'A fixed value, or a distribution: {fixed}, {exponential: {mean}}, {lognormal: {median, sigma}}, {uniform: {min, max}}, {weibull: {shape, scale}}, {gamma: {shape, scale}}, {empirical: [...]}, {choice: [...], weights: [...]}.',
    });
  };
  return withInputShape(z.unknown().transform((v, ctx): Distribution => {
    let schema: z.ZodType<Distribution> = fixed;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const kind = keys.find((k): k is DistributionKind => DISTRIBUTION_KIND_SET.has(k));
      if (!kind) {
        ctx.addIssue({ code: 'custom', message: `expected a value or one of {fixed}, {exponential: {mean}}, {lognormal: {median, sigma}}, {uniform: {min, max}}, {weibull: {shape, scale}}, {gamma: {shape, scale}}, {empirical: [...]}, {choice: [...]}, got keys ${keys.join(', ') || '(none)'}` });
        return z.NEVER;
      }
      schema = form(kind);
    }
    const r = schema.safeParse(v);
    if (r.success) return r.data;
    forwardIssues(ctx, r.error.issues);
    return z.NEVER;
  }), shape);
}

/** The keys of a distribution's object forms, in the order the JSON Schema lists them. */
const DISTRIBUTION_KINDS = ['fixed', 'exponential', 'lognormal', 'uniform', 'weibull', 'gamma', 'empirical', 'choice'] as const;
type DistributionKind = (typeof DISTRIBUTION_KINDS)[number];
const DISTRIBUTION_KIND_SET: ReadonlySet<string> = new Set(DISTRIBUTION_KINDS);

/** One object form of a distribution of `unit` values (distributionSchema). */
function distributionForm(unit: UnitSchema, kind: DistributionKind): z.ZodType<Distribution> {
  switch (kind) {
    case 'fixed':
      return z.strictObject({ fixed: unit }).transform((o): Distribution => ({ kind: 'fixed', value: o.fixed }));
    case 'exponential':
      return z.strictObject({ exponential: z.strictObject({ mean: unit }) }).transform((o): Distribution => ({ kind: 'exponential', mean: o.exponential.mean }));
    case 'lognormal':
      return z.strictObject({ lognormal: z.strictObject({ median: unit, sigma: z.number().min(0) }) })
        .refine((o) => o.lognormal.median > 0, { message: 'lognormal median must be > 0', path: ['lognormal', 'median'] })
        .transform((o): Distribution => ({ kind: 'lognormal', mu: Math.log(o.lognormal.median), sigma: o.lognormal.sigma }));
    case 'uniform':
      return z.strictObject({ uniform: z.strictObject({ min: unit, max: unit }) })
        .refine((o) => o.uniform.max >= o.uniform.min, { message: 'uniform max must be >= min', path: ['uniform', 'max'] })
        .transform((o): Distribution => ({ kind: 'uniform', min: o.uniform.min, max: o.uniform.max }));
    case 'weibull':
      return z.strictObject({ weibull: z.strictObject({ shape: z.number().positive(), scale: unit }) })
        .refine((o) => o.weibull.scale > 0, { message: 'weibull scale must be > 0', path: ['weibull', 'scale'] })
        .transform((o): Distribution => ({ kind: 'weibull', shape: o.weibull.shape, scale: o.weibull.scale }));
    case 'gamma':
      return z.strictObject({ gamma: z.strictObject({ shape: z.number().positive(), scale: unit }) })
        .refine((o) => o.gamma.scale > 0, { message: 'gamma scale must be > 0', path: ['gamma', 'scale'] })
        .transform((o): Distribution => ({ kind: 'gamma', shape: o.gamma.shape, scale: o.gamma.scale }));
    case 'empirical':
      return z.strictObject({ empirical: z.array(unit).min(1) })
        .transform((o): Distribution => ({ kind: 'empirical', values: o.empirical }));
    case 'choice':
      return z.strictObject({ choice: z.array(unit).min(1), weights: z.array(z.number().min(0)).optional() })
        .refine((o) => !o.weights || o.weights.length === o.choice.length, { message: 'weights must have one entry per choice', path: ['weights'] })
        .refine((o) => !o.weights || o.weights.some((w) => w > 0), { message: 'weights must not all be 0 (nothing could be chosen)', path: ['weights'] })
        .transform((o): Distribution => ({ kind: 'choice', values: o.choice, weights: o.weights }));
  }
}

/**
 * The issues of a schema a dispatcher chose, as issues of the dispatcher (paths relative to it),
 * unchanged: an unknown key stays an unknown key (shown at the key, with a suggestion) and a
 * missing field a missing field (load.ts zodIssues words both).
 */
export function forwardIssues(ctx: z.RefinementCtx, issues: readonly z.core.$ZodIssue[]): void {
  for (const i of issues) ctx.addIssue({ ...i, path: [...i.path] as (string | number)[] } as z.core.$ZodRawIssue);
}
