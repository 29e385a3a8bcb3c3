// Child process of bench/whole-run.mjs: builds the scenario, times runScenario once and writes
// one JSON line to stdout. Runs in its own process so peak memory is this run's alone.
//
// Run: node bench/whole-run-child.mjs [ROOT]   (ROOT: the checkout whose dist/ runs; this one by default)
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WHOLE_RUN, wholeRunScenario } from './whole-run-scenario.mjs';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
const { runScenario } = await at('scenario/runner.js');
const { NODES, PODS, HORIZON, RATE, MEAN_DURATION } = WHOLE_RUN;
const scenario = await wholeRunScenario(root);
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
