// orchsim against SimPy 3 on the same M/M/c queue, in the same run (DESIGN.md, "Performance":
// SimPy from Debian's python3-simpy3 as the peer).
//
// The queue: 20 nodes that fit one pod each (the servers), Poisson arrivals at 0.18/s,
// exponential run times with mean 100 s, FIFO, 200,000 pods (offered load 0.9). orchsim runs it as
// a scenario (a batch stream with `count: 200000` on a 14-day horizon, long enough for the last
// arrival - about 12.9 days - and the queue to drain), written to a temporary file; SimPy runs
// bench/mmc_simpy.py (a simpy.Resource of capacity 20, written as SimPy's examples write one).
// Contenders, alternated (alternateRuns), one warm-up each, then the median of 3 (a full GC before each):
//   orchsim, in-process   runScenario on the prepared scenario (parsing and validation excluded)
//   SimPy, env.run()      the script's own timing of env.run() (interpreter start-up excluded)
//   orchsim run, process  `node dist/cli/main.js run FILE --json`: the whole process, start-up included
//   SimPy, process        `python3 bench/mmc_simpy.py`: the whole process
// Both mean waits are printed beside Erlang C's (the exact M/M/c mean wait), as a check that both
// simulate the same queue.
//
// SimPy: `python3 -c "import simpy"`, else Debian's /usr/bin/python3; if neither has it, the
// script installs python3-simpy3 with apt-get (as root) and, failing that, skips SimPy with a
// message.
//
// `--before DIR` adds another build's contenders to the same alternated rounds: its runScenario
// in-process (imported from DIR/dist/), back to back in its own child, and its
// `node DIR/dist/cli/main.js run FILE --json`.
//
// The in-process run is timed two ways, since a JIT's run has two costs a user meets:
//   after a full GC    in this process. The full GC before each timed run collects the
//                      warm-up's simulation, and with it the objects V8's optimized code embeds
//                      (the classes' hidden maps): that code is thrown away ("weak objects" in
//                      `node --trace-deopt`, ~70 functions a run) and re-optimized during the run,
//                      so each timed run costs about what the first run of a fresh process does.
//   back to back       each build in a fresh child process (back-to-back-child.mjs) that makes four
//                      untimed runs when it starts, then one timed run at each of its turns in the
//                      alternated rounds, with no forced GC between them, as a sweep's or a
//                      comparison's worker runs its scenarios one after another (the JIT's code
//                      kept: the cost per pod).
// The ratio to SimPy is printed for both; SimPy's is the same run-only time in each.
//
// Run: node bench/simpy.mjs [--before DIR] [--runs N]   (after npm run build; about a minute on 2 cores)
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prepareScenario } from '../dist/scenario/index.js';
import { runScenario } from '../dist/scenario/runner.js';
import { alternateRuns, fmtRatio, isMain, machineLine, median, printSummary, printTable } from './lib.mjs';

