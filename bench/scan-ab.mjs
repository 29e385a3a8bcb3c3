// The node scan of SchedulingBasic with every node scored (section 15's hardest row) as CPU time
// per pod, two builds in one process, alternated (which goes first swaps each round), one
// untimed round first, a full GC before each run; a third contender is this checkout with the
// node scan's fast paths turned off (ORCHSIM_NO_FAST_SCAN=1 when the framework is built), so the
// switch's own share shows beside the whole branch's. CPU time (process.cpuUsage)
// because on the shared 2-core machine wall time swings with the other tenants' load.
//
// Run: node bench/scan-ab.mjs DIR [RUNS]   (after npm run build here and in DIR; RUNS 5)
// e.g. node bench/scan-ab.mjs /tmp/before
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectGarbage, machineLine, median } from './lib.mjs';

const [dir, runsArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/scan-ab.mjs DIR [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const NODES = 5_000;
const INIT_PODS = 1_000;
const MEASURED_PODS = 3_000;
const here = resolve(new URL('..', import.meta.url).pathname);

const load = async (root) => {
  const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
  const [res, builtins, runner, cluster, random] = await Promise.all([
    at('api/resources.js'), at('schedulers/builtins.js'), at('scenario/runner.js'), at('sim/cluster.js'), at('util/random.js'),
  ]);
  return { resources: res.resources, profiles: builtins.BUILTIN_PROFILES, buildFramework: runner.buildFramework, ClusterState: cluster.ClusterState, RandomStreams: random.RandomStreams };
};

/** SchedulingBasic/5000Nodes (templates node-default, pod-default): init pods adaptive, untimed; then CPU seconds of the measured pods at 100%. */
function runOnce(b, env) {
  const node = b.resources({ milliCPU: 4000, memory: 32 * 2 ** 30 });
  const spec = { namespace: 'default', labels: {}, priority: 0, requests: b.resources({ milliCPU: 100, memory: 500 * 2 ** 20 }) };
  const cluster = new b.ClusterState(NODES);
  for (let i = 0; i < NODES; i++) cluster.addNode({ name: `scheduler-perf-${String(i).padStart(4, '0')}`, labels: {}, taints: [], unschedulable: false, allocatable: node, allowedPodNumber: 110 });
  const def = b.profiles.find((p) => p.name === 'default');
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let all;
  let adaptive;
  try {
    all = b.buildFramework({ ...def, name: 'default-pct100', percentageOfNodesToScore: 100 }, new b.RandomStreams(1));
    adaptive = b.buildFramework(def, new b.RandomStreams(1));
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  }
  const tie = new b.RandomStreams(1).get('scheduler/tie-break');
  let id = 0;
  const one = (fw) => {
    const pod = { id, name: `pod-${id}`, spec };
    id++;
    const n = fw.schedule(pod, cluster, tie);
    if (n < 0) throw new Error(`${pod.name} did not fit`);
    cluster.bind(pod, n);
  };
  for (let i = 0; i < INIT_PODS; i++) one(adaptive);
  collectGarbage();
  const c0 = process.cpuUsage();
  for (let i = 0; i < MEASURED_PODS; i++) one(all);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const before = await load(dir);
const after = await load(here);
const contenders = [
  { name: `before (${dir})`, build: before, env: {} },
  { name: 'this checkout', build: after, env: {} },
  { name: 'this checkout, ORCHSIM_NO_FAST_SCAN=1', build: after, env: { ORCHSIM_NO_FAST_SCAN: '1' } },
];
const cpu = contenders.map(() => []);
console.log(`\n=== SchedulingBasic ${NODES} nodes, every node scored: CPU per pod over ${MEASURED_PODS} pods after ${INIT_PODS} (${machineLine()}) ===`);
for (let round = 0; round <= runs; round++) {
  const order = contenders.map((_, k) => k);
  if (round % 2 === 1) order.reverse();
  for (const k of order) {
    const s = runOnce(contenders[k].build, contenders[k].env);
    if (round > 0) cpu[k].push(s);
  }
}
const base = median(cpu[0]);
for (const [k, c] of contenders.entries()) {
  const m = median(cpu[k]);
  console.log(`${c.name.padEnd(44)} CPU ${(m * 1e6 / MEASURED_PODS).toFixed(0).padStart(6)} us/pod (median of ${runs}; runs ${cpu[k].map((x) => x.toFixed(2)).join(' / ')} s)  ${(m / base).toFixed(3)}x before`);
}
console.log(`load at the end: ${machineLine()}`);
