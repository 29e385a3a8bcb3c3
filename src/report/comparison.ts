import type { ComparisonResults } from '../experiments/comparison.js';
import { headline, intervalsNote, metricPhraseList, variantViews, type MetricRow } from './comparison-view.js';
import { formatTextTable, nameRoom, TERMINAL_WIDTH, wrapText } from './text-table.js';

/** JSON with NaN and infinities as null (JSON has neither), two-space indented, newline-terminated. */
export function resultsJSON(results: ComparisonResults): string {
  return JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/**
 * The name column keeps at least this many characters beside the values in one table; below
 * it, the differences go to a table of their own under the means.
 */
const ONE_TABLE_NAME_WIDTH = 40;

const diffCell = (d: MetricRow['differences'][number]) => `${d.significant ? '*' : ' '}${d.text}`;

/**
 * The terminal report of a comparison or sweep, within TERMINAL_WIDTH columns: the headline
 * (the significant differences in words), then per variant a table of the means with their
 * intervals and the paired differences against the baseline (* when the interval excludes
 * 0) - side by side when they fit, else the differences in a second table - the metrics that
 * do not differ named on one line, and how the intervals were computed.
 */
export function formatComparison(results: ComparisonResults, width = TERMINAL_WIDTH): string {
  const pct = Math.round(results.confidence * 100);
  const seeds = `${results.seeds.length} seed${results.seeds.length === 1 ? '' : 's'}`;
  const lines: string[] = [...wrapText(headline(results), width), ''];
  const others = results.arms.filter((a) => a !== results.baseline);
  for (const v of variantViews(results)) {
    const head = v.heading ?? `Scenario ${results.scenario}`;
    if (v.rows.length > 0) {
      const means = { header: ['metric', ...results.arms], rows: v.rows.map((r) => [r.label, ...r.arms]) };
      const both = {
        header: [...means.header, ...others.map((a) => `${a} - ${results.baseline}`)],
        rows: v.rows.map((r) => [r.label, ...r.arms, ...r.differences.map(diffCell)]),
      };
      // Side by side when the names keep room enough beside all the values.
      const fits = nameRoom(both, width) >= Math.min(ONE_TABLE_NAME_WIDTH, Math.max(...v.rows.map((r) => r.label.length)));
      if (others.length === 0 || fits) {
        lines.push(...wrapText(`${head}: mean [${pct}% interval] over ${seeds}${others.length > 0 ? `; arm - ${results.baseline} paired by seed, * when its interval excludes 0` : ''}`, width, '  '));
        lines.push(...formatTextTable(others.length === 0 ? means : both, width));
      } else {
        lines.push(...wrapText(`${head}: mean [${pct}% interval] over ${seeds}`, width, '  '));
        lines.push(...formatTextTable(means, width), '');
        lines.push(...wrapText(`${head}: difference from ${results.baseline}, paired by seed; * when its ${pct}% interval excludes 0`, width, '  '));
        lines.push(...formatTextTable({ header: ['metric', ...others], rows: v.rows.map((r) => [r.label, ...r.differences.map(diffCell)]) }, width));
      }
    } else {
      lines.push(`${head}: every metric reads the same in every arm.`);
    }
    if (v.same.length > 0) lines.push(...wrapText(`No difference: ${metricPhraseList(v.same, v.all)}.`, width, '  '));
    lines.push('');
  }
  lines.push(...wrapText(intervalsNote(results), width), '');
  return lines.join('\n');
}
