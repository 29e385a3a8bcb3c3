import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarizeComparison, type ComparisonResults } from '../../src/experiments/comparison.js';
import { METRICS, RECORD_FORMAT, type RunRecord } from '../../src/experiments/records.js';
import { formatComparison } from '../../src/report/comparison.js';
import { headline, showsNoDifference, variantViews } from '../../src/report/comparison-view.js';
import { formatTextTable, wrapText } from '../../src/report/text-table.js';

const SEEDS = [1, 2, 3, 4, 5];

/** Records of made-up runs: `metrics(arm, seed)` gives each run's values (others null). */
function comparison(arms: readonly string[], metrics: (arm: string, seed: number) => Record<string, number>, variants = [{ name: 'base', params: {} }]): ComparisonResults {
  const records: RunRecord[] = variants.flatMap((v) => arms.flatMap((arm) => SEEDS.map((seed) => ({
    format: RECORD_FORMAT,
    id: `${v.name}|${arm}|${seed}`,
    variant: v.name,
    params: v.params,
    arm,
    seed,
    metrics: { ...Object.fromEntries(METRICS.map((m) => [m.key, null])), ...metrics(arm, seed) },
    series: { time: [], cpu: [], memory: [], gpu: [], pending: [] },
    pendingCdf: [],
  }))));
  return summarizeComparison({ kind: variants.length > 1 ? 'sweep' : 'compare', scenario: 'made-up', arms, baseline: arms[0]!, variants, seeds: SEEDS, confidence: 0.95 }, records);
}

// binpack packs 4 pp more cpu on every seed (noise differs per seed), waits 12 s longer, and
// fails no more pods; availability is 1 everywhere.
const made = comparison(['default', 'binpack'], (arm, seed) => {
  const b = arm === 'binpack' ? 1 : 0;
  return {
    'utilization.cpu': 0.5 + 0.041 * b + ((seed * 7) % 5) / 1000 + b * (seed % 2) / 1000,
    'pending.mean': 20 + 12 * b + seed + b * ((seed * 3) % 4),
    'pods.failed': 0,
    'availability.mean': 1,
    // Different in the seventh digit only, either way: reads the same.
    'requests.served': 0.999 + b * 1e-7 * (((seed * 3) % 5) - 2),
  };
});

const lines = (text: string) => text.split('\n');
const widest = (text: string) => Math.max(...lines(text).map((l) => l.length));

describe('headline', () => {
  it('says the significant differences in words, with their size and interval', () => {
    const text = headline(made);
    // The larger difference first: pending time up by a third, utilization by a twelfth.
    expect(text).toMatch(/^binpack raises mean pending time by 1\d\.?\d* s \[\d+\.?\d*, \d+\.?\d*\] \(worse\) and raises cpu requested \/ allocatable by 4\.\d+ pp \[\d\.\d+, \d\.\d+\] \(better\) against default\. \(95% intervals over 5 seeds\.\)$/);
  });

  it('says so when nothing differs, and when there is nothing to compare', () => {
    const same = comparison(['a', 'b'], (_arm, seed) => ({ 'pending.mean': seed }));
    expect(headline(same)).toBe('No significant difference between the arms over 5 seeds.');
    expect(headline(comparison(['a'], () => ({ 'pending.mean': 1 })))).toBe('One arm, a, over 5 seeds: nothing to compare.');
  });

  it('in a sweep, names a difference once with the variants it holds in and its range', () => {
    const sweep = comparison(['default', 'binpack'], (arm, seed) => ({ 'pods.unschedulable': arm === 'binpack' ? seed % 2 : 3 + (seed % 3) }),
      [{ name: 'v1', params: { n: 1 } }, { name: 'v2', params: { n: 2 } }]);
    expect(headline(sweep)).toMatch(/^binpack lowers pods never scheduled in all 2 variants, by [\d.]+ to [\d.]+ \(better\) against default\./);
  });
});

