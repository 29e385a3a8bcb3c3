import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isFilter, isScore, type Plugin, type ProfileConfig } from '../../src/api/framework.js';
import {
  NODE_RECORD_STRIDE, REC_ALLOC_CPU, REC_ALLOC_EPHEMERAL, REC_ALLOC_MEMORY, REC_ALLOWED_PODS, REC_NZ_CPU, REC_NZ_MEMORY, REC_POD_COUNT,
  REC_REQ_CPU, REC_REQ_EPHEMERAL, REC_REQ_MEMORY, REC_TAINTS, REC_UNSCHEDULABLE,
} from '../../src/api/node-record.js';
import { WellKnownLabel, type NodeInfo, type Taint } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { builtinPlugins, BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { Framework } from '../../src/schedulers/framework.js';
import { nodeRecordsDefault } from '../../src/schedulers/scan-order.js';
import { ClusterState } from '../../src/sim/cluster.js';
import { RandomStreams } from '../../src/util/random.js';
import { Gi, makePod, makeSpec } from '../helpers/cluster.js';
import { applyNodeOp as applyBaseNodeOp, sameCycleThenBind, expectRunsIdenticalWithSwitch, expectSwitchReadAsDocumented, opArbitraries, type NodeOp, type ScheduleOp } from '../helpers/scheduler-ab.js';

// The node records (ClusterSnapshot.nodeRecords, FrameworkOptions.nodeRecords,
// ORCHSIM_NO_NODE_RECORDS=1): ClusterState keeps one record per node of what the node-local
// plugins read, and the plugins' filterAt/scoreAt judge a changed node from it. The records
// must always say what the nodes' objects say; filterAt/scoreAt must give what filter/score give
// (and a filter must pass where the record field it names in passesWhereZero is 0);
// two frameworks, one reading records and one not, must choose the same nodes, draw the same
// tie-breaks and give the same rejections and errors; whole runs must be byte-identical.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const ZONES = ['z0', 'z1', 'z2'];
const TAINTS: readonly (readonly Taint[])[] = [
  [],
  [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
  [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }],
  [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'spot', value: 'true', effect: 'PreferNoSchedule' }],
];

interface SpecDesc { cpu: number; memoryGi: number; ephemeralGi: number; scalar: number; zone: number | null; tolerate: boolean; spread: boolean }
const specArb: fc.Arbitrary<SpecDesc> = fc.record({
  cpu: fc.constantFrom(0, 100, 500, 1500, 3000, 5000),
  memoryGi: fc.constantFrom(0, 1, 4, 12),
  ephemeralGi: fc.constantFrom(0, 0, 5, 40),
  scalar: fc.constantFrom(0, 0, 0, 1),
  zone: fc.option(fc.nat(2)),
  tolerate: fc.boolean(),
  spread: fc.constantFrom(false, false, true),
});

function buildSpec(d: SpecDesc, app: number): PodSpec {
  const labels = { app: `a${app}` };
  return {
    namespace: 'default',
    labels,
    priority: 0,
    requests: resources({ milliCPU: d.cpu, memory: d.memoryGi * Gi, ephemeralStorage: d.ephemeralGi * Gi, ...(d.scalar > 0 ? { scalar: { 'example.com/fpga': d.scalar } } : {}) }),
    ...(d.zone !== null ? { nodeSelector: { [WellKnownLabel.zone]: ZONES[d.zone]! } } : {}),
    tolerations: d.tolerate ? [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }] : [],
    ...(d.spread ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: WellKnownLabel.zone, whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: { matchLabels: labels } }] } : {}),
  };
}

type Op = ScheduleOp | NodeOp | { kind: 'remove'; node: number } | { kind: 'add'; shape: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  ...opArbitraries(4, TAINTS.length),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), node: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), shape: fc.nat(5) }) },
);

let added = 0;
/** Node shapes: some with ephemeral storage and an extended resource, some with few pods. */
function addNode(c: ClusterState, shape: number, name = `x${added++}`): void {
  c.addNode({
    name,
    labels: { 'kubernetes.io/hostname': name, [WellKnownLabel.zone]: ZONES[shape % 3]! },
    taints: TAINTS[shape % 2]!,
    unschedulable: false,
    allocatable: resources({ milliCPU: (4 + 4 * (shape % 3)) * 1000, memory: 16 * Gi, ephemeralStorage: shape % 2 === 0 ? 50 * Gi : 0, ...(shape % 4 === 1 ? { scalar: { 'example.com/fpga': 2 } } : {}) }),
    allowedPodNumber: shape % 5 === 0 ? 3 : undefined,
  });
}