const SERVERS = 20;
const RATE = 0.18;
const MEAN_SECONDS = 100;
const JOBS = 200_000;
const REPETITIONS = 3;
/** `--runs N`: more alternated runs than the default 3 (a loaded machine needs them). */
function repetitions(argv) {
  const i = argv.indexOf('--runs');
  if (i < 0) return REPETITIONS;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs needs a whole number of runs, got ${argv[i + 1]}`);
  return n;
}
/** This checkout (its dist/ is the build under test). */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const SIMPY_SCRIPT = fileURLToPath(new URL('./mmc_simpy.py', import.meta.url));

/** The M/M/c as an orchsim scenario. */
export function mmcScenarioText() {
  return `name: mmc
seed: 1
horizon: 14d
sampleInterval: 1d
cluster:
  pools:
    - { name: server, count: ${SERVERS}, resources: { cpu: 1, memory: 1Gi } }
scheduler: { profile: default, queue: fifo }
workloads:
  - type: batch
    name: jobs
    count: ${JOBS}
    arrival: { poisson: { rate: ${RATE}/s } }
    duration: { exponential: { mean: ${MEAN_SECONDS}s } }
    requests: { cpu: 1, memory: 1Gi }
`;
}

/** Erlang C mean wait of M/M/c: C(c, a) / (c mu - lambda), a = lambda / mu. */
export function erlangCMeanWait(c, lambda, mu) {
  const a = lambda / mu;
  let term = 1;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const last = (term * c) / (c - a);
  return last / (sum + last) / (c * mu - lambda);
}

const hasSimpy = (python) => spawnSync(python, ['-c', 'import simpy'], { stdio: 'ignore' }).status === 0;

/** A python3 that imports simpy, installing Debian's python3-simpy3 where missing; undefined if none. */
export function findSimpyPython() {
  for (const python of ['python3', '/usr/bin/python3']) if (hasSimpy(python)) return python;
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    console.log('SimPy not found: installing python3-simpy3 with apt-get ...');
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'python3-simpy3'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status === 0 && hasSimpy('/usr/bin/python3')) return '/usr/bin/python3';
  }
  return undefined;
}

/** The mean wait of an orchsim result, after checking that every job was scheduled. */
function waitOf(result) {
  const m = result.metrics;
  if (m.pods.scheduled !== JOBS) throw new Error(`orchsim scheduled ${m.pods.scheduled} of ${JOBS} pods: the horizon is too short`);
  return { meanWait: m.pendingSeconds.mean };
}

function timedProcess(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/**
 * Untimed runs before a back-to-back block. The first run's optimized code has each controller's
 * closures inlined as constants; the second run's new closures deoptimize it ("wrong call
 * target"), and V8 settles on code for any closure of the same source during the third and
 * fourth (`node --trace-deopt`: 10, 35, 2, 1, 0 deoptimizations in runs one to five).
 */
const WARM_UNTIMED = 4;
const BACK_TO_BACK_CHILD = fileURLToPath(new URL('./back-to-back-child.mjs', import.meta.url));

/**
 * One build's runs back to back in a fresh child process (bench/back-to-back-child.mjs says why
 * not in this one), timed one at a time as a contender of the alternated rounds: WARM_UNTIMED
 * untimed runs when it starts, then one timed run per call, no forced GC between them. Talks
 * through two FIFOs, so a call is synchronous like the other contenders'. `run()` returns the
 * child's own timing of runScenario with the mean wait; `close()` ends the child.
 */
function backToBack(root, file, dir, name) {
  const requests = join(dir, `${name}.requests`);
  const answers = join(dir, `${name}.answers`);
  const made = spawnSync('mkfifo', [requests, answers], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr || made.error}`);
  const child = spawn(process.execPath, [BACK_TO_BACK_CHILD, root, file, String(WARM_UNTIMED), requests, answers], { stdio: ['ignore', 'inherit', 'inherit'] });
  let requestFd;
  let answerFd;
  const byte = Buffer.alloc(1);
  return {
    run() {
      // Opened at the first call, in the child's order (each open waits for the other end).
      requestFd ??= openSync(requests, 'w');
      answerFd ??= openSync(answers, 'r');
      writeSync(requestFd, 'x');
      let line = '';
      while (!line.endsWith('\n')) {
        if (readSync(answerFd, byte, 0, 1, null) !== 1) throw new Error(`the back-to-back child of ${root} ended without an answer (exit ${child.exitCode})`);
        line += byte.toString();
      }
      const out = JSON.parse(line);
      if (out.scheduled !== JOBS) throw new Error(`orchsim scheduled ${out.scheduled} of ${JOBS} pods: the horizon is too short`);
      return out;
    },
    close() {
      if (requestFd !== undefined) closeSync(requestFd);
      if (answerFd !== undefined) closeSync(answerFd);
      if (requestFd === undefined) child.kill();
    },
  };
}

/** `--before DIR`: another build (its dist/) timed in the same rounds; undefined without it. */
function beforeDir(argv) {
  const i = argv.indexOf('--before');
  if (i < 0) return undefined;
  const dir = argv[i + 1];
  if (!dir) throw new Error('--before needs a directory (a checkout with a built dist/)');
  return dir;
}

