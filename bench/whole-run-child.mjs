// Child process of bench/whole-run.mjs: builds the scenario, times runScenario once and writes
// one JSON line to stdout. Runs in its own process so peak memory is this run's alone.
//
// Run: node bench/whole-run-child.mjs [ROOT]   (ROOT: the checkout whose dist/ runs; this one by default)
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mixedNodes } from './scheduling.mjs';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
const [{ BUILTIN_PROFILES }, { runScenario }, { poissonArrivals }, { sizedPodSpecs }, { resources }] = await Promise.all([
  at('schedulers/builtins.js'), at('scenario/runner.js'), at('workloads/arrivals.js'), at('workloads/batch.js'), at('api/resources.js'),
]);

const NODES = 1_000;
const PODS = 100_000;
const HORIZON = 7 * 86_400;
const RATE = PODS / HORIZON;
/**
 * Mean pod run time, exponential: 1 day. Offered cpu load = rate x mean duration x mean request
 * = 0.165/s x 86,400 s x 1.55 cores = ~22,100 cores of ~30,000 allocatable (~74%); the cluster
 * starts empty, so the time-averaged requested cpu over the 7 days comes out ~60-65%.
 */
const MEAN_DURATION = 86_400;
const MiB = 2 ** 20;

function wholeRunScenario() {
  const template = { namespace: 'default', labels: { app: 'batch' }, priority: 0, requests: resources({}) };
  return {
    name: 'bench-whole-run',
    file: '<bench>',
    seed: 42,
    horizon: HORIZON,
    sampleInterval: 300,
    nodes: mixedNodes(NODES, 'whole-run/nodes'),
    workloads: [{
      kind: 'batch',
      name: 'batch',
      arrivals: poissonArrivals(RATE, 0, HORIZON),
      pods: sizedPodSpecs(template, {
        milliCPU: { kind: 'choice', values: [250, 500, 1000, 2000, 4000] },
        memory: { kind: 'choice', values: [512 * MiB, 1024 * MiB, 2048 * MiB, 4096 * MiB, 8192 * MiB] },
      }),
      duration: { kind: 'exponential', mean: MEAN_DURATION },
      startup: { kind: 'fixed', value: 0 },
      maxPods: PODS,
    }],
    profile: BUILTIN_PROFILES.find((p) => p.name === 'default'),
    queue: 'kubernetes',
  };
}

const scenario = wholeRunScenario();
const rssBefore = process.memoryUsage.rss();
// RSS sampled every 1,024 binds (the run is synchronous, so a timer could not sample it).
let binds = 0;
let rssPeakSampled = rssBefore;
const onBind = () => {
  if ((++binds & 1023) === 0) {
    const rss = process.memoryUsage.rss();
    if (rss > rssPeakSampled) rssPeakSampled = rss;
  }
};
const c0 = process.cpuUsage();
const t0 = performance.now();
const out = runScenario(scenario, { onBind });
const wallSeconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const rssAfter = process.memoryUsage.rss();
if (rssAfter > rssPeakSampled) rssPeakSampled = rssAfter;
const mem = process.memoryUsage();
const r = out.result;
process.stdout.write(JSON.stringify({
  config: { nodes: NODES, pods: PODS, horizonSeconds: HORIZON, ratePerSecond: RATE, meanDurationSeconds: MEAN_DURATION },
  wallSeconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  rssBefore,
  rssAfter,
  rssPeakSampled,
  maxRSS: process.resourceUsage().maxRSS * 1024,
  heapUsedAfter: mem.heapUsed,
  nodes: r.cluster.nodes,
  allocatableCores: r.cluster.allocatable.cpu,
  pods: r.metrics.pods,
  utilization: r.metrics.utilization,
  pendingSeconds: r.metrics.pendingSeconds,
  scheduling: r.metrics.scheduling,
  events: r.engine.events,
  timeseriesRows: out.timeseries.rows.length,
}) + '\n');
