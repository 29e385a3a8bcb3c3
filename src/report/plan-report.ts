import type { CapacityPlanResults, PlanCandidate } from '../experiments/capacity.js';
import type { Slo, SloCheck } from '../experiments/slo.js';
import { formatDuration } from '../util/quantity.js';
import { chartFolderFiles, type VegaLiteSpec } from './charts.js';
import { chartFigure, escapeHtml, htmlPage } from './html.js';
import { mdText } from './compare-report.js';

/**
 * What `orchsim plan` shows: the answer with its margin against each SLO, why one node fewer is
 * not enough, every candidate decided with its mean and interval per SLO, charts of each SLO
 * metric against cluster size (confidence band, SLO line, the answer marked) and of the cost,
 * and how many runs the search took against the full grid.
 */

/** A metric value in its unit: durations for seconds, up to 5 significant digits otherwise. */
export function formatValue(x: number | null | undefined, unit: string): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (unit === 's') return x < 0 ? `-${formatDuration(-x)}` : formatDuration(x);
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(5)));
}

/** A margin: signed, two significant digits (a duration in its own form). */
const signed = (x: number, unit: string) => {
  if (!Number.isFinite(x)) return '-';
  const size = Math.abs(x);
  return `${x >= 0 ? '+' : '-'}${unit === 's' ? formatDuration(size) : String(Number(size.toPrecision(2)))}`;
};
const money = (x: number | null) => (x === null ? '-' : x.toFixed(2));
/** 0.95 -> "95%", 0.975 -> "97.5%". */
const percent = (p: number) => `${Number((p * 100).toFixed(2))}%`;
/** "web = 11", or for an autoscaled pool "web max 5 per group". */
function sizesText(results: CapacityPlanResults, c: PlanCandidate): string {
  return results.pools.map((p) => (p.autoscaled ? `${p.name} max ${c.sizes[p.name]} per group` : `${p.name} = ${c.sizes[p.name]}`)).join(', ');
}

function sloOf(results: CapacityPlanResults, check: SloCheck): Slo {
  return results.slos.find((s) => s.text === check.slo)!;
}

/** "mean 0.9993, bound 0.9991 (margin +0.0001), 10/10 seeds meet it" */
function checkText(results: CapacityPlanResults, c: PlanCandidate, check: SloCheck): string {
  const slo = sloOf(results, check);
  if (check.n === 0) return 'no value in any run (nothing to violate it)';
  const bound = check.n > 1 ? `, bound ${formatValue(check.bound, slo.unit)} (margin ${signed(check.margin, slo.unit)})` : '';
  const early = check.early ? `; stopped after ${c.seedsRun} of ${results.seeds.length} seeds: the others could not bring the mean to the target` : '';
  return `mean ${formatValue(check.mean, slo.unit)}${bound}, ${check.seedsMet}/${check.n} seeds meet it${early}`;
}

function introLines(results: CapacityPlanResults): string[] {
  const pct = percent(results.confidence);
  const pools = results.pools
    .map((p) => p.autoscaled
      ? `${p.name} (autoscaled: the maximum of each of its ${p.groups} node group${p.groups === 1 ? '' : 's'}, ${p.lo}..${p.hi ?? 'open'}${p.pricePerHour !== null ? `, ${p.pricePerHour}/h a node` : ''}; ${p.size} in the scenario)`
      : `${p.name} (${p.lo}..${p.hi ?? 'open'}${p.pricePerHour !== null ? `, ${p.pricePerHour}/h a node` : ''}; ${p.count} in the scenario)`)
    .join(', ');
  const goal = results.objective === 'cost' ? 'the cheapest cluster per hour' : 'the fewest nodes';
  return [
    `Sizing ${pools} for ${goal} whose SLOs hold: ${results.slos.map((s) => s.text).join(', ')}.`,
    `An SLO holds when the one-sided ${pct} confidence bound on its mean over ${results.seeds.length} seeds (${results.seeds[0]}..${results.seeds[results.seeds.length - 1]}, the same for every size: common random numbers) meets the target.${results.budget !== null ? ` Budget: ${results.budget}/h.` : ''}`,
    results.search === 'grid'
      ? `Every candidate in the ranges was decided with every seed (grid): ${results.runs} runs.`
      : `${results.runs} runs (bisection, each candidate stopped as soon as an SLO could no longer hold); the full grid over ${results.gridRanges.map((r) => `${r.name} ${r.lo}..${r.hi}`).join(', ')} with ${results.seeds.length} seeds would take ${results.gridRuns}.`,
  ];
}