describe('folding rows that do not differ', () => {
  const view = variantViews(made)[0]!;
  it('keeps the metrics that differ, folds those equal everywhere or equal to the digits shown', () => {
    expect(view.rows.map((r) => r.metric.key)).toEqual(['utilization.cpu', 'pending.mean']);
    expect(view.same.map((m) => m.key)).toEqual(['pods.failed', 'availability.mean', 'requests.served']);
  });
  it('never folds a significant difference or a single arm', () => {
    const one = comparison(['a'], () => ({ 'pods.failed': 0 }));
    expect(showsNoDifference(one.groups[0]!.metrics[0]!)).toBe(false);
    const tiny = comparison(['a', 'b'], (arm, seed) => ({ 'requests.served': 0.5 + seed / 1000 + (arm === 'b' ? 1e-9 * (1 + seed / 10) : 0) }));
    expect(tiny.groups[0]!.metrics[0]!.differences[0]!.significant).toBe(true);
    expect(showsNoDifference(tiny.groups[0]!.metrics[0]!)).toBe(false);
  });
  it('names them on one line in the terminal', () => {
    expect(formatComparison(made)).toMatch(/^No difference: pods failed; service availability; requests served \/ offered\.$/m);
  });
});

describe('terminal tables fit 100 columns', () => {
  const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/results/${name}`, import.meta.url), 'utf8')) as ComparisonResults;

  it.each(['default-compare.json', 'pool-size-sweep.json'])('the example %s', (name) => {
    const text = formatComparison(fixture(name));
    expect(widest(text)).toBeLessThanOrEqual(100);
    expect(text).not.toMatch(/\de[+-]\d/);
    // The headline first; a negative mean never shows.
    expect(lines(text)[0]).toMatch(/^binpack (raises|lowers) /);
    expect(text).toContain('No difference: ');
    // No arm's mean or interval below 0: every metric is a wait, a count or a share.
    for (const v of variantViews(fixture(name))) for (const r of v.rows) for (const cell of r.arms) expect(cell).not.toMatch(/(^|\[|, )-\d/);
  });

  it('the default compare reads as percentages, points and seconds', () => {
    const text = formatComparison(fixture('default-compare.json'));
    expect(text).toMatch(/^cpu requested \/ allocatable +\d+\.\d+% \[\d+\.\d+, \d+\.\d+\]/m);
    expect(text).toMatch(/^cpu requested \/ allocatable +[+-]\d\.\d+ pp \[[+-]\d\.\d+, [+-]\d\.\d+\]/m);
    expect(text).toMatch(/^pending time, mean +\d+\.\d s \[\d+\.\d, \d+\.\d\]/m);
  });

  it('many arms with long names, in a sweep', () => {
    const arms = ['default', 'a-very-long-scheduler-profile-name-from-a-plugin', 'binpack', 'spread', 'gpu-aware-fragmentation'];
    const r = comparison(arms, (arm, seed) => ({ 'utilization.cpu': 0.3 + arms.indexOf(arm) / 50 + seed / 1000, 'waiting.mean': 100 * arms.indexOf(arm) + seed * 30 }),
      [{ name: 'v1', params: { 'cluster.pools.0.count': 120 } }, { name: 'v2', params: { 'cluster.pools.0.count': 180 } }]);
    expect(widest(formatComparison(r))).toBeLessThanOrEqual(100);
  });

  it('property: any arm names and scenario name', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim() === s && !/\s/.test(s)), { minLength: 2, maxLength: 6 }), (arms) => {
        const r = comparison(arms, (arm, seed) => ({ 'pending.p99': arms.indexOf(arm) * 40 + seed, 'utilization.cpu': 0.5 + seed / 100 }));
        expect(widest(formatComparison(r))).toBeLessThanOrEqual(100);
      }),
      { numRuns: 30 },
    );
  });
});

describe('text tables', () => {
  it('wraps names onto indented lines and headers above their column', () => {
    const out = formatTextTable({ header: ['metric', 'a-rather-long-arm-name'], rows: [['a name that is long enough to wrap somewhere', '1.0']] }, 40);
    expect(Math.max(...out.map((l) => l.length))).toBeLessThanOrEqual(40);
    expect(out.some((l) => l.startsWith('  '))).toBe(true);
  });
  it('wraps words, cutting only a word longer than a line', () => {
    expect(wrapText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapText('x abcdefghij', 4, ' ')).toEqual(['x ab', ' cde', ' fgh', ' ij']);
  });
});
