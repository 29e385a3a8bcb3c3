// Scheduling throughput with the `default` profile: a stream of pods scheduled one by one into
// a cluster of mixed node sizes in 3 zones, each pod bound after its cycle so the cluster fills
// up. percentageOfNodesToScore adaptive (the default profile as is) and 100.
//
// Run: node bench/scheduling.mjs   (after npm run build)
import { WellKnownLabel } from '../dist/api/node.js';
import { resources } from '../dist/api/resources.js';
import { BUILTIN_PROFILES } from '../dist/schedulers/builtins.js';
import { buildFramework } from '../dist/scenario/runner.js';
import { ClusterState } from '../dist/sim/cluster.js';
import { RandomStreams } from '../dist/util/random.js';
import { collectGarbage, fmtInt, fmtPct, fmtRate, isMain, machineLine, median, printSummary, printTable, seeded, verdict } from './lib.mjs';

const CLUSTER_SIZES = [1_000, 5_000, 10_000];
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** Node shapes: cores with 4 GiB of memory per core, drawn uniformly per node. */
const NODE_CORES = [8, 16, 32, 64];
/** Pod cpu requests (milli-CPU), drawn uniformly; memory = cores x one of 1/2/4 GiB. */
const POD_MILLI_CPU = [250, 500, 1000, 2000, 4000];
const POD_GIB_PER_CORE = [1, 2, 4];
/**
 * Pods per repetition: 3 per node with adaptive scoring (the cluster ends ~15% cpu-requested,
 * far from full, so every pod fits); 100% scoring costs O(nodes) per pod, so fewer pods.
 */
const podsPerRun = (nodes, mode) => (mode === 'adaptive' ? 3 * nodes : Math.min(3 * nodes, 2_000));
const REPETITIONS = 3;

const DEFAULT = BUILTIN_PROFILES.find((p) => p.name === 'default');
const PROFILES = {
  adaptive: DEFAULT,
  100: { ...DEFAULT, name: 'default-pct100', percentageOfNodesToScore: 100 },
};

/** Seeded node specs of mixed sizes, zones round-robin, hostname label set. */
export function mixedNodes(count, seedName) {
  const rng = seeded(seedName);
  const width = String(count - 1).length;
  const shapes = new Map();
  const out = [];
  for (let i = 0; i < count; i++) {
    const cores = NODE_CORES[Math.floor(rng() * NODE_CORES.length)];
    let allocatable = shapes.get(cores);
    if (!allocatable) shapes.set(cores, (allocatable = resources({ milliCPU: cores * 1000, memory: cores * 4 * GiB })));
    const name = `node-${String(i).padStart(width, '0')}`;
    out.push({
      name,
      labels: { [WellKnownLabel.hostname]: name, [WellKnownLabel.zone]: ZONES[i % ZONES.length] },
      taints: [],
      unschedulable: false,
      allocatable,
    });
  }
  return out;
}

/** Seeded pods (PodInfo), no affinity, no owner (so no default topology spreading); equal sizes share a spec. */
export function mixedPods(count, seedName) {
  const rng = seeded(seedName);
  const specs = new Map();
  const pods = new Array(count);
  const width = String(count - 1).length;
  for (let i = 0; i < count; i++) {
    const cpu = POD_MILLI_CPU[Math.floor(rng() * POD_MILLI_CPU.length)];
    const gibPerCore = POD_GIB_PER_CORE[Math.floor(rng() * POD_GIB_PER_CORE.length)];
    const memory = Math.round((cpu / 1000) * gibPerCore * GiB / MiB) * MiB;
    const key = `${cpu}/${memory}`;
    let spec = specs.get(key);
    if (!spec) {
      spec = { namespace: 'default', labels: { app: 'bench' }, priority: 0, requests: resources({ milliCPU: cpu, memory }) };
      specs.set(key, spec);
    }
    pods[i] = { id: i, name: `pod-${String(i).padStart(width, '0')}`, spec };
  }
  return pods;
}

function buildCluster(nodeSpecs) {
  const cluster = new ClusterState(nodeSpecs.length);
  for (const n of nodeSpecs) cluster.addNode(n);
  return cluster;
}

