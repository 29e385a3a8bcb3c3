// A user's plugin module against the built-in it reimplements (issue 17): the `binpack` profile
// (NodeResourcesFit MostAllocated) and the same profile with MostAllocated taken from a module
// (bench/plugins/most-allocated.mjs, loaded as `orchsim run --plugin` loads it), scheduling and
// binding the same pods on the 5,000-node cluster of bench/scheduling.mjs, adaptive scoring.
// Alternating repetitions; median pods/s of each and the ratio. Both must place every pod on
// the same node (checked), so the time compares the same work. The module's plugin runs as the
// commands run it: wrapped for the call watch (src/util/call-watch.ts: each call tells the
// watching thread what it is doing, so one that never returns is stopped after its budget); the
// unwatched module (as a library user calling it in their own thread gets it) is shown too.
//
// Run: node bench/user-plugin.mjs   (after npm run build)
import { fileURLToPath } from 'node:url';
import { BUILTIN_PROFILES, builtinPlugins } from '../dist/schedulers/builtins.js';
import { loadPluginModule } from '../dist/scenario/plugin-module.js';
import { buildFramework } from '../dist/scenario/runner.js';
import { ClusterState } from '../dist/sim/cluster.js';
import { RandomStreams } from '../dist/util/random.js';
import { installCallWatch, newWatchBuffer } from '../dist/util/call-watch.js';
import { collectGarbage, fmtRate, isMain, machineLine, median, printSummary, printTable, verdict } from './lib.mjs';
import { mixedNodes, mixedPods } from './scheduling.mjs';

const NODES = 5_000;
const PODS = 3 * NODES;
const REPETITIONS = 5;

const binpack = BUILTIN_PROFILES.find((p) => p.name === 'binpack');

function scheduleAll(nodeSpecs, pods, profile, registry, watched = false) {
  const cluster = new ClusterState(nodeSpecs.length);
  for (const n of nodeSpecs) cluster.addNode(n);
  const streams = new RandomStreams(1);
  // A module's plugins are wrapped when their factory runs in a thread with a watch.
  installCallWatch(watched ? newWatchBuffer() : undefined);
  const framework = buildFramework(profile, streams, registry);
  installCallWatch(undefined);
  const tieBreak = streams.get('scheduler/tie-break');
  const placed = new Int32Array(pods.length);
  collectGarbage();
  const t0 = performance.now();
  for (let k = 0; k < pods.length; k++) {
    const node = framework.schedule(pods[k], cluster, tieBreak);
    placed[k] = node;
    if (node >= 0) cluster.bind(pods[k], node);
  }
  return { seconds: (performance.now() - t0) / 1000, placed };
}

export async function run() {
  console.log(`\n=== A user's plugin module against the built-in it reimplements (${machineLine()}) ===`);
  const module = await loadPluginModule(fileURLToPath(new URL('./plugins/most-allocated.mjs', import.meta.url)));
  const registry = builtinPlugins();
  for (const p of module.plugins) registry.register(p);
  // The same profile, MostAllocated scored by the module: NodeResourcesFit keeps its filter only.
  const mine = {
    ...binpack,
    name: 'binpack-user',
    plugins: [...binpack.plugins.map((p) => (p.name === 'NodeResourcesFit' ? { ...p, weight: 0 } : p)), { name: 'UserMostAllocated', weight: 1 }],
  };
  const nodes = mixedNodes(NODES, `scheduling/nodes-${NODES}`);
  const pods = mixedPods(PODS, 'scheduling/pods');
  // Warm-up, untimed; and the check that both place every pod alike.
  const a = scheduleAll(nodes, pods, binpack);
  const b = scheduleAll(nodes, pods, mine, registry, true);
  const c = scheduleAll(nodes, pods, mine, registry);
  const same = a.placed.every((n, i) => n === b.placed[i] && n === c.placed[i]);
  const builtin = [];
  const user = [];
  const unwatched = [];
  const order = [
    () => builtin.push(PODS / scheduleAll(nodes, pods, binpack).seconds),
    () => user.push(PODS / scheduleAll(nodes, pods, mine, registry, true).seconds),
    () => unwatched.push(PODS / scheduleAll(nodes, pods, mine, registry).seconds),
  ];
  for (let r = 0; r < REPETITIONS; r++) {
    // Rotate which goes first, so none always runs on a warmer heap.
    for (let k = 0; k < order.length; k++) order[(r + k) % order.length]();
  }
  const ratio = median(builtin) / median(user);
  const ratioUnwatched = median(builtin) / median(unwatched);
  printTable(`${NODES.toLocaleString('en')} nodes, ${PODS.toLocaleString('en')} pods scheduled and bound, adaptive scoring, ${REPETITIONS} alternating repetitions; same placements: ${same ? 'yes' : 'NO'}`,
    ['profile', 'pods/s (median)', 'min', 'max'],
    [
      ['binpack (built-in MostAllocated)', fmtRate(median(builtin)), fmtRate(Math.min(...builtin)), fmtRate(Math.max(...builtin))],
      ['binpack-user (MostAllocated from a module, watched as in run/compare/plan)', fmtRate(median(user)), fmtRate(Math.min(...user)), fmtRate(Math.max(...user))],
      ['binpack-user, unwatched (a library caller\'s own thread)', fmtRate(median(unwatched)), fmtRate(Math.min(...unwatched)), fmtRate(Math.max(...unwatched))],
    ]);
  console.log(`time ratio to the built-in: watched ${ratio.toFixed(2)}x, unwatched ${ratioUnwatched.toFixed(2)}x`);
  return {
    summary: [{
      metric: `user MostAllocated module (watched) vs built-in, ${NODES.toLocaleString('en')} nodes (time ratio; same placements: ${same ? 'yes' : 'NO'})`,
      orchsim: fmtRate(median(user)),
      peer: fmtRate(median(builtin)),
      ratio: `${ratio.toFixed(2)}x`,
      target: verdict('<= 1.5x the built-in\'s time', same && ratio <= 1.5),
    }],
  };
}

if (isMain(import.meta.url)) {
  const { summary } = await run();
  printSummary(summary, 'User plugin summary');
}
