// CLI start-up: the wall time of whole `orchsim` processes that do little besides starting -
// `orchsim validate` of the default scenario and of the M/M/c one (bench/simpy.mjs), and
// `orchsim --help` - against `node -e 0` (the floor: starting Node itself), in the same run.
//
// Each process is timed from spawn to exit (spawnSync); the commands run round-robin, so a
// change of load hits all alike; the median of 5 rounds after one untimed round is reported,
// and beside it the median CPU time (user + sys) of the same processes where GNU time is there.
// With `--before DIR`, the same commands also run with DIR/dist/cli/main.js, a build of another
// commit (e.g. a copy of main's dist/ with package.json beside it and node_modules reachable), to
// print a before/after table from one run.
//
// Run: node bench/cli-startup.mjs [--before DIR] [--rounds N]   (after npm run build)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmtRatio, isMain, machineLine, median, printSummary, printTable, verdict } from './lib.mjs';
import { mmcScenarioText } from './simpy.mjs';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const DEFAULT_SCENARIO = fileURLToPath(new URL('../scenarios/default.yaml', import.meta.url));
/** Issue 23's targets, seconds of wall time. */
const TARGETS = { default: 0.25, mmc: 0.3 };

/**
 * GNU time, where there is one: the CPU time (user + sys) of each process beside its wall time.
 * On a shared machine the wall time of a short process swings with its neighbours; the CPU it
 * used swings less.
 */
const GNU_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, '-e', '0'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/time' : undefined;

/** Wall and CPU seconds of one process (CPU undefined without GNU time). */
function timeProcess(args) {
  const t0 = performance.now();
  const r = GNU_TIME
    ? spawnSync(GNU_TIME, ['-f', 'orchsim-bench-cpu %U %S', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    : spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const cpu = /orchsim-bench-cpu (\S+) (\S+)\s*$/.exec(r.stderr);
  return { seconds, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined };
}

export async function run({ before, rounds = 5 } = {}) {
  const startLoad = machineLine();
  console.log(`\n=== CLI start-up (${startLoad}) ===`);
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-bench-startup-'));
  const mmc = join(dir, 'mmc.yaml');
  writeFileSync(mmc, mmcScenarioText());
  const builds = [['after', CLI]];
  if (before) {
    const cli = join(resolve(before), 'dist/cli/main.js');
    if (!existsSync(cli)) throw new Error(`--before ${before}: no dist/cli/main.js there`);
    builds.unshift(['before', cli]);
  }
  const commands = [{ name: 'node -e 0 (floor)', key: 'floor', args: ['-e', '0'] }];
  for (const [build, cli] of builds) {
    const tag = before ? ` [${build}]` : '';
    commands.push(
      { name: `orchsim validate scenarios/default.yaml${tag}`, key: `default/${build}`, args: [cli, 'validate', DEFAULT_SCENARIO] },
      { name: `orchsim validate mmc.yaml (M/M/c, 200,000 pods)${tag}`, key: `mmc/${build}`, args: [cli, 'validate', mmc] },
      { name: `orchsim --help${tag}`, key: `help/${build}`, args: [cli, '--help'] },
    );
  }
  const seconds = commands.map(() => []);
  const cpus = commands.map(() => []);
  try {
    for (let round = -1; round < rounds; round++) {
      commands.forEach((c, i) => {
        const t = timeProcess(c.args);
        if (round < 0) return;
        seconds[i].push(t.seconds);
        if (t.cpu !== undefined) cpus[i].push(t.cpu);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = Object.fromEntries(commands.map((c, i) => [c.key, median(seconds[i])]));
  printTable(`Wall time of the whole process (median of ${rounds} round-robin rounds)`, ['command', 'median', 'over the floor', 'each round'],
    commands.map((c, i) => [c.name, `${med[c.key].toFixed(3)} s`, c.key === 'floor' ? '-' : `+${(med[c.key] - med.floor).toFixed(3)} s`, seconds[i].map((s) => s.toFixed(2)).join(' / ')]));
  if (GNU_TIME) {
    const cpu = cpus.map((c) => median(c));
    printTable(`CPU time of the same processes (user + sys, /usr/bin/time; median of ${rounds})`, ['command', 'median', 'over the floor', 'each round'],
      commands.map((c, i) => [c.name, `${cpu[i].toFixed(3)} s`, c.key === 'floor' ? '-' : `+${(cpu[i] - cpu[0]).toFixed(3)} s`, cpus[i].map((s) => s.toFixed(2)).join(' / ')]));
  }
  console.log(`\nload at the start: ${startLoad}\nload at the end:   ${machineLine()}`);
  const summary = [];
  for (const which of ['default', 'mmc']) {
    const after = med[`${which}/after`];
    summary.push({
      metric: `orchsim validate, ${which === 'default' ? 'default scenario' : 'M/M/c scenario'} (s, whole process)`,
      orchsim: after.toFixed(3),
      peer: before ? `${med[`${which}/before`].toFixed(3)} (before); node -e 0: ${med.floor.toFixed(3)}` : `${med.floor.toFixed(3)} (node -e 0)`,
      ratio: before ? fmtRatio(med[`${which}/before`] / after) : fmtRatio(after / med.floor),
      target: verdict(`< ${TARGETS[which]} s`, after < TARGETS[which]),
    });
  }
  return { summary, medians: med };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { before: { type: 'string' }, rounds: { type: 'string' } } });
  const { summary } = await run({ before: values.before, rounds: values.rounds ? Number(values.rounds) : 5 });
  printSummary(summary, `CLI start-up summary (ratio: ${values.before ? 'before / after' : 'over node -e 0'})`);
}
