// Child process of bench/simpy.mjs: one build's runScenario on one scenario, run back to back in
// a fresh process - WARM untimed runs, then REPS timed ones, with no forced GC between them, as a
// sweep's or a comparison's worker runs its scenarios one after another - and prints
// {"seconds": [...], "meanWait": s} on stdout.
//
// A fresh process because the parent's own rounds force a full GC before each run: each GC frees
// the hidden classes (maps) of the run's objects, the next run makes new ones, and after a few
// rounds the inline caches have seen so many maps of one class that they stay megamorphic - a
// state no worker reaches, which made back-to-back runs in the parent 10-20% slower.
//
// Run: node bench/back-to-back-child.mjs DIR SCENARIO.yaml WARM REPS
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, scenario, warm, reps] = process.argv.slice(2);
const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
const { runScenario } = await at('scenario/runner.js');
const { resolved } = (await at('scenario/index.js')).prepareScenario(scenario);
for (let i = 0; i < Number(warm); i++) runScenario(resolved);
const seconds = [];
let out;
for (let i = 0; i < Number(reps); i++) {
  const t0 = performance.now();
  out = runScenario(resolved);
  seconds.push((performance.now() - t0) / 1000);
}
console.log(JSON.stringify({ seconds, meanWait: out.result.metrics.pendingSeconds.mean, scheduled: out.result.metrics.pods.scheduled }));