function answerLines(results: CapacityPlanResults): string[] {
  const a = results.answer;
  if (results.failure) {
    const f = results.failure;
    return [`No answer: the search stopped at ${f.candidate}, seed ${f.seed}, where a plugin failed: ${f.message}. The candidates decided before it are below; fix the plugin and plan again (its runs so far are kept in runs.jsonl, but a changed module starts a new plan).`];
  }
  if (!a && results.saturated) {
    const c = (name: string) => sizesText(results, results.candidates.find((x) => x.name === name)!);
    return [`No size meets every SLO: from ${c(results.saturated.smaller)} to ${c(results.saturated.larger)} no SLO metric changed on any seed, so more nodes would not help. Something else limits them (an HPA's maxReplicas, node provisioning time, a placement constraint); change the scenario, or relax an SLO.`];
  }
  if (!a) return [`No candidate within the ranges${results.budget !== null ? ' and the budget' : ''} meets every SLO. Widen --pool NAME=LO..HI${results.budget !== null ? ' or raise --budget' : ''}, or relax an SLO.`];
  const most = results.pools.some((p) => p.autoscaled) ? 'at most ' : '';
  const lines = [`${sizesText(results, a)}: ${most}${a.nodes} node${a.nodes === 1 ? '' : 's'}${a.cost !== null ? `, ${most}${money(a.cost)}/h` : ''}.`];
  for (const check of a.checks) lines.push(`${check.slo}: ${checkText(results, a, check)}.`);
  for (const f of results.fewer) {
    const failed = f.checks.filter((c) => c.verdict === 'fail');
    lines.push(`One fewer (${sizesText(results, f)}) fails ${failed.map((c) => `${c.slo} (${checkText(results, f, c)})`).join('; ')}.`);
  }
  return lines;
}

/** The candidates by size (the search asked in another order), for the tables. */
function bySize(results: CapacityPlanResults): PlanCandidate[] {
  const names = results.pools.map((p) => p.name);
  return [...results.candidates].sort((a, b) => {
    for (const n of names) if (a.sizes[n] !== b.sizes[n]) return a.sizes[n]! - b.sizes[n]!;
    return 0;
  });
}

function cell(results: CapacityPlanResults, check: SloCheck): string {
  const slo = sloOf(results, check);
  if (check.n === 0) return '-';
  const interval = check.n > 1 && Number.isFinite(check.low) ? ` [${formatValue(check.low, slo.unit)}, ${formatValue(check.high, slo.unit)}]` : '';
  return `${formatValue(check.mean, slo.unit)}${interval}${check.verdict === 'fail' ? ' ✗' : ''}`;
}

function tableRows(results: CapacityPlanResults): { header: string[]; rows: string[][] } {
  const header = [...results.pools.map((p) => (p.autoscaled ? `${p.name} max/group` : p.name)), ...(results.objective === 'cost' ? [results.pools.some((p) => p.autoscaled) ? 'cost/h at most' : 'cost/h'] : []), 'seeds', 'verdict', ...results.slos.map((s) => s.text)];
  const rows = bySize(results).map((c) => [
    ...results.pools.map((p) => String(c.sizes[p.name])),
    ...(results.objective === 'cost' ? [money(c.cost)] : []),
    String(c.seedsRun),
    c === results.answer ? 'pass (answer)' : c.verdict,
    ...c.checks.map((k) => cell(results, k)),
  ]);
  return { header, rows };
}

