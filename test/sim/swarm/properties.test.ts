import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpuRequest } from '../../../src/api/gpu.js';
import { PodPhase } from '../../../src/api/pod.js';
import type { RolloutEvent, Workload } from '../../../src/api/workload.js';
import type { ResolvedScenario } from '../../../src/scenario/resolve.js';
import { runScenario } from '../../../src/scenario/runner.js';
import { SWARM_GRACE_PERIOD_MULTIPLIER, SWARM_HEARTBEAT_EPSILON, SWARM_NODE_DOWN_PERIOD } from '../../../src/sim/controllers/swarm/dispatcher.js';
import { SWARM_MAX_LATENCY } from '../../../src/sim/controllers/swarm/scheduler.js';
import { buildScenario, scenarioDescArb } from '../../../src/testing/scenarios.js';
import { podTableViolations, sameInputSameOutput } from '../../helpers/invariants.js';
import { crashEvery, globalService, nodes, outage, runTraced, service, settings, swarmScenario, type Traced } from './harness.js';

/**
 * Whole-run properties of the Swarm controllers over random clusters and workloads (the
 * scenario arbitraries Kubernetes' properties use, run with `orchestrator: swarm`, with random
 * Swarm settings, crashes, node outages and drains, a global service and an update on top).
 */

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const swarmDescArb = fc.record({
  base: scenarioDescArb({ maxNodes: 14, maxWorkloads: 4 }),
  /** Per workload (by index): Placement.MaxReplicas (0 = none), restart condition, delay and max attempts, a crash period. */
  perWorkload: fc.array(
    fc.record({
      maxReplicas: fc.constantFrom(0, 0, 1, 2, 3),
      condition: fc.constantFrom('any' as const, 'any' as const, 'on-failure' as const, 'none' as const),
      delay: fc.constantFrom(0, 1, 5, 10),
      maxAttempts: fc.constantFrom(0, 0, 1, 3),
      crashEvery: fc.option(fc.integer({ min: 20, max: 2000 }), { freq: 3 }),
    }),
    { minLength: 4, maxLength: 4 },
  ),
  outages: fc.array(fc.record({ node: fc.nat(), at: fc.integer({ min: 0, max: 3 * 3600 }), duration: fc.integer({ min: 5, max: 30 * 3600 }), drain: fc.boolean() }), { maxLength: 3 }),
  global: fc.boolean(),
  update: fc.option(fc.record({ at: fc.integer({ min: 3600, max: 3 * 3600 }), parallelism: fc.integer({ min: 0, max: 3 }), order: fc.constantFrom('stop-first' as const, 'start-first' as const), cpu: fc.constantFrom(100, 500, 2000) })),
  heartbeatPeriod: fc.constantFrom(undefined, 2, 5, 10),
});
type SwarmDesc = typeof swarmDescArb extends fc.Arbitrary<infer T> ? T : never;

function buildSwarm(d: SwarmDesc): ResolvedScenario {
  const s = buildScenario(d.base);
  let updated = false;
  const workloads: Workload[] = s.workloads.map((w, i) => {
    if (w.kind !== 'service' && w.kind !== 'job') return w;
    const p = d.perWorkload[i % 4]!;
    const swarm = settings({ placement: { maxReplicas: p.maxReplicas }, restart: { condition: p.condition, delay: p.delay, maxAttempts: p.maxAttempts }, update: d.update ? { parallelism: d.update.parallelism, order: d.update.order } : {} });
    const crashes = p.crashEvery !== null ? crashEvery(p.crashEvery) : undefined;
    let rollout = {};
    if (w.kind === 'service' && d.update && !updated && d.update.at >= w.startAt) {
      updated = true;
      const events: RolloutEvent[] = [{ at: d.update.at, kind: 'update', patch: { requests: { milliCPU: d.update.cpu } } }];
      rollout = { rollout: { strategy: { type: 'Recreate' }, minReadySeconds: 0, progressDeadlineSeconds: 600, rollbackOnFailure: false, events } };
    }
    return { ...w, swarm, ...(crashes ? { crashes } : {}), ...rollout };
  });
  if (d.global) workloads.push(globalService('agent', { cpu: 0.25, memoryGi: 0.25 }));
  const n = s.nodes.length;
  return {
    ...s, workloads, orchestrator: 'swarm',
    ...(d.heartbeatPeriod !== undefined ? { heartbeatPeriod: d.heartbeatPeriod } : {}),
    failures: { nodeMonitorGracePeriod: 50, defaultTolerationSeconds: 300, processes: [], outages: d.outages.map((o, k) => outage(`o${k}`, [o.node % n], o.at, o.duration, o.drain)) },
  };
}

