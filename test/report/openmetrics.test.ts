import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_START, escapeLabelValue, formatNumber, openMetricsText, parseMetricsStart, runOpenMetrics, type Family } from '../../src/report/openmetrics.js';
import { pathSegment, runMetricsFile } from '../../src/report/run-metrics.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { resultJSON, timeseriesCSV } from '../../src/report/summary.js';
import { orchsimAll, SMALL_SCENARIO } from '../helpers/cli.js';
import { existsSync } from 'node:fs';

/** OpenMetrics' label-value escapes undone (the reading side of escapeLabelValue). */
const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** A sample line: name, labels (in order) and the rest. */
function parseSample(line: string): { name: string; labels: [string, string][]; value: string; timestamp: string } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+) (\S+)$/.exec(line);
  if (!m) throw new Error(`not a sample line: ${line}`);
  const labels = [...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, unescape(x[2]!)] as [string, string]);
  return { name: m[1]!, labels, value: m[3]!, timestamp: m[4]! };
}

const SCENARIO = `${SMALL_SCENARIO}  - type: batch
    name: jobs
    arrival: { poisson: { rate: 60/h } }
    duration: { exponential: { mean: 10m } }
    requests: { cpu: { choice: [1, 2] }, memory: 2Gi }
failures:
  outages:
    - { name: zone-a-down, at: 30m, duration: 20m, zone: a }
`;
const file = join(mkdtempSync(join(tmpdir(), 'orchsim-om-')), 'small.yaml');
writeFileSync(file, SCENARIO);
const prepare = () => prepareScenario(file);

describe('OpenMetrics text', () => {
  it('escapes backslash, double quote and line feed in label values, and nothing else', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (v) => {
        const e = escapeLabelValue(v);
        expect(e).not.toContain('\n');
        // Every quote is escaped: a reader finds the value's end at the first bare quote.
        expect(/(^|[^\\])(\\\\)*"/.test(e)).toBe(false);
        expect(unescape(e)).toBe(v);
      }),
    );
  });

  it('writes each family once, metadata first, counters as _total, the run labels on every sample, # EOF last', () => {
    const families: Family[] = [
      { name: 'x_ratio', type: 'gauge', unit: 'ratio', help: 'a "ratio"\nof\\things', series: [{ labels: [['zone', 'a"b']], value: (i) => i / 4 }, { labels: [['zone', 'c']], value: () => NaN }] },
      { name: 'x_events', type: 'counter', help: 'events', series: [{ labels: [], value: (i) => i }] },
      { name: 'x_none', type: 'gauge', help: 'no series: left out', series: [] },
    ];
    const text = openMetricsText(families, [0, 60, 120], { start: 1000, labels: [['scenario', 'a\\b']] });
    expect(text).toBe(`# TYPE x_ratio gauge
# UNIT x_ratio ratio
# HELP x_ratio a \\"ratio\\"\\nof\\\\things
x_ratio{scenario="a\\\\b",zone="a\\"b"} 0 1000
x_ratio{scenario="a\\\\b",zone="a\\"b"} 0.25 1060
x_ratio{scenario="a\\\\b",zone="a\\"b"} 0.5 1120
x_ratio{scenario="a\\\\b",zone="c"} NaN 1000
x_ratio{scenario="a\\\\b",zone="c"} NaN 1060
x_ratio{scenario="a\\\\b",zone="c"} NaN 1120
# TYPE x_events counter
# HELP x_events events
x_events_total{scenario="a\\\\b"} 0 1000
x_events_total{scenario="a\\\\b"} 1 1060
x_events_total{scenario="a\\\\b"} 2 1120
# EOF
`);
  });

  it('refuses a family twice or a unit that is not the suffix of the name; skips a time that does not advance', () => {
    const g = (name: string, unit?: string): Family => ({ name, type: 'gauge', unit, help: 'h', series: [{ labels: [], value: () => 1 }] });
    expect(() => openMetricsText([g('a'), g('a')], [0], { start: 0, labels: [] })).toThrow(/a twice/);
    expect(() => openMetricsText([g('a_bytes', 'ratio')], [0], { start: 0, labels: [] })).toThrow(/does not end with its unit/);
    expect(openMetricsText([g('a')], [0, 5, 5, 3, 6], { start: 0, labels: [] }).split('\n').filter((l) => l.startsWith('a{'))).toEqual(['a{} 1 0', 'a{} 1 5', 'a{} 1 6']);
  });

  it('spells numbers the way the format reads them', () => {
    expect([NaN, Infinity, -Infinity, -0, 0.1, 1e21, 2 ** 53].map(formatNumber)).toEqual(['NaN', '+Inf', '-Inf', '0', '0.1', '1e+21', '9007199254740992']);
  });

  it('--metrics-start takes an ISO date-time with a zone, nothing machine-dependent', () => {
    expect(DEFAULT_METRICS_START).toBe(1767225600);
    expect(parseMetricsStart('2026-01-01T00:00:00Z')).toBe(1767225600);
    expect(parseMetricsStart('2026-01-01T01:00:00+01:00')).toBe(1767225600);
    expect(parseMetricsStart('2026-01-01T00:00:00.5Z')).toBe(1767225600.5);
    for (const bad of ['2026-01-01', '2026-01-01T00:00:00', 'yesterday', '1969-12-31T23:59:59Z', '2026-13-01T00:00:00Z', '']) expect(parseMetricsStart(bad), bad).toBeUndefined();
  });
});

