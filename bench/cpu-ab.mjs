// Two builds in one process: the same scenario run with another build's dist/ (DIR) and with
// this checkout's, alternated (which goes first swaps each round), one untimed round first, a
// full GC before each run. Prints the median CPU time (process.cpuUsage: user + system) and wall
// time of each and the ratio. On a shared, loaded machine CPU time swings far less than wall
// time, so a change of a few percent is visible at all.
//
// Run: node bench/cpu-ab.mjs DIR SCENARIO.yaml [RUNS]   (after npm run build here and in DIR; RUNS 7)
// e.g. node bench/cpu-ab.mjs /tmp/before scenarios/default.yaml
import { collectGarbage, machineLine, median, scenarioBuilds } from './lib.mjs';

const [dir, file, runsArg] = process.argv.slice(2);
if (!dir || !file) {
  console.error('usage: node bench/cpu-ab.mjs DIR SCENARIO.yaml [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 7);
const builds = await scenarioBuilds(dir);
const cpu = [[], []];
const wall = [[], []];
console.log(`\n=== ${file}: two builds in one process (${machineLine()}) ===`);
for (let round = 0; round <= runs; round++) {
  for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
    const b = builds[k];
    const sim = b.runner.createSimulation(b.index.prepareScenario(file).resolved);
    collectGarbage();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    sim.run();
    const c = process.cpuUsage(c0);
    if (round === 0) continue;
    wall[k].push((performance.now() - t0) / 1000);
    cpu[k].push((c.user + c.system) / 1e6);
  }
}
for (const k of [0, 1]) console.log(`${builds[k].name.padEnd(40)} CPU ${median(cpu[k]).toFixed(3)} s, wall ${median(wall[k]).toFixed(3)} s (median of ${runs})`);
console.log(`this checkout / before, CPU: ${(median(cpu[1]) / median(cpu[0])).toFixed(3)}x`);
console.log(`load at the end: ${machineLine()}`);
