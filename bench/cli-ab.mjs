// Two builds' `orchsim run FILE --json` as a user runs it: a fresh process each, alternated A B
// A B ... (which goes first swaps each round), so a change of load hits both alike. Prints each
// round's wall and CPU time (GNU time, where present) and a hash of the output, then the medians
// and the ratio, and whether every output was the same. Used for the autoscaled week against
// the build from before issue 23 (bench/README.md, "Issue 23, sixth wave").
//
// Run: node bench/cli-ab.mjs ROUNDS FILE DIR_A DIR_B   (each DIR a checkout with dist/ built)
// e.g. node bench/cli-ab.mjs 3 /tmp/week.yaml . /tmp/before
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { GNU_TIME, machineLine, median } from './lib.mjs';

const [roundsArg, file, ...dirs] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1 || !file || dirs.length !== 2) {
  console.error('usage: node bench/cli-ab.mjs ROUNDS FILE DIR_A DIR_B');
  process.exit(2);
}
let hasTime = true;
try {
  accessSync(GNU_TIME, constants.X_OK);
} catch {
  hasTime = false;
}

/** One `orchsim run FILE --json` of `dir`'s build: wall and CPU seconds, and the output's hash. */
function runOnce(dir) {
  const cli = resolve(dir, 'dist/cli/main.js');
  const argv = [process.execPath, cli, 'run', file, '--json'];
  const [cmd, args] = hasTime ? [GNU_TIME, ['-f', '@@%U %S', ...argv]] : [argv[0], argv.slice(1)];
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cli} exited with ${r.status}:\n${r.stderr.slice(-2000)}`);
  const m = /@@([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, hash: createHash('sha256').update(r.stdout).digest('hex').slice(0, 12) };
}

console.log(`\n=== ${file}: orchsim run --json, two builds alternated (${machineLine()}) ===`);
const runs = [[], []];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  for (const b of order) {
    const r = runOnce(dirs[b]);
    runs[b].push(r);
    console.log(`  round ${round + 1}, ${dirs[b]}: wall ${r.wall.toFixed(2)} s, cpu ${r.cpu.toFixed(2)} s, output ${r.hash} (${machineLine().split('load avg ')[1] ?? ''})`);
  }
}
const med = (b, k) => median(runs[b].map((r) => r[k]));
for (const b of [0, 1]) console.log(`${dirs[b]}: median wall ${med(b, 'wall').toFixed(2)} s, cpu ${med(b, 'cpu').toFixed(2)} s`);
console.log(`${dirs[1]} / ${dirs[0]}: wall ${(med(1, 'wall') / med(0, 'wall')).toFixed(2)}x, cpu ${(med(1, 'cpu') / med(0, 'cpu')).toFixed(2)}x`);
const hashes = new Set(runs.flat().map((r) => r.hash));
console.log(hashes.size === 1 ? `every output identical (${[...hashes][0]})` : `OUTPUTS DIFFER: ${[...hashes].join(', ')}`);
