// Instructions of one run in the steady state: the scenario run RUNS times in one process under
// callgrind, instrumentation switched on for the last run only, so JIT warm-up is not counted.
// bench/instructions.mjs and bench/jit-functions.mjs count a process's first run, most of whose
// cost is warm-up (baseline code, TurboFan compiles); this counts what each run of a sweep's
// worker pays (bench/simpy.mjs's "back to back" row). Load-independent, like them.
//
// `node --predictable` (compiles are synchronous, so tier-up is the same every time). One
// difference from a plain process: under it the engine's loop stays in baseline code, where a
// plain process runs it OSR-compiled with the event queue's pops inlined, so `^run` is high.
// Counts of one build move by about 1% from one invocation to the next (GC timing).
//
// Needs valgrind (Debian package valgrind). About 20 s for the 40,000-pod M/M/c at RUNS 4.
//
// Run: node bench/warm-instructions.mjs [DIR] SCENARIO.yaml [--runs N] [--pods N] [--top N]
// DIR: the build whose dist/ runs (default: this checkout); --pods: also print counts per pod.
import { execSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeRanges, rangeOf } from './perf-map.mjs';
import { checkScenarioFile, hasValgrind } from './lib.mjs';

const HERE = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CHILD = fileURLToPath(new URL('./warm-instructions-child.mjs', import.meta.url));

/** A mistake in the command line: said with the usage, exit code 2. */
function usage(problem) {
  console.error(`${problem}\nusage: node bench/warm-instructions.mjs [DIR] SCENARIO.yaml [--runs N] [--pods N] [--top N]`);
  process.exit(2);
}

function option(argv, name, fallback, min = 1) {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < min) usage(`${name} needs an integer of at least ${min}, got ${argv[i + 1]}`);
  argv.splice(i, 2);
  return v;
}

/** The perf map's name of the JIT code at `addr`, its dist/ path shortened. */
function jitName(ranges, addr) {
  return rangeOf(ranges, addr)?.[2].replace(/file:\/\/\/\S*\/dist\//, '') ?? '(JIT code not in the map)';
}

/** The counted run's instructions by function, the `top` largest, from callgrind's output and V8's perf map. */
function printCounts(ranges) {
  const annotated = execSync(`callgrind_annotate --threshold=100 ${out}`, { maxBuffer: 1 << 28 }).toString();
  const counts = new Map();
  let total = 0;
  for (const line of annotated.split('\n')) {
    const m = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
    if (!m) continue;
    const n = Number(m[1].replaceAll(',', ''));
    if (m[2].includes('PROGRAM TOTALS')) {
      total = n;
      continue;
    }
    const jit = /\?\?\?:0x([0-9a-f]+) \[\?\?\?\]/.exec(m[2]);
    const name = jit ? jitName(ranges, parseInt(jit[1], 16)) : m[2].replace(/ \[.*\]$/, '').replace(/^\?\?\?:/, '').slice(0, 100);
    counts.set(name, (counts.get(name) ?? 0) + n);
  }
  const perPod = (n) => (Number.isFinite(pods) ? `${Math.round(n / pods).toString().padStart(7)} a pod` : '');
  console.log(`${scenario} with ${root}/dist, run ${runs} of ${runs} in one process: ${(total / 1e6).toFixed(1)} M instructions${Number.isFinite(pods) ? ` (${Math.round(total / pods)} a pod)` : ''}`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(n / 1e6).toFixed(2).padStart(9)} M${perPod(n)}  ${(100 * n / total).toFixed(2).padStart(6)}%  ${name}`);
}

const args = process.argv.slice(2);
const runs = option(args, '--runs', 4);
const pods = option(args, '--pods', NaN);
const top = option(args, '--top', 40, 0);
const [root, scenario] = args.length >= 2 ? [resolve(args[0]), resolve(args[1])] : [HERE, resolve(args[0] ?? '')];
if (args.length === 0 || !existsSync(scenario) || !statSync(scenario).isFile()) usage(args.length === 0 ? 'no scenario given' : `no scenario file at ${scenario}`);
await checkScenarioFile(root, scenario);
if (!hasValgrind()) {
  console.log('valgrind is not installed (Debian package valgrind): nothing counted');
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'orchsim-warm-instructions-'));
const out = join(dir, 'callgrind.out');
const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--dump-instr=yes', `--callgrind-out-file=${out}`, process.execPath, '--predictable', '--hash-seed=1', '--random-seed=1', '--perf-basic-prof', CHILD, root, scenario, String(runs)], { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
child.stdout.on('data', (d) => {
  if (!String(d).includes('READY')) return;
  execSync(`callgrind_control -i on ${child.pid}`, { stdio: 'ignore' });
  child.stdin.write('x');
});
const code = await new Promise((done) => child.on('exit', done));
const mapFile = `/tmp/perf-${child.pid}.map`;
try {
  if (code !== 0) {
    console.error(`the counted process failed (exit ${code}):\n${stderr.slice(-2000)}`);
    process.exitCode = 1;
  } else {
    printCounts(codeRanges(mapFile));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(mapFile, { force: true });
}