/** A step of the cluster's other than scheduling (an Op that is not 'schedule'), on `c` and its bound pods. */
function applyNodeOp(c: ClusterState, o: Exclude<Op, { kind: 'schedule' }>, bound: { pod: PodInfo; node: number }[]): void {
  switch (o.kind) {
    case 'unbind':
    case 'taint':
    case 'cordon':
      applyBaseNodeOp(c, o, bound, TAINTS);
      break;
    case 'remove': {
      const node = c.nodes[o.node % c.nodes.length]!;
      if (node.removed) break;
      for (let k = bound.length - 1; k >= 0; k--) {
        if (bound[k]!.node !== node.index) continue;
        c.unbind(bound[k]!.pod, node.index);
        bound.splice(k, 1);
      }
      c.removeNode(node.index);
      break;
    }
    case 'add':
      addNode(c, o.shape);
      break;
  }
}

/** What the records must hold: the nodes' own numbers. */
function recordsMatchNodes(c: ClusterState): void {
  const rec = c.nodeRecords;
  for (const n of c.nodes) {
    const b = n.index * NODE_RECORD_STRIDE;
    expect([
      rec[b + REC_POD_COUNT], rec[b + REC_ALLOWED_PODS], rec[b + REC_ALLOC_CPU], rec[b + REC_ALLOC_MEMORY], rec[b + REC_REQ_CPU], rec[b + REC_REQ_MEMORY],
      rec[b + REC_NZ_CPU], rec[b + REC_NZ_MEMORY], rec[b + REC_TAINTS], rec[b + REC_UNSCHEDULABLE], rec[b + REC_ALLOC_EPHEMERAL], rec[b + REC_REQ_EPHEMERAL],
    ]).toEqual([
      n.podCount, n.allowedPodNumber, n.allocatable.milliCPU, n.allocatable.memory, n.requested.milliCPU, n.requested.memory,
      n.nonZeroRequested.milliCPU, n.nonZeroRequested.memory, n.taints.length, n.unschedulable ? 1 : 0, n.allocatable.ephemeralStorage, n.requested.ephemeralStorage,
    ]);
  }
}

/** Profiles whose node-local plugins take each path of filterAt/scoreAt (record or fallback). */
const PROFILES: ProfileConfig[] = [
  ...['default', 'binpack', 'spread'].map((name) => BUILTIN_PROFILES.find((p) => p.name === name)!),
  {
    ...BUILTIN_PROFILES.find((p) => p.name === 'default')!,
    name: 'three-resources',
    plugins: BUILTIN_PROFILES.find((p) => p.name === 'default')!.plugins.map((p) =>
      p.name === 'NodeResourcesFit' ? { ...p, args: { scoringStrategy: { type: 'RequestedToCapacityRatio', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 2 }], requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } } }
      : p.name === 'NodeResourcesBalancedAllocation' ? { ...p, args: { resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }, { name: 'ephemeral-storage', weight: 1 }] } }
      : p),
  },
];


