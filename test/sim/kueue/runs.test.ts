import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareScenarioValue } from '../../../src/scenario/index.js';
import { parseYaml } from '../../../src/scenario/load.js';
import { createSimulation, runScenario } from '../../../src/scenario/runner.js';
import { resultJSON } from '../../../src/report/summary.js';
import { queueOrder } from '../../../src/sim/kueue/queues.js';
import type { Lifecycle } from '../../../src/sim/lifecycle.js';
import type { QueueingConfig } from '../../../src/api/queueing.js';

/**
 * Kueue in whole runs: admission gates pod creation, quota bounds hold at every admission,
 * StrictFIFO never admits out of order, fair sharing splits borrowed quota by the weights,
 * and the same seed gives the same result.
 */
function prepare(text: string) {
  const { value, locate } = parseYaml(text, 'queues.yaml');
  return prepareScenarioValue(value, 'queues.yaml', locate);
}
const run = (text: string) => {
  const p = prepare(text);
  return runScenario(p.resolved, p.runOptions).result;
};

const base = (queueing: string, workloads: string, horizon = '4h') => `
name: q
seed: 4
horizon: ${horizon}
sampleInterval: 30m
cluster:
  pools:
    - { name: n, count: 8, resources: { cpu: 64, memory: 256Gi }, labels: { pool: n } }
queueing:
${queueing}
workloads:
${workloads}
`;

describe('Kueue admission in runs', () => {
  it('a queued Job creates no pod until admitted; StrictFIFO holds the smaller job behind a head that does not fit', () => {
    const r = run(base(`
  flavors: [{ name: default }]
  clusterQueues:
    - { name: q, queueingStrategy: StrictFIFO, resources: [{ flavor: default, cpu: { nominal: 8 } }] }
  localQueues: [{ name: q, clusterQueue: q }]`, `
  - { type: job, name: first, queue: q, parallelism: 2, completions: 2, duration: 1h, requests: { cpu: 3 } }
  - { type: job, name: big, queue: q, startAt: 1m, completions: 1, duration: 1h, requests: { cpu: 6 } }
  - { type: job, name: small, queue: q, startAt: 2m, completions: 1, duration: 10m, requests: { cpu: 1 } }`));
    const q = r.metrics.queueing!;
    const waits = q.clusterQueues[0]!.admissionWaitSeconds;
    // small (1 cpu) would fit next to first (6 of 8), but big is ahead of it: it waits for first to finish.
    expect(waits.count).toBe(3);
    expect(waits.max).toBeGreaterThanOrEqual(3600 - 120);
    // No pod waits in kube-scheduler's queue for quota: every pod is created admitted.
    expect(r.metrics.workloads.find((w) => w.name === 'small')!.pendingSeconds.max).toBe(0);
  });

  it('BestEffortFIFO lets the small job past the head that does not fit', () => {
    const r = run(base(`
  flavors: [{ name: default }]
  clusterQueues:
    - { name: q, resources: [{ flavor: default, cpu: { nominal: 8 } }] }
  localQueues: [{ name: q, clusterQueue: q }]`, `
  - { type: job, name: first, queue: q, parallelism: 2, completions: 2, duration: 1h, requests: { cpu: 3 } }
  - { type: job, name: big, queue: q, startAt: 1m, completions: 1, duration: 1h, requests: { cpu: 6 } }
  - { type: job, name: small, queue: q, startAt: 2m, completions: 1, duration: 10m, requests: { cpu: 1 } }`));
    const waits = r.metrics.queueing!.clusterQueues[0]!.admissionWaitSeconds;
    // first and small at once, big after first.
    expect(waits.p50).toBe(0);
  });

  it('reclaimWithinCohort: a borrower\'s workloads are evicted (pods deleted, quota released) and requeued; the flavor\'s labels reach the pods', () => {
    const text = base(`
  flavors: [{ name: pool-n, nodeLabels: { pool: n } }]
  clusterQueues:
    - { name: a, cohort: org, resources: [{ flavor: pool-n, cpu: { nominal: 8 } }] }
    - { name: b, cohort: org, resources: [{ flavor: pool-n, cpu: { nominal: 8 } }], preemption: { reclaimWithinCohort: Any } }
  localQueues: [{ name: a, clusterQueue: a }, { name: b, clusterQueue: b }]`, `
  - { type: job, name: wide, queue: a, parallelism: 4, completions: 4, duration: 2h, requests: { cpu: 4 } }
  - { type: job, name: late, queue: b, startAt: 30m, completions: 1, duration: 10m, requests: { cpu: 4 } }`);
    const p = prepare(text);
    let selector: unknown;
    const sim = createSimulation(p.resolved, { ...p.runOptions, onBind: (pod) => {
      if (pod.name.startsWith('late')) selector = pod.spec.nodeSelector;
    } });
    const r = sim.run();
    const q = r.queueing!;
    expect(q.clusterQueues.map((c) => [c.name, c.admitted, c.preempted])).toEqual([['a', 2, 1], ['b', 1, 0]]);
    expect(r.pods.deleted).toBe(4);
    expect(selector).toEqual({ pool: 'n' });
    // wide ran again after late finished: it completes (4 pods after its 4 deleted ones).
    expect(r.workloads.find((w) => w.name === 'wide')!.completed).toBe(4);
  });

  it('an unknown queue name is bad input, named with its line', () => {
    expect(() => run(base(`
  flavors: [{ name: default }]
  clusterQueues: [{ name: q, resources: [{ flavor: default, cpu: { nominal: 8 } }] }]
  localQueues: [{ name: q, clusterQueue: q }]`, `
  - { type: job, name: j, queue: nope, duration: 1h, requests: { cpu: 1 } }`))).toThrow(/queues\.yaml:\d+:\d+.*unknown queue "nope"/s);
    expect(() => run(base(`
  flavors: [{ name: default }]
  clusterQueues: [{ name: q, resources: [{ flavor: gpu, cpu: { nominal: 8, borrowingLimit: 2 } }] }]
  localQueues: [{ name: q, clusterQueue: r }]`, '  []'))).toThrow(/unknown flavor "gpu".*borrowingLimit needs a cohort.*unknown cluster queue "r"/s);
  });
});