describe('Swarm run invariants (property-based)', () => {
  it('never over-reserves a node (cpu, memory, whole GPUs) and keeps max replicas per node', () => {
    fc.assert(
      fc.property(swarmDescArb, (d) => {
        const s = buildSwarm(d);
        const problems: string[] = [];
        const maxReplicas = new Map(s.workloads.map((w) => [w.name, 'swarm' in w && w.swarm && w.kind === 'service' ? w.swarm.placement.maxReplicas : 0]));
        // At every bind: cpu, memory and milli-GPU within allocatable, as many whole free GPUs as the task takes (generic resources are discrete).
        runTraced(s, [], (pod, n, cluster, now) => {
          const node = cluster.nodes[n]!;
          const r = pod.spec.requests;
          const at = `t=${now}: ${pod.name} on ${node.name}`;
          if (node.requested.milliCPU + r.milliCPU > node.allocatable.milliCPU) problems.push(`${at}: cpu ${node.requested.milliCPU} + ${r.milliCPU} > ${node.allocatable.milliCPU}`);
          if (node.requested.memory + r.memory > node.allocatable.memory) problems.push(`${at}: memory over allocatable`);
          if (node.requested.milliGPU + r.milliGPU > node.allocatable.milliGPU) problems.push(`${at}: milli-GPU over allocatable`);
          const want = gpuRequest(r)?.count ?? 0;
          let whole = 0;
          for (let g = 0; g < node.gpuCount; g++) if (node.gpuFree(g) >= 1000) whole++;
          if (want > whole) problems.push(`${at}: ${want} GPUs, ${whole} whole ones free`);
          // Placement.MaxReplicas: fewer tasks of the service on the node than the limit before this one.
          const app = pod.spec.labels['app']!;
          const limit = maxReplicas.get(app) ?? 0;
          const already = node.pods.filter((q) => q.spec.labels['app'] === app).length;
          if (limit > 0 && already >= limit) problems.push(`${at}: ${already} tasks of ${app} already there, maxReplicas ${limit}`);
        });
        expect(problems).toEqual([]);
      }),
      runs(40),
    );
  });

  it('accounts for every task in exactly one phase; nodes list exactly their tasks; shut-down tasks only on DOWN nodes, none after 24 h', () => {
    fc.assert(
      fc.property(swarmDescArb, (d) => {
        const s = buildSwarm(d);
        const t = runTraced(s);
        expect(swarmAccountingViolations(t, s)).toEqual([]);
      }),
      runs(40),
    );
  });

  it('gives byte-identical result JSON for the same scenario and seed', () => {
    fc.assert(sameInputSameOutput(swarmDescArb, (d) => runScenario(buildSwarm(d))), runs(15));
  });
});

/**
 * Pod accounting under Swarm: the result's counts add up and agree with the pod table; a task is
 * listed on a node exactly while it is Bound or Running there; a task on a READY node is one the
 * orchestrator wants running, so each replicated service with the default restart policy (any,
 * unlimited) has exactly spec.replicas tasks on READY nodes or pending once started, outside an
 * update (start-first adds tasks while it runs); a global service has at most one per node;
 * shut-down tasks stay only on DOWN nodes (swarmkit keeps them until the node returns or 24 h pass:
 * none remains on a node DOWN longer than that).
 */