/** The plan as text for the terminal. */
export function formatPlan(results: CapacityPlanResults): string {
  const out = [`orchsim plan: ${results.scenario}`, ...introLines(results).map((l) => `  ${l}`), '', 'answer'];
  out.push(...answerLines(results).map((l) => `  ${l}`), '');
  const { header, rows } = tableRows(results);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  out.push(`candidates (mean [one-sided ${percent(results.confidence)} bounds] over the seeds run; ✗ failed)`, line(header), ...rows.map(line), '');
  return out.join('\n');
}

// ---- charts -----------------------------------------------------------------------------------

export interface PlanChart {
  readonly name: string;
  readonly title: string;
  readonly spec: VegaLiteSpec;
}

const VERDICT_COLORS = { domain: ['pass', 'fail'], range: ['#1a7f37', '#cf222e'] };

/** A 600 x 300 chart of layers over one set of rows (a layer may bring its own data). */
function layeredChart(name: string, heading: { text: string; subtitle?: string }, rows: readonly object[], layers: readonly unknown[]): PlanChart {
  return {
    name,
    title: heading.subtitle ? `${heading.text}: ${heading.subtitle}` : heading.text,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      // The details on a second line: one long line would set the picture's width.
      title: { text: heading.text, ...(heading.subtitle ? { subtitle: heading.subtitle } : {}), anchor: 'start' },
      width: 600,
      height: 300,
      data: { values: rows },
      layer: layers,
    } as VegaLiteSpec,
  };
}

/**
 * One chart per SLO: the metric's mean against cluster size with its confidence band (the
 * one-sided bounds at the plan's confidence over the seeds run, so the answer's band clears the
 * target line), a point per candidate coloured by its
 * verdict, the SLO target as a dashed line and the answer as a vertical line; and the cost
 * (price per hour) against size. Several pools: the x axis is the planned pools' node total,
 * and candidates with the same total sit on top of one another (the table tells them apart).
 */
export function planCharts(results: CapacityPlanResults): PlanChart[] {
  const single = results.pools.length === 1;
  const auto = results.pools.some((p) => p.autoscaled) ? ' (autoscaled: at most)' : '';
  const xTitle = single ? `${results.pools[0]!.name} nodes${auto}` : `nodes of ${results.pools.map((p) => p.name).join(' + ')}${auto}`;
  const candidates = bySize(results);
  // A search stopped (a plugin failed) before deciding anything: nothing to draw.
  if (candidates.length === 0) return [];
  const answerX = results.answer?.nodes;
  const charts: PlanChart[] = results.slos.map((slo, i) => {
    const rows = candidates.map((c) => {
      const k = c.checks[i]!;
      const ok = (x: number) => (Number.isFinite(x) ? x : null);
      return { nodes: c.nodes, candidate: c.name, seeds: c.seedsRun, verdict: c.verdict, mean: ok(k.mean), low: ok(k.low), high: ok(k.high) };
    });
    const y = { field: 'mean', type: 'quantitative', title: `${slo.metric} (${slo.unit})`, scale: { zero: false } } as const;
    const x = { field: 'nodes', type: 'quantitative', title: xTitle, scale: { zero: false }, axis: { tickMinStep: 1 } } as const;
    const layers: unknown[] = [
      { mark: { type: 'area', opacity: 0.18, color: '#0969da' }, encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' } } },
      ...(single ? [{ mark: { type: 'line', color: '#0969da', invalid: 'break-paths-show-path-domains' }, encoding: { x, y } }] : []),
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y,
          color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: VERDICT_COLORS },
          tooltip: [
            { field: 'candidate', type: 'nominal' },
            { field: 'mean', type: 'quantitative', format: '.5~g' },
            { field: 'low', type: 'quantitative', format: '.5~g' },
            { field: 'high', type: 'quantitative', format: '.5~g' },
            { field: 'seeds', type: 'quantitative' },
          ],
        },
      },
      { data: { values: [{ target: slo.target }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#57606a' }, encoding: { y: { field: 'target', type: 'quantitative' } } },
      ...(answerX !== undefined ? [{ data: { values: [{ answer: answerX }] }, mark: { type: 'rule', color: '#1a7f37', strokeDash: [2, 2] }, encoding: { x: { field: 'answer', type: 'quantitative' } } }] : []),
    ];
    const subtitle = `mean over seeds, band to the one-sided ${percent(results.confidence)} bounds; dashed: the target${answerX !== undefined ? `; green: the answer (${answerX})` : ''}`;
    return layeredChart(`slo-${i + 1}`, { text: slo.text, subtitle }, rows, layers);
  });
  if (results.objective === 'cost') {
    const rows = candidates.map((c) => ({ nodes: c.nodes, cost: c.cost, candidate: c.name, verdict: c.verdict }));
    const title = `Cost per hour of the whole cluster against ${xTitle}`;
    const x = { field: 'nodes', type: 'quantitative', title: xTitle } as const;
    const y = { field: 'cost', type: 'quantitative', title: 'price per hour' } as const;
    charts.push(layeredChart('cost', { text: title }, rows, [
      ...(single ? [{ mark: { type: 'line', color: '#57606a' }, encoding: { x, y } }] : []),
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y,
          color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: VERDICT_COLORS },
          tooltip: [{ field: 'candidate', type: 'nominal' }, { field: 'cost', type: 'quantitative', format: '.2f' }],
        },
      },
    ]));
  }
  return charts;
}

