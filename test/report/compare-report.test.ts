import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'vega';
import { compile } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS, RECORD_FORMAT, type RunRecord } from '../../src/experiments/records.js';
import { renderChart, type VegaLiteSpec } from '../../src/report/charts.js';
import {
  comparisonCharts,
  comparisonMarkdown,
  writeComparisonReport,
  type ComparisonChart,
} from '../../src/report/compare-report.js';
import { summarizeComparison, type ComparisonPlan } from '../../src/experiments/comparison.js';

const ARMS = ['default', 'binpack', 'gpu-aware'];
const SEEDS = [1, 2, 3];

interface Features {
  gpu?: boolean;
  autoscaling?: boolean;
  pending?: boolean;
  incidents?: boolean;
}

/**
 * A run record made by hand: 11 samples over 10 minutes. Arm a packs 0.1 more cpu than arm
 * a - 1, with seed noise that differs per arm (so the paired differences have a spread) and a
 * missing cpu sample at 5 min for binpack seed 2.
 */
function record(variant: string, params: Record<string, unknown>, armIndex: number, seed: number, f: Features, scale = 1): RunRecord {
  const arm = ARMS[armIndex]!;
  const time = Array.from({ length: 11 }, (_, i) => i * 60);
  const noise = ((seed * 7 + armIndex * 3) % 5) / 1000;
  const cpu = time.map((t, i) => (arm === 'binpack' && seed === 2 && i === 5 ? null : Math.min(1, (0.3 + 0.1 * armIndex + noise) * scale + t / 60000)));
  const metrics: Record<string, number | null> = Object.fromEntries(METRICS.map((m) => [m.key, null]));
  Object.assign(metrics, {
    'utilization.cpu': (0.3 + 0.1 * armIndex + noise) * scale,
    'utilization.memory': 0.25 + 0.05 * armIndex + noise,
    'pods.unschedulable': armIndex,
    'pods.failed': 0,
    'incidents.count': f.incidents ? 2 : 0,
  });
  if (f.gpu) metrics['utilization.gpu'] = 0.5 + 0.1 * armIndex + noise;
  if (f.pending) {
    metrics['pending.mean'] = 5 * (armIndex + 1) + seed;
    metrics['pending.p95'] = 20 * (armIndex + 1) + seed;
    metrics['pending.p99'] = (30 * (armIndex + 1) + seed) * scale;
  }
  if (f.incidents) {
    metrics['availability.mean'] = 0.99 + 0.002 * armIndex + noise;
    metrics['availability.min'] = 0.98 + 0.002 * armIndex + noise;
    metrics.mttd = 40 + seed;
    metrics.mttr = 60 + 10 * armIndex + seed;
  }
  return {
    format: RECORD_FORMAT,
    id: `${variant}|${arm}|${seed}`,
    variant,
    params,
    arm,
    seed,
    metrics,
    series: {
      time,
      cpu,
      memory: time.map(() => 0.25 + 0.05 * armIndex + noise),
      gpu: time.map(() => (f.gpu ? 0.5 + 0.1 * armIndex + noise : null)),
      pending: time.map((_, i) => (f.pending ? (i % 3) * (armIndex + 1) : 0)),
      ...(f.autoscaling
        ? { nodes: time.map((_, i) => 3 + Math.floor(i / 4) + armIndex), replicas: time.map((_, i) => 4 + (i % 5) + seed) }
        : {}),
    },
    pendingCdf: f.pending ? Array.from({ length: 101 }, (_, q) => q * (armIndex + 1) * 0.5 + seed) : [],
  };
}

function comparison(f: Features, variants: { name: string; params: Record<string, unknown> }[] = [{ name: 'base', params: {} }]) {
  const plan: ComparisonPlan = {
    kind: variants.length > 1 ? 'sweep' : 'compare',
    scenario: 'three-policies',
    arms: ARMS,
    baseline: 'default',
    variants,
    seeds: SEEDS,
    confidence: 0.95,
  };
  const records: RunRecord[] = [];
  variants.forEach((v, vi) => {
    for (let a = 0; a < ARMS.length; a++) for (const seed of SEEDS) records.push(record(v.name, v.params, a, seed, f, 1 + vi * 0.2));
  });
  return { results: summarizeComparison(plan, records), records };
}

const EVERYTHING: Features = { gpu: true, autoscaling: true, pending: true, incidents: true };
const sweepVariants = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `v${i + 1}`, params: { 'cluster.nodes': 4 * (i + 1) } }));

