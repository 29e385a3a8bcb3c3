import { CURVE_MAX, fgdPolicyOrder, isBuiltinFgdPolicy, PUBLISHED_DEFAULT, type FgdRun, type PolicySummary } from '../experiments/fgd.js';
import { lineChart, type VegaLiteSpec } from './charts.js';

export interface FgdReportInput {
  readonly nodesFile: string;
  readonly podsFile: string;
  readonly nodes: number;
  readonly gpus: number;
  readonly pods: number;
  readonly seeds: readonly number[];
  readonly tune: number;
  readonly summary: Record<string, PolicySummary>;
}

/** Published values apply to the default trace only (FGD.md section 8). */
export function isDefaultTrace(podsFile: string): boolean {
  return /(^|[\\/])openb_pod_list_default\.csv$/.test(podsFile);
}

const f2 = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(2));

/**
 * The table people read: mean allocation and fragmentation at 100 % and 130 % arrived demand. On
 * the default trace, the published values beside the built-in policies (a dash for users' own).
 */
export function formatFgdTable(r: FgdReportInput, seconds?: ReadonlyMap<string, number[]>): string {
  const published = isDefaultTrace(r.podsFile);
  const head = ['policy', 'alloc@100', 'alloc@130', 'frag@100', 'frag@130'];
  if (published) head.push('paper@100', 'paper@130', 'paper frag@100', 'Δ@100');
  if (seconds) head.push('s/run');
  const rows: string[][] = [];
  for (const [policy, s] of Object.entries(r.summary)) {
    const row = [policy, f2(s.allocation['100']), f2(s.allocation['130']), f2(s.fragmentation['100']), f2(s.fragmentation['130'])];
    if (published && isBuiltinFgdPolicy(policy)) {
      const p = PUBLISHED_DEFAULT[policy];
      const delta = s.allocation['100'] - p.allocation100;
      row.push(f2(p.allocation100), f2(p.allocation130), f2(p.fragmentation100), `${delta >= 0 ? '+' : ''}${delta.toFixed(2)}`);
    } else if (published) {
      row.push('-', '-', '-', '-');
    }
    if (seconds) {
      const t = seconds.get(policy) ?? [];
      row.push(t.length ? (t.reduce((a, b) => a + b, 0) / t.length).toFixed(2) : '');
    }
    rows.push(row);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const seedText = r.seeds.length > 1 && r.seeds.every((s, i) => i === 0 || s === r.seeds[i - 1]! + 1) ? `${r.seeds[0]}..${r.seeds[r.seeds.length - 1]}` : r.seeds.join(',');
  return [
    `FGD experiment: ${r.pods} pods (${r.podsFile}) on ${r.nodes} nodes / ${r.gpus} GPUs (${r.nodesFile}), seeds ${seedText}, tune ${r.tune}`,
    'GPU allocation and fragmentation, % of GPU capacity, mean over seeds, at 100 % and 130 % arrived demand',
    line(head),
    ...rows.map(line),
    ...(published ? ['paper: "Beware of Fragmentation" (FGD), USENIX ATC\'23, the published means (the paper ran seeds 42..51)'] : []),
  ].join('\n') + '\n';
}

/** The machine-readable result: policies -> allocation/fragmentation at 100 and 130, per seed too. */
export function fgdJSON(r: FgdReportInput): string {
  const policies: Record<string, unknown> = {};
  for (const [policy, s] of Object.entries(r.summary)) {
    policies[policy] = { allocation: s.allocation, fragmentation: s.fragmentation, seeds: s.seeds, perSeed: s.perSeed };
  }
  return JSON.stringify({ trace: { nodes: r.nodesFile, pods: r.podsFile, nodeCount: r.nodes, gpuCount: r.gpus, podCount: r.pods }, seeds: r.seeds, tune: r.tune, policies }, null, 2) + '\n';
}

const csvNumber = (v: number) => (Number.isNaN(v) ? '' : String(v));

/** Per-seed curves: policy,seed,arrived,allocation,fragmentation (one row per bucket). */
export function perSeedCurvesCSV(runs: readonly FgdRun[]): string {
  const out = ['policy,seed,arrived_pct,allocation_pct,fragmentation_pct'];
  const order = fgdPolicyOrder(runs.map((r) => r.policy));
  const sorted = [...runs].sort((a, b) => order.indexOf(a.policy) - order.indexOf(b.policy) || a.seed - b.seed);
  for (const r of sorted) for (let x = 0; x <= CURVE_MAX; x++) out.push(`${r.policy},${r.seed},${x},${csvNumber(r.allocation[x]!)},${csvNumber(r.fragmentation[x]!)}`);
  return out.join('\n') + '\n';
}

/** Mean curves over seeds: policy,arrived,allocation,fragmentation. */
export function meanCurvesCSV(summary: Record<string, PolicySummary>): string {
  const out = ['policy,arrived_pct,allocation_pct,fragmentation_pct'];
  for (const [policy, s] of Object.entries(summary)) {
    for (let x = 0; x <= CURVE_MAX; x++) out.push(`${policy},${x},${csvNumber(s.meanAllocation[x]!)},${csvNumber(s.meanFragmentation[x]!)}`);
  }
  return out.join('\n') + '\n';
}

/**
 * GPU allocation vs arrived demand, one line per policy (the paper's Figure 7 shape); with
 * `zoom`, only arrived demand from 80 % and allocation from 80 %, where the policies part.
 */
export function allocationChart(summary: Record<string, PolicySummary>, zoom = false): VegaLiteSpec {
  const data: Record<string, number | string | null>[] = [];
  for (const [policy, s] of Object.entries(summary)) {
    for (let x = zoom ? 80 : 0; x <= CURVE_MAX; x++) data.push({ policy, arrived: x, allocation: Number.isNaN(s.meanAllocation[x]!) ? null : s.meanAllocation[x]! });
  }
  return lineChart({
    title: zoom ? 'GPU allocation vs arrived GPU demand, 80-130 % (mean over seeds)' : 'GPU allocation vs arrived GPU demand (mean over seeds)',
    x: { field: 'arrived', title: 'Arrived GPU demand (% of capacity)' },
    y: { field: 'allocation', title: 'GPU allocated (% of capacity)' },
    series: { field: 'policy', title: 'Policy' },
    data,
    ...(zoom ? { yDomain: [80, 100] as [number, number] } : {}),
  });
}