/** One repetition: fresh cluster and framework (untimed), then schedule + bind `pods` (timed). */
function scheduleRun(nodeSpecs, pods, profile) {
  const cluster = buildCluster(nodeSpecs);
  const streams = new RandomStreams(1);
  const framework = buildFramework(profile, streams);
  const tieBreak = streams.get('scheduler/tie-break');
  const n = pods.length;
  let evaluated = 0;
  let failed = 0;
  collectGarbage();
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const pod = pods[k];
    const node = framework.schedule(pod, cluster, tieBreak);
    evaluated += framework.lastEvaluated;
    if (node < 0) {
      failed++;
      continue;
    }
    cluster.bind(pod, node);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { pods: n, seconds, evaluated, failed, cpuFill: cluster.totalReqCPU / cluster.totalAllocCPU };
}

export async function run() {
  console.log(`\n=== Scheduling throughput, default profile (${machineLine()}) ===`);
  console.log(`Nodes ${NODE_CORES.join('/')} cores (4 GiB/core) in ${ZONES.length} zones; pods ${POD_MILLI_CPU.join('/')}m cpu x 1/2/4 GiB per core; each pod bound after scheduling; median of ${REPETITIONS} repetitions, fresh cluster each.`);
  const clusters = new Map(CLUSTER_SIZES.map((n) => [n, mixedNodes(n, `scheduling/nodes-${n}`)]));
  const maxPods = Math.max(...CLUSTER_SIZES.flatMap((n) => [podsPerRun(n, 'adaptive'), podsPerRun(n, 100)]));
  const allPods = mixedPods(maxPods, 'scheduling/pods');

  // JIT warm-up, untimed: both modes on the smallest cluster.
  for (const mode of Object.keys(PROFILES)) scheduleRun(clusters.get(CLUSTER_SIZES[0]), allPods.slice(0, 2_000), PROFILES[mode]);

  const rows = [];
  const results = {};
  for (const nodes of CLUSTER_SIZES) {
    for (const mode of ['adaptive', '100']) {
      const pods = allPods.slice(0, podsPerRun(nodes, mode));
      const reps = [];
      for (let r = 0; r < REPETITIONS; r++) reps.push(scheduleRun(clusters.get(nodes), pods, PROFILES[mode]));
      const rates = reps.map((x) => x.pods / x.seconds);
      const last = reps[reps.length - 1];
      const res = { nodes, mode, podsPerSecond: median(rates), min: Math.min(...rates), max: Math.max(...rates), pods: pods.length, evaluatedPerPod: last.evaluated / last.pods, failed: last.failed, cpuFill: last.cpuFill };
      results[`${nodes}/${mode}`] = res;
      rows.push([
        fmtInt(nodes),
        mode === 'adaptive' ? 'adaptive' : '100%',
        fmtInt(res.pods),
        fmtRate(res.podsPerSecond),
        fmtRate(res.min),
        fmtRate(res.max),
        res.evaluatedPerPod.toFixed(0),
        fmtInt(res.failed),
        fmtPct(res.cpuFill),
      ]);
    }
  }
  printTable('Pods scheduled and bound per second',
    ['nodes', 'percentageOfNodesToScore', 'pods/rep', 'pods/s (median)', 'min', 'max', 'nodes evaluated/pod', 'unschedulable', 'cpu requested at end'],
    rows);

  const a = results['5000/adaptive'];
  const h = results['5000/100'];
  const summary = [];
  for (const nodes of CLUSTER_SIZES) {
    for (const mode of ['adaptive', '100']) {
      const r = results[`${nodes}/${mode}`];
      let target = '-';
      if (nodes === 5_000) target = mode === 'adaptive' ? verdict('>= 10,000 pods/s', a.podsPerSecond >= 10_000) : verdict('>= 1,500 pods/s', h.podsPerSecond >= 1_500);
      summary.push({
        metric: `schedule+bind ${fmtInt(nodes)} nodes, ${mode === 'adaptive' ? 'adaptive' : '100%'} (pods/s; ${r.evaluatedPerPod.toFixed(0)} nodes evaluated/pod)`,
        orchsim: fmtRate(r.podsPerSecond),
        peer: '-',
        ratio: '-',
        target,
      });
    }
  }
  return { summary, results };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, 'Scheduling summary');
}
