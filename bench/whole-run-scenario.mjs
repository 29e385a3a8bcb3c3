// The whole run's scenario (bench/whole-run.mjs, section 3 of bench/README.md): 1,000 mixed nodes,
// 100,000 Poisson batch pods over 7 days, default profile, kubernetes queue. Shared by the child
// process (whole-run-child.mjs) and the in-process A/B (whole-run-ab.mjs).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mixedNodes } from './scheduling.mjs';

const NODES = 1_000;
const PODS = 100_000;
const HORIZON = 7 * 86_400;
const RATE = PODS / HORIZON;
/**
 * Mean pod run time, exponential: 1 day. Offered cpu load = rate x mean duration x mean request
 * = 0.165/s x 86,400 s x 1.55 cores = ~22,100 cores of ~30,000 allocatable (~74%); the cluster
 * starts empty, so the time-averaged requested cpu over the 7 days comes out ~60-65%.
 */
const MEAN_DURATION = 86_400;
const MiB = 2 ** 20;

/** The scenario, built with the `dist/` of `root` (this checkout or a peer). */
export async function wholeRunScenario(root) {
  const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
  const [{ BUILTIN_PROFILES }, { poissonArrivals }, { sizedPodSpecs }, { resources }] = await Promise.all([
    at('schedulers/builtins.js'), at('workloads/arrivals.js'), at('workloads/batch.js'), at('api/resources.js'),
  ]);
  const template = { namespace: 'default', labels: { app: 'batch' }, priority: 0, requests: resources({}) };
  return {
    name: 'bench-whole-run',
    file: '<bench>',
    seed: 42,
    horizon: HORIZON,
    sampleInterval: 300,
    nodes: mixedNodes(NODES, 'whole-run/nodes'),
    workloads: [{
      kind: 'batch',
      name: 'batch',
      arrivals: poissonArrivals(RATE, 0, HORIZON),
      pods: sizedPodSpecs(template, {
        milliCPU: { kind: 'choice', values: [250, 500, 1000, 2000, 4000] },
        memory: { kind: 'choice', values: [512 * MiB, 1024 * MiB, 2048 * MiB, 4096 * MiB, 8192 * MiB] },
      }),
      duration: { kind: 'exponential', mean: MEAN_DURATION },
      startup: { kind: 'fixed', value: 0 },
      maxPods: PODS,
    }],
    profile: BUILTIN_PROFILES.find((p) => p.name === 'default'),
    queue: 'kubernetes',
  };
}

/** The shape's figures, for reports. */
export const WHOLE_RUN = { NODES, PODS, HORIZON, RATE, MEAN_DURATION };
