// Docker Swarm mode (issue 19): "a Swarm run of the default scenario within 1.5x of the
// Kubernetes run's time". Both contenders run the built-in default scenario
// (scenarios/default.yaml: 300 nodes, one simulated day, about 36,500 pods) from the same parsed
// document:
// - peer: the scenario as it ships (Kubernetes: kube-scheduler's default profile, the node
//   lifecycle controller, the kubelets);
// - measured: the same document with `orchestrator: swarm` (Swarm's dispatcher, orchestrators,
//   debounced scheduler ticks over the swarmkit policy, the agents).
// Repetitions alternate the contenders (peer first, each after a full GC); reported are the
// medians, their ratio and the verdict against 1.5x. Printed, never asserted.
//
// Run: node bench/swarm.mjs   (after npm run build)
import { fileURLToPath } from 'node:url';
import { parseScenario, prepareScenarioValue, runPrepared } from '../dist/scenario/index.js';
import { alternateRuns, fmtRatio, isMain, machineLine, median, printSummary, printTable, verdict } from './lib.mjs';

const REPS = 5;
const TARGET = 1.5;
const DEFAULT_FILE = fileURLToPath(new URL('../scenarios/default.yaml', import.meta.url));

function variant(orchestrator) {
  const { file, value, locate } = parseScenario(DEFAULT_FILE);
  return prepareScenarioValue({ ...structuredClone(value), orchestrator }, file, locate);
}

export async function run() {
  const start = machineLine();
  console.log(`\n=== Swarm: the default scenario under Docker Swarm vs Kubernetes (${start}) ===`);
  const contenders = [variant('kubernetes'), variant('swarm')];
  const { seconds, outs } = alternateRuns(contenders, REPS, runPrepared);
  const [mp, mm] = seconds.map(median);
  const ratio = mm / mp;
  const row = (name, secs, out) => {
    const r = out.result;
    const m = r.metrics;
    return [name, `${median(secs).toFixed(2)} s`, `${Math.min(...secs).toFixed(2)} s`, `${Math.max(...secs).toFixed(2)} s`, String(r.engine.events), String(m.pods.submitted), String(m.scheduling.attempts), m.swarm ? String(m.swarm.ticks) : '-'];
  };
  printTable(`default scenario (300 nodes, 1 day), ${REPS} alternating repetitions`, ['contender', 'median', 'min', 'max', 'events', 'pods', 'scheduling attempts', 'swarm ticks'], [
    row('kubernetes (peer)', seconds[0], outs[0]),
    row('swarm', seconds[1], outs[1]),
  ]);
  console.log(`ratio (swarm / kubernetes): ${fmtRatio(ratio)}; target <= ${TARGET}x: ${ratio <= TARGET ? 'met' : 'missed'}; load avg at the start: ${start.split('load avg ')[1]}, at the end: ${machineLine().split('load avg ')[1]}`);
  const summary = [
    { metric: 'default scenario under Swarm vs under Kubernetes (peer)', orchsim: `${mm.toFixed(2)} s`, peer: `${mp.toFixed(2)} s`, ratio: fmtRatio(ratio), target: verdict(`<= ${TARGET}x`, ratio <= TARGET) },
  ];
  return { summary, result: { peer: mp, measured: mm, ratio } };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, `Swarm summary (ratio: measured / peer; ${machineLine()})`);
}
