// All benchmarks in sequence, then one summary table. `npm run bench` builds first.
// Figures are printed, never asserted: the exit code does not depend on any timing.
import { run as eventCore } from './event-core.mjs';
import { run as scheduling } from './scheduling.mjs';
import { run as wholeRun } from './whole-run.mjs';
import { run as fgd } from './fgd.mjs';
import { run as failures } from './failures.mjs';
import { run as autoscaling } from './autoscaling.mjs';
import { run as compare } from './compare.mjs';
import { run as extender } from './extender.mjs';
import { run as extenderLimits } from './extender-limits.mjs';
import { run as plan } from './plan.mjs';
import { run as userPlugin } from './user-plugin.mjs';
import { run as lifecycle } from './lifecycle.mjs';
import { run as swarm } from './swarm.mjs';
import { run as kueueBaseline } from './kueue-baseline.mjs';
import { run as schedulerPerf } from './scheduler-perf.mjs';
import { run as simpy } from './simpy.mjs';
import { run as cliStartup } from './cli-startup.mjs';
import { machineLine, printSummary } from './lib.mjs';

const started = performance.now();
const summary = [];
for (const suite of [eventCore, scheduling, schedulerPerf, userPlugin, wholeRun, failures, lifecycle, swarm, kueueBaseline, autoscaling, compare, plan, simpy, cliStartup, extender, extenderLimits, fgd]) {
  const { summary: rows } = await suite();
  summary.push(...rows);
}
printSummary(summary, `Summary (${machineLine()}; total ${((performance.now() - started) / 1000).toFixed(0)} s)`);
console.log('Peers: simjs 2.0.3 (npm); the bare heap is an inline Float64Array loop in bench/event-core.mjs; the FGD simulator\'s 600 s/run is its published figure (FGD.md); the autoscaling peer is the same week with the HPAs and the cluster autoscaler off; the compare peer is the same comparison on 1 worker; the plan peer is the same plan deciding every size with every seed (--grid); the user-plugin peer is the built-in MostAllocated the module reimplements; the lifecycle peer is the default scenario without DefaultPreemption and without a DaemonSet; the Swarm peer is the default scenario under Kubernetes; the Kueue baseline's peer is the kueue harness's published wall time (no Kueue runs here); the scheduler_perf peers are kube-scheduler's published SchedulingThroughput and CI thresholds; the M/M/c peer is SimPy 3 (Debian python3-simpy3) on the same queue; the CLI start-up peer is `node -e 0`; the extender peer is a bare node:http server that JSON.parses the same request bodies and answers as much without deciding anything; the extender-limits peers are node:https with Node's defaults and a bare parse-and-answer server with no bound. See bench/README.md. Figures are noisy on a shared machine.');