/** Random queueing setups: 2-3 ClusterQueues in a cohort with random quotas and limits, batch streams of random sizes. */
const setup = fc.record({
  queues: fc.array(fc.record({
    nominal: fc.integer({ min: 0, max: 16 }),
    borrowingLimit: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
    lendingShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    strict: fc.boolean(),
    preemption: fc.constantFrom('Never', 'LowerPriority', 'Any'),
    cpu: fc.integer({ min: 1, max: 6 }),
    podSet: fc.integer({ min: 1, max: 3 }),
    priority: fc.integer({ min: 0, max: 2 }),
  }), { minLength: 2, maxLength: 3 }),
  fairSharing: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1000 }),
});

type Setup = typeof setup extends fc.Arbitrary<infer T> ? T : never;

function setupScenario(s: Setup): string {
  const cqs = s.queues.map((q, i) => {
    const lend = q.lendingShare === undefined ? '' : `, lendingLimit: ${Math.floor(q.lendingShare * q.nominal)}`;
    const borrow = q.borrowingLimit === undefined ? '' : `, borrowingLimit: ${q.borrowingLimit}`;
    return `    - { name: q${i}, cohort: org, queueingStrategy: ${q.strict ? 'StrictFIFO' : 'BestEffortFIFO'}, resources: [{ flavor: default, cpu: { nominal: ${q.nominal}${borrow}${lend} } }], preemption: { withinClusterQueue: ${q.preemption === 'Any' ? 'LowerPriority' : q.preemption}, reclaimWithinCohort: ${q.preemption} } }`;
  }).join('\n');
  const lqs = s.queues.map((_, i) => `{ name: q${i}, clusterQueue: q${i} }`).join(', ');
  const wls = s.queues.map((q, i) => `  - { type: batch, name: w${i}, queue: q${i}, priority: ${q.priority}, count: 40, arrival: { poisson: { rate: 30/h } }, duration: { exponential: { mean: 20m } }, requests: { cpu: ${q.cpu} } }`).join('\n');
  return base(`  fairSharing: ${s.fairSharing}\n  flavors: [{ name: default }]\n  clusterQueues:\n${cqs}\n  localQueues: [${lqs}]`, wls, '3h').replace('seed: 4', `seed: ${s.seed}`);
}