describe('a run as OpenMetrics', () => {
  const out = runPrepared(prepare(), { sampledState: true });
  const text = runOpenMetrics(out, { start: DEFAULT_METRICS_START, labels: [['scenario', 'small'], ['seed', '3']] });
  const lines = text.trimEnd().split('\n');

  it('sampling zones and services changes nothing in the result or timeseries.csv', () => {
    const plain = runPrepared(prepare());
    expect(resultJSON(out.result)).toBe(resultJSON(plain.result));
    expect(timeseriesCSV(out.timeseries)).toBe(timeseriesCSV(plain.timeseries));
    expect(plain.sampledState).toBeUndefined();
  });

  it('is the same bytes for the same scenario and seed', () => {
    const again = runPrepared(prepare(), { sampledState: true });
    expect(runOpenMetrics(again, { start: DEFAULT_METRICS_START, labels: [['scenario', 'small'], ['seed', '3']] })).toBe(text);
  });

  it('keeps families together, their series in time order, with Prometheus names', () => {
    expect(lines.at(-1)).toBe('# EOF');
    const types = new Map<string, string>();
    const done = new Set<string>();
    let current = '';
    const last = new Map<string, number>();
    for (const line of lines.slice(0, -1)) {
      const meta = /^# (TYPE|UNIT|HELP) (\S+) (.*)$/.exec(line);
      if (meta) {
        const name = meta[2]!;
        if (name !== current) {
          expect(done.has(name), `${name} twice`).toBe(false);
          done.add(current);
          current = name;
        }
        if (meta[1] === 'TYPE') types.set(name, meta[3]!);
        if (meta[1] === 'UNIT') expect(name.endsWith(`_${meta[3]}`)).toBe(true);
        continue;
      }
      const s = parseSample(line);
      expect(s.name.startsWith('orchsim_')).toBe(true);
      // A counter family's samples end in _total; a gauge's carry the family name.
      expect(s.name).toBe(types.get(current) === 'counter' ? `${current}_total` : current);
      expect(current.endsWith('_total')).toBe(false);
      expect(s.labels.slice(0, 2)).toEqual([['scenario', 'small'], ['seed', '3']]);
      const key = `${s.name}${JSON.stringify(s.labels)}`;
      const t = Number(s.timestamp);
      expect(t).toBeGreaterThan(last.get(key) ?? -Infinity);
      last.set(key, t);
      expect(Number.isNaN(Number(s.value))).toBe(false);
    }
    expect([...types.keys()]).toEqual(expect.arrayContaining(['orchsim_cluster_cpu_requested_ratio', 'orchsim_pods_pending', 'orchsim_pods_completed', 'orchsim_node_cpu_requested_ratio', 'orchsim_nodes_ready', 'orchsim_service_ready_replicas', 'orchsim_incidents']));
  });

  it('its values are the run: the cluster series is timeseries.csv, zones and nodes follow the outage', () => {
    const series = (name: string, label?: [string, string]) =>
      lines.filter((l) => l.startsWith(`${name}{`)).map(parseSample).filter((s) => !label || s.labels.some(([k, v]) => k === label[0] && v === label[1])).map((s) => [Number(s.timestamp) - DEFAULT_METRICS_START, Number(s.value)]);
    const cpu = out.timeseries.columns.indexOf('cpu');
    expect(series('orchsim_cluster_cpu_requested_ratio')).toEqual(out.timeseries.rows.map((r) => [r[0], r[cpu]]));
    // 6 nodes over zones a and b; zone a out from 30m to 50m, NotReady after the 50 s grace period.
    const readyA = series('orchsim_nodes_ready', ['zone', 'a']);
    expect(readyA.find(([t]) => t === 40 * 60)?.[1]).toBe(0);
    expect(readyA.find(([t]) => t === 20 * 60)?.[1]).toBe(3);
    expect(series('orchsim_nodes', ['zone', 'b']).every(([, v]) => v === 3)).toBe(true);
    const incidents = series('orchsim_incidents_total');
    expect(incidents.find(([t]) => t === 20 * 60)?.[1]).toBe(0);
    expect(incidents.at(-1)?.[1]).toBe(out.result.metrics.incidents.count);
    expect(series('orchsim_service_desired_replicas', ['service', 'web']).every(([, v]) => v === 4)).toBe(true);
    // Per-zone requested ratios weighted by allocatable add up to the cluster's.
    const za = series('orchsim_node_cpu_requested_ratio', ['zone', 'a']);
    const zb = series('orchsim_node_cpu_requested_ratio', ['zone', 'b']);
    series('orchsim_cluster_cpu_requested_ratio').forEach(([, v], i) => expect((za[i]![1]! + zb[i]![1]!) / 2).toBeCloseTo(v!, 12));
  });
});

