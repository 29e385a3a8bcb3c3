import type { ComparisonResults } from '../experiments/comparison.js';
import type { MeanInterval } from '../util/stats.js';

/** JSON with NaN and infinities as null (JSON has neither), two-space indented, newline-terminated. */
export function resultsJSON(results: ComparisonResults): string {
  return JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/**
 * A metric value for tables: 4 significant-ish digits for fractions, fewer decimals for large
 * values, exponent form for very small or large ones; "-" when missing. `signed` adds "+".
 */
export function formatNumber(x: number, signed = false): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  const s = a !== 0 && (a < 0.001 || a >= 1e6) ? x.toExponential(2) : a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(3) : x.toFixed(4);
  return signed && x > 0 ? `+${s}` : s;
}

/** Fixed-width text tables, one per variant: mean [low, high] per arm, and the paired differences. */
export function formatComparison(results: ComparisonResults): string {
  const pct = Math.round(results.confidence * 100);
  const lines: string[] = [];
  const interval = (m: MeanInterval) => (m.n === 0 ? '-' : m.n < 2 ? `${formatNumber(m.mean)}` : `${formatNumber(m.mean)} [${formatNumber(m.low)}, ${formatNumber(m.high)}]`);
  for (const g of results.groups) {
    const head = results.groups.length > 1 || Object.keys(g.params).length > 0
      ? `Variant ${g.variant}${Object.keys(g.params).length > 0 ? ` (${Object.entries(g.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})` : ''}`
      : `${results.scenario}`;
    lines.push(`${head}: mean [${pct}% CI] over ${results.seeds.length} seeds; difference = arm - ${results.baseline} (paired by seed), * when the interval excludes 0`);
    const header = ['metric', ...results.arms, ...results.arms.filter((a) => a !== results.baseline).map((a) => `${a} - ${results.baseline}`)];
    const rows = g.metrics.map((m) => [
      `${m.label}${m.unit === 'fraction' ? '' : ` (${m.unit})`}`,
      ...m.arms.map(interval),
      ...m.differences.map((d) => (d.n === 0 ? '-' : `${d.significant ? '*' : ' '}${interval(d)}`)),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), '');
  }
  return lines.join('\n');
}
