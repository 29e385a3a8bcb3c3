// Two builds side by side: the same whole runs timed with this checkout's dist/ and with the
// dist/ of another commit, in fresh child processes, alternating A B A B ... so that a change
// of load hits both alike. Reports each build's median wall time and the ratio new / old.
//
// Run: node bench/builds.mjs [REF] [--rounds N]     (after npm run build; REF defaults to HEAD~1)
//
// The other commit is checked out with `git worktree add` into a temporary folder, given this
// checkout's node_modules, and built there with tsc; the folder is removed afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine, printTable } from './lib.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The runs: a scenario file (run through prepareScenario/runPrepared) or a bench child script. */
function cases(dir) {
  const failureHeavy = join(dir, 'failure-heavy.yaml');
  // The failure-heavy run of bench/failures.mjs, at 30 of its 90 days.
  writeFileSync(failureHeavy, `name: failure-heavy
seed: 7
horizon: 30d
sampleInterval: 1d
cluster:
  pools:
    - { name: node, count: 2000, zones: [zone-a, zone-b, zone-c], racksPerZone: 10, resources: { cpu: 32, memory: 128Gi } }
workloads:
${Array.from({ length: 200 }, (_, i) => `  - { type: service, name: svc-${i}, replicas: 5, minAvailable: 3, requests: { cpu: ${[250, 500, 1000, 2000][i % 4]}m, memory: ${[1, 2, 4][i % 3]}Gi }, startup: { lognormal: { median: 20s, sigma: 0.5 } } }`).join('\n')}
failures:
  processes:
    - { name: nodes, domain: node, timeBetweenFailures: { weibull: { shape: 0.7, scale: 23d } }, repairTime: { lognormal: { median: 2h, sigma: 0.8 } } }
  outages:
    - { name: zone-b, at: 15d, zone: zone-b, duration: 2h }
`);
  return [
    { name: 'default scenario (300 nodes, 1 day)', scenario: join(ROOT, 'scenarios/default.yaml') },
    { name: 'diurnal week (HPA + cluster autoscaler)', scenario: join(ROOT, 'scenarios/diurnal-week.yaml') },
    { name: 'failure-heavy (2,000 nodes, 30 days)', scenario: failureHeavy },
    { name: 'whole run (1,000 nodes, 100,000 pods, 7 days)', child: 'bench/whole-run-child.mjs' },
  ];
}

/** One timed run in a fresh process with the given checkout's dist/. */
function timeRun(checkout, c) {
  const script = c.child
    ? null
    : `const { prepareScenario, runPrepared } = await import(${JSON.stringify(join(checkout, 'dist/scenario/index.js'))});
       const p = prepareScenario(${JSON.stringify(c.scenario)});
       const t0 = performance.now();
       const out = runPrepared(p);
       process.stdout.write(JSON.stringify({ wallSeconds: (performance.now() - t0) / 1000, events: out.result.engine.events }));`;
  const args = c.child ? [join(checkout, c.child)] : ['--input-type=module', '-e', script];
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { cwd: checkout, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolveRun(JSON.parse(out)) : reject(new Error(`${c.name} in ${checkout} exited ${code}: ${err}`))));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const argv = process.argv.slice(2);
  const roundsAt = argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 5;
  const ref = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--rounds') ?? 'HEAD~1';
  if (!existsSync(join(ROOT, 'dist/scenario/index.js'))) throw new Error('no dist/: run npm run build first');
  const tmp = mkdtempSync(join(tmpdir(), 'orchsim-builds-'));
  const old = join(tmp, 'old');
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: ROOT, encoding: 'utf8' }).trim();
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  execFileSync('git', ['worktree', 'add', '--detach', '-q', old, sha], { cwd: ROOT });
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(old, 'node_modules'));
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: old, stdio: 'inherit' });
    console.log(`\n=== Two builds side by side: ${sha} (old) and ${head}${execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }) ? ' + uncommitted changes' : ''} (new), ${rounds} rounds (${machineLine()}) ===`);
    const rows = [];
    for (const c of cases(tmp)) {
      const times = { old: [], new: [] };
      const events = {};
      for (let r = 0; r < rounds; r++) {
        // Alternate which build goes first, so neither always runs on a warmer machine.
        const order = r % 2 === 0 ? [['old', old], ['new', ROOT]] : [['new', ROOT], ['old', old]];
        for (const [label, dir] of order) {
          const res = await timeRun(dir, c);
          times[label].push(res.wallSeconds);
          if (res.events !== undefined) events[label] = res.events;
        }
      }
      const o = median(times.old);
      const n = median(times.new);
      rows.push([c.name, `${o.toFixed(2)} s`, `${n.toFixed(2)} s`, `${(n / o).toFixed(3)}x`, events.old !== undefined ? (events.old === events.new ? 'same' : `${events.old} vs ${events.new}`) : '-']);
    }
    printTable('Median wall time of the run (new / old: below 1.05 is within 5 %)', ['run', `old ${sha}`, `new ${head}`, 'new / old', 'events'], rows);
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', old], { cwd: ROOT });
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
