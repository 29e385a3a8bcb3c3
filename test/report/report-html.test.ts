import { describe, expect, it } from 'vitest';
import { METRICS, RECORD_FORMAT, type RunRecord } from '../../src/experiments/records.js';
import { comparisonCharts, comparisonHtml } from '../../src/report/compare-report.js';
import { summarizeComparison } from '../../src/experiments/comparison.js';
import { scriptJson, scriptText } from '../../src/report/html.js';
import { CHROMIUM, haveChromium, openReport } from '../helpers/browser.js';

// An arm whose name tries to end the script element that holds the specs and run its own.
const HOSTILE = '</script><script>window.pwned = 1</script><!--';
const ARMS = ['default', HOSTILE, 'gpu-aware'];
const SEEDS = [1, 2, 3];
const VARIANTS = [1, 2, 3].map((i) => ({ name: `v${i}`, params: { 'cluster.nodes': 4 * i } }));

/** A sweep whose runs have everything a chart is drawn for: gpus, autoscaling, pending pods, incidents. */
function sweep() {
  const records: RunRecord[] = [];
  VARIANTS.forEach((v, vi) => {
    ARMS.forEach((arm, a) => {
      for (const seed of SEEDS) {
        const noise = ((seed * 7 + a * 3) % 5) / 1000;
        const time = Array.from({ length: 61 }, (_, i) => i * 120);
        const metrics: Record<string, number | null> = Object.fromEntries(METRICS.map((m) => [m.key, 0]));
        Object.assign(metrics, {
          'utilization.cpu': 0.3 + 0.1 * a + 0.05 * vi + noise,
          'pending.p99': 30 * (a + 1) / (vi + 1) + seed,
          'availability.mean': 0.99 + 0.002 * a + noise,
          mttr: 60 + 10 * a + seed,
        });
        records.push({
          format: RECORD_FORMAT,
          id: `${v.name}|${arm}|${seed}`,
          variant: v.name,
          params: v.params,
          arm,
          seed,
          metrics,
          series: {
            time,
            cpu: time.map((t) => 0.3 + 0.1 * a + 0.2 * Math.sin(t / 1800 + seed) ** 2),
            memory: time.map(() => 0.25 + 0.05 * a + noise),
            gpu: time.map((_, i) => (i === 30 ? null : 0.5 + 0.1 * a + noise)),
            pending: time.map((_, i) => i % 4),
            nodes: time.map((_, i) => 3 + Math.floor(i / 20) + a),
            replicas: time.map((_, i) => 4 + (i % 7) + seed),
          },
          pendingCdf: Array.from({ length: 101 }, (_, q) => (q / 100) ** 3 * 100 * (a + 1) + seed),
        });
      }
    });
  });
  const results = summarizeComparison(
    { kind: 'sweep', scenario: 'web-tier <zone outage>', arms: ARMS, baseline: 'default', variants: VARIANTS, seeds: SEEDS, confidence: 0.95 },
    records,
  );
  return { results, records };
}

const { results, records } = sweep();
const charts = comparisonCharts(results, records);
const html = comparisonHtml(results, charts);

/** The script elements' opening tags, and the markup with every script's content removed. */
function splitScripts(page: string): { openings: string[]; markup: string } {
  const openings: string[] = [];
  const markup = page.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, (_m, open: string) => (openings.push(open), `${open}</script>`));
  return { openings, markup };
}

