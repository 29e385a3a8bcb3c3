/**
 * Reading a results directory back (plan.json, runs.jsonl) for `report`, `merge` and a resumed
 * compare or sweep. These files are input like a scenario: a damaged, edited or foreign file is
 * bad input, reported with the file, line and field and what was expected (exit 2), never a
 * TypeError in the summary or a record silently left out. Every record is checked against a
 * schema and against the plan it claims to belong to.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseYaml, zodIssues } from '../scenario/load.js';
import { excerpt, InputError, type InputIssue } from '../util/errors.js';
import { FORBIDDEN_KEYS, formatCount, readLimitedText } from '../workloads/input-limits.js';
import { MAX_SERIES_POINTS, RECORD_FORMAT, type RunRecord } from './records.js';
import type { ExperimentPlan } from './compare.js';

export const RUNS_FILE = 'runs.jsonl';
export const PLAN_FILE = 'plan.json';
export const RESULTS_FILE = 'results.json';

const MiB = 1024 * 1024;
/** plan.json: arms, variants (at most MAX_VARIANTS) and seeds; a few KB to a few MB. */
export const MAX_PLAN_BYTES = 16 * MiB;
/** runs.jsonl: one record of about 30 KB (500-point series) per run; parsed whole, so bounded like a trace. */
export const MAX_RUNS_BYTES = 256 * MiB;
/** Grid points of a sweep (each runs arms x seeds times). */
export const MAX_VARIANTS = 10_000;
/** Arms of one comparison or sweep. */
export const MAX_ARMS = 1_000;
/** Seeds per arm (as `--seeds` and a sweep's `seeds`). */
export const MAX_SEEDS = 100_000;
/** Runs of one experiment: variants x arms x seeds, each a task and a line of runs.jsonl. */
export const MAX_RUNS = 1_000_000;

/** A key of a user's mapping that is not a prototype's name (see FORBIDDEN_KEYS). */
const safeKey = z.string().refine((k) => !FORBIDDEN_KEYS.has(k), { message: 'the keys __proto__, constructor and prototype are not allowed' });
const name = z.string().min(1).max(1000);
const seed = z.number().int().min(0).max(2 ** 32 - 1);

const planSchema = z.object({
  format: z.literal(RECORD_FORMAT),
  kind: z.enum(['compare', 'sweep']),
  scenario: z.string(),
  scenarioFile: z.string().nullable(),
  arms: z.array(name.refine((a) => !a.includes('|'), { message: 'an arm name must not contain "|"' })).min(1).max(MAX_ARMS),
  armSpecs: z.array(z.object({ name, profile: name.optional(), set: z.record(safeKey, z.unknown()).optional() })).min(1).max(MAX_ARMS),
  baseline: name,
  variants: z.array(z.object({ name, params: z.record(safeKey, z.unknown()) })).min(1).max(MAX_VARIANTS),
  seeds: z.array(seed).min(1).max(MAX_SEEDS),
  confidence: z.number().gt(0).lt(1),
  modules: z.array(z.object({ file: z.string(), sha256: z.string() })).optional(),
});

const metricValue = z.number().nullable();
const seriesValues = z.array(z.number().nullable()).max(MAX_SERIES_POINTS);
const recordSchema = z.object({
  format: z.literal(RECORD_FORMAT),
  id: z.string(),
  variant: name,
  params: z.record(safeKey, z.unknown()),
  arm: name,
  seed,
  metrics: z.record(safeKey, metricValue),
  series: z.object({
    time: z.array(z.number()).max(MAX_SERIES_POINTS),
    cpu: seriesValues,
    memory: seriesValues,
    gpu: seriesValues,
    pending: seriesValues,
    nodes: seriesValues.optional(),
    replicas: seriesValues.optional(),
  }),
  pendingCdf: z.array(z.number()).max(101),
  failure: z.string().optional(),
});

