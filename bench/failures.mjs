// Failure-heavy whole run (issue 4): 2,000 nodes in 3 zones, 200 services (1,000 replicas),
// 90 simulated days, Weibull node failures (shape 0.7, each node about 3 times in 90 days,
// lognormal repairs) plus one 2-hour zone outage. Reports wall time (target < 15 s), events,
// incidents and availability, so the run can be seen to be a real one.
//
// Run: node bench/failures.mjs   (after npm run build)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareScenario, runPrepared } from '../dist/scenario/index.js';
import { collectGarbage, isMain, machineLine, printTable, verdict } from './lib.mjs';

function scenarioYaml() {
  const services = Array.from({ length: 200 }, (_, i) => `  - { type: service, name: svc-${i}, replicas: 5, minAvailable: 3, requests: { cpu: ${[250, 500, 1000, 2000][i % 4]}m, memory: ${[1, 2, 4][i % 3]}Gi }, startup: { lognormal: { median: 20s, sigma: 0.5 } } }`);
  return `name: failure-heavy
seed: 7
horizon: 90d
sampleInterval: 1d
cluster:
  pools:
    - { name: node, count: 2000, zones: [zone-a, zone-b, zone-c], racksPerZone: 10, resources: { cpu: 32, memory: 128Gi } }
workloads:
${services.join('\n')}
failures:
  processes:
    - { name: nodes, domain: node, timeBetweenFailures: { weibull: { shape: 0.7, scale: 23d } }, repairTime: { lognormal: { median: 2h, sigma: 0.8 } } }
  outages:
    - { name: zone-b, at: 45d, zone: zone-b, duration: 2h }
`;
}

export async function run() {
  console.log(`\n=== Failure-heavy run (${machineLine()}) ===`);
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-bench-'));
  const file = join(dir, 'failure-heavy.yaml');
  writeFileSync(file, scenarioYaml());
  const prepared = prepareScenario(file);
  runPrepared(prepared); // warm-up (JIT)
  collectGarbage();
  const t0 = performance.now();
  const out = runPrepared(prepared);
  const wall = (performance.now() - t0) / 1000;
  const m = out.result.metrics;
  const worst = [...m.availability].sort((a, b) => a.availability - b.availability)[0];
  printTable('2,000 nodes, 200 services x 5 replicas, 90 days, Weibull node failures + a zone outage', ['figure', 'value'], [
    ['wall time', `${wall.toFixed(2)} s`],
    ['events', String(out.result.engine.events)],
    ['incidents / node failures', `${m.incidents.count} / ${m.incidents.nodeFailures}`],
    ['MTTD mean / MTTR mean, p95', `${m.incidents.mttdSeconds.mean.toFixed(0)} s / ${m.incidents.mttrSeconds.mean.toFixed(0)} s, ${m.incidents.mttrSeconds.p95.toFixed(0)} s`],
    ['open incidents at the horizon', String(m.incidents.open)],
    ['pods submitted (replicas + replacements)', String(m.pods.submitted)],
    ['worst service availability (all ready / >= 3)', `${(100 * worst.availability).toFixed(3)} % / ${(100 * worst.availabilityMin).toFixed(3)} %`],
  ]);
  return { summary: [{ metric: 'failure-heavy run: 2k nodes, 200 services, 90 d', orchsim: `${wall.toFixed(2)} s`, peer: '-', ratio: '-', target: verdict('< 15 s', wall < 15) }] };
}

if (isMain(import.meta.url)) await run();
