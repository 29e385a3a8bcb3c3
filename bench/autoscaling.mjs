// Autoscaled week: 500 nodes (two pools in 3 zones, cluster autoscaler, 195..702 nodes), 100
// services with diurnal load (20 with a spike) and an HPA on cpu each (15 s sync: ~4.03 M syncs),
// 7 simulated days, samples every 5 min. Reports wall time (target < 4 s, issue 23; it was < 10 s before), events, scaling
// actions, node range and cost. Peer in the same run: the same scenario with the cluster
// autoscaler and the HPAs off (500 fixed nodes, each service fixed at its diurnal-peak replicas):
// the ratio is what autoscaling costs in simulation time.
//
// Each run happens once in a fresh child process (this file with --child), so the peak RSS is
// that run's alone and neither run inherits the other's JIT state. Node flags given to the parent
// (e.g. --cpu-prof) are passed on to the children.
//
// Each mode runs 3 times (alternating); the figures are the median run's, with every run's wall
// time listed, and the target is judged on the median.
//
// Run: node bench/autoscaling.mjs   (after npm run build)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtBytes, fmtInt, fmtPct, fmtRatio, isMain, machineLine, printSummary, printTable, runJsonChild, verdict } from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const DAY = 86_400;
const HORIZON = 7 * DAY;
const SERVICES = 100;
const HPA_SYNC = 15;
const HPA_TARGET = 0.6; // averageUtilization 60 (utilizationAtCapacity 1: cpu use = rate / capacity)
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
/** min and max are per zone (the scenario makes one node group per pool and zone). */
const POOLS = [
  { name: 'general', count: 300, cpu: 16, memoryGi: 64, instanceType: 'm5.4xlarge', pricePerHour: 0.768, min: 40, max: 140 },
  { name: 'highmem', count: 200, cpu: 16, memoryGi: 128, instanceType: 'r5.4xlarge', pricePerHour: 1.008, min: 25, max: 94 },
];
const INITIAL_NODES = POOLS.reduce((a, p) => a + p.count, 0);
const INITIAL_CORES = POOLS.reduce((a, p) => a + p.count * p.cpu, 0);
/** Requested cpu at the busiest moment of the (spike-free) day, as a share of the 500 initial nodes. */
const PEAK_SHARE = 0.6;

// ---- the scenario: every parameter derived from the service index --------------------------

/** Per-service parameters, before the rate scale s (mean replicas = s x weight). */
function serviceParams(i) {
  const milliCPU = [500, 1000, 1500, 2000][i % 4];
  const memoryMi = (milliCPU / 1000) * [2, 3, 4][i % 3] * 1024; // 2..4 GiB per core
  const capacity = 40 + 20 * (i % 5); // rps per replica
  const weight = 0.5 + ((i * 7) % 10) / 10; // 0.5..1.4
  const amplitude = 0.3 + 0.1 * ((i * 3) % 5); // 0.3..0.7
  const peakAt = (10 + ((i * 5) % 12)) * 3600 + ((i * 17) % 60) * 60; // 10:00..21:59
  const minReplicas = 2 + (i % 3);
  const spike = i % 5 === 0
    ? { at: (1 + ((i / 5) % 6)) * DAY + (9 + (i % 8)) * 3600, factor: [2, 2.5, 3][i % 3], ramp: 120, duration: (15 + 15 * (i % 4)) * 60 }
    : undefined;
  return { i, milliCPU, memoryMi, capacity, weight, amplitude, peakAt, minReplicas, spike };
}

/** The HPA's steady-state answer: ceil(rate / (target x capacity)), within [min, max]. */
function replicasAt(p, mean, t) {
  const rate = mean * (1 + p.amplitude * Math.cos((2 * Math.PI * (t - p.peakAt)) / DAY));
  return Math.max(p.minReplicas, Math.ceil(rate / (HPA_TARGET * p.capacity) - 1e-9));
}

