// The FGD experiment (issue 3): 6 policies x seeds 42..51 on the default openb trace, tune 1.3,
// with 2 worker threads, as `orchsim experiment fgd --workers 2` runs it. Reports the wall time
// of the whole experiment, the time per run of each policy, and what FGD's memoized F(n) saves.
// Peer: the FGD paper's simulator, about 10 minutes per run on 2 vCPUs (../shared/docs/FGD.md
// section 8; a published figure, not measured here). Needs the openb trace in the data directory
// (`orchsim data pull openb`; ORCHSIM_DATA chooses the directory); skipped without it.
//
// Run: node bench/fgd.mjs   (after npm run build)
import { FGD_POLICIES, runFgdExperiment } from '../dist/experiments/fgd.js';
import { loadExperiment, runTask } from '../dist/experiments/fgd-runner.js';
import { locateTrace } from '../dist/data/dir.js';
import { runPool } from '../dist/experiments/pool.js';
import { collectGarbage, isMain, machineLine, median, printTable, verdict } from './lib.mjs';

const nodes = locateTrace('data:openb/openb_node_list_gpu_node.csv');
const pods = locateTrace('data:openb/openb_pod_list_default.csv');
const SEEDS = Array.from({ length: 10 }, (_, i) => 42 + i);
/** The paper's simulator: about 10 minutes per run (FGD.md section 8). */
const PAPER_SECONDS_PER_RUN = 600;

export async function run() {
  console.log(`\n=== FGD experiment (${machineLine()}) ===`);
  if ('error' in nodes || 'error' in pods) {
    console.log(`skipped: ${'error' in nodes ? nodes.error : pods.error}`);
    return { summary: [] };
  }
  const NODES = nodes.abs;
  const PODS = pods.abs;
  // Whole experiment, as the CLI runs it: FGD's runs first, 2 workers, results in task order.
  const tasks = [];
  for (const policy of [...FGD_POLICIES].sort((a, b) => Number(b === 'FGD') - Number(a === 'FGD'))) {
    for (const seed of SEEDS) tasks.push({ nodesFile: NODES, podsFile: PODS, policy, seed, tune: 1.3 });
  }
  loadExperiment(NODES, PODS);
  collectGarbage();
  const t0 = performance.now();
  const results = await runPool(tasks, { workers: 2, workerUrl: new URL('../dist/experiments/fgd-worker.js', import.meta.url), inline: runTask });
  const wall = (performance.now() - t0) / 1000;
  const perPolicy = FGD_POLICIES.map((p) => {
    const secs = results.filter((r) => r.run.policy === p).map((r) => r.seconds);
    return [p, median(secs).toFixed(2), Math.min(...secs).toFixed(2), Math.max(...secs).toFixed(2), (PAPER_SECONDS_PER_RUN / median(secs)).toFixed(0) + 'x'];
  });
  printTable(`${tasks.length} runs (6 policies x seeds 42..51) with 2 workers: ${wall.toFixed(1)} s wall time`, ['policy', 's/run median', 'min', 'max', 'vs paper (600 s/run)'], perPolicy);

  // Memoizing F(n): FGD's per-node cache of the current fragmentation, on and off, same seed,
  // in this thread (one run each, after a warm-up run), so only the cache differs.
  const e = loadExperiment(NODES, PODS);
  runFgdExperiment(e, 'FGD', 42, 1.3);
  const timeRun = (memoize) => {
    collectGarbage();
    const s = performance.now();
    const r = runFgdExperiment(e, 'FGD', 42, 1.3, { memoize });
    return { seconds: (performance.now() - s) / 1000, allocation: r.allocation[100] };
  };
  const on = [timeRun(true), timeRun(true)];
  const off = [timeRun(false), timeRun(false)];
  const best = (xs) => Math.min(...xs.map((x) => x.seconds));
  printTable('FGD, seed 42: memoized F(n) (per-node cache of the current state) on vs off, best of 2', ['F(n) memoized', 's/run', 'alloc@100'], [
    ['yes', best(on).toFixed(2), String(on[0].allocation)],
    ['no', best(off).toFixed(2), String(off[0].allocation)],
  ]);
  if (on[0].allocation !== off[0].allocation) throw new Error('memoization changed the result');
  return {
    summary: [
      { metric: 'FGD experiment 6 policies x 10 seeds, 2 workers: wall time', orchsim: `${wall.toFixed(1)} s`, peer: '-', ratio: '-', target: verdict('< 60 s', wall < 60) },
      { metric: 'FGD policy: time per run (median)', orchsim: `${perPolicy[5][1]} s`, peer: '600 s', ratio: perPolicy[5][4], target: '-' },
      { metric: 'FGD policy: memoized F(n) speed-up', orchsim: `${best(on).toFixed(2)} s`, peer: `${best(off).toFixed(2)} s`, ratio: `${(best(off) / best(on)).toFixed(2)}x`, target: '-' },
    ],
  };
}

if (isMain(import.meta.url)) await run();
