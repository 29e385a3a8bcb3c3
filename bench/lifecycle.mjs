// The orchestrator's lifecycle (issue 18): "the default scenario with a DaemonSet on every node
// and preemption enabled stays within 1.3x of today's run time". Both contenders run the
// built-in default scenario (scenarios/default.yaml: 300 nodes, one simulated day):
// - peer ("today's run"): its default profile without DefaultPreemption (an inline profile with
//   the default profile's plugins and weights minus that PostFilter), no DaemonSet;
// - measured: the scenario as it ships (the default profile, preemption on) plus a DaemonSet
//   tolerating every taint (node-exporter, 100m / 128Mi, priority 2000001000), so every node,
//   the tainted GPU nodes too, carries one agent pod.
// Two diagnostics (each change alone) run too. Repetitions alternate the contenders (peer
// first, each after a full GC); reported are
// the medians, their ratio and the verdict against 1.3x. Printed, never asserted.
//
// Run: node bench/lifecycle.mjs   (after npm run build)
import { fileURLToPath } from 'node:url';
import { parseScenario, prepareScenarioValue, runPrepared } from '../dist/scenario/index.js';
import { builtinProfiles } from '../dist/schedulers/builtins.js';
import { alternateRuns, fmtRatio, isMain, machineLine, median, printSummary, printTable, verdict } from './lib.mjs';

const REPS = 5;
const TARGET = 1.3;
const DEFAULT_FILE = fileURLToPath(new URL('../scenarios/default.yaml', import.meta.url));

const NODE_EXPORTER = {
  type: 'daemonset',
  name: 'node-exporter',
  requests: { cpu: '100m', memory: '128Mi' },
  priority: 2000001000, // system-node-critical
  tolerations: [{ operator: 'Exists' }],
};

/** The default scenario's document, as parsed, with `change` applied to a deep copy. */
function variant(change) {
  const { file, value, locate } = parseScenario(DEFAULT_FILE);
  const doc = structuredClone(value);
  change(doc);
  return prepareScenarioValue(doc, file, locate);
}

/** The built-in default profile's plugins minus DefaultPreemption, as scenario data. */
function profileWithoutPreemption() {
  const def = builtinProfiles().get('default');
  const plugins = def.plugins.filter((p) => p.name !== 'DefaultPreemption').map((p) => ({ ...p }));
  if (plugins.length === def.plugins.length) throw new Error('the default profile has no DefaultPreemption: the peer would equal the measured profile');
  return { name: 'default-without-preemption', plugins, ...(def.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: def.percentageOfNodesToScore } : {}), ...(def.tieBreak !== undefined ? { tieBreak: def.tieBreak } : {}) };
}

export async function run() {
  console.log(`\n=== Lifecycle: default scenario + a DaemonSet per node + preemption vs today's run (${machineLine()}) ===`);
  const peer = variant((doc) => {
    doc.scheduler = { ...doc.scheduler, profile: profileWithoutPreemption() };
  });
  const measured = variant((doc) => {
    doc.workloads = [...doc.workloads, NODE_EXPORTER];
  });
  // Diagnostics, to say which of the two costs what: each change alone.
  const preemptionOnly = variant(() => {});
  const daemonSetOnly = variant((doc) => {
    doc.scheduler = { ...doc.scheduler, profile: profileWithoutPreemption() };
    doc.workloads = [...doc.workloads, NODE_EXPORTER];
  });
  const contenders = [peer, measured, preemptionOnly, daemonSetOnly];
  const { seconds, outs } = alternateRuns(contenders, REPS, runPrepared);
  const [peerSeconds, measuredSeconds] = seconds;
  const [peerOut, measuredOut] = outs;
  const mp = median(peerSeconds);
  const mm = median(measuredSeconds);
  const ratio = mm / mp;
  const row = (name, secs, out) => {
    const r = out.result;
    const pre = r.metrics.preemption;
    const ds = r.metrics.daemonSets;
    return [name, `${median(secs).toFixed(2)} s`, `${Math.min(...secs).toFixed(2)} s`, `${Math.max(...secs).toFixed(2)} s`, String(r.engine.events), String(r.metrics.pods.submitted), pre ? `${pre.preemptors} / ${pre.victims}` : '0 / 0', ds ? `${ds.pods} (${(100 * ds.share.cpu).toFixed(2)}% cpu)` : '-'];
  };
  printTable(`default scenario (300 nodes, 1 day), ${REPS} alternating repetitions`, ['contender', 'median', 'min', 'max', 'events', 'pods', 'preemptors / victims', 'daemon pods'], [
    row('today: default profile without DefaultPreemption, no DaemonSet (peer)', peerSeconds, peerOut),
    row('lifecycle: default profile (preemption on) + node-exporter DaemonSet', measuredSeconds, measuredOut),
    row('diag: preemption on, no DaemonSet (the scenario as it ships)', seconds[2], outs[2]),
    row('diag: DaemonSet, no preemption', seconds[3], outs[3]),
  ]);
  console.log(`ratio (lifecycle / today): ${fmtRatio(ratio)}; target <= ${TARGET}x: ${ratio <= TARGET ? 'met' : 'missed'}; load avg at the end: ${machineLine().split('load avg ')[1]}`);
  const summary = [
    { metric: 'default scenario + DaemonSet + preemption vs today (peer: no preemption, no DaemonSet)', orchsim: `${mm.toFixed(2)} s`, peer: `${mp.toFixed(2)} s`, ratio: fmtRatio(ratio), target: verdict(`<= ${TARGET}x`, ratio <= TARGET) },
  ];
  return { summary, result: { peer: mp, measured: mm, ratio } };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, `Lifecycle summary (ratio: measured / peer; ${machineLine()})`);
}
