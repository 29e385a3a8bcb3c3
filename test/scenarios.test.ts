import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resultJSON, timeseriesCSV } from '../src/report/summary.js';
import { prepareScenario, runPrepared, type RunResult } from '../src/scenario/index.js';

/**
 * Every example scenario runs, and shows the story its comment tells. A new scenario without a
 * story check here fails the suite, so examples cannot rot unnoticed.
 */
const workload = (r: RunResult, name: string) => {
  const w = r.metrics.workloads.find((x) => x.name === name);
  if (!w) throw new Error(`no workload ${name}`);
  return w;
};

const stories: Record<string, (r: RunResult) => void> = {
  'gangs.yaml': (r) => {
    // Default profile: workers are placed one by one; incomplete gangs hold GPUs (over 5% of them).
    const g = r.metrics.gangs!;
    expect(g.submitted).toBe(33);
    expect(g.heldIdle.reservedGpuSeconds).toBe(0);
    expect(g.heldIdle.gpuShare).toBeGreaterThan(0.05);
    // The gang profile (Coscheduling): members wait at Permit with GPUs reserved and leave
    // together; far less is held idle, and the single-GPU pods wait far less.
    const gang = runPrepared(prepareScenario(join(dir, 'gangs.yaml'), { profile: 'gang' })).result.metrics;
    const gg = gang.gangs!;
    expect(gg.submitted).toBe(33);
    expect(gg.rejectedPods).toBeGreaterThan(0);
    expect(gg.heldIdle.gpuSeconds).toBe(gg.heldIdle.reservedGpuSeconds);
    expect(gg.heldIdle.gpuShare).toBeLessThan(g.heldIdle.gpuShare / 4);
    const single = (m: RunResult['metrics']) => m.workloads.find((w) => w.name === 'single-gpu')!.pendingSeconds.mean;
    expect(single(gang)).toBeLessThan(single(r.metrics) / 5);
  },
  'default.yaml': (r) => {
    expect(r.cluster.nodes).toBe(300);
    expect(r.metrics.pods.submitted).toBeGreaterThan(10_000);
    // All services are placed; GPU training jobs are the ones that wait.
    for (const s of ['web', 'api', 'cache']) expect(workload(r, s).pending).toBe(0);
    expect(workload(r, 'training').pendingSeconds.mean).toBeGreaterThan(workload(r, 'etl').pendingSeconds.mean);
  },
  'bad-rollout.yaml': (r) => {
    const rollouts = r.metrics.rollouts!;
    const web = rollouts.filter((x) => x.workload === 'web');
    const api = rollouts.filter((x) => x.workload === 'api');
    // The crash-looping web version never becomes available: no old pod is deleted
    // (maxUnavailable 0), the deadline never fires (restarts count as progress), the undo ends it.
    expect(web[0]).toMatchObject({ revision: 2, outcome: 'rolled-back', rolledBack: true, minAvailable: 10, deadlineExceededAt: NaN });
    expect(web[0]!.nodesAdded).toBeGreaterThan(0);
    expect(web[1]).toMatchObject({ revision: 3, cause: 'undo', outcome: 'complete' });
    expect(web[2]).toMatchObject({ revision: 4, outcome: 'complete', minAvailable: 10, maxPods: 13 });
    // The api's image never pulls: ProgressDeadlineExceeded after 300 s, and rollbackOnFailure brings revision 1 back.
    expect(api.map((x) => [x.revision, x.cause, x.outcome, x.deadlineExceededAt])).toEqual([[2, 'update', 'rolled-back', 7500], [3, 'rollback-on-failure', 'complete', NaN]]);
    expect(r.metrics.availability.find((a) => a.name === 'web')!.availabilityMin).toBe(1);
  },
  'probes.yaml': (r) => {
    const a = (name: string) => r.metrics.availability.find((x) => x.name === name)!;
    // The eager liveness probe kills every slow start: never Ready, never available.
    expect([a('eager').availability, a('eager').availabilityMin]).toEqual([0, 0]);
    expect(r.metrics.pods.bound).toBe(4);
    // The startup probe holds it off: all four Ready after the slowest start (up to 75 s, on the probes' grid).
    expect(a('guarded')).toMatchObject({ availability: 1, availabilityMin: 1 });
    expect(a('guarded').rolloutSeconds).toBeLessThanOrEqual(80);
    // Never fully ready, yet at minAvailable all along, serving only with its Ready replicas.
    expect([a('flaky').availability, a('flaky').availabilityMin]).toEqual([0, 1]);
    const served = r.metrics.autoscaling!.services.find((x) => x.name === 'flaky')!.requests!.servedFraction;
    expect(served).toBeGreaterThan(0.5);
    expect(served).toBeLessThan(0.95);
  },
  'zone-spread.yaml': (r) => {
    // zone-c fits 8 replicas; with maxSkew 1 zones a and b stop at 9: 26 of 30 placed.
    expect(workload(r, 'web-strict').scheduled).toBe(26);
    expect(workload(r, 'web-soft').pending).toBe(0);
  },
  'priority.yaml': (r) => {
    const urgent = workload(r, 'urgent').pendingSeconds;
    const rest = workload(r, 'best-effort').pendingSeconds;
    expect(urgent.mean).toBeLessThan(rest.mean / 2);
    expect(r.metrics.utilization.cpu).toBeGreaterThan(0.8);
    // DefaultPreemption: urgent pods preempt best-effort ones (never the reverse), so no urgent
    // pod waits much longer than its victims' 30 s grace period; the victims' work is lost.
    const p = r.metrics.preemption!;
    expect(Object.keys(p.victimsByWorkload)).toEqual(['best-effort']);
    expect(urgent.max).toBeLessThan(120);
    expect(p.lostCpuHours).toBeGreaterThan(0);
  },
  'gpu-training.yaml': (r) => {
    expect(r.metrics.utilization.gpu).toBeGreaterThan(0.3);
    expect(workload(r, 'cpu-batch').pendingSeconds.p99).toBe(0);
    expect(workload(r, 'training').pendingSeconds.max).toBeGreaterThan(3600);
  },
  'zone-outage.yaml': (r) => {
    const spread = r.metrics.availability.find((a) => a.name === 'web-spread')!;
    const zonal = r.metrics.availability.find((a) => a.name === 'web-zonal')!;
    expect(spread.availabilityMin).toBe(1); // never below 4 of 6
    expect(zonal.availabilityMin).toBeLessThan(1); // all 6 were in zone-a
    expect(spread.downtimeMinutes).toBeGreaterThan(100); // replacements blocked by maxSkew for ~2 h
    expect(zonal.downtimeMinutes).toBeLessThan(10); // back after 50 s + 300 s + start-up
    const p = r.metrics.incidents.mttrSeconds.parts;
    expect([p.detection, p.evictionWait]).toEqual([50, 300]);
  },
  'rack-failures.yaml': (r) => {
    const inc = r.metrics.incidents;
    expect(inc.count).toBeGreaterThan(20);
    expect(inc.mttdSeconds.mean).toBe(50);
    expect(inc.mttrSeconds.p50).toBeGreaterThan(350);
    expect(r.metrics.availability.find((a) => a.name === 'api')!.availabilityMin).toBe(1);
    expect(r.metrics.availability.find((a) => a.name === 'singleton')!.availability).toBeLessThan(1);
    expect(inc.lostCpuHours).toBeGreaterThan(0);
  },
  'gpu-faults.yaml': (r) => {
    const inc = r.metrics.incidents;
    expect(inc.gpuFaults).toBeGreaterThan(5);
    expect(inc.lostGpuHours).toBeGreaterThan(100); // training work killed by faults
    expect(workload(r, 'pretrain').completed).toBe(400); // the Job still finishes by retrying
    expect(inc.mttrSeconds.parts.pending).toBeGreaterThan(inc.mttrSeconds.parts.startup); // waiting for 8 free GPUs dominates
    expect(r.metrics.availability.find((a) => a.name === 'inference')!.availabilityMin).toBe(1);
  },
  'flash-crowd.yaml': (r) => {
    const a = r.metrics.autoscaling!;
    const web = a.services.find((s) => s.name === 'web')!;
    // The HPA reaches 50 replicas (3000 rps / 100 per replica / 60 %) and comes back to 10.
    expect(web.replicas.max).toBe(50);
    expect(web.replicas.final).toBe(10);
    // The cluster autoscaler adds nodes during the spike and removes them afterwards.
    const pool = a.pools.find((p) => p.name === 'web')!;
    expect(pool.nodes.max).toBeGreaterThan(10);
    expect(pool.nodes.final).toBeLessThan(pool.nodes.max);
    // New replicas wait for nodes: minutes to capacity, requests dropped meanwhile.
    const spike = web.loadEvents[0]!;
    expect(spike.timeToCapacitySeconds).toBeGreaterThan(180);
    expect(spike.timeToCapacitySeconds).toBeLessThan(900);
    expect(web.requests!.dropped).toBeGreaterThan(0);
    expect(web.slo!.violationMinutes).toBeGreaterThan(1);
    // Cost is node-hours x price.
    expect(a.cost).toBeCloseTo(pool.nodeHours * 0.384, 9);
  },
  'stabilization.yaml': (r) => {
    const [steady, jumpy] = ['steady', 'jumpy'].map((n) => r.metrics.autoscaling!.services.find((s) => s.name === n)!);
    // With the 300 s window the replicas survive the 3-minute gaps: spikes 2-5 find capacity at once.
    expect(steady!.loadEvents.slice(1).map((e) => e.timeToCapacitySeconds)).toEqual([0, 0, 0, 0]);
    // Without it every spike starts from the minimum again.
    for (const e of jumpy!.loadEvents) expect(e.timeToCapacitySeconds).toBeGreaterThan(30);
    expect(jumpy!.requests!.dropped).toBeGreaterThan(2 * steady!.requests!.dropped);
    expect(jumpy!.replicas.mean).toBeLessThan(steady!.replicas.mean);
  },
  'diurnal-week.yaml': (r) => {
    const a = r.metrics.autoscaling!;
    const pool = a.pools[0]!;
    // Nodes come every morning and go every evening.
    expect(a.actions['cluster-autoscaler']!['node-removed']).toBeGreaterThan(14);
    // The week costs well under a cluster sized for the peak all week.
    const peakCost = pool.nodes.max * 168 * pool.pricePerHour;
    expect(a.cost).toBeLessThan(0.8 * peakCost);
    for (const s of a.services) expect(s.requests!.servedFraction).toBeGreaterThan(0.995);
  },
  'web-tier.yaml': (r) => {
    // The starting size, 9 nodes, keeps 8 replicas ready throughout but cannot hold the spike's
    // replicas once zone-a is dark: requests are dropped (orchsim plan finds the size that can).
    const web = r.metrics.autoscaling!.services.find((s) => s.name === 'web')!;
    expect(r.metrics.availability[0]!.availabilityMin).toBe(1);
    expect(web.requests!.servedFraction).toBeLessThan(0.99);
    expect(web.replicas.max).toBeGreaterThan(30);
    expect(r.metrics.incidents.count).toBeGreaterThanOrEqual(1);
  },
  'drain-pdb.yaml': (r) => {
    const d = r.metrics.disruption!;
    // tight-0: one eviction allowed, then refused (429) every 5 s until the window closes.
    expect(d.drains.list.map((x) => [x.source, x.outcome])).toEqual([['drain-tight', 'blocked'], ['drain-roomy', 'completed']]);
    expect(d.drains.list[0]!.waitedSeconds).toBe(3600);
    expect(d.budgets.find((b) => b.name === 'api')!.evictions).toMatchObject({ allowed: 1, blocked: 720 });
    // roomy-0: each eviction waits for the previous replacement to start.
    expect(d.drains.list[1]!.waitedSeconds).toBeGreaterThan(0);
    expect(d.drains.list[1]!.waitedSeconds).toBeLessThan(600);
  },
  'preemption.yaml': (r) => {
    // The spike's checkout replicas preempt batch pods (never the reverse): they wait for the
    // victims' 30 s grace period, not for batch to finish; the victims' work is lost.
    const p = r.metrics.preemption!;
    expect(p.preemptors).toBeGreaterThan(0);
    expect(p.victims).toBeGreaterThanOrEqual(p.preemptors);
    expect(Object.keys(p.victimsByWorkload).every((w) => w !== 'checkout')).toBe(true);
    expect(p.lostCpuHours).toBeGreaterThan(0);
    // 7 reindex pods preempted > backoffLimit 6: the Job fails, its running pods with it.
    expect(p.victimsByWorkload['reindex']).toBeGreaterThan(6);
    expect(r.metrics.pods.failed).toBeGreaterThan(p.victimsByWorkload['reindex']!);
    expect(workload(r, 'checkout').pendingSeconds.max).toBeLessThan(300);
    expect(r.metrics.availability.find((a) => a.name === 'checkout')!.availabilityMin).toBe(1);
  },
  'daemonset.yaml': (r) => {
    // One agent per node, the tainted GPU nodes too, none waiting: 30 cores of 6,720 (0.45%).
    const d = r.metrics.daemonSets!;
    expect(d).toMatchObject({ pods: 300, pending: 0, requested: { milliCPU: 30_000 } });
    expect(d.share.cpu).toBeCloseTo(30 / 6720, 6);
    expect(workload(r, 'node-exporter').pendingSeconds.max).toBe(0);
    for (const s of ['web', 'api', 'cache']) expect(workload(r, s).pending).toBe(0);
  },
  'rollout-surge.yaml': (r) => {
    // 12 replicas fill 3 nodes; the 3 surge pods fit nowhere: no progress, the deadline passes.
    expect(r.metrics.rollouts!.map((x) => [x.outcome, x.deadlineExceededAt, x.minAvailable, x.maxPods])).toEqual([['deadline-exceeded', 2400, 12, 15]]);
    expect(workload(r, 'checkout').pending).toBe(3);
  },
  'swarm-stack.yaml': (r) => {
    // The stack file's three services, each placed in full: web 6, api 4, the exporter once per node.
    expect(r.cluster.nodes).toBe(7);
    expect(workload(r, 'web-stack_web')).toMatchObject({ submitted: 6, scheduled: 6, pending: 0 });
    expect(workload(r, 'web-stack_api')).toMatchObject({ submitted: 4, scheduled: 4, pending: 0 });
    expect(r.metrics.daemonSets).toMatchObject({ pods: 7, pending: 0 });
  },
  'swarm-vs-k8s.yaml': (r) => {
    // As written it runs under Kubernetes (the compare block adds the Swarm arm): dead nodes are
    // seen after 50 s, replicas come back after the 300 s toleration; the rollout completes.
    expect(r.orchestrator).toBeUndefined();
    expect(r.metrics.incidents.mttdSeconds.mean).toBe(50);
    expect(r.metrics.incidents.mttrSeconds.mean).toBeGreaterThan(350);
    expect(r.metrics.rollouts![0]).toMatchObject({ workload: 'web', outcome: 'complete' });
  },
  'kueue-baseline.yaml': (r) => {
    // Kueue's baseline harness: 15,000 one-pod workloads in 30 ClusterQueues, every one admitted
    // and finished (preempted ones admitted again); none waits for a node once admitted.
    const q = r.metrics.queueing!;
    expect(r.metrics.pods.completed).toBe(15_000);
    expect(q.clusterQueues).toHaveLength(30);
    expect(q.clusterQueues.reduce((a, c) => a + c.pendingAtEnd, 0)).toBe(0);
    expect(q.preempted).toBeGreaterThan(0);
    expect(r.metrics.pendingSeconds.max).toBe(0);
  },
  'training-gangs.yaml': (r) => {
    // The default arm (as written): the 8-GPU one-pod jobs wait for a whole node's GPUs, for hours,
    // while the 1-4 GPU jobs rarely wait; the gangs arms are checked in test/experiments/training-gangs.test.ts.
    expect(workload(r, 'training-8gpu').pendingSeconds.max).toBeGreaterThan(3600);
    expect(workload(r, 'training').pendingSeconds.p95).toBeLessThan(60);
  },
  'queues.yaml': (r) => {
    const q = r.metrics.queueing!;
    const cq = (name: string) => q.clusterQueues.find((c) => c.name === name)!;
    // Fair sharing: both teams borrow the spare quota, team-a (weight 2) more; weighted shares end up close.
    expect(cq('team-a').borrowed.cpu).toBeGreaterThan(cq('team-b').borrowed.cpu);
    expect(cq('team-b').borrowed.cpu).toBeGreaterThan(10);
    expect(q.fairness).toBeGreaterThan(0.95);
    // Borrowing never takes a queue past what the cohort holds (32 + 32 + 96 cores).
    expect(cq('team-a').usage.cpu + cq('team-b').usage.cpu).toBeLessThanOrEqual(160);
    expect(cq('spare').admitted).toBe(0);
    // The StrictFIFO GPU queue: pretrain (16 GPUs) waits for finetune-1, and the jobs behind it wait for pretrain.
    expect(cq('ml')).toMatchObject({ admitted: 4, pendingAtEnd: 0, preempted: 0 });
    expect(cq('ml').admissionWaitSeconds.max).toBeGreaterThan(3600);
    expect(q.gpuAllocation).toBeGreaterThan(0.3);
    expect(q.preempted).toBeGreaterThan(0);
  },
  'from-manifests.yaml': (r) => {
    expect(r.cluster.nodes).toBe(3);
    expect(workload(r, 'shop/web')).toMatchObject({ submitted: 6, scheduled: 2, pending: 4 });
    expect(workload(r, 'ml/train').completed).toBe(4);
  },
};

