// One FGD-experiment policy with two builds in one process: another build's dist/ (DIR) and this
// checkout's, alternated (which goes first swaps each seed), a full GC before each run, CPU time
// (process.cpuUsage: user + system) per run. The two runs of a seed must give identical results
// (the script stops if not). Needs the openb trace (`orchsim data pull openb`, or ORCHSIM_DATA).
//
// Run: node bench/fgd-ab.mjs DIR [POLICY] [SEEDS]   (after npm run build here and in DIR; FGD, 3 seeds from 42)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectGarbage, machineLine, median } from './lib.mjs';

const [dir, policy = 'FGD', seedsArg = '3'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/fgd-ab.mjs DIR [POLICY] [SEEDS]');
  process.exit(2);
}
const here = resolve(new URL('..', import.meta.url).pathname);
const { locateTrace } = await import(pathToFileURL(resolve(here, 'dist/data/dir.js')).href);
const nodes = locateTrace('data:openb/openb_node_list_gpu_node.csv');
const pods = locateTrace('data:openb/openb_pod_list_default.csv');
if ('error' in nodes || 'error' in pods) {
  console.log(`skipped: ${'error' in nodes ? nodes.error : pods.error}`);
  process.exit(0);
}
const load = async (root) => {
  const fgd = await import(pathToFileURL(resolve(root, 'dist/experiments/fgd.js')).href);
  const runner = await import(pathToFileURL(resolve(root, 'dist/experiments/fgd-runner.js')).href);
  return { run: fgd.runFgdExperiment, e: runner.loadExperiment(nodes.abs, pods.abs) };
};
const builds = [{ name: `before (${dir})`, ...(await load(dir)) }, { name: 'this checkout', ...(await load(here)) }];
const cpu = [[], []];
console.log(`\n=== FGD experiment, policy ${policy}, tune 1.3: two builds in one process (${machineLine()}) ===`);
for (let i = 0; i < Number(seedsArg); i++) {
  const seed = 42 + i;
  const out = [];
  for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
    collectGarbage();
    const c0 = process.cpuUsage();
    const r = builds[k].run(builds[k].e, policy, seed, 1.3);
    const c = process.cpuUsage(c0);
    cpu[k].push((c.user + c.system) / 1e6);
    out[k] = JSON.stringify(r);
  }
  if (out[0] !== out[1]) throw new Error(`seed ${seed}: the two builds' results differ`);
}
for (const k of [0, 1]) console.log(`${builds[k].name}: CPU s per run ${cpu[k].map((x) => x.toFixed(2)).join(' / ')}, median ${median(cpu[k]).toFixed(2)}`);
console.log(`before / after: ${(median(cpu[0]) / median(cpu[1])).toFixed(2)}x (results identical for every seed) (${machineLine()})`);
