import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderRecords, readPlan, readRuns, RUNS_FILE } from '../../src/experiments/compare.js';
import { summarizeComparison } from '../../src/experiments/comparison.js';
import { mergeShards } from '../../src/experiments/merge.js';
import { readCapacityPlan } from '../../src/experiments/capacity.js';
import { checkRunsAgainstPlan } from '../../src/experiments/results-files.js';
import { comparisonCharts, comparisonMarkdown } from '../../src/report/compare-report.js';
import { formatComparison, resultsJSON } from '../../src/report/comparison.js';
import { formatIssue, InputError } from '../../src/util/errors.js';
import { orchsim, orchsimAll } from '../helpers/cli.js';

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

/**
 * Fuzzing the readers of a results directory (issue 21, kind 5), as test/scenario/fuzz.test.ts
 * does the scenario reader: a compare's plan.json, runs.jsonl and results.json, mutated the way
 * files get damaged or edited (a line lost, doubled or cut, a character replaced, a number
 * replaced by a string, null or a huge one, a value of another shape), go through what `orchsim
 * report` and `orchsim merge` do. Each is accepted or rejected with an InputError naming the
 * file, never any other exception; a few go through the built CLI for the exit code (0 or 2,
 * never 1) and the absence of a stack trace.
 */

const tmp = mkdtempSync(join(tmpdir(), 'orchsim-results-fuzz-'));
const base = join(tmp, 'base');
const FILES = ['plan.json', 'runs.jsonl', 'results.json'] as const;
let originals: Record<(typeof FILES)[number], string>;

beforeAll(async () => {
  writeFileSync(join(tmp, 'small.yaml'), 'name: small\nseed: 3\nhorizon: 1h\nsampleInterval: 10m\ncluster:\n  pools:\n    - { name: n, count: 2, resources: { cpu: 8, memory: 32Gi } }\nworkloads:\n  - { type: service, name: web, replicas: 2, requests: { cpu: 1, memory: 1Gi } }\n');
  const r = await orchsim('compare', join(tmp, 'small.yaml'), '--profiles', 'default,binpack', '--seeds', '2', '--workers', '1', '--out', base);
  expect(r.code, r.stderr).toBe(0);
  originals = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(base, f), 'utf8')])) as typeof originals;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Mutation = (text: string) => string;
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
const OTHER = ['null', '"abc"', '"12"', '-1', '1e308', '-1e308', '0', '[]', '{}', '[1, "a"]', '{"a": null}', 'true', '"\\u001b[2J"', '"__proto__"', '{"__proto__": {"x": 1}}'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i): Mutation => (t) => {
    const ls = t.split('\n');
    ls.splice(i % ls.length, 1);
    return ls.join('\n');
  }),
  fc.nat().map((i): Mutation => (t) => {
    const ls = t.split('\n');
    const k = i % ls.length;
    ls.splice(k, 0, ls[k]!);
    return ls.join('\n');
  }),
  fc.nat().map((i): Mutation => (t) => t.slice(0, i % (t.length + 1))),
  fc.tuple(fc.nat(), fc.constantFrom(...'{}[]",:0-9 \n\u0000x')).map(([i, c]): Mutation => (t) => {
    const k = i % Math.max(1, t.length);
    return t.slice(0, k) + c + t.slice(k + 1);
  }),
  // A JSON value (number, string, null, list, object) replaced by one of another shape.
  fc.tuple(fc.nat(), fc.nat()).map(([i, v]): Mutation => (t) => {
    const values = [...t.matchAll(/(?<=[:[,]\s*)(-?\d[\d.e+-]*|"(?:[^"\\]|\\.)*"|null|true|false|\[\]|\{\})/g)];
    if (values.length === 0) return t;
    const m = pick(values, i);
    return t.slice(0, m.index) + pick(OTHER, v) + t.slice(m.index! + m[0].length);
  }),
  // A key renamed (a field lost, another added).
  fc.tuple(fc.nat(), fc.constantFrom('metrics', 'series', 'seeds', 'variants', 'arms', 'x', '__proto__', 'constructor')).map(([i, k]): Mutation => (t) => {
    const keys = [...t.matchAll(/"([\w.|-]+)"(?=\s*:)/g)];
    if (keys.length === 0) return t;
    const m = pick(keys, i);
    return `${t.slice(0, m.index)}"${k}"${t.slice(m.index! + m[0].length)}`;
  }),
);

const damage = fc.record({
  file: fc.constantFrom(...FILES),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
});

/** What `orchsim report DIR` does before drawing charts; then what `orchsim merge` does. */
function reportAndMerge(dir: string): void {
  if (readCapacityPlan(dir)) return;
  const plan = readPlan(dir);
  const file = join(dir, RUNS_FILE);
  const r = readRuns(file);
  checkRunsAgainstPlan(plan, file, r.records, r.lines);
  const records = orderRecords(plan, r.records);
  const results = summarizeComparison(plan, records);
  resultsJSON(results);
  formatComparison(results);
  comparisonMarkdown(results, comparisonCharts(results, records));
  mergeShards([dir]);
}

function badRejection(e: unknown): string | undefined {
  if (!(e instanceof InputError)) return `not an InputError: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
  for (const i of e.issues) {
    if (!i.file || !i.message.trim()) return `an issue without a file or message: ${JSON.stringify(i)}`;
    if (/\n\s+at /.test(formatIssue(i))) return `a stack trace: ${formatIssue(i)}`;
  }
  return undefined;
}

let n = 0;
/** A copy of the base directory with `file` replaced by `text`. */
function damagedDir(file: string, text: string): string {
  const dir = join(tmp, `d${n++}`);
  cpSync(base, dir, { recursive: true });
  writeFileSync(join(dir, file), text);
  return dir;
}

describe('fuzzed results directories', () => {
  it('the undamaged directory is reported and merged', () => {
    expect(() => reportAndMerge(base)).not.toThrow();
  });

  it('report and merge accept a damaged directory or reject it with an InputError, never anything else', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(damage, ({ file, mutations }) => {
        const text = mutations.reduce((t, m) => m(t), originals[file]);
        const dir = damagedDir(file, text);
        try {
          reportAndMerge(dir);
          accepted++;
        } catch (e) {
          rejected++;
          const problem = badRejection(e);
          if (problem) throw new Error(`${problem}\n--- ${file}, damaged:\n${text.slice(0, 3000)}`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { ...runs(150), seed: process.env.ORCHSIM_FUZZ_SEED ? Number(process.env.ORCHSIM_FUZZ_SEED) : undefined },
    );
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  }, 120_000);

  it('through the CLI: report and merge exit 0 or 2, never 1, and print no stack trace', async () => {
    const samples = fc.sample(damage, { numRuns: 4, seed: 21 });
    const dirs = samples.map(({ file, mutations }) => damagedDir(file, mutations.reduce((t, m) => m(t), originals[file])));
    const results = await orchsimAll(dirs.flatMap((d, i) => [['report', d], ['merge', '--out', join(tmp, `m${i}`), d]]), 2);
    for (const r of results) {
      expect([0, 2], r.stderr).toContain(r.code);
      expect(r.stderr).not.toMatch(/\n\s+at |run failed/);
    }
  });
});