const dir = 'scenarios';
const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));

/**
 * The golden: a SHA-256 of each example's result.json and timeseries.csv, exactly as `orchsim run
 * --out` writes them. A change that moves any number of any example fails here; change the
 * golden only on purpose (ORCHSIM_UPDATE_GOLDEN=1 npx vitest run test/scenarios.test.ts), and
 * say why in the commit.
 */
const GOLDEN = 'test/golden/scenarios.json';
type Golden = Record<string, { 'result.json': string; 'timeseries.csv': string }>;
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;
const update = process.env.ORCHSIM_UPDATE_GOLDEN === '1';
const seen: Golden = {};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('example scenarios', () => {
  it('each has a story check and a golden', () => {
    expect(files.filter((f) => !(f in stories))).toEqual([]);
    if (!update) expect(files.filter((f) => !(f in golden))).toEqual([]);
  });
  it.each(files)('%s runs, tells its story and matches its golden', (f) => {
    const out = runPrepared(prepareScenario(join(dir, f)));
    const m = out.result.metrics;
    expect(m.pods.submitted).toBe(m.pods.pending + m.pods.bound + m.pods.running + m.pods.completed + m.pods.failed + m.pods.deleted);
    stories[f]!(out.result);
    const hashes = { 'result.json': sha256(resultJSON(out.result)), 'timeseries.csv': sha256(timeseriesCSV(out.timeseries)) };
    seen[f] = hashes;
    if (!update) expect(hashes, `${f} differs from ${GOLDEN}`).toEqual(golden[f]);
  });
  afterAll(() => {
    if (update) writeFileSync(GOLDEN, JSON.stringify(Object.fromEntries(Object.entries(seen).sort()), null, 2) + '\n');
  });
});
