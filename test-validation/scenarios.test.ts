/**
 * The example scenarios that replay real traces (scenarios/traces/), each with its story.
 * They read `data:` files from ORCHSIM_DATA (vitest.validation.config.ts sets it); each is
 * skipped, with a message, when its dataset is not there.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../src/scenario/index.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const DATA = process.env.ORCHSIM_DATA ?? resolve(ROOT, '../shared/data');
const have = existsSync(DATA);
if (!have) console.warn(`test-validation: ${DATA} not found, skipping the trace scenarios`);
/** Whether the data directory has a dataset's folder; says which command fetches it when not. */
function has(folder: string, dataset: string): boolean {
  if (!have) return false;
  if (existsSync(join(DATA, folder))) return true;
  console.warn(`test-validation: ${join(DATA, folder)} not found, skipping its trace scenario (orchsim data pull ${dataset})`);
  return false;
}

/** Runs a trace scenario in a worker thread (helpers/run-scenario-worker.mjs), so this worker stays responsive. */
function run(file: string, options: { profile?: string; queue?: 'fifo' } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./helpers/run-scenario-worker.mjs', import.meta.url), { workerData: { file: join(ROOT, 'scenarios/traces', file), ...options } });
    worker.once('message', (result: RunResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker running ${file} exited with ${code} before answering`)));
  });
}

describe.skipIf(!have)('trace scenarios (scenarios/traces)', () => {
  it('each file has a story check here', () => {
    expect(readdirSync(join(ROOT, 'scenarios/traces')).sort()).toEqual(['azure-inference.yaml', 'lanl-replay.yaml', 'openb-replay.yaml', 'sdsc-sp2.yaml', 'uptime-replay.yaml']);
  });

  it.skipIf(!has('arrivals/azure-llm', 'azure-llm'))('azure-inference: the bursty LLM trace drives the HPA and the GPU pool, and bursts cost dropped requests', async () => {
    const r = await run('azure-inference.yaml');
    const a = r.metrics.autoscaling!;
    const chat = a.services[0]!;
    // 19,366 requests an hour x 4 x 6 hours, within the integration's rounding.
    expect(chat.requests!.offered).toBeGreaterThan(0.99 * 19366 * 4 * 6 * 3600 / 3501.72);
    expect(chat.requests!.offered).toBeLessThan(1.01 * 19366 * 4 * 6 * 3600 / 3501.72);
    expect(chat.requests!.servedFraction).toBeLessThan(1);
    expect(chat.requests!.servedFraction).toBeGreaterThan(0.95);
    expect(chat.replicas.max).toBeGreaterThan(chat.replicas.min);
    expect(a.pools[0]!.nodes.max).toBeGreaterThan(2);
  });

  it.skipIf(!has('openb', 'openb'))('openb-replay: every pod of the default trace is placed on its own cluster, with its own times', async () => {
    const r = await run('openb-replay.yaml');
    expect(r.cluster.nodes).toBe(1213);
    expect(r.cluster.allocatable.gpu).toBe(6212);
    expect(r.metrics.pods.submitted).toBe(8152);
    expect(r.metrics.pods.scheduled).toBe(8152);
  });

  it.skipIf(!has('failures/lanl', 'lanl'))('lanl-replay: a year of system 20 failures, detected and recovered with Kubernetes timings', async () => {
    const r = await run('lanl-replay.yaml');
    const inc = r.metrics.incidents;
    expect(inc.nodeFailures).toBeGreaterThan(500);
    expect(inc.open).toBe(0);
    expect(inc.mttdSeconds.mean).toBe(50);
    expect(r.metrics.availability.find((a) => a.name === 'api')!.availabilityMin).toBe(1);
    expect(inc.lostCpuHours).toBeGreaterThan(0);
  });

  it.skipIf(!has('failures/uptime', 'uptime --from MIRROR'))('uptime-replay: user-reported outages take fractions of the hosts down', async () => {
    const r = await run('uptime-replay.yaml');
    expect(r.metrics.incidents.count).toBeGreaterThan(10);
    expect(r.metrics.availability[0]!.availability).toBeLessThan(1);
  });

  it.skipIf(!has('swf', 'swf'))('sdsc-sp2: the Kubernetes queue cuts the mean wait but lets the widest jobs starve longer than FIFO', async () => {
    const [kube, fifo] = await Promise.all([run('sdsc-sp2.yaml'), run('sdsc-sp2.yaml', { queue: 'fifo' })]);
    const k = kube.metrics.pendingSeconds;
    const f = fifo.metrics.pendingSeconds;
    expect(k.mean).toBeLessThan(f.mean / 2);
    expect(k.max).toBeGreaterThan(f.max);
  });
});
