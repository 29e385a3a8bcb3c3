// V8's own counts for one run of a scenario in a fresh process, two builds alternated: code
// invalidations ("marking dependent code": compiled code thrown away because an assumption
// broke, e.g. a field written for the first time), eager deoptimizations, TurboFan compiles and
// the compile thread's time for them (V8's `took` figures, wall time of the compile jobs). On a
// shared machine CPU and wall times swing by tens of percent; these counts barely move, so they
// show whether a change to shapes or fields removed deoptimizations at all (bench/README.md,
// "Autoscaled week, fifth pass"). Each child runs `runPrepared` once, as bench/autoscaling.mjs's.
// Aborted compiles are counted too: a compile TurboFan gives up (e.g. "Maps became deprecated
// during optimization") leaves the function in slower code, and a function whose every compile is
// given up runs there for good - the HPA sync did, 221 aborts in a one-day week, when a smaller
// stabilizeWith was inlined into it ("Autoscaled week, eighth pass"); a healthy run has 0-3.
//
// Run: node bench/jit-counts.mjs DIR SCENARIO.yaml [ROUNDS]   (after npm run build here and in DIR; ROUNDS 2)
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMain, machineLine, median } from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);

async function child(root, file) {
  const index = await import(pathToFileURL(resolve(root, 'dist/scenario/index.js')).href);
  const prepared = index.prepareScenario(file);
  const c0 = process.cpuUsage();
  index.runPrepared(prepared);
  const c = process.cpuUsage(c0);
  console.log(`JIT-COUNTS-CPU ${(c.user + c.system) / 1e6}`);
}

/** The counts of one fresh child's trace output. */
function counts(out) {
  let invalidations = 0, deopts = 0, compiles = 0, compileMs = 0, aborted = 0, cpu = NaN;
  for (const line of out.split('\n')) {
    if (line.startsWith('[marking dependent code')) invalidations++;
    else if (line.startsWith('[bailout (kind:')) deopts++;
    else if (line.startsWith('[aborted optimizing')) aborted++;
    else if (line.startsWith('[completed compiling')) {
      compiles++;
      const m = / took [0-9.]+, ([0-9.]+), [0-9.]+ ms/.exec(line);
      if (m) compileMs += Number(m[1]);
    } else if (line.startsWith('JIT-COUNTS-CPU ')) cpu = Number(line.slice(15));
  }
  return { invalidations, deopts, compiles, compileMs, aborted, cpu };
}

async function main() {
  const [dir, file, roundsArg] = process.argv.slice(2);
  if (!dir || !file) {
    console.error('usage: node bench/jit-counts.mjs DIR SCENARIO.yaml [ROUNDS]');
    process.exit(2);
  }
  const rounds = Number(roundsArg ?? 2);
  const builds = [{ name: `before (${dir})`, root: resolve(dir) }, { name: 'this checkout', root: resolve(fileURLToPath(new URL('..', import.meta.url))) }];
  const seen = [[], []];
  console.log(`\n=== ${file}: V8 counts, one fresh process per run (${machineLine()}) ===`);
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const res = spawnSync(process.execPath, ['--trace-opt', '--trace-deopt', SELF, '--child', builds[k].root, resolve(file)], { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (res.status !== 0) throw new Error(`child failed (${builds[k].name}): ${res.stderr}`);
      const c = counts(res.stdout);
      seen[k].push(c);
      console.log(`${builds[k].name.padEnd(40)} invalidations ${c.invalidations}, eager deopts ${c.deopts}, compiles ${c.compiles} (aborted ${c.aborted}), compile thread ${(c.compileMs / 1000).toFixed(1)} s, CPU of the run ${c.cpu.toFixed(2)} s`);
    }
  }
  for (const k of [0, 1]) {
    const s = seen[k];
    console.log(`${builds[k].name.padEnd(40)} median: invalidations ${median(s.map((c) => c.invalidations))}, compiles ${median(s.map((c) => c.compiles))} (aborted ${median(s.map((c) => c.aborted))}), compile thread ${(median(s.map((c) => c.compileMs)) / 1000).toFixed(1)} s, CPU ${median(s.map((c) => c.cpu)).toFixed(2)} s`);
  }
  console.log(`load at the end: ${machineLine()}`);
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
  else await main();
}
