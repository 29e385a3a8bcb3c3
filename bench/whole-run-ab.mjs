// The whole run (bench/whole-run.mjs's scenario: 1,000 nodes, 100,000 pods, 7 days) as CPU time
// of runScenario, two builds in one process, alternated (which goes first swaps each round), one
// untimed round first, a full GC before each run; further contenders are this checkout with one
// switch turned off each (ORCHSIM_NO_<NAME>=1 while the run builds its scheduler), so a
// shortcut's own share shows beside the whole branch's. CPU time (process.cpuUsage) because on
// the shared 2-core machine wall time swings with the other tenants' load; the results of all
// contenders are compared byte for byte.
//
// Run: node bench/whole-run-ab.mjs DIR [RUNS] [SWITCH...]   (after npm run build here and in DIR; RUNS 5)
// e.g. node bench/whole-run-ab.mjs /tmp/before 5 ORCHSIM_NO_NODE_RECORDS
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectGarbage, machineLine, median } from './lib.mjs';
import { wholeRunScenario } from './whole-run-scenario.mjs';

const [dir, runsArg, ...switches] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/whole-run-ab.mjs DIR [RUNS] [SWITCH...]');
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const here = resolve(new URL('..', import.meta.url).pathname);
const runnerOf = async (root) => (await import(pathToFileURL(resolve(root, 'dist', 'scenario/runner.js')).href)).runScenario;
const contenders = [
  { name: `before (${dir})`, root: resolve(dir), env: {} },
  { name: 'this checkout', root: here, env: {} },
  ...switches.map((s) => ({ name: `this checkout, ${s}=1`, root: here, env: { [s]: '1' } })),
];
for (const c of contenders) c.run = await runnerOf(c.root);
const cpu = contenders.map(() => []);
const results = contenders.map(() => undefined);
console.log(`\n=== Whole run 1k nodes / 100k pods / 7 d: CPU of runScenario, ${contenders.length} contenders in one process (${machineLine()}) ===`);
for (let round = 0; round <= runs; round++) {
  const order = contenders.map((_, k) => k);
  if (round % 2 === 1) order.reverse();
  for (const k of order) {
    const c = contenders[k];
    const scenario = await wholeRunScenario(c.root);
    Object.assign(process.env, c.env);
    try {
      collectGarbage();
      const c0 = process.cpuUsage();
      const out = c.run(scenario);
      const used = process.cpuUsage(c0);
      results[k] ??= JSON.stringify(out.result);
      if (round > 0) cpu[k].push((used.user + used.system) / 1e6);
    } finally {
      for (const key of Object.keys(c.env)) delete process.env[key];
    }
  }
}
for (const [k, c] of contenders.entries()) console.log(`${c.name.padEnd(48)} CPU ${median(cpu[k]).toFixed(3)} s (${cpu[k].map((x) => x.toFixed(2)).join(' / ')})`);
// The fastest round too: on the shared machine the other tenants only ever add time, so with
// many rounds the minimum is the steadier estimate of a small difference.
const min = (xs) => Math.min(...xs);
console.log(`fastest rounds: ${contenders.map((c, k) => `${c.name} ${min(cpu[k]).toFixed(3)} s`).join(', ')}; this checkout / before ${(min(cpu[1]) / min(cpu[0])).toFixed(3)}x`);
console.log(`this checkout / before, CPU: ${(median(cpu[1]) / median(cpu[0])).toFixed(3)}x; results ${results.every((r) => r === results[0]) ? 'byte-identical' : 'DIFFER'}`);
console.log(`load at the end: ${machineLine()}`);