describe('compare / sweep --openmetrics file names', () => {
  it('a plain name is kept; any other becomes one safe folder name, never the same for two names', () => {
    expect(runMetricsFile('base', 'binpack', 7)).toBe('metrics/base/binpack/seed-7.om');
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const [sa, sb] = [pathSegment(a), pathSegment(b)];
        for (const s of [sa, sb]) {
          expect(s).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
          expect(s.length).toBeLessThanOrEqual(100);
        }
        if (a !== b) expect(sa).not.toBe(sb);
      }),
    );
    expect(pathSegment('..')).not.toBe('..');
    expect(pathSegment('a/b')).not.toContain('/');
  });
});

describe('the command line', () => {
  it('refuses a --metrics-start without a zone, and --openmetrics without --out, as bad input (exit 2) before writing anything', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'orchsim-om-cli-')), 'out');
    const [start, compare] = await orchsimAll([
      ['run', file, '--out', out, '--metrics-start', '2026-01-01T00:00:00'],
      ['compare', file, '--profiles', 'default', '--seeds', '1', '--openmetrics'],
    ]);
    expect(start!.code).toBe(2);
    expect(start!.stderr).toMatch(/--metrics-start.*ISO 8601 date-time with a time zone/);
    expect(existsSync(out)).toBe(false);
    expect(compare!.code).toBe(2);
    expect(compare!.stderr).toContain('--openmetrics: needs --out DIR');
    expect(compare!.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
