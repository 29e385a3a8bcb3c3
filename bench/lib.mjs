// Shared helpers for the benchmarks: seeded inputs, repetition statistics, table printing.
// Inputs come from seeded seedrandom streams (never Math.random) so runs are comparable.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import seedrandom from 'seedrandom';

/** True when the module with this import.meta.url is the script node was started with. */
export function isMain(metaUrl) {
  return process.argv[1] !== undefined && metaUrl === pathToFileURL(process.argv[1]).href;
}

/** A seeded uniform [0, 1) generator (Alea, as orchsim's own streams use). */
export function seeded(name) {
  return seedrandom.alea(`orchsim-bench/${name}`);
}

/** `n` exponential variates with the given mean, from a seeded stream. */
export function exponentialDelays(n, mean, name) {
  const rng = seeded(name);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -Math.log(1 - rng()) * mean;
  return out;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * simjs 2.0.3 is a browserify bundle that assigns its classes to `window.Sim` and nothing to
 * `module.exports` (require('simjs') and `import 'simjs'` both yield an empty object in Node).
 * Loading it with a temporary `window` global is the only way to reach its public API.
 */
export function loadSimjs() {
  const require = createRequire(import.meta.url);
  const hadWindow = 'window' in globalThis;
  const saved = globalThis.window;
  globalThis.window = {};
  try {
    const direct = require('simjs');
    const api = direct && typeof direct.Sim === 'function' ? direct : globalThis.window.Sim;
    if (!api || typeof api.Sim !== 'function') throw new Error('could not load simjs (no Sim class on module.exports or window.Sim)');
    return api;
  } finally {
    if (hadWindow) globalThis.window = saved;
    else delete globalThis.window;
  }
}

let gcFn;
/**
 * Forces a full garbage collection (outside timed regions), so garbage left by one contender
 * (simjs allocates per event) is not collected during the next one's timed region.
 */
/**
 * The scenario modules (dist/scenario/index.js and runner.js) of the build in `dir` and of this
 * checkout, for A/Bs of two builds in one process (cpu-ab.mjs, run-scenario-ab.mjs).
 */
export async function scenarioBuilds(dir) {
  const load = async (root) => ({
    index: await import(pathToFileURL(resolve(root, 'dist/scenario/index.js')).href),
    runner: await import(pathToFileURL(resolve(root, 'dist/scenario/runner.js')).href),
  });
  const here = resolve(new URL('..', import.meta.url).pathname);
  return [{ name: `before (${dir})`, ...(await load(dir)) }, { name: 'this checkout', ...(await load(here)) }];
}

export function collectGarbage() {
  if (gcFn === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc');
  }
  gcFn();
}

// ---- formatting ----------------------------------------------------------------------------

/** 12345678 -> "12.35 M", 12345 -> "12,345". */
export function fmtRate(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  return Math.round(v).toLocaleString('en-US');
}

export function fmtInt(v) {
  return Math.round(v).toLocaleString('en-US');
}

export function fmtRatio(v) {
  return Number.isFinite(v) ? `${v.toFixed(2)}x` : '-';
}

export function fmtPct(v) {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-';
}

export function fmtBytes(v) {
  if (!Number.isFinite(v)) return '-';
  return `${(v / 2 ** 20).toFixed(0)} MiB`;
}

/** Prints an aligned text table; numbers-looking cells are right-aligned. */
export function printTable(title, headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = (s) => /^[-+]?[\d.,]+( ?[A-Za-z%]+)?x?$/.test(s);
  const line = (r) => r.map((c, i) => (numeric(c) && i > 0 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ');
  if (title) console.log(`\n${title}`);
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of cells.slice(1)) console.log(line(r));
}

/**
 * Summary rows are { metric, orchsim, peer, ratio, target } with preformatted strings; the
 * suites return them so run.mjs can print one table for all three.
 */
export function printSummary(rows, title = 'Summary') {
  printTable(title, ['metric', 'orchsim', 'peer', 'ratio', 'target'], rows.map((r) => [r.metric, r.orchsim, r.peer, r.ratio, r.target]));
}

/** "met" / "missed" appended to a target, for reading the summary at a glance (never asserted). */
export function verdict(target, met) {
  return `${target} (${met ? 'met' : 'missed'})`;
}

export function machineLine() {
  const cpus = os.cpus();
  return `node ${process.version}, ${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'}, ${os.platform()} ${os.release()}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/**
 * Whole-run contenders timed in alternation: one untimed warm-up (JIT) of each, then `reps`
 * rounds running each in turn after a full GC. Returns each contender's seconds per round and its
 * last output.
 */
export function alternateRuns(contenders, reps, run) {
  for (const c of contenders) run(c);
  const seconds = contenders.map(() => []);
  const outs = [];
  for (let rep = 0; rep < reps; rep++) {
    contenders.forEach((c, i) => {
      collectGarbage();
      const t0 = performance.now();
      outs[i] = run(c);
      seconds[i].push((performance.now() - t0) / 1000);
    });
  }
  return { seconds, outs };
}

/** GNU time, whose -v output gives a child's peak RSS as the kernel counted it. */
export const GNU_TIME = '/usr/bin/time';

/**
 * Reads and checks a scenario file with the build in `root` before a bench spends minutes on it
 * under valgrind: a bad file is said as orchsim says it (file, position, expectation), exit 2.
 */
export async function checkScenarioFile(root, file) {
  const { prepareScenario } = await import(pathToFileURL(resolve(root, 'dist/scenario/index.js')).href);
  try {
    prepareScenario(file);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
}

/** Whether valgrind runs here (Debian package valgrind): the instruction counters skip with a message without it. */
export function hasValgrind() {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

function hasGnuTime() {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `node ...argv` in a fresh child (under GNU time -v when `underTime` and it is present) and
 * resolves with the JSON the child printed on stdout, plus `timeMaxRSS` (time's "Maximum
 * resident set size", bytes; undefined without GNU time), `processSeconds` (wall time of the
 * whole child) and `usedTime`. A child that fails rejects with its stderr, named by `label`.
 */
export function runJsonChild(argv, { underTime = false, label = 'bench child' } = {}) {
  const useTime = underTime && hasGnuTime();
  const [cmd, args] = useTime ? [GNU_TIME, ['-v', process.execPath, ...argv]] : [process.execPath, argv];
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
        reject(new Error(`${label} exited with ${code}\n${stderr}`));
        return;
      }
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ ...JSON.parse(stdout), timeMaxRSS: m ? Number(m[1]) * 1024 : undefined, processSeconds, usedTime: useTime });
    });
  });
}