/** Checks at every admission: quota bounds, whole admission, StrictFIFO order. Returns the admissions seen. */
function checked(text: string, podSets: readonly number[]): number {
  const p = prepare(text);
  const config = p.resolved.queueing!;
  let created = 0;
  let admissions = 0;
  const checker = (api: Lifecycle, cfg: { queueing?: QueueingConfig | undefined }) => {
    const cqs = cfg.queueing!.clusterQueues;
    api.on('podCreated', () => created++);
    api.on('kueueWorkloadAdmitted', (id) => {
      admissions++;
      const wl = api.kueueWorkloads[id]!;
      // Whole or nothing: exactly its podSet's pods were created by this admission, no pod before.
      expect(created).toBe(podSets[wl.wi]!);
      expect(wl.count).toBe(podSets[wl.wi]!);
      created = 0;
      // Usage per queue and for the cohort, from the admitted workloads (not the controller's own books).
      const used = cqs.map(() => 0);
      for (const w of api.kueueWorkloads) if (w.state === 'admitted') used[cqs.findIndex((c) => c.name === w.admission!.clusterQueue)]! += w.spec.requests.milliCPU * w.count;
      let cohortUsed = 0;
      let cohortQuota = 0;
      cqs.forEach((c, i) => {
        const q = c.resourceGroups[0]!.flavors[0]!.resources[0]!;
        if (q.borrowingLimit !== undefined) expect(used[i]!).toBeLessThanOrEqual(q.nominalQuota + q.borrowingLimit);
        const local = q.lendingLimit === undefined ? 0 : q.nominalQuota - q.lendingLimit;
        cohortUsed += Math.max(0, used[i]! - local);
        cohortQuota += q.nominalQuota - local;
      });
      // What the queues take from the cohort never exceeds what they lend it (lending limits respected).
      expect(cohortUsed).toBeLessThanOrEqual(cohortQuota);
      // StrictFIFO: nothing still pending in the queue was ahead of the admitted workload.
      const c = cqs.find((x) => x.name === wl.admission!.clusterQueue)!;
      if (c.queueingStrategy === 'StrictFIFO') {
        const key = (w: typeof wl) => ({ id: w.id, priority: w.priority, timestamp: w.createdAt });
        for (const w of api.kueueWorkloads) if (w.state === 'pending' && w.queue === wl.queue) expect(queueOrder(key(w), key(wl))).toBeGreaterThan(0);
      }
    });
    return { start() {} };
  };
  createSimulation({ ...p.resolved, queueing: config }, { ...p.runOptions, controllers: [checker] }).run();
  expect(created).toBe(0);
  return admissions;
}

describe('Kueue properties', () => {
  it('admitted usage stays within nominal + borrowing limits and the cohort\'s lendable quota; workloads are admitted whole; StrictFIFO admits in order', () => {
    fc.assert(fc.property(setup, (s) => {
      // podSetCount is not in the scenario yet (gangs come separately): one pod per arrival.
      const text = setupScenario(s);
      checked(text, s.queues.map(() => 1));
    }), { numRuns: 25 });
  });

  it('same scenario and seed, same result (determinism)', () => {
    fc.assert(fc.property(setup, (s) => {
      const text = setupScenario(s);
      expect(resultJSON(run(text))).toBe(resultJSON(run(text)));
    }), { numRuns: 5 });
  });

  it('fair sharing: backlogged tenants without quota of their own split the lender\'s quota by their weights (within 0.05 of each share over 6 h, every tenant backlogged)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }), (weights) => {
      const cqs = weights.map((w, i) => `    - { name: t${i}, cohort: org, resources: [{ flavor: default, cpu: { nominal: 0 } }], preemption: { reclaimWithinCohort: Any }, fairSharing: { weight: ${w} } }`).join('\n');
      const lqs = weights.map((_, i) => `{ name: t${i}, clusterQueue: t${i} }`).join(', ');
      const wls = weights.map((_, i) => `  - { type: batch, name: w${i}, queue: t${i}, arrival: { interval: 5s }, count: 5000, duration: { exponential: { mean: 10m } }, requests: { cpu: 1 } }`).join('\n');
      const r = run(base(`  fairSharing: true\n  flavors: [{ name: default }]\n  clusterQueues:\n${cqs}\n    - { name: lender, cohort: org, resources: [{ flavor: default, cpu: { nominal: 60 } }] }\n  localQueues: [${lqs}]`, wls, '6h'));
      const held = r.metrics.queueing!.clusterQueues.filter((c) => c.name.startsWith('t')).map((c) => c.usage.cpu);
      const total = held.reduce((a, b) => a + b, 0);
      const sum = weights.reduce((a, b) => a + b, 0);
      held.forEach((h, i) => expect(Math.abs(h / total - weights[i]! / sum)).toBeLessThan(0.05));
    }), { numRuns: 4 });
  });
});