/** Peak over a day (5-min grid) of the requested cpu (cores) when every service mean is s x weight replicas. */
function peakRequestedCores(params, s) {
  let peak = 0;
  for (let t = 0; t < DAY; t += 300) {
    let cores = 0;
    for (const p of params) cores += replicasAt(p, s * p.weight * HPA_TARGET * p.capacity, t) * p.milliCPU / 1000;
    peak = Math.max(peak, cores);
  }
  return peak;
}

/**
 * The services with their mean rates, the rate scale found by bisection so that the requested
 * cpu peaks at PEAK_SHARE of the initial cluster (no spikes, HPA in steady state).
 */
export function design() {
  const params = Array.from({ length: SERVICES }, (_, i) => serviceParams(i));
  const want = PEAK_SHARE * INITIAL_CORES;
  let lo = 0;
  let hi = 1000;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (peakRequestedCores(params, mid) < want) lo = mid;
    else hi = mid;
  }
  const s = lo;
  const services = params.map((p) => {
    const mean = s * p.weight * HPA_TARGET * p.capacity;
    const peak = Math.ceil((mean * (1 + p.amplitude)) / (HPA_TARGET * p.capacity) - 1e-9);
    return { ...p, mean, initial: replicasAt(p, mean, 0), peak, maxReplicas: Math.max(p.minReplicas, Math.ceil(3.2 * peak)) };
  });
  return { services, scale: s, peakCores: peakRequestedCores(params, s), fixedCores: services.reduce((a, x) => a + x.peak * x.milliCPU / 1000, 0) };
}

const num = (v) => String(Math.round(v * 1000) / 1000);

/** mode 'autoscaled' (HPAs + cluster autoscaler) or 'fixed' (neither; replicas at the diurnal peak). */
export function scenarioYaml(mode, d) {
  const auto = mode === 'autoscaled';
  const pools = POOLS.map((p) => `    - { name: ${p.name}, count: ${p.count}, zones: [${ZONES.join(', ')}], resources: { cpu: ${p.cpu}, memory: ${p.memoryGi}Gi }, instanceType: ${p.instanceType}, pricePerHour: ${p.pricePerHour}${auto ? `, autoscaling: { min: ${p.min}, max: ${p.max} }` : ''} }`);
  const services = d.services.map((x) => {
    const spikes = x.spike ? `, spikes: [{ at: ${x.spike.at}, factor: ${x.spike.factor}, ramp: ${x.spike.ramp}, duration: ${x.spike.duration} }]` : '';
    const hpa = auto
      ? `, autoscaling: { minReplicas: ${x.minReplicas}, maxReplicas: ${x.maxReplicas}, syncPeriod: ${HPA_SYNC}s, metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: ${HPA_TARGET * 100} } } }] }`
      : '';
    return `  - { type: service, name: svc-${x.i}, replicas: ${auto ? x.initial : x.peak}, minAvailable: ${x.minReplicas - 1}, requests: { cpu: ${x.milliCPU}m, memory: ${x.memoryMi}Mi }, startup: { uniform: { min: 10s, max: 30s } }, load: { diurnal: { mean: ${num(x.mean)}, amplitude: ${num(x.amplitude)}, peakAt: ${x.peakAt} }${spikes}, capacityPerReplica: ${x.capacity} }${hpa} }`;
  });
  return `name: autoscaled-week-${mode}
seed: 11
horizon: 7d
sampleInterval: 5m
cluster:
  pools:
${pools.join('\n')}
workloads:
${services.join('\n')}
${auto ? 'clusterAutoscaler:\n  policy: cluster-autoscaler\n' : ''}`;
}

// ---- child: one timed run ------------------------------------------------------------------