// ---- report pages -----------------------------------------------------------------------------

const mdCell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function planMarkdown(results: CapacityPlanResults, charts: readonly PlanChart[]): string {
  const out = [`# Capacity plan: ${mdText(results.scenario)}`, '', ...introLines(results).flatMap((l) => [l, '']), '## Answer', ''];
  out.push(...answerLines(results).map((l) => `- ${l}`), '', '## Candidates', '');
  out.push(`Mean [one-sided ${percent(results.confidence)} bounds] over the seeds run; ✗ failed. Sorted by size; the search asked in another order (results.json keeps it).`, '');
  const { header, rows } = tableRows(results);
  out.push(`| ${header.map(mdCell).join(' | ')} |`, `| ${header.map(() => '---:').join(' | ')} |`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`), '');
  if (charts.length > 0) {
    out.push('## Charts', '', 'report.html has the same charts, interactive (tooltips), in one file that works offline.', '');
    for (const c of charts) out.push(`![${c.title.replace(/[[\]\\]/g, (x) => `\\${x}`)}](charts/${c.name}.png)`, '', `[Vega-Lite spec](charts/${c.name}.vl.json) · [SVG](charts/${c.name}.svg)`, '');
  }
  return out.join('\n');
}

export function planHtml(results: CapacityPlanResults, charts: readonly PlanChart[]): string {
  const title = `Capacity plan: ${results.scenario}`;
  const body = [`<h1>${escapeHtml(title)}</h1>`, ...introLines(results).map((l) => `<p>${escapeHtml(l)}</p>`), '<h2>Answer</h2>', '<ul>', ...answerLines(results).map((l) => `<li>${escapeHtml(l)}</li>`), '</ul>', '<h2>Candidates</h2>'];
  const { header, rows } = tableRows(results);
  body.push('<table>', `<thead><tr>${header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`, '<tbody>');
  for (const r of rows) body.push(`<tr>${r.map((c) => `<td class="number">${escapeHtml(c)}</td>`).join('')}</tr>`);
  body.push('</tbody>', '</table>');
  if (charts.length > 0) body.push('<h2>Charts</h2>', ...charts.map((c) => chartFigure(c.name, c.title)));
  return htmlPage(title, body, charts.map((c) => ({ name: c.name, spec: c.spec })));
}

/** report.md, report.html and charts/, drawn and composed in memory. */
export async function planReportFiles(results: CapacityPlanResults): Promise<Record<string, string | Uint8Array>> {
  const charts = planCharts(results);
  return { ...(await chartFolderFiles(charts)), 'report.md': planMarkdown(results, charts), 'report.html': planHtml(results, charts) };
}
