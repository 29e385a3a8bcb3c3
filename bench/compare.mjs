// `orchsim compare` of 4 profiles x 10 seeds on the built-in default scenario (300 nodes, a day),
// with 1 worker thread and with 2, in the same run. Reports each wall time and the speedup of 2
// workers over 1 (target >= 1.7x on the 2-core machine), and checks that both give the same
// results.json. The plan and the runs are exactly what `orchsim compare --profiles
// default,binpack,spread,random --seeds 10 --workers N` does (runExperiment, no --out).
//
// Run: node bench/compare.mjs   (after npm run build)
import { availableParallelism } from 'node:os';
import { fmtRatio, isMain, machineLine, printSummary, printTable, verdict } from './lib.mjs';

const PROFILES = ['default', 'binpack', 'spread', 'random'];
const SEEDS = 10;

export async function run() {
  console.log(`\n=== Compare: ${PROFILES.length} profiles x ${SEEDS} seeds on the default scenario (${machineLine()}) ===`);
  const { runExperiment } = await import('../dist/experiments/compare.js');
  const { comparePlan } = await import('../dist/experiments/plans.js');
  const { resultsJSON } = await import('../dist/report/comparison.js');
  const plan = comparePlan(undefined, { profiles: PROFILES, seeds: SEEDS });
  const timed = async (workers) => {
    const t0 = performance.now();
    const outcome = await runExperiment(plan, { workers });
    return { workers, seconds: (performance.now() - t0) / 1000, runs: outcome.ran, json: resultsJSON(outcome.results) };
  };
  // One worker first, then two; each run is a fresh simulation, so order does not favour either.
  const one = await timed(1);
  const two = await timed(2);
  const speedup = one.seconds / two.seconds;
  printTable(`compare ${PROFILES.join(',')} --seeds ${SEEDS} (default scenario), ${availableParallelism()} cores`, ['workers', 'runs', 'wall time', 'runs/s', 'results.json'], [
    ['1', String(one.runs), `${one.seconds.toFixed(1)} s`, (one.runs / one.seconds).toFixed(2), '-'],
    ['2', String(two.runs), `${two.seconds.toFixed(1)} s`, (two.runs / two.seconds).toFixed(2), one.json === two.json ? 'identical to 1 worker' : 'DIFFERENT'],
  ]);
  const summary = [
    { metric: `compare 4 profiles x 10 seeds: 2 workers vs 1 (peer: 1 worker)`, orchsim: `${two.seconds.toFixed(1)} s`, peer: `${one.seconds.toFixed(1)} s`, ratio: fmtRatio(speedup), target: verdict('>= 1.7x', speedup >= 1.7) },
  ];
  return { summary, result: { one: one.seconds, two: two.seconds, speedup } };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, 'Compare summary (ratio: speedup of 2 workers over 1)');
}