async function child(mode) {
  const { prepareScenario, runPrepared } = await import('../dist/scenario/index.js');
  const { collectGarbage } = await import('./lib.mjs');
  const d = design();
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-bench-'));
  const file = join(dir, `autoscaled-week-${mode}.yaml`);
  writeFileSync(file, scenarioYaml(mode, d));
  const prepared = prepareScenario(file);
  rmSync(dir, { recursive: true, force: true });
  collectGarbage();
  const rssBefore = process.memoryUsage.rss();
  const t0 = performance.now();
  const out = runPrepared(prepared);
  const wallSeconds = (performance.now() - t0) / 1000;
  const r = out.result;
  const a = r.metrics.autoscaling;
  // Exact node range: the run starts with the initial nodes; node-ready adds one, node-removed takes one.
  let nodes = INITIAL_NODES;
  let nodeMin = nodes;
  let nodeMax = nodes;
  for (const x of out.autoscaling?.actions ?? []) {
    if (x.action === 'node-ready') nodes++;
    else if (x.action === 'node-removed') nodes--;
    else continue;
    nodeMin = Math.min(nodeMin, nodes);
    nodeMax = Math.max(nodeMax, nodes);
  }
  const cpuCol = out.timeseries.columns.indexOf('cpu');
  const services = a?.services ?? [];
  const offered = services.reduce((s, x) => s + (x.requests?.offered ?? 0), 0);
  const served = services.reduce((s, x) => s + (x.requests?.served ?? 0), 0);
  const hpaSyncs = mode === 'autoscaled' ? SERVICES * Math.floor(HORIZON / HPA_SYNC) : 0;
  process.stdout.write(JSON.stringify({
    mode,
    wallSeconds,
    rssBefore,
    maxRSS: process.resourceUsage().maxRSS * 1024,
    events: r.engine.events,
    hpaSyncs,
    actions: a?.actions ?? {},
    nodeMin,
    nodeMax,
    finalNodes: r.cluster.nodes,
    nodeHours: a?.nodeHours ?? NaN,
    cost: a?.cost ?? NaN,
    pods: r.metrics.pods,
    scheduling: r.metrics.scheduling,
    utilization: r.metrics.utilization,
    peakSampledCpu: Math.max(...out.timeseries.rows.map((row) => row[cpuCol])),
    servedFraction: offered > 0 ? served / offered : NaN,
    sloViolationMinutes: services.reduce((s, x) => s + (x.slo?.violationMinutes ?? 0), 0),
    replicaMeanTotal: services.reduce((s, x) => s + x.replicas.mean, 0),
    design: { scale: d.scale, peakCores: d.peakCores, fixedCores: d.fixedCores, initialReplicas: d.services.reduce((s, x) => s + x.initial, 0), fixedReplicas: d.services.reduce((s, x) => s + x.peak, 0), spikes: d.services.filter((x) => x.spike).length },
  }) + '\n');
}

// ---- parent --------------------------------------------------------------------------------

/** One run of `mode` in a fresh child; Node flags given to the parent (e.g. --cpu-prof) passed on. */
function runChild(mode) {
  return runJsonChild([...process.execArgv, SELF, '--child', mode], { label: `autoscaling child (${mode})` });
}

/** Runs of each mode (the median is reported). */
const RUNS = 3;

/** The run with the median wall time. */
function median(runs) {
  const sorted = [...runs].sort((a, b) => a.wallSeconds - b.wallSeconds);
  return sorted[(sorted.length - 1) >> 1];
}

/** What a run simulated (everything but its timings and memory). */
function fingerprint(r) {
  const { wallSeconds: _w, processSeconds: _p, rssBefore: _r, maxRSS: _m, ...rest } = r;
  return JSON.stringify(rest);
}

const actionLine = (byScaler) => Object.entries(byScaler).map(([scaler, kinds]) => `${scaler}: ${Object.entries(kinds).map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ')}`).join('; ') || '-';

