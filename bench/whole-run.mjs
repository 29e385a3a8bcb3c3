// Whole run: 1,000 nodes, 100,000 batch pods over 7 simulated days (Poisson arrivals), default
// profile, kubernetes queue. Wall time of runScenario and peak memory, measured in a fresh
// child process (bench/whole-run-child.mjs) so the peak is that run's alone.
//
// `--before DIR` runs the same child with DIR's dist/ as the peer, `--runs N` times each,
// alternated (which goes first swaps each round), and prints CPU time (user + system) beside wall
// time: on the shared 2-core machine wall time swings with the neighbours' load.
//
// Run: node bench/whole-run.mjs [--before DIR] [--runs N]   (after npm run build)
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtBytes, fmtInt, fmtPct, GNU_TIME, isMain, machineLine, median, printSummary, printTable, runJsonChild, verdict } from './lib.mjs';

const CHILD = fileURLToPath(new URL('./whole-run-child.mjs', import.meta.url));
const GB = 1e9;

/** Runs the child (of `root`'s build, or this checkout's), under GNU time -v when present. */
function runChild(root) {
  return runJsonChild(root === undefined ? [CHILD] : [CHILD, root], { underTime: true, label: 'whole-run child' });
}

/** `--before DIR` and `--runs N` from argv. */
function parseArgs(argv) {
  const o = { before: undefined, runs: 1 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--before' && argv[i + 1] !== undefined) o.before = resolve(argv[++i]);
    else if (argv[i] === '--runs' && argv[i + 1] !== undefined) o.runs = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (usage: node bench/whole-run.mjs [--before DIR] [--runs N])`);
  }
  return o;
}

/** This checkout against `before`, alternated: the median CPU and wall time of each. */
async function versus(before, runs) {
  const contenders = [{ name: 'this checkout', root: undefined, runs: [] }, { name: `before (${before})`, root: before, runs: [] }];
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const r = await runChild(contenders[k].root);
      contenders[k].runs.push(r);
      console.log(`  round ${round + 1}, ${contenders[k].name}: cpu ${r.cpuSeconds.toFixed(2)} s, wall ${r.wallSeconds.toFixed(2)} s (${machineLine().replace(/^.*load avg/, 'load avg')})`);
    }
  }
  const same = JSON.stringify(contenders[0].runs[0].pods) === JSON.stringify(contenders[1].runs[0].pods) && JSON.stringify(contenders[0].runs[0].scheduling) === JSON.stringify(contenders[1].runs[0].scheduling);
  printTable(`median of ${runs} run(s) each, alternated; pod and scheduling counts ${same ? 'identical' : 'DIFFER'}`, ['build', 'cpu (runScenario)', 'wall (runScenario)', 'peak RSS'], contenders.map((c) => [
    c.name,
    `${median(c.runs.map((r) => r.cpuSeconds)).toFixed(2)} s (${c.runs.map((r) => r.cpuSeconds.toFixed(2)).join(' / ')})`,
    `${median(c.runs.map((r) => r.wallSeconds)).toFixed(2)} s`,
    fmtBytes(median(c.runs.map((r) => Math.max(r.maxRSS, r.timeMaxRSS ?? 0)))),
  ]));
  const cpu = median(contenders[0].runs.map((r) => r.cpuSeconds));
  const peer = median(contenders[1].runs.map((r) => r.cpuSeconds));
  return [{ metric: 'whole run 1k nodes / 100k pods / 7 d: CPU time', orchsim: `${cpu.toFixed(2)} s`, peer: `${peer.toFixed(2)} s`, ratio: `${(peer / cpu).toFixed(2)}x`, target: verdict('< 1.5 s', cpu < 1.5) }];
}

export async function run(argv = []) {
  const o = parseArgs(argv);
  console.log(`\n=== Whole run (${machineLine()}) ===`);
  if (o.before !== undefined) return { summary: await versus(o.before, o.runs) };
  const r = await runChild();
  const c = r.config;
  console.log(`${fmtInt(c.nodes)} nodes (8/16/32/64 cores, 4 GiB/core, 3 zones), ${fmtInt(c.pods)} batch pods, Poisson ${c.ratePerSecond.toFixed(4)}/s over ${c.horizonSeconds / 86_400} days, exponential run time mean ${c.meanDurationSeconds / 3600} h, default profile, kubernetes queue; one run in a fresh child process.`);
  const peak = Math.max(r.maxRSS, r.timeMaxRSS ?? 0, r.rssPeakSampled);
  printTable('Run', ['figure', 'value'], [
    ['wall time of runScenario (performance.now)', `${r.wallSeconds.toFixed(2)} s`],
    ['CPU time of runScenario (process.cpuUsage, user + system)', `${r.cpuSeconds.toFixed(2)} s`],
    ['child process total (start, imports, inputs, run, exit)', `${r.processSeconds.toFixed(2)} s`],
    ['peak RSS, process.resourceUsage().maxRSS', fmtBytes(r.maxRSS)],
    [`peak RSS, ${GNU_TIME} -v "Maximum resident set size"`, r.timeMaxRSS !== undefined ? fmtBytes(r.timeMaxRSS) : 'n/a (no GNU time)'],
    ['peak RSS, sampled every 1,024 binds', fmtBytes(r.rssPeakSampled)],
    ['RSS before runScenario (node + inputs)', fmtBytes(r.rssBefore)],
    ['heap used after the run', fmtBytes(r.heapUsedAfter)],
    ['engine events', fmtInt(r.events)],
    ['events/s over the run', fmtInt(r.events / r.wallSeconds)],
    ['pods submitted / scheduled / completed', `${fmtInt(r.pods.submitted)} / ${fmtInt(r.pods.scheduled)} / ${fmtInt(r.pods.completed)}`],
    ['pods running / pending / unschedulable at the horizon', `${fmtInt(r.pods.running)} / ${fmtInt(r.pods.pending)} / ${fmtInt(r.pods.unschedulable)}`],
    ['scheduling attempts / failed', `${fmtInt(r.scheduling.attempts)} / ${fmtInt(r.scheduling.failedAttempts)}`],
    ['nodes evaluated per attempt', (r.scheduling.nodesEvaluated / Math.max(1, r.scheduling.attempts)).toFixed(0)],
    ['pods scheduled per wall second', fmtInt(r.pods.scheduled / r.wallSeconds)],
    ['time-averaged requested cpu / memory', `${fmtPct(r.utilization.cpu)} / ${fmtPct(r.utilization.memory)}`],
    ['pending time mean / p99 / max (s)', `${r.pendingSeconds.mean.toFixed(1)} / ${r.pendingSeconds.p99.toFixed(1)} / ${r.pendingSeconds.max.toFixed(1)}`],
  ]);
  const summary = [
    { metric: 'whole run 1k nodes / 100k pods / 7 d: wall time', orchsim: `${r.wallSeconds.toFixed(2)} s`, peer: '-', ratio: '-', target: verdict('< 1.5 s (issue 23; it was < 10 s)', r.wallSeconds < 1.5) },
    { metric: 'whole run 1k nodes / 100k pods / 7 d: peak RSS', orchsim: fmtBytes(peak), peer: '-', ratio: '-', target: verdict('< 1 GB', peak < GB) },
  ];
  return { summary, result: r };
}

if (isMain(import.meta.url)) {
  const { summary } = await run(process.argv.slice(2));
  printSummary(summary, 'Whole-run summary');
}