function swarmAccountingViolations(t: Traced, s: ResolvedScenario): string[] {
  const out: string[] = [];
  const { sim, result, api } = t;
  const pods = sim.pods;
  // A task removed on purpose (scale-down, update, drain of a global task) is in phase Failed, counted as deleted.
  out.push(...podTableViolations(sim, result));
  // Desired-running tasks per service: on READY nodes, or pending.
  const live = new Map<number, number>();
  const perNode = new Map<string, number>();
  for (let id = 0; id < pods.length; id++) {
    const ph = pods.phase[id]!;
    const n = pods.node[id]!;
    if (ph === PodPhase.Pending || ((ph === PodPhase.Bound || ph === PodPhase.Running) && api.isNodeReady(n))) {
      const wi = pods.workload[id]!;
      live.set(wi, (live.get(wi) ?? 0) + 1);
      const w = s.workloads[wi]!;
      if (w.kind === 'daemonset') {
        // A global task is pre-assigned to its node, and runs nowhere else.
        const pinned = pods.infos[id]!.spec.nodeName;
        if (pinned === undefined || (ph !== PodPhase.Pending && sim.cluster.nodes[n]!.name !== pinned)) out.push(`global ${pods.infos[id]!.name} pre-assigned to ${pinned}, on ${n}`);
        const key = `${w.name}@${pinned}`;
        perNode.set(key, (perNode.get(key) ?? 0) + 1);
        if (perNode.get(key)! > 1) out.push(`global ${key}: two live tasks`);
      }
    }
  }
  const horizon = s.horizon;
  s.workloads.forEach((w, wi) => {
    if (w.kind !== 'service' || w.startAt > horizon || !w.swarm) return;
    const rp = w.swarm.restartPolicy;
    const inUpdate = w.rollout !== undefined && (result.rollouts ?? []).some((r) => r.workload === w.name && r.outcome === 'in-progress');
    const n = live.get(wi) ?? 0;
    if (rp.condition === 'any' && rp.maxAttempts === 0 && !inUpdate && n !== w.replicas) out.push(`${w.name}: ${n} tasks desired running, replicas ${w.replicas}`);
    if (!inUpdate && n > w.replicas) out.push(`${w.name}: ${n} tasks desired running > replicas ${w.replicas}`);
  });
  const hb = s.heartbeatPeriod ?? 5;
  const latestDown = SWARM_GRACE_PERIOD_MULTIPLIER * (hb + SWARM_HEARTBEAT_EPSILON);
  sim.cluster.nodes.forEach((n, i) => {
    if (api.isNodeReady(i) || n.pods.length === 0) return;
    if (api.nodeDownSince(i) + latestDown + SWARM_NODE_DOWN_PERIOD < horizon) out.push(`${n.name} DOWN since ${api.nodeDownSince(i)} still holds ${n.pods.length} tasks at ${horizon}`);
  });
  return out;
}

describe('Swarm node failure: replicas replaced within detection + restart delay + a tick', () => {
  const arb = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    nodeCount: fc.integer({ min: 4, max: 10 }),
    services: fc.array(fc.record({ replicas: fc.integer({ min: 1, max: 6 }), cpu: fc.constantFrom(0.5, 1, 2), maxReplicas: fc.constantFrom(0, 2, 3), delay: fc.constantFrom(0, 1, 5, 10), startup: fc.constantFrom(0, 3, 20) }), { minLength: 1, maxLength: 3 }),
    dead: fc.nat(),
    at: fc.integer({ min: 100, max: 3000 }),
    duration: fc.integer({ min: 60, max: 20_000 }),
    heartbeatPeriod: fc.constantFrom(1, 5, 10),
  });

  it('each replicated task on the dead node gets a replacement elsewhere, bound and running in time (capacity surely exists: at most 36 of (n - 1) x 16 cores)', () => {
    fc.assert(
      fc.property(arb, (d) => {
        const workloads = d.services.map((x, i) => service(`s${i}`, x.replicas, { cpu: x.cpu, startup: x.startup, swarm: settings({ placement: { maxReplicas: x.maxReplicas }, restart: { delay: x.delay } }) }));
        const dead = `n${d.dead % d.nodeCount}`;
        const t = runTraced(swarmScenario({
          nodes: nodes(d.nodeCount, { cpu: 16, memoryGi: 64 }), workloads, horizon: d.at + 600, seed: d.seed, heartbeatPeriod: d.heartbeatPeriod,
          outages: [outage('dies', [d.dead % d.nodeCount], d.at, d.duration)],
        }));
        // Detection: DOWN within 3 x (period + 0.5 s) of the failure; the replacement is created then,
        // bound at the next tick (<= 1 s: maxLatency) and runs at max(DOWN + delay, bind + start-up).
        const detection = SWARM_GRACE_PERIOD_MULTIPLIER * (d.heartbeatPeriod + SWARM_HEARTBEAT_EPSILON);
        const problems: string[] = [];
        const hit = t.tasks.filter((x) => x.node === dead && x.bound <= d.at && !(x.ended <= d.at));
        for (const x of hit) {
          const cfg = d.services[Number(x.workload.slice(1))]!;
          const next = t.tasks.find((y) => y.workload === x.workload && y.slot === x.slot && y.created > d.at);
          if (!next) {
            problems.push(`${x.name}: no replacement`);
            continue;
          }
          if (next.node === dead) problems.push(`${next.name} placed on the dead node`);
          if (!(next.bound <= d.at + detection + cfg.delay + SWARM_MAX_LATENCY + 1e-9)) problems.push(`${next.name} bound at ${next.bound}, failure at ${d.at}`);
          if (!(next.bound <= d.at + detection + SWARM_MAX_LATENCY + 1e-9)) problems.push(`${next.name} bound at ${next.bound}: later than DOWN + a tick`);
          if (!(next.running <= d.at + detection + Math.max(cfg.delay, SWARM_MAX_LATENCY + cfg.startup) + 1e-9)) problems.push(`${next.name} running at ${next.running}`);
        }
        expect(problems).toEqual([]);
      }),
      runs(40),
    );
  });
});
