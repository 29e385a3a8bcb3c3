// Scale ceiling (issue 23): 10,000 nodes, 1,000,000 batch pods over 30 simulated days with node
// failures - whole-run.mjs's shape (Poisson batch pods of mixed sizes, default profile,
// kubernetes queue) scaled up ten times in nodes and pods, with each node failing about once a
// month (Weibull shape 0.7, as LANL's failures, FAILURES.md) and repaired in about 2 hours
// (lognormal). `--20k` runs 20,000 nodes / 2,000,000 pods instead (long: minutes).
//
// Each run is one fresh child process (this file with --child) under GNU time -v: wall time,
// CPU time (user + system: on the shared 2-core machine wall time swings with the neighbours'
// load) and peak RSS are that run's alone. `--before DIR` runs the same scenario with DIR's
// dist/ in the same invocation, as the peer (alternated with this checkout's: --runs N rounds,
// which goes first swaps each round).
//
// `--in-process` (with --before) runs both builds in this process instead, alternated, a full GC
// before each run, and compares CPU time only (as bench/scan-ab.mjs does): less swing on a shared
// machine, no peak RSS; for smaller runs of the same shape. `--switch ORCHSIM_NO_<NAME>` (with
// --in-process, repeatable) adds this checkout with that switch set while each run builds its
// scheduler, so a shortcut's own share shows beside the whole branch's.
//
// Run: node bench/scale.mjs [--20k] [--before DIR] [--runs N]   (after npm run build)
//      node bench/scale.mjs --nodes 2000 --pods 200000 --days 30   (a smaller run of the same shape)
//      node bench/scale.mjs --nodes 20000 --pods 200000 --days 3 --before DIR --in-process --runs 3
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { collectGarbage, fmtBytes, fmtInt, isMain, machineLine, median, printSummary, printTable, runJsonChild, seeded, verdict } from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const HERE = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DAY = 86_400;
const GiB = 2 ** 30;
const MiB = 2 ** 20;
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
/** Node shapes as whole-run's (bench/scheduling.mjs mixedNodes): 8/16/32/64 cores, 4 GiB per core. */
const NODE_CORES = [8, 16, 32, 64];
/**
 * Mean pod run time, exponential: 4 days. Offered cpu load = rate x mean duration x mean request
 * = 0.386/s x 345,600 s x 1.55 cores = ~207,000 cores of ~300,000 allocatable (~69%), about
 * whole-run's share (its pods arrive 4.3 times as often per node and run a quarter as long).
 */
const MEAN_DURATION = 4 * DAY;