export async function run(argv = []) {
  const before = beforeDir(argv);
  const reps = repetitions(argv);
  const startLoad = machineLine();
  console.log(`\n=== M/M/c: orchsim against SimPy 3 (${startLoad}) ===`);
  console.log(`${SERVERS} servers (nodes of one pod), Poisson arrivals ${RATE}/s, exponential run time mean ${MEAN_SECONDS} s, FIFO, ${JOBS.toLocaleString('en-US')} jobs; median of ${reps} alternated runs after one warm-up each.`);
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-bench-mmc-'));
  const file = join(dir, 'mmc.yaml');
  writeFileSync(file, mmcScenarioText());
  const python = findSimpyPython();
  if (!python) console.log('SimPy 3 is not installed and could not be (apt-get install python3-simpy3 failed or needs root): its rows are skipped.');
  const simpyArgs = [SIMPY_SCRIPT, '--servers', String(SERVERS), '--rate', String(RATE), '--mean', String(MEAN_SECONDS), '--jobs', String(JOBS)];
  const prepared = prepareScenario(file);
  const old = before === undefined ? undefined : {
    prepared: (await import(pathToFileURL(join(before, 'dist/scenario/index.js')).href)).prepareScenario(file),
    runScenario: (await import(pathToFileURL(join(before, 'dist/scenario/runner.js')).href)).runScenario,
    cli: join(before, 'dist/cli/main.js'),
  };
  /** SimPy's own timing of env.run(), every call (the first is the warm-up). */
  const simpyRunSeconds = [];
  let simpyVersion;

  const contenders = [
    () => waitOf(runScenario(prepared.resolved).result),
    () => waitOf(JSON.parse(timedProcess(process.execPath, [CLI, 'run', file, '--json']).stdout)),
    ...(python
      ? [() => {
        const out = JSON.parse(timedProcess(python, simpyArgs).stdout);
        simpyRunSeconds.push(out.runSeconds);
        simpyVersion = out.simpy;
        return { meanWait: out.meanWait };
      }]
      : []),
    ...(old
      ? [
        () => waitOf(old.runScenario(old.prepared.resolved).result),
        () => waitOf(JSON.parse(timedProcess(process.execPath, [old.cli, 'run', file, '--json']).stdout)),
      ]
      : []),
  ];
  // Runs back to back, each build in its own child: the child's own timing of each run is kept
  // (the contender's wall time adds the two FIFO messages).
  const children = [backToBack(ROOT, file, dir, 'this'), ...(old ? [backToBack(before, file, dir, 'before')] : [])];
  const warm = children.map(() => ({ seconds: [], out: undefined }));
  const backToBackContenders = children.map((child, k) => () => {
    const out = child.run();
    warm[k].seconds.push(out.seconds);
    warm[k].out = out;
    return { meanWait: out.meanWait };
  });
  let timed;
  try {
    timed = alternateRuns([...contenders, ...backToBackContenders], reps, (c) => c());
  } finally {
    for (const child of children) child.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const { seconds, outs } = timed;
  // The first call of each child is alternateRuns' warm-up of that contender: not kept.
  for (const w of warm) w.seconds.shift();
  const orchWarm = median(warm[0].seconds);
  const oldWarm = old ? median(warm[1].seconds) : NaN;
  const fmt = (list) => list.map((x) => x.toFixed(2)).join(' / ');
  const simpyRuns = simpyRunSeconds.slice(1);
  const orchRun = median(seconds[0]);
  const orchProcess = median(seconds[1]);
  const simpyRun = python ? median(simpyRuns) : NaN;
  const simpyProcess = python ? median(seconds[2]) : NaN;
  const theory = erlangCMeanWait(SERVERS, RATE, 1 / MEAN_SECONDS);
  const skipped = 'skipped';
  printTable(`M/M/c, ${JOBS.toLocaleString('en-US')} jobs${python ? ` (SimPy ${simpyVersion}, ${python})` : ''}`, ['contender', 'wall (median)', 'each run', 'mean wait'], [
    ['orchsim, run only, after a full GC (runScenario, in-process)', `${orchRun.toFixed(2)} s`, fmt(seconds[0]), `${outs[0].meanWait.toFixed(2)} s`],
    ['orchsim, run only, back to back (no forced GC)', `${orchWarm.toFixed(2)} s`, fmt(warm[0].seconds), `${warm[0].out.meanWait.toFixed(2)} s`],
    ['SimPy 3, run only (env.run())', python ? `${simpyRun.toFixed(2)} s` : skipped, python ? fmt(simpyRuns) : '-', python ? `${outs[2].meanWait.toFixed(2)} s` : '-'],
    ['orchsim run, whole process', `${orchProcess.toFixed(2)} s`, fmt(seconds[1]), `${outs[1].meanWait.toFixed(2)} s`],
    ['SimPy 3, whole process (python3 mmc_simpy.py)', python ? `${simpyProcess.toFixed(2)} s` : skipped, python ? fmt(seconds[2]) : '-', '(same as above)'],
    ...(old
      ? (() => {
        const k = python ? 3 : 2;
        return [
          [`before (${before}), run only, after a full GC`, `${median(seconds[k]).toFixed(2)} s`, fmt(seconds[k]), `${outs[k].meanWait.toFixed(2)} s`],
          [`before (${before}), run only, back to back`, `${oldWarm.toFixed(2)} s`, fmt(warm[1].seconds), `${warm[1].out.meanWait.toFixed(2)} s`],
          [`before (${before}), whole process`, `${median(seconds[k + 1]).toFixed(2)} s`, fmt(seconds[k + 1]), `${outs[k + 1].meanWait.toFixed(2)} s`],
        ];
      })()
      : []),
    ['Erlang C (exact M/M/c mean wait)', '-', '-', `${theory.toFixed(2)} s`],
  ]);
  console.log(`\nload at the start: ${startLoad}\nload at the end:   ${machineLine()}`);
  const summary = [
    { metric: 'M/M/c 200,000 jobs, run only after a full GC (s)', orchsim: orchRun.toFixed(2), peer: python ? `${simpyRun.toFixed(2)} (SimPy env.run())` : skipped, ratio: fmtRatio(simpyRun / orchRun), target: '-' },
    { metric: 'M/M/c 200,000 jobs, run only back to back (s)', orchsim: orchWarm.toFixed(2), peer: python ? `${simpyRun.toFixed(2)} (SimPy env.run())` : skipped, ratio: fmtRatio(simpyRun / orchWarm), target: '-' },
    { metric: 'M/M/c 200,000 jobs, whole process (s)', orchsim: orchProcess.toFixed(2), peer: python ? `${simpyProcess.toFixed(2)} (SimPy process)` : skipped, ratio: fmtRatio(simpyProcess / orchProcess), target: '-' },
  ];
  return { summary, orchRun, orchWarm, orchProcess, simpyRun, simpyProcess, theory };
}

if (isMain(import.meta.url)) {
  try {
    const { summary } = await run(process.argv.slice(2));
    printSummary(summary, 'SimPy summary (ratio: SimPy time / orchsim time; above 1x orchsim is faster)');
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
}