describe('comparisonHtml', () => {
  it('needs no network: no script, stylesheet or image is loaded from anywhere', () => {
    const { openings, markup } = splitScripts(html);
    // The specs, the three libraries and the code that draws the charts.
    expect(openings).toHaveLength(5);
    for (const open of openings) expect(open).not.toMatch(/\ssrc=/i);
    expect(markup).not.toMatch(/<link\b/i);
    expect(markup).not.toMatch(/https?:\/\//i);
    expect(markup).not.toMatch(/\s(src|href)=/i);
    expect(html.match(/data-library="[^"]*"/g)).toEqual(['data-library="vega"', 'data-library="vega-lite"', 'data-library="vega-embed"']);
  });

  it('ends each script element where it should, whatever the specs and libraries contain', () => {
    // Exactly one `</script` per script element: no name, title or library code closes one early.
    expect(html.match(/<\/script/gi)).toHaveLength(5);
    expect(html).not.toContain('<!--');
    const specs = /<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const parsed = JSON.parse(specs) as { name: string; spec: unknown }[];
    expect(parsed.map((c) => c.name)).toEqual(charts.map((c) => c.name));
    expect(JSON.stringify(parsed[0]!.spec)).toContain(JSON.stringify(HOSTILE));
  });

  it('has a container per chart and the tables, with names escaped', () => {
    for (const c of charts) expect(html).toContain(`<div class="chart" id="chart-${c.name}" data-chart="${c.name}"`);
    // Counted outside the scripts: vega-embed's tooltip code has a <table> of its own.
    expect(splitScripts(html).markup.match(/<table>/g)).toHaveLength(VARIANTS.length);
    expect(html).toContain('<h3>Variant v2 (cluster.nodes=8)</h3>');
    expect(html).toContain('<title>Sweep: web-tier &lt;zone outage&gt;</title>');
    expect(html).toContain('<th scope="col">&lt;/script&gt;&lt;script&gt;window.pwned = 1&lt;/script&gt;&lt;!--</th>');
    expect(html).toMatch(/<td class="number significant better" title="significant, better">\+\d+\.\d+ pp\* <span class="interval">\[\+\d+\.\d+, \+\d+\.\d+\]<\/span><\/td>/);
  });

  it('is the same page every time', () => {
    expect(comparisonHtml(results, comparisonCharts(results, [...records].reverse()))).toBe(html);
  });
});

describe('inline script escaping', () => {
  it('scriptJson parses back to the value and has no `<` at all', () => {
    const value = { a: '</script><!-- x', b: [1, '\u2028'] };
    const text = scriptJson(value);
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('scriptText escapes `</script` and `<!--` so the code means the same, and leaves other `</` alone', () => {
    const code = 'return ["</script>", `<!--${1}`, /<\\/SCRIPT>/.test("</SCRIPT>"), /<!--/u.test("a<!--"), "a</b".replace(/</g, "&lt;")];';
    const escaped = scriptText(code);
    expect(escaped).not.toMatch(/<\/script|<!--/i);
    expect(escaped).toContain('/</g');
    expect(new Function(escaped)()).toEqual(new Function(code)());
  });
});

if (!haveChromium) {
  console.warn(`report.html browser test skipped: ${CHROMIUM} is missing (Debian: apt-get install chromium)`);
}

describe('report.html in a browser', () => {
  it.skipIf(!haveChromium)(`draws every chart offline with no console or page error (needs ${CHROMIUM})`, async () => {
    let pwned: unknown;
    let headline: string | null = null;
    let sweptLabels: string[] = [];
    let headlineAboveTables = false;
    const { drawn, problems, requested } = await openReport(html, async (page) => {
      pwned = await page.evaluate('typeof window.pwned');
      // The metric-against-variant chart's x axis: the swept values, not the variant names.
      sweptLabels = await page.evaluate<string[]>(`[...document.querySelectorAll('#chart-metric-utilization-cpu svg .role-axis')].filter((a) => (a.getAttribute('aria-label') || '').startsWith('X-axis')).flatMap((a) => [...a.querySelectorAll('.role-axis-label text')].map((t) => t.textContent))`);
      // The significant differences in words, at the top: before the first table, visible.
      headline = await page.textContent('#headline');
      headlineAboveTables = await page.evaluate<boolean>(
        `(() => { const h = document.getElementById('headline'); const t = document.querySelector('table');
          return h.getBoundingClientRect().height > 0 && !!(h.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING); })()`,
      );
      // A tooltip for the sample nearest the pointer on an over-time chart.
      const plot = page.locator('#chart-utilization-v1 svg.marks');
      // The pointer reaches only what is on screen.
      await plot.scrollIntoViewIfNeeded();
      const box = (await plot.boundingBox())!;
      // Several moves: the hover selection starts at the first pointer event inside the chart.
      for (const f of [0.3, 0.35, 0.4]) await page.mouse.move(box.x + box.width * f, box.y + box.height * 0.5, { steps: 5 });
      await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5_000 });
      // 2 h of samples: hours on the time axis.
      expect(await page.textContent('#vg-tooltip-element')).toMatch(/^Arm.+Time \(h\)[\d.]+cpu requested \/ allocatable[\d.]+$/);
    });
    expect(drawn.map((d) => d.name)).toEqual(charts.map((c) => c.name));
    for (const d of drawn) {
      expect(d.error, d.name).toBeNull();
      expect(d.marks, d.name).toBeGreaterThan(0);
    }
    expect(pwned).toBe('undefined');
    expect(headline).toMatch(/ raises .+ in all 3 variants, by .+ against default/);
    expect(headlineAboveTables).toBe(true);
    expect(sweptLabels).toEqual(['4', '8', '12']);
    expect(problems).toEqual([]);
    expect(requested).toEqual([]);
  });
});
