// Instructions, not seconds: one scenario run by another build's dist/ (DIR) and by this
// checkout's, each in its own `node --predictable` process under valgrind's cachegrind (no cache
// simulation), counting the instructions the whole process executed; the same again with a tiny
// version of the run (the scenario's first `--base-pods` pods, its horizon cut to fit) gives the
// process's fixed part (start-up, module loading, compiling), and the difference is the run's.
//
// Why: on the shared 2-core machine a run's CPU time moves by 5-15% with the neighbours' load
// (bench/README.md, the fourth passes), more than most single changes save. An instruction count
// does not depend on the load: `--predictable` runs V8's compilers and GC on the main thread at
// fixed points, and two counts of the same build agree to about 0.2-2%. It is a proxy - a cache
// miss or a write barrier costs more than its instruction count says - so a change that moves
// few instructions is still measured in seconds (cpu-ab.mjs, run-scenario-ab.mjs) before it is
// called a speed-up.
//
// The scenario is a YAML file as `orchsim run` takes it, or `whole-run` for bench/whole-run.mjs's
// built scenario (then the tiny version is not made: the printed count is the whole process).
// Needs valgrind (Debian package valgrind); skipped with a message where it is missing. About
// 50x slower than the run itself: the M/M/c of bench/simpy.mjs at 60,000 pods takes ~40 s a build.
//
// `--split`: cachegrind's per-function counts are kept (in a temporary file) and each count is
// also printed as its garbage collector's part (V8's GC and write-barrier functions, GC_FUNCTIONS)
// and the rest. The GC part makes almost all of the +-40 M by which two counts of one build
// differ; the rest of three counts of one build agreed to 2 M (bench/README.md section 16, ninth
// pass), so a change of ten M in the rest is real.
//
// Run: node bench/instructions.mjs DIR SCENARIO.yaml|whole-run [--base-pods N] [--split]
// e.g. node bench/instructions.mjs /tmp/before /tmp/mmc60k.yaml
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasValgrind, machineLine } from './lib.mjs';

const HERE = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CHILD = fileURLToPath(new URL('./instructions-child.mjs', import.meta.url));

/** V8's garbage collector and write barriers, by function name in cachegrind's output (`--split`). */
const GC_FUNCTIONS = /Mark|Scaveng|Evacuat|Sweep|Concurrent|LiveObject|BodyDescriptor|RecordMigrated|Remembered|Pretenuring|Worklist|WriteBarrier|MarkingBarrier|RecordWrite|heap::base|Heap::|SizeFromMap|Evacuator|MemoryChunk|SlotSet|TypedSlot|PagedSpace|NewSpace|SemiSpace|GCTracer|IncrementalMarking|pthread_cond|memset/;

/**
 * The instructions a `node --predictable CHILD root scenario` process executes (cachegrind's "I refs");
 * with `outFile`, also the part spent in GC_FUNCTIONS, summed from cachegrind's per-function output.
 */
function instructions(root, scenario, outFile) {
  const r = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${outFile ?? '/dev/null'}`, process.execPath, '--predictable', '--hash-seed=1', '--random-seed=1', CHILD, root, scenario], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`valgrind run of ${root} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (!m) throw new Error(`no instruction count in valgrind's output for ${root}`);
  return { count: Number(m[1].replaceAll(',', '')), result: r.stdout.trim(), gc: outFile ? gcPart(readFileSync(outFile, 'utf8')) : undefined };
}

/** The instructions of GC_FUNCTIONS in a cachegrind output file (`fn=` lines, then `line count` lines). */
function gcPart(text) {
  let gc = 0;
  let inGc = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) inGc = GC_FUNCTIONS.test(line);
    else if (inGc && line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57) gc += Number(line.split(' ')[1] ?? 0);
  }
  return gc;
}

/**
 * The scenario with its workloads' `count`s cut to `pods` and the horizon to 1 hour, or undefined
 * when its workloads have none; the cluster (a pool's `count` of nodes) is left as it is.
 */
function tinyVersion(text, pods) {
  const at = text.search(/^workloads:/m);
  if (at < 0 || !/count:\s*\d+/.test(text.slice(at))) return undefined;
  const head = text.slice(0, at).replace(/^horizon:\s*\S+/m, 'horizon: 1h');
  return head + text.slice(at).replace(/count:\s*\d+/g, `count: ${pods}`);
}

function main(argv) {
  const [dir, scenario] = argv;
  const i = argv.indexOf('--base-pods');
  const basePods = i >= 0 ? Number(argv[i + 1]) : 10;
  const split = argv.includes('--split');
  if (!dir || !scenario || !Number.isInteger(basePods) || basePods < 1) {
    console.error('usage: node bench/instructions.mjs DIR SCENARIO.yaml|whole-run [--base-pods N] [--split]');
    return 2;
  }
  if (!hasValgrind()) {
    console.log('skipped: valgrind is not installed (Debian: apt-get install valgrind)');
    return 0;
  }
  const before = resolve(dir);
  const file = scenario === 'whole-run' ? scenario : resolve(scenario);
  const tmp = mkdtempSync(join(tmpdir(), 'orchsim-instructions-'));
  try {
    const tiny = file === 'whole-run' ? undefined : tinyVersion(readFileSync(file, 'utf8'), basePods);
    const tinyFile = tiny === undefined ? undefined : join(tmp, 'tiny.yaml');
    if (tinyFile) writeFileSync(tinyFile, tiny);
    console.log(`\n=== ${scenario}: instructions executed, valgrind cachegrind, node --predictable (${machineLine()}) ===`);
    const rows = [];
    const out = split ? join(tmp, 'cachegrind.out') : undefined;
    const g = (n) => `${(n / 1e9).toFixed(4)} G`;
    for (const [name, root] of [[`before (${dir})`, before], ['this checkout', HERE]]) {
      const full = instructions(root, file, out);
      const tinyCount = tinyFile ? instructions(root, tinyFile, out) : undefined;
      const base = tinyCount?.count ?? 0;
      rows.push({ name, full: full.count, run: full.count - base, result: full.result });
      console.log(`${name.padEnd(44)} process ${g(full.count)}${tinyFile ? `, of which the run ${g(full.count - base)} (the ${basePods}-pod version's ${g(base)} taken off)` : ''}`);
      if (split) {
        const fullGc = full.gc ?? 0;
        const baseGc = tinyCount?.gc ?? 0;
        console.log(`${''.padEnd(44)} GC and barriers ${g(fullGc)}, the rest ${g(full.count - fullGc)}${tinyFile ? `; the run's: GC ${g(fullGc - baseGc)}, the rest ${g(full.count - fullGc - (base - baseGc))}` : ''}`);
      }
    }
    const [b, h] = rows;
    const key = tinyFile ? 'run' : 'full';
    console.log(`this checkout / before: ${(h[key] / b[key]).toFixed(4)}x (${tinyFile ? 'the run' : 'the whole process'}); results identical: ${b.result === h.result}`);
    return b.result === h.result ? 0 : 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
