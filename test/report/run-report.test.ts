import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared } from '../../src/scenario/index.js';
import { renderChart } from '../../src/report/charts.js';
import { incidentSegments, runCharts, runHtml } from '../../src/report/run-report.js';
import type { Incident } from '../../src/sim/failures.js';
import { orchsim } from '../helpers/cli.js';
import { CHROMIUM, haveChromium, openReport } from '../helpers/browser.js';

// A zone outage: services, a failure, nodes going NotReady and back - every chart has data.
const out = runPrepared(prepareScenario('scenarios/zone-outage.yaml'), { sampledState: true });
const charts = runCharts(out);

const incident = (o: Partial<Incident>): Incident => ({
  id: 1, source: 'x', domainKind: 'node', domain: 'n', nodes: 1, onset: 100, detected: NaN, evicted: NaN, lastBound: NaN, recovered: NaN, hostsBack: NaN, affectedReplicas: 2, outstanding: 0, path: '', ...o,
});

describe('runCharts', () => {
  it('draws utilization, pending pods, nodes, availability per service and incidents', () => {
    expect(charts.map((c) => c.name)).toEqual(['utilization', 'pending', 'nodes', 'availability', 'incidents']);
    const rows = (name: string) => (charts.find((c) => c.name === name)!.spec as { data: { values: Record<string, unknown>[] } }).data.values;
    // The same numbers as timeseries.csv (hours on the time axis: a day's run).
    const ts = out.timeseries;
    const pending = rows('pending').map((r) => r.value);
    expect(pending).toEqual(ts.rows.map((r) => r[ts.columns.indexOf('pending')]));
    expect(new Set(rows('availability').map((r) => r.series))).toEqual(new Set(out.sampledState!.services));
    // The outage takes Ready nodes away and gives them back.
    const ready = rows('nodes').filter((r) => r.series === 'Ready').map((r) => r.value as number);
    expect(Math.min(...ready)).toBeLessThan(Math.max(...ready));
    expect(rows('incidents').filter((r) => r.onset === 1)).toHaveLength(out.incidents.length);
  });

  it('leaves out the charts a run has no data for: no services, no incidents, no sampled cluster', () => {
    const bare = { ...out, incidents: [], sampledState: undefined };
    expect(runCharts(bare).map((c) => c.name)).toEqual(['utilization', 'pending']);
  });

  it('every chart compiles and draws with no Vega warning', async () => {
    // renderChart rejects on any warning from Vega-Lite or Vega.
    const drawn = await Promise.all(charts.map((c) => renderChart(c.spec)));
    for (const d of drawn) expect(d.svg.startsWith('<svg ')).toBe(true);
  });

  it('incidentSegments: onset to detection, then to recovery; open ones to the horizon; never detected ones in one piece', () => {
    expect(incidentSegments(incident({ detected: 150, recovered: 400 }), 1000)).toEqual([
      { phase: 'onset to detection', start: 100, end: 150 },
      { phase: 'detection to replicas running again', start: 150, end: 400 },
    ]);
    expect(incidentSegments(incident({ detected: 150 }), 1000)[1]).toEqual({ phase: 'still open at the horizon', start: 150, end: 1000 });
    expect(incidentSegments(incident({ recovered: 120 }), 1000)).toEqual([{ phase: 'detection to replicas running again', start: 100, end: 120 }]);
    expect(incidentSegments(incident({ affectedReplicas: 0, detected: 150, hostsBack: 300 }), 1000)[1]).toEqual({ phase: 'detection to nodes back (no replicas on them)', start: 150, end: 300 });
  });
});

describe('orchsim run --out', () => {
  it('writes report.html and the charts\' specs next to result.json (and, with --png, the pictures), and says where the report is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchsim-run-report-'));
    const [plain, png] = await Promise.all([orchsim('run', 'scenarios/zone-outage.yaml', '--out', join(dir, 'a')), orchsim('run', 'scenarios/zone-outage.yaml', '--out', join(dir, 'b'), '--png')]);
    expect([plain.code, png.code]).toEqual([0, 0]);
    expect(plain.stderr).toContain(`report: ${join(dir, 'a', 'report.html')}`);
    expect(readdirSync(join(dir, 'a', 'charts')).sort()).toEqual(charts.map((c) => `${c.name}.vl.json`).sort());
    for (const c of charts) for (const ext of ['svg', 'png', 'vl.json']) expect(existsSync(join(dir, 'b', 'charts', `${c.name}.${ext}`)), `${c.name}.${ext}`).toBe(true);
    // The run's own files do not depend on the report.
    for (const f of ['result.json', 'timeseries.csv', 'incidents.csv', 'report.html']) expect(readFileSync(join(dir, 'b', f), 'utf8'), f).toBe(readFileSync(join(dir, 'a', f), 'utf8'));
    const bad = await orchsim('run', 'scenarios/zone-outage.yaml', '--png');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--png: needs --out DIR');
  });
});

describe('run report.html in a browser', () => {
  it.skipIf(!haveChromium)(`has the headline and every chart drawn, offline, with no console error (needs ${CHROMIUM})`, async () => {
    let headline: string | null = null;
    const { drawn, problems, requested } = await openReport(runHtml(out, charts), async (page) => {
      headline = await page.textContent('h1');
    });
    expect(headline).toBe('Run: zone-outage');
    expect(drawn.map((d) => d.name)).toEqual(charts.map((c) => c.name));
    for (const d of drawn) {
      expect(d.error, d.name).toBeNull();
      expect(d.marks, d.name).toBeGreaterThan(0);
    }
    expect(problems).toEqual([]);
    expect(requested).toEqual([]);
  });
});