export async function run() {
  console.log(`\n=== Autoscaled week (${machineLine()}) ===`);
  // Alternating runs, each in a fresh process; the figures are the median run's (wall time
  // varies with the machine's other load; the simulated results must not).
  const autos = [];
  const fixeds = [];
  for (let k = 0; k < RUNS; k++) {
    autos.push(await runChild('autoscaled'));
    fixeds.push(await runChild('fixed'));
  }
  const auto = median(autos);
  const fixed = median(fixeds);
  const identical = (runs) => runs.every((r) => fingerprint(r) === fingerprint(runs[0]));
  const g = auto.design;
  console.log(`${INITIAL_NODES} nodes at start (${POOLS.map((p) => `${p.name} ${p.count} x ${p.cpu} cores/${p.memoryGi} GiB, ${p.min}..${p.max} per zone`).join('; ')}; 3 zones), ${SERVICES} services with diurnal load (${g.spikes} with a spike), HPA on cpu 60 % every ${HPA_SYNC} s, cluster-autoscaler defaults, 7 days, samples every 5 min. Designed requested cpu at the diurnal peak: ${fmtInt(g.peakCores)} cores = ${fmtPct(g.peakCores / INITIAL_CORES)} of the ${fmtInt(INITIAL_CORES)} initial cores. Peer: no HPA, no cluster autoscaler, each service fixed at its diurnal-peak replicas (${fmtInt(g.fixedReplicas)} pods, ${fmtPct(g.fixedCores / INITIAL_CORES)} of cpu). ${RUNS} runs each, alternating, each in a fresh child process; the table shows the median run (by wall time).`);
  const row = (label, f) => [label, f(auto), f(fixed)];
  printTable('Autoscaled week: 500 nodes, 100 services, 7 days', ['figure', 'HPA + cluster autoscaler', 'peer: fixed'], [
    row('wall time of runPrepared (median run)', (r) => `${r.wallSeconds.toFixed(2)} s`),
    ['wall time of runPrepared, all runs', autos.map((r) => r.wallSeconds.toFixed(2)).join(' / ') + ' s', fixeds.map((r) => r.wallSeconds.toFixed(2)).join(' / ') + ' s'],
    ['simulated results identical in every run', identical(autos) ? 'yes' : 'NO', identical(fixeds) ? 'yes' : 'NO'],
    row('child process total (start, imports, build, run)', (r) => `${r.processSeconds.toFixed(2)} s`),
    row('engine events', (r) => fmtInt(r.events)),
    row('events/s', (r) => fmtInt(r.events / r.wallSeconds)),
    row('HPA syncs (100 x floor(7 d / 15 s), by construction)', (r) => fmtInt(r.hpaSyncs)),
    row('scaling actions by kind', (r) => actionLine(r.actions)),
    row('nodes: min .. max (exact) / at the horizon', (r) => `${r.nodeMin} .. ${r.nodeMax} / ${r.finalNodes}`),
    row('node-hours / cost', (r) => `${fmtInt(r.nodeHours)} / ${r.cost.toFixed(0)}`),
    row('pods submitted / deleted', (r) => `${fmtInt(r.pods.submitted)} / ${fmtInt(r.pods.deleted)}`),
    row('scheduling attempts / failed', (r) => `${fmtInt(r.scheduling.attempts)} / ${fmtInt(r.scheduling.failedAttempts)}`),
    row('requested cpu: time-averaged / peak sample', (r) => `${fmtPct(r.utilization.cpu)} / ${fmtPct(r.peakSampledCpu)}`),
    row('replicas (sum of per-service means)', (r) => fmtInt(r.replicaMeanTotal)),
    row('requests served / SLO-violation minutes (sum)', (r) => `${(100 * r.servedFraction).toFixed(3)} % / ${fmtInt(r.sloViolationMinutes)}`),
    row('peak RSS (process.resourceUsage().maxRSS)', (r) => fmtBytes(r.maxRSS)),
    row('RSS before the run', (r) => fmtBytes(r.rssBefore)),
  ]);
  const ratio = auto.wallSeconds / fixed.wallSeconds;
  const summary = [
    { metric: 'autoscaled week 500 nodes / 100 HPAs / 7 d (peer: fixed)', orchsim: `${auto.wallSeconds.toFixed(2)} s`, peer: `${fixed.wallSeconds.toFixed(2)} s`, ratio: fmtRatio(ratio), target: verdict('< 4 s', auto.wallSeconds < 4) },
  ];
  return { summary, result: { auto, fixed } };
}

if (isMain(import.meta.url) && process.argv[2] === '--child') await child(process.argv[3]);
else if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, 'Autoscaling summary (ratio: wall time autoscaled / fixed)');
}