/** Compiles a Vega-Lite spec and parses the Vega output, collecting every warning and error. */
function compileMessages(spec: VegaLiteSpec): string[] {
  const messages: string[] = [];
  let level = 2;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    warn: (...a: unknown[]) => (messages.push(`warn: ${a.map(String).join(' ')}`), logger),
    error: (...a: unknown[]) => (messages.push(`error: ${a.map(String).join(' ')}`), logger),
    info: () => logger,
    debug: () => logger,
  };
  const vega = compile(structuredClone(spec), { logger }).spec;
  parse(vega, undefined, { logger } as never);
  return messages;
}

const marks = (svg: string, role: string) => svg.match(new RegExp(`<[a-z]+ [^>]*aria-roledescription="${role}"[^>]*>`, 'g')) ?? [];
/** Items of a mark group, e.g. the `<line>` elements of the rule marks. */
const groupItems = (svg: string, markClass: string, tag: string) =>
  [...svg.matchAll(new RegExp(`<g class="mark-${markClass} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g'))].flatMap((m) => m[1]!.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

const valuesOf = (spec: VegaLiteSpec) => (spec as { data: { values: Record<string, unknown>[] } }).data.values;
const byName = (charts: readonly ComparisonChart[], name: string) => {
  const c = charts.find((x) => x.name === name);
  if (!c) throw new Error(`no chart ${name} in ${charts.map((x) => x.name).join(', ')}`);
  return c;
};

describe('comparisonCharts: which charts', () => {
  it('draws every chart when the runs have gpus, autoscaling, pending pods and incidents', () => {
    const { results, records } = comparison(EVERYTHING);
    expect(comparisonCharts(results, records).map((c) => c.name)).toEqual(['utilization', 'memory', 'pending-cdf', 'availability', 'mttr', 'gpu', 'autoscaling']);
  });

  it('leaves out the charts with no data: no gpu, no autoscaling, no pending pods, no incidents', () => {
    const { results, records } = comparison({});
    expect(comparisonCharts(results, records).map((c) => c.name)).toEqual(['utilization', 'memory']);
  });

  it('leaves out the CDF of an arm whose pods never waited, and the chart when none did', () => {
    const { results, records } = comparison({ pending: true });
    const oneArmWaited = records.map((r) => (r.arm === 'binpack' ? r : { ...r, pendingCdf: [] }));
    const cdf = byName(comparisonCharts(results, oneArmWaited), 'pending-cdf');
    expect(new Set(valuesOf(cdf.spec).map((r) => r.arm))).toEqual(new Set(['binpack']));
    const noneWaited = records.map((r) => ({ ...r, pendingCdf: [] }));
    expect(comparisonCharts(results, noneWaited).map((c) => c.name)).not.toContain('pending-cdf');
  });

  it('in a sweep, charts each headline metric against the variant, and the over-time charts per variant', () => {
    const { results, records } = comparison(EVERYTHING, sweepVariants(3));
    const charts = comparisonCharts(results, records);
    const names = charts.map((c) => c.name);
    expect(names.slice(0, 3)).toEqual(['metric-utilization-cpu', 'metric-pending-p99', 'metric-availability-mean']);
    for (const v of ['v1', 'v2', 'v3']) {
      for (const base of ['utilization', 'memory', 'pending-cdf', 'availability', 'mttr', 'gpu', 'autoscaling']) expect(names).toContain(`${base}-${v}`);
    }
    expect(byName(charts, 'utilization-v2').title).toContain('variant v2 (cluster.nodes=8)');
    // The swept values on x (not v1, v2, v3), ticks at them only, a line per arm; each arm's
    // point a little to one side of its value, so that intervals at the same value do not hide one another.
    const metric = byName(charts, 'metric-pending-p99').spec as { encoding: { x: { field: string; type: string; title: string; axis: { values: unknown } } } };
    expect(metric.encoding.x).toMatchObject({ field: 'x', type: 'quantitative', title: 'nodes of cluster (cluster.nodes)', axis: { values: [4, 8, 12] } });
    const rows = valuesOf(byName(charts, 'metric-pending-p99').spec);
    expect(rows).toHaveLength(9);
    expect(rows.filter((r) => r.variant === 'v2').map((r) => r.value)).toEqual([8, 8, 8]);
    const xs = rows.filter((r) => r.variant === 'v2').map((r) => r.x as number);
    expect(new Set(xs).size).toBe(3);
    for (const x of xs) expect(Math.abs(x - 8)).toBeLessThan(0.5);
  });

  it('in a sweep of more than four variants, draws the over-time charts of the first four only', () => {
    const { results, records } = comparison({}, sweepVariants(6));
    const names = comparisonCharts(results, records).map((c) => c.name);
    expect(names.filter((n) => n.startsWith('utilization-'))).toEqual(['utilization-v1', 'utilization-v2', 'utilization-v3', 'utilization-v4']);
    // No pending and no availability in any run: only the cpu metric against the variant.
    expect(names.filter((n) => n.startsWith('metric-'))).toEqual(['metric-utilization-cpu']);
    expect(valuesOf(comparisonCharts(results, records)[0]!.spec)).toHaveLength(18);
  });

  it('gives short, filesystem-safe, unique names, also for variant names that are not', () => {
    const variants = [{ name: 'a/b', params: {} }, { name: 'a b', params: {} }, { name: '../x', params: {} }];
    const { results, records } = comparison({}, variants);
    const names = comparisonCharts(results, records).map((c) => c.name);
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('utilization-a-b');
    expect(names).toContain('utilization-a-b-2');
    expect(names).toContain('utilization-x');
  });
});

describe('comparisonCharts: data', () => {
  const { results, records } = comparison(EVERYTHING);
  const charts = comparisonCharts(results, records);

  it('is deterministic, whatever the order of the records', () => {
    const again = comparisonCharts(results, [...records].reverse());
    expect(JSON.stringify(again)).toBe(JSON.stringify(charts));
  });

  it('plots the mean over seeds at each sample time, with a gap where no seed has a sample', () => {
    const rows = valuesOf(byName(charts, 'utilization').spec);
    expect(rows).toHaveLength(ARMS.length * 11);
    // 10 min at most: minutes on the time axis.
    expect((byName(charts, 'utilization').spec as { encoding: { x: { title: string } } }).encoding.x.title).toBe('Time (min)');
    const at = (arm: string, time: number) => rows.find((r) => r.arm === arm && r.time === time)!.value as number;
    const expected = SEEDS.map((seed) => records.find((r) => r.arm === 'gpu-aware' && r.seed === seed)!.series.cpu[3]!).reduce((a, b) => a + b, 0) / 3;
    expect(at('gpu-aware', 3)).toBeCloseTo(expected, 5);
    // binpack seed 2 has no sample at 5 min: the mean of seeds 1 and 3.
    const two = [1, 3].map((seed) => records.find((r) => r.arm === 'binpack' && r.seed === seed)!.series.cpu[5]!);
    expect(at('binpack', 5)).toBeCloseTo((two[0]! + two[1]!) / 2, 5);
    const spec = byName(charts, 'utilization').spec as { encoding: { y: { scale: { domain: number[] } } } };
    expect(spec.encoding.y.scale.domain).toEqual([0, 1]);
  });

  it('draws the pending-time CDF from the mean over seeds of each quantile', () => {
    const rows = valuesOf(byName(charts, 'pending-cdf').spec).filter((r) => r.arm === 'binpack');
    expect(rows).toHaveLength(101);
    // Quantile q of binpack, seed s: q x 2 x 0.5 + s; the mean over seeds 1..3 is q + 2.
    expect(rows[50]).toEqual({ arm: 'binpack', seconds: 52, fraction: 0.5 });
    expect(rows[100]).toEqual({ arm: 'binpack', seconds: 102, fraction: 1 });
  });

  it('takes the means and intervals of availability and MTTR from the results', () => {
    const m = results.groups[0]!.metrics.find((x) => x.key === 'mttr')!;
    const rows = valuesOf(byName(charts, 'mttr').spec);
    expect(rows.map((r) => r.arm)).toEqual(ARMS);
    rows.forEach((r, i) => {
      expect(r.mean).toBeCloseTo(m.arms[i]!.mean, 4);
      expect(r.low).toBeCloseTo(m.arms[i]!.low, 4);
      expect(r.high).toBeCloseTo(m.arms[i]!.high, 4);
    });
  });

  it('draws nodes and replicas as a line per arm and quantity', () => {
    const rows = valuesOf(byName(charts, 'autoscaling').spec);
    expect(new Set(rows.map((r) => `${r.arm}/${r.quantity}`)).size).toBe(6);
  });

  it('colours each arm the same in every chart', () => {
    for (const c of charts) expect(JSON.stringify(c.spec)).toContain(JSON.stringify({ field: 'arm', type: 'nominal', title: 'Arm', scale: { domain: ARMS } }).slice(0, -1));
  });
});

describe('comparisonCharts: every spec compiles and draws', () => {
  const cases = {
    everything: comparison(EVERYTHING),
    nothing: comparison({}),
    sweep: comparison(EVERYTHING, sweepVariants(3)),
    // Two grid paths: the second one's values as small multiples.
    'two-path sweep': comparison({ pending: true, incidents: true }, [100, 200].flatMap((n, i) => [1, 3].map((r, j) => ({ name: `v${2 * i + j + 1}`, params: { 'cluster.pools.0.count': n, 'workloads.0.replicas': r } })))),
    'one seed': (() => {
      const c = comparison(EVERYTHING);
      const records = c.records.filter((r) => r.seed === 1);
      return { results: summarizeComparison({ ...c.results, seeds: [1] }, records), records };
    })(),
  };

  for (const [label, { results, records }] of Object.entries(cases)) {
    it(`${label}: Vega-Lite compiles and Vega parses every chart, static and interactive, with no warning`, () => {
      const charts = comparisonCharts(results, records);
      expect(charts.length).toBeGreaterThan(0);
      for (const c of charts) {
        expect(compileMessages(c.spec), c.name).toEqual([]);
        if (c.interactive) expect(compileMessages(c.interactive), `${c.name} (interactive)`).toEqual([]);
      }
    });
  }

  it('one seed: every chart draws (no interval anywhere: points alone, no empty interval layer)', async () => {
    const { results, records } = cases['one seed'];
    // renderChart rejects on any Vega warning, e.g. an empty layer's infinite extent.
    await Promise.all(comparisonCharts(results, records).map((c) => renderChart(c.spec)));
  });

  describe('rendered', () => {
    const { results, records } = cases.everything;
    const charts = comparisonCharts(results, records);
    const drawn = new Map<string, { svg: string; png: Uint8Array }>();
    beforeAll(async () => {
      const all = await Promise.all(charts.map((c) => renderChart(c.spec)));
      charts.forEach((c, i) => drawn.set(c.name, all[i]!));
    });

    it('every chart is a non-empty SVG and a PNG twice its size', () => {
      for (const c of charts) {
        const { svg, png } = drawn.get(c.name)!;
        expect(svg.startsWith('<svg ')).toBe(true);
        // The title's first line; details (seeds, variant) on a second.
        const title = (c.spec as { title: { text: string; subtitle?: string } }).title;
        expect(c.title.startsWith(title.text)).toBe(true);
        expect(svg).toContain(`>${title.text}</text>`);
        if (title.subtitle) expect(svg).toContain(`>${title.subtitle}</text>`);
        expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
        const size = pngSize(png);
        expect(size.width).toBeGreaterThan(0);
        expect(size.height).toBeGreaterThan(0);
        expect(size.width).toBe(2 * Number(/width="(\d+)"/.exec(svg)![1]));
      }
    });

    it('line charts have one line per arm (per arm and quantity for autoscaling)', () => {
      for (const name of ['utilization', 'memory', 'pending-cdf', 'gpu']) {
        const lines = marks(drawn.get(name)!.svg, 'line mark');
        expect(lines, name).toHaveLength(ARMS.length);
        for (const arm of ARMS) expect(lines.filter((p) => p.includes(`Arm: ${arm}"`))).toHaveLength(1);
      }
      expect(marks(drawn.get('autoscaling')!.svg, 'line mark')).toHaveLength(2 * ARMS.length);
    });

    it('arms differ by dash pattern and marker shape too, so lines that coincide stay visible', () => {
      const lines = marks(drawn.get('utilization')!.svg, 'line mark');
      // The first arm solid, every other dashed, each differently.
      const dashes = ARMS.map((arm) => /stroke-dasharray="([^"]*)"/.exec(lines.find((p) => p.includes(`Arm: ${arm}"`))!)?.[1] ?? 'solid');
      expect(new Set(dashes).size).toBe(ARMS.length);
      // Markers on about ten samples of each line (of 11 here), in the static picture too.
      const points = marks(drawn.get('utilization')!.svg, 'point');
      for (const arm of ARMS) expect(points.filter((p) => p.includes(`Arm: ${arm}"`)).length, arm).toBeGreaterThan(0);
      expect(points.length).toBeLessThanOrEqual(ARMS.length * 11);
      // One legend for colour, dash and shape.
      expect(drawn.get('utilization')!.svg.match(/role-legend"/g)).toHaveLength(1);
    });

    it('interval charts have a point and a rule (the interval) per arm', () => {
      for (const name of ['availability', 'mttr']) {
        const { svg } = drawn.get(name)!;
        expect(marks(svg, 'point'), name).toHaveLength(ARMS.length);
        expect(groupItems(svg, 'rule', 'line').length, name).toBeGreaterThanOrEqual(ARMS.length);
        expect(svg).toContain('class="mark-rule role-mark layer_0_marks"');
      }
    });
  });
});