/** The problems of a plan that its schema cannot see: names that must match, counts that multiply. */
function planIssues(p: z.output<typeof planSchema>): { path: (string | number)[]; message: string } | undefined {
  const arms = new Set<string>();
  for (const [i, a] of p.arms.entries()) {
    if (arms.has(a)) return { path: ['arms', i], message: `arm ${excerpt(a)} is listed twice` };
    arms.add(a);
  }
  if (p.armSpecs.length !== p.arms.length) return { path: ['armSpecs'], message: `expected one arm spec per arm (${p.arms.length}), got ${p.armSpecs.length}` };
  for (const [i, a] of p.armSpecs.entries()) if (a.name !== p.arms[i]) return { path: ['armSpecs', i, 'name'], message: `expected the name of arm ${i + 1}, ${excerpt(p.arms[i]!)}, got ${excerpt(a.name)}` };
  if (!arms.has(p.baseline)) return { path: ['baseline'], message: `baseline ${excerpt(p.baseline)} is not one of the arms` };
  const variants = new Set<string>();
  for (const [i, v] of p.variants.entries()) {
    if (variants.has(v.name)) return { path: ['variants', i, 'name'], message: `variant ${excerpt(v.name)} is listed twice` };
    if (v.name.includes('|')) return { path: ['variants', i, 'name'], message: 'a variant name must not contain "|"' };
    variants.add(v.name);
  }
  const seeds = new Set<number>();
  for (const [i, s] of p.seeds.entries()) {
    if (seeds.has(s)) return { path: ['seeds', i], message: `seed ${s} is listed twice` };
    seeds.add(s);
  }
  const runs = p.variants.length * p.arms.length * p.seeds.length;
  if (runs > MAX_RUNS) return { path: ['seeds'], message: `${formatCount(runs)} runs (variants x arms x seeds), more than ${formatCount(MAX_RUNS)} (the limit)` };
  return undefined;
}

/** Reads a results file within its limit; a missing, unreadable, oversized or non-regular file is bad input. */
function readResultsFile(file: string, limit: number, what: string): string {
  const r = readLimitedText(file, limit, what);
  if ('error' in r) throw new InputError({ file, path: [], message: r.error });
  return r.text;
}

/** Reads a plan.json back, checked as a scenario is: positions, a schema, then consistency. */
export function readPlan(dir: string): ExperimentPlan {
  const file = join(dir, PLAN_FILE);
  if (!existsSync(file)) throw new InputError({ file, path: [], message: `not found: ${dir} holds no ${PLAN_FILE} (is it the --out directory of a compare or sweep?)` });
  const { value, locate } = parseYaml(readResultsFile(file, MAX_PLAN_BYTES, 'plan files'), file);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError({ file, line: 1, path: [], message: `expected a plan of format ${RECORD_FORMAT}: a JSON object with arms, variants and seeds` });
  }
  const r = planSchema.safeParse(value);
  if (!r.success) throw new InputError(zodIssues(r.error.issues, file, locate));
  const bad = planIssues(r.data);
  if (bad) {
    const pos = locate(bad.path);
    throw new InputError({ file, line: pos?.line, column: pos?.column, path: bad.path, message: bad.message });
  }
  const { modules: _modules, ...plan } = r.data;
  return { ...plan, scenarioFile: plan.scenarioFile ?? undefined };
}

/** A run record at its line of runs.jsonl. */
export interface RecordLine {
  readonly record: RunRecord;
  readonly line: number;
}

/**
 * The records in a runs.jsonl, each checked against the record schema, with their lines. A last
 * line cut short (a run killed while writing) is dropped; any other unreadable line is an error
 * naming the file and line.
 */
