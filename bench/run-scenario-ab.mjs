// Two builds' runScenario in one process (as `orchsim run` and bench/simpy.mjs's "run only" call
// it: only the result is read, so SimShortcuts.releaseFinishedPods applies, which
// bench/cpu-ab.mjs's createSimulation does not ask for), alternated (which goes first swaps each
// round), one untimed round first, a full GC before each run; with SWITCH, a third contender:
// this checkout with ORCHSIM_NO_<...>=1 set while its run is wired. Prints each contender's
// median CPU time (process.cpuUsage: user + system) with every run sorted, the ratio, and
// whether all results are byte-identical.
//
// Run: node bench/run-scenario-ab.mjs DIR SCENARIO.yaml [RUNS] [SWITCH]   (after npm run build here and in DIR; RUNS 7)
// e.g. node bench/run-scenario-ab.mjs /tmp/before /tmp/mmc.yaml 9 ORCHSIM_NO_FINISHED_POD_RELEASE
import { collectGarbage, machineLine, median, scenarioBuilds } from './lib.mjs';

const [dir, file, runsArg, sw] = process.argv.slice(2);
if (!dir || !file) {
  console.error('usage: node bench/run-scenario-ab.mjs DIR SCENARIO.yaml [RUNS] [SWITCH]');
  process.exit(2);
}
const runs = Number(runsArg ?? 7);
const builds = await scenarioBuilds(dir);
if (sw) builds.push({ ...builds[1], name: `this checkout, ${sw}=1`, off: sw });
const cpu = builds.map(() => []);
const results = builds.map(() => '');
console.log(`\n=== ${file}: runScenario of ${builds.length} contenders in one process (${machineLine()}) ===`);
for (let round = 0; round <= runs; round++) {
  const order = builds.map((_, k) => k);
  if (round % 2 === 1) order.reverse();
  for (const k of order) {
    const b = builds[k];
    const resolved = b.index.prepareScenario(file).resolved;
    if (sw) {
      if (b.off) process.env[sw] = '1';
      else delete process.env[sw];
    }
    collectGarbage();
    const c0 = process.cpuUsage();
    const out = b.runner.runScenario(resolved);
    const c = process.cpuUsage(c0);
    if (round === 0) results[k] = JSON.stringify(out.result);
    else cpu[k].push((c.user + c.system) / 1e6);
  }
}
if (sw) delete process.env[sw];
builds.forEach((b, k) => console.log(`${b.name.padEnd(52)} CPU ${median(cpu[k]).toFixed(3)} s [${[...cpu[k]].sort((x, y) => x - y).map((x) => x.toFixed(3)).join(' ')}]`));
console.log(`this checkout / before, CPU: ${(median(cpu[1]) / median(cpu[0])).toFixed(3)}x; results byte-identical: ${results.every((r) => r === results[0])}`);
console.log(`load at the end: ${machineLine()}`);
