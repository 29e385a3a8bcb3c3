// Whole run: 1,000 nodes, 100,000 batch pods over 7 simulated days (Poisson arrivals), default
// profile, kubernetes queue. Wall time of runScenario and peak memory, measured in a fresh
// child process (bench/whole-run-child.mjs) so the peak is that run's alone.
//
// Run: node bench/whole-run.mjs   (after npm run build)
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmtBytes, fmtInt, fmtPct, isMain, machineLine, printSummary, printTable, verdict } from './lib.mjs';

const CHILD = fileURLToPath(new URL('./whole-run-child.mjs', import.meta.url));
const TIME = '/usr/bin/time';
const GB = 1e9;

function hasGnuTime() {
  try {
    accessSync(TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs the child, under GNU time -v when present; resolves with its JSON and time's max RSS. */
function runChild() {
  const useTime = hasGnuTime();
  const [cmd, args] = useTime ? [TIME, ['-v', process.execPath, CHILD]] : [process.execPath, [CHILD]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const processSeconds = (performance.now() - t0) / 1000;
      if (code !== 0) {
        reject(new Error(`whole-run child exited with ${code}\n${stderr}`));
        return;
      }
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ ...JSON.parse(stdout), timeMaxRSS: m ? Number(m[1]) * 1024 : undefined, processSeconds, usedTime: useTime });
    });
  });
}

export async function run() {
  console.log(`\n=== Whole run (${machineLine()}) ===`);
  const r = await runChild();
  const c = r.config;
  console.log(`${fmtInt(c.nodes)} nodes (8/16/32/64 cores, 4 GiB/core, 3 zones), ${fmtInt(c.pods)} batch pods, Poisson ${c.ratePerSecond.toFixed(4)}/s over ${c.horizonSeconds / 86_400} days, exponential run time mean ${c.meanDurationSeconds / 3600} h, default profile, kubernetes queue; one run in a fresh child process.`);
  const peak = Math.max(r.maxRSS, r.timeMaxRSS ?? 0, r.rssPeakSampled);
  printTable('Run', ['figure', 'value'], [
    ['wall time of runScenario (performance.now)', `${r.wallSeconds.toFixed(2)} s`],
    ['child process total (start, imports, inputs, run, exit)', `${r.processSeconds.toFixed(2)} s`],
    ['peak RSS, process.resourceUsage().maxRSS', fmtBytes(r.maxRSS)],
    [`peak RSS, ${TIME} -v "Maximum resident set size"`, r.timeMaxRSS !== undefined ? fmtBytes(r.timeMaxRSS) : 'n/a (no GNU time)'],
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
    { metric: 'whole run 1k nodes / 100k pods / 7 d: wall time', orchsim: `${r.wallSeconds.toFixed(2)} s`, peer: '-', ratio: '-', target: verdict('< 10 s', r.wallSeconds < 10) },
    { metric: 'whole run 1k nodes / 100k pods / 7 d: peak RSS', orchsim: fmtBytes(peak), peer: '-', ratio: '-', target: verdict('< 1 GB', peak < GB) },
  ];
  return { summary, result: r };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, 'Whole-run summary');
}
