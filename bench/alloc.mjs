// The bytes one run allocates, by the function that allocated them: V8's sampling heap profiler
// with the objects scavenges and mark-compacts collected included (a run's garbage is what
// makes its scavenges; what survives, what they copy). One untimed run first (so the code is
// optimized as in a long run), then one sampled run. Prints the total and the top allocators
// with their two callers. The sampling is random (every 4 KiB on average): totals vary by a few
// percent from run to run; the big rows do not move.
//
// Run: node bench/alloc.mjs [DIR] SCENARIO.yaml [ROWS]   (DIR: a build's root, default this checkout)
// e.g. node bench/alloc.mjs /tmp/before /tmp/mmc.yaml 20
import { Session } from 'node:inspector/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machineLine } from './lib.mjs';

const args = process.argv.slice(2);
const root = args.length >= 2 && existsSync(resolve(args[0], 'dist')) ? args.shift() : resolve(new URL('..', import.meta.url).pathname);
const [file, rowsArg] = args;
if (!file) {
  console.error('usage: node bench/alloc.mjs [DIR] SCENARIO.yaml [ROWS]');
  process.exit(2);
}
const index = await import(pathToFileURL(resolve(root, 'dist/scenario/index.js')).href);
const runner = await import(pathToFileURL(resolve(root, 'dist/scenario/runner.js')).href);
const simulation = () => runner.createSimulation(index.prepareScenario(file).resolved);
simulation().run();
const sim = simulation();
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
sim.run();
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

const bytes = new Map();
let total = 0;
const name = (cf) => `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-1)[0]}:${cf.lineNumber + 1}`;
const walk = (node, callers) => {
  if (node.selfSize > 0) {
    const key = `${name(node.callFrame)}  <- ${callers.slice(-2).reverse().join(' <- ')}`;
    bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  for (const child of node.children) walk(child, [...callers, node.callFrame.functionName || '(anonymous)']);
};
walk(profile.head, []);
console.log(`\n=== ${file} with ${root}: bytes allocated by one run (${machineLine()}) ===`);
console.log(`total ${(total / 1e6).toFixed(1)} MB`);
for (const [key, b] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg ?? 15))) console.log(`${(b / 1e6).toFixed(1).padStart(7)} MB  ${key}`);
