import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCapacityPlan } from '../../src/experiments/capacity.js';
import { parseSlo } from '../../src/experiments/slo.js';
import { formatValue, planCharts, planHtml, planMarkdown } from '../../src/report/plan-report.js';
import { CHROMIUM, haveChromium, openReport } from '../helpers/browser.js';
import { queueScenarioText } from '../helpers/queue.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-plan-report-'));
const file = join(dir, 'queue.yaml');
// Two priced pools serving an M/M/c queue.
writeFileSync(file, queueScenarioText({
  name: 'queue <two pools>',
  rate: 4,
  horizon: '5d',
  pools: ['{ name: small, count: 2, resources: { cpu: 1, memory: 1Gi }, pricePerHour: 1 }', '{ name: large, count: 2, resources: { cpu: 2, memory: 2Gi }, pricePerHour: 1.5 }'],
}));

const slos = [parseSlo('pendingMean<=5m'), parseSlo('pendingP99<=2h')];
const single = await runCapacityPlan({ scenarioFile: file, pools: [{ name: 'large' }], slos, seeds: 3, confidence: 0.95, workers: 1 });
const mix = await runCapacityPlan({ scenarioFile: file, pools: [{ name: 'small', hi: 4 }, { name: 'large', hi: 4 }], slos, seeds: 3, confidence: 0.95, workers: 1 });

describe('plan report', () => {
  it('a chart per SLO with its target line and the answer, and the cost', () => {
    const charts = planCharts(single.results);
    expect(charts.map((c) => c.name)).toEqual(['slo-1', 'slo-2', 'cost']);
    const layers = (charts[0]!.spec as unknown as { layer: { mark: { type: string }; data?: { values: Record<string, number>[] } }[] }).layer;
    expect(layers.map((l) => l.mark.type)).toEqual(['area', 'line', 'point', 'rule', 'rule']);
    expect(layers[3]!.data!.values).toEqual([{ target: 300 }]);
    expect(layers[4]!.data!.values).toEqual([{ answer: single.results.answer!.nodes }]);
    // Several pools: points and error bands without a line (sizes with equal totals differ).
    const mixed = planCharts(mix.results)[0]!.spec as unknown as { layer: { mark: { type: string } }[] };
    expect(mixed.layer.map((l) => l.mark.type)).toEqual(['area', 'point', 'rule', 'rule']);
  });

  it('report.md gives the answer, its margins, the one-fewer candidates and every candidate', () => {
    const md = planMarkdown(mix.results, planCharts(mix.results));
    const a = mix.results.answer!;
    // The name is escaped: `<two pools>` would be an HTML tag in Markdown.
    expect(md).toContain('# Capacity plan: queue \\<two pools\\>');
    expect(md).toContain(`- small = ${a.sizes.small}, large = ${a.sizes.large}: ${a.nodes} nodes, ${a.cost!.toFixed(2)}/h.`);
    expect(md).toMatch(/- pendingMean<=5m: mean .+, bound .+ \(margin \+.+\), \d+\/3 seeds meet it\./);
    for (const f of mix.results.fewer) expect(md).toContain(`One fewer (small = ${f.sizes.small}, large = ${f.sizes.large}) fails`);
    expect(md.match(/^\| \d+ \| \d+ \| /gm)).toHaveLength(mix.results.candidates.length);
    expect(md).toContain('![');
  });

  it('formats values in their units', () => {
    expect(formatValue(90, 's')).toBe('1m30s');
    expect(formatValue(0.99951234, 'fraction')).toBe('0.99951');
    expect(formatValue(null, 'fraction')).toBe('-');
    expect(formatValue(0.00004, 'fraction')).toBe('4.00e-5');
  });

  it.skipIf(!haveChromium)(`report.html draws every chart offline with no error (needs ${CHROMIUM})`, async () => {
    for (const r of [single.results, mix.results]) {
      const charts = planCharts(r);
      const html = planHtml(r, charts);
      expect(html).toContain('<title>Capacity plan: queue &lt;two pools&gt;</title>');
      const { drawn, problems, requested } = await openReport(html);
      expect(drawn.map((d) => d.name)).toEqual(charts.map((c) => c.name));
      for (const d of drawn) {
        expect(d.error, d.name).toBeNull();
        expect(d.marks, d.name).toBeGreaterThan(0);
      }
      expect(problems).toEqual([]);
      expect(requested).toEqual([]);
    }
  });
});