describe('node records (ORCHSIM_NO_NODE_RECORDS)', () => {
  afterEach(() => {
    delete process.env.ORCHSIM_NO_NODE_RECORDS;
  });

  it('are read by default and not with ORCHSIM_NO_NODE_RECORDS=1', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_NODE_RECORDS', nodeRecordsDefault);
  });

  it('say what the nodes say, and filterAt/scoreAt give what filter/score give, whatever happens to the nodes (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.integer({ min: 1, max: 40 }),
        fc.array(specArb, { minLength: 4, maxLength: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        (profile, nodeCount, specDescs, ops) => {
          const c = new ClusterState(2);
          for (let i = 0; i < nodeCount; i++) addNode(c, i, `n${i}`);
          const specs = specDescs.map(buildSpec);
          const registry = builtinPlugins();
          const plugins: Plugin[] = profile.plugins.map((cfg) => registry.get(cfg.name)!.factory(cfg.args, { random: () => new RandomStreams(1).get('x') }));
          const fw = new Framework(profile, plugins);
          const random = new RandomStreams(1).get('tie');
          const bound: { pod: PodInfo; node: number }[] = [];
          const samePerNode = (spec: PodSpec) => {
            const pod = makePod(spec);
            for (const p of plugins) {
              for (const n of c.nodes as NodeInfo[]) {
                if (isFilter(p) && p.filterAt) expect(p.filterAt(new Map(), pod, c, n.index)).toBe(p.filter(new Map(), pod, n, c));
                // Where the field it names is 0, the framework does not call the filter: it must pass there.
                if (isFilter(p) && p.passesWhereZero !== undefined && c.nodeRecords[n.index * NODE_RECORD_STRIDE + p.passesWhereZero] === 0) {
                  expect(p.filter(new Map(), pod, n, c)).toBeNull();
                }
                if (isScore(p) && p.scoreAt) expect(p.scoreAt(new Map(), pod, c, n.index)).toBe(p.score(new Map(), pod, n, c));
              }
            }
          };
          for (const o of ops) {
            switch (o.kind) {
              case 'schedule':
                for (let t = 0; t < o.times; t++) {
                  const pod = makePod(specs[o.spec]!);
                  const n = fw.schedule(pod, c, random);
                  if (n >= 0) {
                    c.bind(pod, n);
                    bound.push({ pod, node: n });
                  }
                }
                break;
              default:
                applyNodeOp(c, o, bound);
            }
            recordsMatchNodes(c);
            samePerNode(specs[o.kind === 'schedule' ? o.spec : 0]!);
          }
        },
      ),
      runs(60),
    );
  });

  it('change no placement, tie-break draw, rejection or error of a framework (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 100, max: 160 })),
        fc.constantFrom(undefined, 5, 30, 100),
        fc.array(specArb, { minLength: 4, maxLength: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        (base, nodeCount, percentage, specDescs, ops, seed) => {
          const profile = percentage === undefined ? base : { ...base, percentageOfNodesToScore: percentage };
          const c = new ClusterState(2);
          for (let i = 0; i < nodeCount; i++) addNode(c, i, `n${i}`);
          const specs = specDescs.map(buildSpec);
          const build = (nodeRecords: boolean) => {
            const streams = new RandomStreams(seed);
            const fw = new Framework(profile, builtinPlugins(), { random: (name) => streams.get(name) }, { nodeRecords });
            return { fw, random: streams.get('scheduler/tie-break') };
          };
          const on = build(true);
          const off = build(false);
          const bound: { pod: PodInfo; node: number }[] = [];
          const step = (spec: PodSpec) => sameCycleThenBind(on, off, makePod(spec), c, bound);
          for (const o of ops) {
            switch (o.kind) {
              case 'schedule':
                for (let t = 0; t < o.times; t++) step(specs[o.spec]!);
                break;
              default:
                applyNodeOp(c, o, bound);
            }
            // The first spec again after every step, so verdicts cached before it are used after it.
            step(specs[0]!);
          }
        },
      ),
      runs(60),
    );
  });

  it('are read by the fused scan\'s totals of changed nodes (scoreAt), and only when on', () => {
    // schedule() hands FusedScores.prepare its nodeRecords flag: handed false, the fused totals
    // would call score() on the node objects while the results stayed the same.
    for (const nodeRecords of [true, false]) {
      const calls = { score: 0, scoreAt: 0 };
      const streams = new RandomStreams(1);
      const fit = builtinPlugins().get('NodeResourcesFit')!.factory(undefined, { random: (name) => streams.get(name) });
      if (!isScore(fit) || fit.scoreAt === undefined) throw new Error('NodeResourcesFit scores from records');
      const scoreAt = fit.scoreAt;
      const counted: typeof fit = {
        ...fit,
        score: (...a: Parameters<typeof fit.score>) => (calls.score++, fit.score(...a)),
        scoreAt: (...a: Parameters<typeof scoreAt>) => (calls.scoreAt++, scoreAt(...a)),
      };
      const fw = new Framework({ name: 'fit', plugins: [{ name: 'NodeResourcesFit' }] }, [counted], { nodeRecords });
      const c = new ClusterState(2);
      for (let i = 0; i < 6; i++) addNode(c, i, `n${i}`);
      const random = streams.get('scheduler/tie-break');
      const spec = makeSpec({ cpu: 100, memory: Gi });
      for (let k = 0; k < 10; k++) {
        const pod = makePod(spec);
        const node = fw.schedule(pod, c, random);
        expect(node).toBeGreaterThanOrEqual(0);
        c.bind(pod, node, undefined);
        // The spec's first cycle has no cached verdicts yet and scores every node the plain way.
        if (k === 0) calls.score = calls.scoreAt = 0;
      }
      if (nodeRecords) {
        expect(calls.score).toBe(0);
        expect(calls.scoreAt).toBeGreaterThan(0);
      } else expect(calls.scoreAt).toBe(0);
    }
  });

  it('give byte-identical run results on and off (property, whole runs)', () => {
    expectRunsIdenticalWithSwitch('ORCHSIM_NO_NODE_RECORDS', runs(20).numRuns);
  });
});