export function readRuns(file: string): { records: RunRecord[]; lines: number[]; truncated: boolean } {
  if (!existsSync(file)) return { records: [], lines: [], truncated: false };
  const text = readResultsFile(file, MAX_RUNS_BYTES, 'run files');
  const records: RunRecord[] = [];
  const lines: number[] = [];
  const issues: InputIssue[] = [];
  let truncated = false;
  let start = 0;
  for (let line = 1; start < text.length; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const body = text.slice(start, end);
    start = end + 1;
    if (body.trim() === '') continue;
    if (records.length + issues.length >= MAX_RUNS) {
      throw new InputError({ file, line, path: [], message: `more than ${formatCount(MAX_RUNS)} run records (the limit)` });
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      if (nl < 0) {
        truncated = true;
        break;
      }
      issues.push({ file, line, column: 1, path: [], message: 'not a JSON run record (the file is damaged; remove the line to rerun that run)' });
      continue;
    }
    const r = recordSchema.safeParse(value);
    if (!r.success) {
      const i = r.error.issues[0]!;
      const keys = i.code === 'unrecognized_keys' ? i.keys : [];
      const message = i.code === 'invalid_type' && /received undefined/.test(i.message) ? `missing required field (expected ${i.expected})` : i.message;
      issues.push({ file, line, column: 1, path: [...(i.path as (string | number)[]), ...keys.slice(0, 1)], message: `${message}; expected a run record of format ${RECORD_FORMAT}` });
    } else {
      const rec = r.data;
      const id = `${rec.variant}|${rec.arm}|${rec.seed}`;
      if (rec.id !== id) issues.push({ file, line, column: 1, path: ['id'], message: `expected id ${excerpt(id)} (variant|arm|seed), got ${excerpt(rec.id)}` });
      const s = rec.series;
      const lengths = [s.cpu, s.memory, s.gpu, s.pending, s.nodes, s.replicas].filter((x) => x !== undefined).map((x) => x.length);
      if (lengths.some((n) => n !== s.time.length)) issues.push({ file, line, column: 1, path: ['series'], message: `expected every series as long as series.time (${s.time.length} points)` });
      // The record as written (JSON.parse makes own properties only, and the schema refused
      // prototype names): rewritten byte for byte when runs.jsonl is put back in plan order.
      records.push(value as RunRecord);
      lines.push(line);
    }
    if (issues.length >= 20) break;
  }
  if (issues.length > 0) throw new InputError(issues);
  return { records, lines, truncated };
}

/**
 * Records of a plan checked against it: each names a variant, arm and seed of the plan, with the
 * variant's parameters; a run found twice must be the same run. Throws at the first line that is not.
 */
export function checkRunsAgainstPlan(plan: ExperimentPlan, file: string, records: readonly RunRecord[], lines: readonly number[]): void {
  const variants = new Map(plan.variants.map((v) => [v.name, JSON.stringify(v.params)]));
  const arms = new Set(plan.arms);
  const seeds = new Set(plan.seeds);
  const seen = new Map<string, string>();
  records.forEach((r, i) => {
    const at = { file, line: lines[i], column: 1 };
    const params = variants.get(r.variant);
    if (params === undefined) throw new InputError({ ...at, path: ['variant'], message: `variant ${excerpt(r.variant)} is not in ${PLAN_FILE}` });
    if (!arms.has(r.arm)) throw new InputError({ ...at, path: ['arm'], message: `arm ${excerpt(r.arm)} is not in ${PLAN_FILE}` });
    if (!seeds.has(r.seed)) throw new InputError({ ...at, path: ['seed'], message: `seed ${r.seed} is not in ${PLAN_FILE}` });
    if (JSON.stringify(r.params) !== params) throw new InputError({ ...at, path: ['params'], message: `the parameters differ from variant ${excerpt(r.variant)} in ${PLAN_FILE}` });
    const text = JSON.stringify(r);
    const other = seen.get(r.id);
    if (other !== undefined && other !== text) throw new InputError({ ...at, path: ['id'], message: `run ${excerpt(r.id)} is in the file twice with different results` });
    seen.set(r.id, text);
  });
}
