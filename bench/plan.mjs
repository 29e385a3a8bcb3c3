// `orchsim plan` against its peer, the full grid (`--grid`): the README's web tier
// (scenarios/web-tier.yaml: three zones, a 3x spike, a zone outage) sized for
// availability>=0.999 and served>=0.995 over 10 seeds, on 2 workers, with the pool bounded to
// web=4..24 so the grid is finite. Prints each one's runs and wall time and the ratios, and
// checks that both find the same answer; then the small cases the tests hold the search to the
// grid on (M/M/c queues, the autoscaled flash crowd). No issue target: the issue asks for "far fewer runs
// than a full grid, reported".
//
// Run: node bench/plan.mjs   (after npm run build)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  // The small cases the tests hold the search to the grid on, measured the same way.
  const small = await smallCases(runCapacityPlan, parseSlo);
  printTable('small cases (the tests\' scenarios), 2 workers', ['case', 'answer (search / grid)', 'search runs', 'grid runs', 'search time', 'grid time'], small.map((c) => [c.label, `${c.search.answer} / ${c.grid.answer}`, String(c.search.runs), String(c.grid.runs), `${c.search.seconds.toFixed(2)} s`, `${c.grid.seconds.toFixed(2)} s`]));
  const summary = [
    ...small.map((c) => ({ metric: `plan ${c.label}: runs, bisection vs grid (${c.search.answer === c.grid.answer ? 'same answer' : 'DIFFERENT ANSWERS'})`, orchsim: String(c.search.runs), peer: String(c.grid.runs), ratio: fmtRatio(c.grid.runs / c.search.runs), target: '-' })),
    { metric: `plan web tier: runs, bisection vs grid (${same})`, orchsim: String(search.runs), peer: String(grid.runs), ratio: fmtRatio(grid.runs / search.runs), target: '-' },
    { metric: 'plan web tier: wall time, bisection vs grid', orchsim: `${search.seconds.toFixed(2)} s`, peer: `${grid.seconds.toFixed(2)} s`, ratio: fmtRatio(grid.seconds / search.seconds), target: '-' },
  ];
  return { summary, result: { search, grid } };
}

/** An M/M/c queue (see test/helpers/queue.ts) with these pools, in a temporary file. */
function queueFile(dir, name, pools) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nseed: 1\nhorizon: 20d\nsampleInterval: 1d\ncluster:\n  pools:\n${pools.map((p) => `    - ${p}`).join('\n')}\nscheduler: { profile: default, queue: fifo }\nworkloads:\n  - type: batch\n    name: jobs\n    arrival: { poisson: { rate: 4/h } }\n    duration: { exponential: { mean: 1h } }\n    requests: { cpu: 1, memory: 1Gi }\n`);
  return file;
}

async function smallCases(runCapacityPlan, parseSlo) {
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-bench-plan-'));
  const cases = [
    { label: 'M/M/c one pool 3..20', file: queueFile(dir, 'mmc', ['{ name: server, count: 5, resources: { cpu: 1, memory: 1Gi } }']), pools: [{ name: 'server', lo: 3, hi: 20 }], slos: ['pendingMean<=100s'], seeds: 3 },
    {
      label: 'M/M/c two priced pools 0..5 x 0..4',
      file: queueFile(dir, 'two', ['{ name: small, count: 2, resources: { cpu: 1, memory: 1Gi }, pricePerHour: 1 }', '{ name: large, count: 2, resources: { cpu: 2, memory: 2Gi }, pricePerHour: 1.5 }']),
      pools: [{ name: 'small', lo: 0, hi: 5 }, { name: 'large', lo: 0, hi: 4 }],
      slos: ['pendingMean<=5m'],
      seeds: 3,
    },
    { label: 'flash-crowd autoscaled max 2..8', file: 'scenarios/flash-crowd.yaml', pools: [{ name: 'web', hi: 8 }], slos: ['served>=0.985'], seeds: 5 },
  ];
  const out = [];
  for (const c of cases) {
    const timed = async (grid) => {
      const t0 = performance.now();
      const { results } = await runCapacityPlan({ scenarioFile: c.file, pools: c.pools, slos: c.slos.map((x) => parseSlo(x)), seeds: c.seeds, confidence: 0.95, workers: 2, grid });
      return { seconds: (performance.now() - t0) / 1000, runs: results.runs, answer: results.answer?.name ?? 'none' };
    };
    out.push({ label: c.label, search: await timed(false), grid: await timed(true) });
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, 'Plan summary (ratio: how many times fewer runs / less time than the grid)');
}
