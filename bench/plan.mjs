// `orchsim plan` against its peer, the full grid (`--grid`): the README's web tier
// (scenarios/web-tier.yaml: three zones, a 3x spike, a zone outage) sized for
// availability>=0.999 and served>=0.995 over 10 seeds, on 2 workers, with the pool bounded to
// web=4..24 so the grid is finite. Prints each one's runs and wall time and the ratios, and
// checks that both find the same answer. No issue target: the issue asks for "far fewer runs
// than a full grid, reported".
//
// Run: node bench/plan.mjs   (after npm run build)
import { fmtRatio, isMain, machineLine, printSummary, printTable } from './lib.mjs';

const SCENARIO = 'scenarios/web-tier.yaml';
const SLOS = ['availability>=0.999', 'served>=0.995'];

export async function run() {
  console.log(`\n=== Capacity plan: bisection vs the full grid on ${SCENARIO} (${machineLine()}) ===`);
  const { runCapacityPlan } = await import('../dist/experiments/capacity.js');
  const { parseSlo } = await import('../dist/experiments/slo.js');
  const timed = async (grid) => {
    const t0 = performance.now();
    const { results, ran } = await runCapacityPlan({ scenarioFile: SCENARIO, pools: [{ name: 'web', lo: 4, hi: 24 }], slos: SLOS.map((s) => parseSlo(s)), seeds: 10, confidence: 0.95, workers: 2, grid });
    return { seconds: (performance.now() - t0) / 1000, runs: results.runs, ran, answer: results.answer?.name ?? 'none', candidates: results.candidates.length };
  };
  const search = await timed(false);
  const grid = await timed(true);
  printTable(`plan ${SCENARIO} --pool web=4..24 --slo ${SLOS.join(' --slo ')} --seeds 10 --workers 2`, ['search', 'candidates', 'runs used', 'runs done', 'wall time', 'answer'], [
    ['bisection', String(search.candidates), String(search.runs), String(search.ran), `${search.seconds.toFixed(2)} s`, search.answer],
    ['grid (peer)', String(grid.candidates), String(grid.runs), String(grid.ran), `${grid.seconds.toFixed(2)} s`, grid.answer],
  ]);
  const same = search.answer === grid.answer ? 'same answer' : 'DIFFERENT ANSWERS';
  const summary = [
    { metric: `plan web tier: runs, bisection vs grid (${same})`, orchsim: String(search.runs), peer: String(grid.runs), ratio: fmtRatio(grid.runs / search.runs), target: '-' },
    { metric: 'plan web tier: wall time, bisection vs grid', orchsim: `${search.seconds.toFixed(2)} s`, peer: `${grid.seconds.toFixed(2)} s`, ratio: fmtRatio(grid.seconds / search.seconds), target: '-' },
  ];
  return { summary, result: { search, grid } };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, 'Plan summary (ratio: how many times fewer runs / less time than the grid)');
}
