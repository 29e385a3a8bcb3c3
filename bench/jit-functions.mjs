// Instructions per function of one run, JIT code included: where bench/instructions.mjs says how
// many instructions a run executes, this says which functions execute them.
//
// Why: cachegrind and callgrind see V8's optimized code as one anonymous `???` (about a third of
// an M/M/c run), so the per-pod path could only be guessed from CPU profiles, whose samples move
// with the load. Here callgrind counts each instruction address (`--dump-instr=yes`) and V8's
// perf map (`--perf-basic-prof`: /tmp/perf-PID.map, one line per code object) names the function
// at each address: `*name` is TurboFan's code (with whatever it inlined), `^name` Sparkplug's,
// `Builtin:` V8's builtins. Counts are self counts (a call's callee is counted in the callee).
// Other native code (V8's compiler, GC, libc) is summed as one row. Same command line as
// bench/instructions.mjs's children (`node --predictable --hash-seed=1 --random-seed=1`), so a
// function's count repeats from one run to the next; what V8 inlines where is decided by
// `--predictable`'s own compile timing, which can differ from a plain process's.
//
// Needs valgrind (Debian package valgrind). About 100x slower than the run: the M/M/c at 40,000
// pods takes about a minute.
//
// Run: node bench/jit-functions.mjs [DIR] SCENARIO.yaml [--pods N] [--top N] [--match REGEXP]
// DIR: the build whose dist/ runs (default: this checkout); --pods: also print each count per pod.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeRanges, rangeOf } from './perf-map.mjs';
import { checkScenarioFile, hasValgrind } from './lib.mjs';

const HERE = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CHILD = fileURLToPath(new URL('./instructions-child.mjs', import.meta.url));

/**
 * Self instructions per named range from a callgrind file written with --dump-instr=yes. Cost
 * lines start with the instruction address (absolute `0x..`, or `+n` / `-n` from the last one,
 * or `*` for the same); the line after a `calls=` line is the call's inclusive cost, not a self
 * cost, so it is skipped.
 */
function selfCounts(cgFile, ranges) {
  const counts = new Map();
  let addr = 0;
  let callCost = false;
  for (const line of readFileSync(cgFile, 'utf8').split('\n')) {
    if (line.startsWith('calls=')) {
      callCost = true;
      continue;
    }
    const c = line.charCodeAt(0);
    if (!(c === 43 || c === 45 || c === 42 || (c >= 48 && c <= 57))) continue;
    const fields = line.split(' ');
    const pos = fields[0];
    if (pos.startsWith('0x')) addr = parseInt(pos, 16);
    else if (pos[0] === '+') addr += Number(pos.slice(1));
    else if (pos[0] === '-') addr -= Number(pos.slice(1));
    else if (pos !== '*') addr = Number(pos);
    if (callCost) {
      callCost = false;
      continue;
    }
    const name = rangeOf(ranges, addr)?.[2] ?? '(native code: V8, libc, ...)';
    counts.set(name, (counts.get(name) ?? 0) + Number(fields[2] ?? 0));
  }
  return counts;
}

function option(args, name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}

const args = process.argv.slice(2);
const pods = Number(option(args, '--pods') ?? NaN);
const top = Number(option(args, '--top') ?? 40);
const match = new RegExp(option(args, '--match') ?? '');
const [root, scenario] = args.length >= 2 ? [resolve(args[0]), resolve(args[1])] : [HERE, resolve(args[0] ?? '')];
if (args.length === 0 || !existsSync(scenario) || !statSync(scenario).isFile()) {
  console.error(`${args.length === 0 ? 'no scenario given' : `no scenario file at ${scenario}`}\nusage: node bench/jit-functions.mjs [DIR] SCENARIO.yaml [--pods N] [--top N] [--match REGEXP]`);
  process.exit(2);
}
await checkScenarioFile(root, scenario);
if (!hasValgrind()) {
  console.log('valgrind is not installed (Debian package valgrind): nothing counted');
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'orchsim-jit-functions-'));
const cgFile = join(dir, 'callgrind.out');
let mapFile;
try {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--dump-instr=yes', `--callgrind-out-file=${cgFile}`, process.execPath, '--predictable', '--hash-seed=1', '--random-seed=1', '--perf-basic-prof', CHILD, root, scenario], { encoding: 'utf8', maxBuffer: 1 << 26, cwd: dir });
  if (r.status !== 0) throw new Error(`callgrind run failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  // Under valgrind the process keeps its pid, which names V8's perf map. (The run's cwd is the
  // temporary folder: V8 writes an isolate-*.log there as well.)
  const pid = /==(\d+)==/.exec(r.stderr)?.[1];
  mapFile = `/tmp/perf-${pid}.map`;
  const total = Number(/Collected : (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const counts = selfCounts(cgFile, codeRanges(mapFile));
  console.log(`${scenario} with ${root}/dist: ${(total / 1e9).toFixed(4)} G instructions in all (node --predictable under callgrind)`);
  const rows = [...counts].filter(([name]) => match.test(name)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, n] of rows) console.log(`${(n / 1e6).toFixed(2).padStart(10)} M${Number.isFinite(pods) ? `${Math.round(n / pods).toString().padStart(8)} a pod` : ''}  ${name}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (mapFile) rmSync(mapFile, { force: true });
}
