// One FGD-experiment shortcut on and off in one process: runs each policy's seeds with the given
// ORCHSIM_NO_<NAME> switches unset and set, alternating (which goes first swaps each seed), a
// full GC before each run (with --expose-gc), CPU time (process.cpuUsage) per run. The switches
// are read when a run starts or its scheduler is built, so both sides run this checkout's code.
// The two runs of a seed must give identical results (the script stops if not). Needs the openb
// trace (`orchsim data pull openb`, or ORCHSIM_DATA).
//
// Run: node --expose-gc bench/fgd-switch-ab.mjs POLICIES SEEDS VAR[,VAR...]   (after npm run build)
//   e.g. node --expose-gc bench/fgd-switch-ab.mjs FGD,BestFit 3 ORCHSIM_NO_FGD_KNOWN_MISFITS   (POLICIES "all": the six)
import { FGD_POLICIES, runFgdExperiment } from '../dist/experiments/fgd.js';
import { loadExperiment } from '../dist/experiments/fgd-runner.js';
import { locateTrace } from '../dist/data/dir.js';
import { collectGarbage, machineLine, median } from './lib.mjs';

const [policiesArg, seedsArg = '3', varsArg] = process.argv.slice(2);
if (!policiesArg || !varsArg) {
  console.error('usage: node --expose-gc bench/fgd-switch-ab.mjs POLICIES|all SEEDS VAR[,VAR...]');
  process.exit(2);
}
const nodes = locateTrace('data:openb/openb_node_list_gpu_node.csv');
const pods = locateTrace('data:openb/openb_pod_list_default.csv');
if ('error' in nodes || 'error' in pods) {
  console.log(`skipped: ${'error' in nodes ? nodes.error : pods.error}`);
  process.exit(0);
}
const e = loadExperiment(nodes.abs, pods.abs);
const policies = policiesArg === 'all' ? [...FGD_POLICIES] : policiesArg.split(',');
const vars = varsArg.split(',');
console.log(`\n=== FGD experiment, tune 1.3: switches on and off (${vars.join(', ')}) in one process (${machineLine()}) ===`);
for (const policy of policies) {
  const cpu = [[], []];
  for (let i = 0; i < Number(seedsArg); i++) {
    const out = [];
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      for (const v of vars) {
        if (k === 1) process.env[v] = '1';
        else delete process.env[v];
      }
      collectGarbage();
      const c0 = process.cpuUsage();
      out[k] = JSON.stringify(runFgdExperiment(e, policy, 42 + i, 1.3));
      const c = process.cpuUsage(c0);
      cpu[k].push((c.user + c.system) / 1e6);
    }
    if (out[0] !== out[1]) throw new Error(`${policy}, seed ${42 + i}: the runs with the switches on and off differ`);
  }
  for (const v of vars) delete process.env[v];
  const [on, off] = cpu.map(median);
  console.log(`${policy}: on ${cpu[0].map((x) => x.toFixed(2)).join(' / ')} (median ${on.toFixed(2)}), off ${cpu[1].map((x) => x.toFixed(2)).join(' / ')} (median ${off.toFixed(2)}): off / on ${(off / on).toFixed(2)}x, results identical`);
}
console.log(`(${machineLine()})`);