/** The scenario, built with the `dist/` of `root` (this checkout or the peer). */
export async function scaleScenario(root, nodeCount, podCount, days) {
  const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
  const [{ resources }, { BUILTIN_PROFILES }, { poissonArrivals }, { sizedPodSpecs }] = await Promise.all([
    at('api/resources.js'), at('schedulers/builtins.js'), at('workloads/arrivals.js'), at('workloads/batch.js'),
  ]);
  const rng = seeded(`scale/nodes/${nodeCount}`);
  const width = String(nodeCount - 1).length;
  const shapes = new Map();
  const nodes = [];
  for (let i = 0; i < nodeCount; i++) {
    const cores = NODE_CORES[Math.floor(rng() * NODE_CORES.length)];
    let allocatable = shapes.get(cores);
    if (!allocatable) shapes.set(cores, (allocatable = resources({ milliCPU: cores * 1000, memory: cores * 4 * GiB })));
    const name = `node-${String(i).padStart(width, '0')}`;
    nodes.push({ name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': ZONES[i % ZONES.length] }, taints: [], unschedulable: false, allocatable });
  }
  const horizon = days * DAY;
  const template = { namespace: 'default', labels: { app: 'batch' }, priority: 0, requests: resources({}) };
  const failures = {
    nodeMonitorGracePeriod: 50,
    defaultTolerationSeconds: 300,
    processes: [{
      name: 'nodes',
      domains: nodes.map((n, i) => ({ kind: 'node', name: n.name, nodes: [i] })),
      timeBetweenFailures: { kind: 'weibull', shape: 0.7, scale: 30 * DAY },
      repairTime: { kind: 'lognormal', mu: Math.log(2 * 3600), sigma: 0.8 },
      fraction: 1,
    }],
    outages: [],
  };
  return {
    name: 'bench-scale',
    file: '<bench>',
    seed: 42,
    horizon,
    sampleInterval: 3_600,
    nodes,
    workloads: [{
      kind: 'batch',
      name: 'batch',
      arrivals: poissonArrivals(podCount / horizon, 0, horizon),
      pods: sizedPodSpecs(template, {
        milliCPU: { kind: 'choice', values: [250, 500, 1000, 2000, 4000] },
        memory: { kind: 'choice', values: [512 * MiB, 1024 * MiB, 2048 * MiB, 4096 * MiB, 8192 * MiB] },
      }),
      duration: { kind: 'exponential', mean: MEAN_DURATION },
      startup: { kind: 'fixed', value: 0 },
      maxPods: podCount,
    }],
    profile: BUILTIN_PROFILES.find((p) => p.name === 'default'),
    queue: 'kubernetes',
    failures,
  };
}

/** In the child: build the scenario, run it once, write one JSON line. */
async function child(root, nodeCount, podCount, days) {
  const scenario = await scaleScenario(root, nodeCount, podCount, days);
  const { runScenario } = await import(pathToFileURL(resolve(root, 'dist', 'scenario/runner.js')).href);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = runScenario(scenario);
  const wallSeconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const r = out.result;
  process.stdout.write(JSON.stringify({
    wallSeconds,
    cpuSeconds: (c.user + c.system) / 1e6,
    maxRSS: process.resourceUsage().maxRSS * 1024,
    pods: r.metrics.pods,
    scheduling: r.metrics.scheduling,
    incidents: r.metrics.incidents?.count,
    events: r.engine.events,
  }) + '\n');
}

/** One run of `root`'s build in a fresh child, under GNU time -v when present. */
async function runChild(root, nodeCount, podCount, days) {
  const r = await runJsonChild([SELF, '--child', root, String(nodeCount), String(podCount), String(days)], { underTime: true, label: `scale child (${root})` });
  return { ...r, peakRSS: Math.max(r.maxRSS, r.timeMaxRSS ?? 0) };
}

function parseArgs(argv) {
  const opts = { twenty: false, before: undefined, runs: 1, nodes: undefined, pods: undefined, days: 30, inProcess: false, switches: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--20k') opts.twenty = true;
    else if (a === '--before') opts.before = resolve(value());
    else if (a === '--runs') opts.runs = Number(value());
    else if (a === '--nodes') opts.nodes = Number(value());
    else if (a === '--pods') opts.pods = Number(value());
    else if (a === '--days') opts.days = Number(value());
    else if (a === '--in-process') opts.inProcess = true;
    else if (a === '--switch') opts.switches.push(value());
    else throw new Error(`unknown argument ${a} (usage: node bench/scale.mjs [--20k] [--before DIR] [--runs N] [--nodes N --pods N --days N])`);
  }
  opts.nodes ??= opts.twenty ? 20_000 : 10_000;
  opts.pods ??= opts.nodes * 100;
  if (opts.inProcess && !opts.before) throw new Error('--in-process needs --before DIR');
  if (opts.switches.length > 0 && !opts.inProcess) throw new Error('--switch needs --in-process');
  return opts;
}

/** Both builds in this process, alternated (one untimed round first): CPU seconds of each run. */
async function inProcess(o, contenders) {
  for (const c of contenders) c.runScenario = (await import(pathToFileURL(resolve(c.root, 'dist', 'scenario/runner.js')).href)).runScenario;
  const cpu = contenders.map(() => []);
  const results = [];
  for (let round = 0; round <= o.runs; round++) {
    const order = contenders.map((_, k) => k);
    if (round % 2 === 1) order.reverse();
    for (const k of order) {
      const env = contenders[k].env ?? {};
      const scenario = await scaleScenario(contenders[k].root, o.nodes, o.pods, o.days);
      Object.assign(process.env, env);
      try {
        collectGarbage();
        const c0 = process.cpuUsage();
        const out = contenders[k].runScenario(scenario);
        const c = process.cpuUsage(c0);
        results[k] = JSON.stringify(out.result);
        if (round > 0) cpu[k].push((c.user + c.system) / 1e6);
      } finally {
        for (const key of Object.keys(env)) delete process.env[key];
      }
    }
  }
  printTable(`CPU of runScenario in one process, median of ${o.runs} alternated after an untimed round; results ${results.every((r) => r === results[0]) ? 'byte-identical' : 'DIFFER'}`, ['build', 'cpu', 'runs'],
    contenders.map((c, k) => [c.name, `${median(cpu[k]).toFixed(2)} s`, cpu[k].map((x) => x.toFixed(2)).join(' / ')]));
  console.log(`load at the end: ${machineLine()}`);
  const [a, b] = [median(cpu[0]), median(cpu[1])];
  return { summary: [{ metric: `scale ${fmtInt(o.nodes)} nodes / ${fmtInt(o.pods)} pods / ${o.days} d, in one process: CPU`, orchsim: `${a.toFixed(2)} s`, peer: `${b.toFixed(2)} s`, ratio: `${(b / a).toFixed(2)}x`, target: '-' }], results: cpu };
}

export async function run(argv = []) {
  const o = parseArgs(argv);
  const contenders = [{ name: 'this checkout', root: HERE }];
  if (o.before) contenders.push({ name: `before (${o.before})`, root: o.before });
  for (const s of o.switches) contenders.push({ name: `this checkout, ${s}=1`, root: HERE, env: { [s]: '1' } });
  console.log(`\n=== Scale: ${fmtInt(o.nodes)} nodes, ${fmtInt(o.pods)} pods, ${o.days} days with node failures (${machineLine()}) ===`);
  if (o.inProcess) return inProcess(o, contenders);
  const results = contenders.map(() => []);
  for (let round = 0; round < o.runs; round++) {
    const order = contenders.map((_, k) => k);
    if (round % 2 === 1) order.reverse();
    for (const k of order) {
      const r = await runChild(contenders[k].root, o.nodes, o.pods, o.days);
      results[k].push(r);
      console.log(`  round ${round + 1}, ${contenders[k].name}: wall ${r.wallSeconds.toFixed(2)} s, cpu ${r.cpuSeconds.toFixed(2)} s, peak RSS ${fmtBytes(r.peakRSS)} (${machineLine().replace(/^.*load avg/, 'load avg')})`);
    }
  }
  const med = (k, f) => median(results[k].map(f));
  const rows = contenders.map((c, k) => {
    const last = results[k].at(-1);
    return [
      c.name,
      `${med(k, (r) => r.wallSeconds).toFixed(2)} s`,
      `${med(k, (r) => r.cpuSeconds).toFixed(2)} s`,
      fmtBytes(med(k, (r) => r.peakRSS)),
      `${fmtInt(last.pods.scheduled)} / ${fmtInt(last.pods.completed)}`,
      `${fmtInt(last.scheduling.attempts)} / ${fmtInt(last.scheduling.failedAttempts)}`,
      (last.scheduling.nodesEvaluated / Math.max(1, last.scheduling.attempts)).toFixed(0),
      fmtInt(last.incidents ?? 0),
      fmtInt(last.events),
    ];
  });
  printTable(`median of ${o.runs} run(s), each a fresh child process (runScenario only; peak RSS of the process)`, ['build', 'wall', 'cpu', 'peak RSS', 'scheduled / completed', 'attempts / failed', 'nodes evaluated per attempt', 'incidents', 'events'], rows);
  if (contenders.length === 2) {
    const same = JSON.stringify(results[0].at(-1).pods) === JSON.stringify(results[1].at(-1).pods) && JSON.stringify(results[0].at(-1).scheduling) === JSON.stringify(results[1].at(-1).scheduling);
    console.log(`pod and scheduling counts of the two builds ${same ? 'are identical' : 'DIFFER'}`);
  }
  const wall = med(0, (r) => r.wallSeconds);
  const rss = med(0, (r) => r.peakRSS);
  const peerWall = contenders.length === 2 ? med(1, (r) => r.wallSeconds) : undefined;
  const target = o.nodes === 10_000 && o.pods === 1_000_000 ? ['< 25 s', wall < 25] : o.nodes === 20_000 && o.pods === 2_000_000 ? ['< 90 s', wall < 90] : undefined;
  const label = `scale ${fmtInt(o.nodes)} nodes / ${fmtInt(o.pods)} pods / ${o.days} d with failures`;
  const summary = [
    { metric: `${label}: wall time`, orchsim: `${wall.toFixed(2)} s`, peer: peerWall !== undefined ? `${peerWall.toFixed(2)} s` : '-', ratio: peerWall !== undefined ? `${(peerWall / wall).toFixed(2)}x` : '-', target: target ? verdict(target[0], target[1]) : '-' },
    { metric: `${label}: peak RSS`, orchsim: fmtBytes(rss), peer: contenders.length === 2 ? fmtBytes(med(1, (r) => r.peakRSS)) : '-', ratio: '-', target: o.nodes === 10_000 ? verdict('< 1 GB', rss < 1e9) : '-' },
  ];
  return { summary, results };
}

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await child(argv[1], Number(argv[2]), Number(argv[3]), Number(argv[4]));
  } else {
    try {
      const { summary } = await run(argv);
      printSummary(summary, 'Scale summary');
    } catch (e) {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(2);
    }
  }
}