describe('comparisonMarkdown and writeComparisonReport', () => {
  const { results, records } = comparison(EVERYTHING);
  let dir = '';
  let paths: string[] = [];
  let markdown = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchsim-compare-report-'));
    paths = await writeComparisonReport(dir, results, records);
    markdown = readFileSync(join(dir, 'report.md'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the charts (spec, SVG, PNG), report.md and report.html, and returns their paths', () => {
    const charts = comparisonCharts(results, records);
    const expected = [
      ...charts.flatMap((c) => [`${c.name}.vl.json`, `${c.name}.svg`, `${c.name}.png`].map((f) => join(dir, 'charts', f))),
      join(dir, 'report.md'),
      join(dir, 'report.html'),
    ];
    expect(paths).toEqual(expected);
    for (const p of paths) expect(existsSync(p)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['charts', 'report.html', 'report.md']);
    expect(readdirSync(join(dir, 'charts')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'charts', 'utilization.vl.json'), 'utf8'))).toEqual(charts[0]!.spec);
  });

  it('embeds every chart as a PNG by a relative path that exists', () => {
    const images = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(images).toEqual(comparisonCharts(results, records).map((c) => `charts/${c.name}.png`));
    for (const src of images) expect(existsSync(join(dir, src))).toBe(true);
  });

  it('says what was compared and has a table with the means, intervals and marked differences', () => {
    expect(markdown).toMatch(/^# Comparison: three-policies\n/);
    expect(markdown).toContain('arms default, binpack, gpu-aware (baseline default); 3 seeds (1..3); 1 variant; 9 of 9 runs.');
    expect(markdown).toContain('95% confidence interval');
    expect(markdown).toContain('| Metric | default | binpack | gpu-aware | binpack - default | gpu-aware - default |');
    expect(markdown).toContain('| --- | ---: | ---: | ---: | ---: | ---: |');
    const cpuRow = markdown.split('\n').find((l) => l.startsWith('| cpu requested / allocatable'))!;
    const cells = cpuRow.split(' | ');
    expect(cells).toHaveLength(6);
    // Means with [low, high]; binpack packs 0.1 more, significantly, and that is better.
    // Ratios in %, their differences in percentage points; digits from the interval's half-width.
    expect(cells[1]).toMatch(/^30\.\d+% \[30\.\d+, 30\.\d+\]$/);
    expect(cells[4]).toMatch(/^\*\*\+\d+\.\d+ pp \[\+\d+\.\d+, \+\d+\.\d+\]\*\*\\\* \(better\)$/);
    // MTTR is 10 s longer per arm: significant and worse.
    const mttrRow = markdown.split('\n').find((l) => l.startsWith('| MTTR |'))!;
    expect(mttrRow).toMatch(/\| \*\*\+10 s \[/);
    expect(mttrRow).toContain('(worse)');
    // Pods failed: 0 in every run, the difference 0 exactly: no row, named under the table.
    expect(markdown.split('\n').find((l) => l.startsWith('| pods failed'))).toBeUndefined();
    expect(markdown).toMatch(/^No difference: .*pods failed.*\.$/m);
  });

  it('has a table per variant in a sweep, named with its parameters', () => {
    const sweep = comparison({}, sweepVariants(3));
    const md = comparisonMarkdown(sweep.results, comparisonCharts(sweep.results, sweep.records));
    expect(md).toMatch(/^# Sweep: three-policies\n/);
    for (const v of [1, 2, 3]) expect(md).toContain(`### Variant v${v} (cluster.nodes=${4 * v})`);
    expect(md.match(/^\| Metric \|/gm)).toHaveLength(3);
  });

  it('escapes names that would break a table or an image reference', () => {
    const odd = { ...results, arms: ['a|b', ...results.arms.slice(1)] };
    const md = comparisonMarkdown(odd, [{ name: 'x', title: 'see [1]', spec: { mark: 'point' } as VegaLiteSpec }]);
    expect(md).toContain('| Metric | a\\|b |');
    expect(md).toContain('![see \\[1\\]](charts/x.png)');
  });
});
