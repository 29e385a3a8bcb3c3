// Kueue's scheduler performance harness as an orchsim scenario (issue 20): "the 15,000-workload
// baseline finishes in under 10 s on one core (Kueue's harness needs about 351 s of wall time);
// the benchmark prints both". Runs scenarios/kueue-baseline.yaml (5 cohorts x 6 ClusterQueues,
// 350 small + 100 medium + 50 large workloads per queue, from kueue's
// test/performance/scheduler/configs/baseline/generator.yaml) on this thread (one core) and
// computes the harness's own figures the way its recorder does
// (test/performance/scheduler/runner/recorder/recorder.go):
// - ClusterQueue usage: cpu in use integrated from the first to the last change of any
//   ClusterQueue, over that time, as a share of the nominal quota;
// - time to admission per class: its last admission minus its creation, averaged per class.
// Beside them, the published figures (configs/baseline/rangespec.yaml comments). The peer is
// Kueue's published wall time: no Kueue runs here. Printed, never asserted.
//
// Run: node bench/kueue-baseline.mjs   (after npm run build)
import { fileURLToPath } from 'node:url';
import { prepareScenario } from '../dist/scenario/index.js';
import { createSimulation } from '../dist/scenario/runner.js';
import { collectGarbage, fmtRatio, isMain, machineLine, median, printSummary, printTable, verdict } from './lib.mjs';

const FILE = fileURLToPath(new URL('../scenarios/kueue-baseline.yaml', import.meta.url));
const REPS = 3;
const TARGET_SECONDS = 10;
/** rangespec.yaml: wall time 351,116 ms on average; usage 58.7% (55.9% with equivalence hashing); admission 215,468 / 76,768 / 6,666 ms. */
const KUEUE = { wallSeconds: 351.1164, usage: 0.587, admission: { small: 215.468, medium: 76.768, large: 6.666 } };

/** One run, with the recorder's figures. */
function once() {
  const prepared = prepareScenario(FILE);
  let used = 0; // milli-cpu x seconds
  let inUse = 0;
  let last = NaN;
  let first = NaN;
  let api;
  const change = (now, delta) => {
    if (Number.isNaN(first)) first = now;
    if (!Number.isNaN(last)) used += inUse * (now - last);
    inUse += delta;
    last = now;
  };
  const cpuOf = (wl) => wl.spec.requests.milliCPU * wl.count;
  const recorder = (lifecycle) => {
    api = lifecycle;
    lifecycle.on('kueueWorkloadCreated', () => change(lifecycle.engine.now, 0));
    lifecycle.on('kueueWorkloadAdmitted', (id) => change(lifecycle.engine.now, cpuOf(lifecycle.kueueWorkloads[id])));
    lifecycle.on('kueueWorkloadEvicted', (id) => change(lifecycle.engine.now, -cpuOf(lifecycle.kueueWorkloads[id])));
    lifecycle.on('kueueWorkloadFinished', (id, admission) => {
      if (admission) change(lifecycle.engine.now, -cpuOf(lifecycle.kueueWorkloads[id]));
    });
    return { start() {} };
  };
  collectGarbage();
  const t0 = performance.now();
  const sim = createSimulation(prepared.resolved, { ...prepared.runOptions, controllers: [recorder] });
  const result = sim.run();
  const seconds = (performance.now() - t0) / 1000;
  const nominal = prepared.resolved.queueing.clusterQueues.length * 20_000;
  const byClass = { small: [], medium: [], large: [] };
  let evictions = 0;
  for (const wl of api.kueueWorkloads) {
    const cls = api.workloads[wl.wi].w.name.split('-')[0];
    byClass[cls].push(wl.admittedAt - wl.createdAt);
    evictions += wl.evictions;
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    seconds,
    workloads: api.kueueWorkloads.length,
    unfinished: api.kueueWorkloads.filter((w) => w.state !== 'finished').length,
    evictions,
    events: result.events,
    span: last - first,
    usage: used / (last - first) / nominal,
    admission: { small: mean(byClass.small), medium: mean(byClass.medium), large: mean(byClass.large) },
  };
}

export async function run() {
  const start = machineLine();
  console.log(`\n=== Kueue's baseline performance harness as a scenario (${start}) ===`);
  once(); // warm-up (JIT), untimed
  const runs = [];
  for (let i = 0; i < REPS; i++) runs.push(once());
  const r = runs[runs.length - 1];
  const wall = median(runs.map((x) => x.seconds));
  printTable(`scenarios/kueue-baseline.yaml, ${REPS} runs (one thread)`, ['figure', 'orchsim', 'kueue (published)'], [
    ['workloads', String(r.workloads), '15000'],
    ['unfinished at the horizon', String(r.unfinished), '0'],
    ['evictions (preemptions)', String(r.evictions), 'not published'],
    ['ClusterQueue usage (of nominal, first to last change)', `${(100 * r.usage).toFixed(1)}% over ${r.span.toFixed(1)} s simulated`, '58.7% (55.9% with equivalence hashing)'],
    ['mean time to admission, small', `${r.admission.small.toFixed(1)} s`, `${KUEUE.admission.small.toFixed(1)} s`],
    ['mean time to admission, medium', `${r.admission.medium.toFixed(1)} s`, `${KUEUE.admission.medium.toFixed(1)} s`],
    ['mean time to admission, large', `${r.admission.large.toFixed(1)} s`, `${KUEUE.admission.large.toFixed(1)} s (16.5 s with equivalence hashing)`],
    ['wall time (median)', `${wall.toFixed(2)} s (min ${Math.min(...runs.map((x) => x.seconds)).toFixed(2)}, max ${Math.max(...runs.map((x) => x.seconds)).toFixed(2)}); ${r.events} events`, `${KUEUE.wallSeconds.toFixed(1)} s (envtest control plane + minimalkueue)`],
  ]);
  const ratio = wall / KUEUE.wallSeconds;
  console.log(`wall time: orchsim ${wall.toFixed(2)} s, Kueue's harness ${KUEUE.wallSeconds.toFixed(1)} s (${(1 / ratio).toFixed(0)}x less); target < ${TARGET_SECONDS} s on one core: ${wall < TARGET_SECONDS ? 'met' : 'missed'}; load avg at the start: ${start.split('load avg ')[1]}, at the end: ${machineLine().split('load avg ')[1]}`);
  const summary = [
    { metric: "Kueue's 15,000-workload baseline (peer: the harness's published wall time)", orchsim: `${wall.toFixed(2)} s`, peer: `${KUEUE.wallSeconds.toFixed(1)} s`, ratio: ratio < 0.01 ? ratio.toExponential(1) : fmtRatio(ratio), target: verdict(`< ${TARGET_SECONDS} s`, wall < TARGET_SECONDS) },
  ];
  return { summary, result: { seconds: wall, ...r } };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, `Kueue baseline summary (${machineLine()})`);
}
