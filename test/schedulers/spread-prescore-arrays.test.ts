import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScorePlugin } from '../../src/api/framework.js';
import { WellKnownLabel, type NodeInfo } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { Framework } from '../../src/schedulers/framework.js';
import { nodeResourcesFit } from '../../src/schedulers/plugins/node-resources-fit.js';
import { podTopologySpread } from '../../src/schedulers/plugins/pod-topology-spread.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { runScorePlugin } from '../helpers/plugins.js';
import { restoreEnvAfterEach } from '../helpers/scheduler-ab.js';

// PodTopologySpread's PreScore reuses its per-node arrays from one cycle to the next (taken back
// after NormalizeScore, PreScoreArrays) and finds the last PreScore's state without a map lookup.
// One plugin instance kept for a whole run must score every cycle as a fresh instance does, and as
// one with its per-instance memos off (ORCHSIM_NO_SPREAD_COUNTS=1), whatever the nodes ignored in
// earlier cycles (pods with their own constraints ignore nodes without the topology key).
//
// Its scoreAll (ScorePlugin.scoreAll) gives the raw scores of every feasible node at once, from
// what PreScore read of each node by its position in the feasible list, instead of a Score call
// per node: each node must get the number Score gives it, for the list PreScore saw and (node by
// node) for any other, and a framework scoring through it must total as one calling Score.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

const ownerWeb = { matchLabels: { app: 'web' } };
const ownerApi = { matchLabels: { app: 'api' } };
const SPECS: PodSpec[] = [
  // System-default spreading (hostname and zone, nodes without a zone still scored).
  makeSpec({ labels: { app: 'web' }, ownerSelector: ownerWeb, cpu: 100 }),
  makeSpec({ labels: { app: 'api' }, ownerSelector: ownerApi, cpu: 100 }),
  // Their own soft constraints: nodes without the key are ignored (score 0).
  makeSpec({ labels: { app: 'web' }, cpu: 100, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: WellKnownLabel.zone, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: ownerWeb }] }),
  makeSpec({
    labels: { app: 'api' }, cpu: 100, topologySpreadConstraints: [
      { maxSkew: 2, topologyKey: WellKnownLabel.hostname, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: ownerApi },
      { maxSkew: 1, topologyKey: 'rack', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: ownerWeb },
    ],
  }),
  // No constraints at all: PreScore skips.
  makeSpec({ labels: { app: 'batch' }, cpu: 100 }),
];

type Op =
  | { kind: 'bind'; spec: number; node: number }
  | { kind: 'unbind'; pick: number }
  | { kind: 'score'; spec: number; feasibleMask: number };

/** A score op's feasible nodes: the nodes of its mask, reversed when bit 15 is set (no cluster here has 15 nodes). */
const feasibleOf = <T>(nodes: readonly T[], mask: number): T[] => {
  const feasible = nodes.filter((_, i) => (mask >> i) & 1);
  return (mask >> 15) & 1 ? feasible.reverse() : feasible;
};

/**
 * `nodeCount` nodes: some lack the zone label, some the rack label (pods with their own
 * constraints ignore them), some the hostname label (system defaults still score them).
 */
function cluster(nodeCount: number) {
  const c = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
    name: `n${i}`,
    labels: { ...(i % 3 === 2 ? {} : { [WellKnownLabel.zone]: `z${i % 2}` }), ...(i % 4 === 1 ? {} : { rack: `r${i % 3}` }) },
  })));
  // makeCluster gives every node its hostname label; taken off some before any plugin reads them.
  for (const n of c.nodes) if (n.index % 5 === 4) delete (n.labels as Record<string, string>)[WellKnownLabel.hostname];
  return c;
}

/** Carries out the bind and unbind ops on the cluster, in order, and gives each score op's pod and feasible nodes when its turn comes. */
function* scoreOps(c: ClusterState, ops: readonly Op[]): Generator<{ pod: PodInfo; feasible: readonly NodeInfo[] }> {
  const bound: { pod: PodInfo; node: number }[] = [];
  for (const o of ops) {
    if (o.kind === 'bind') {
      const pod = makePod(SPECS[o.spec]!);
      c.bind(pod, o.node % c.nodes.length);
      bound.push({ pod, node: o.node % c.nodes.length });
    } else if (o.kind === 'unbind') {
      if (bound.length === 0) continue;
      const [b] = bound.splice(o.pick % bound.length, 1);
      c.unbind(b!.pod, b!.node);
    } else yield { pod: makePod(SPECS[o.spec]!), feasible: feasibleOf(c.nodes, o.feasibleMask) };
  }
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('bind' as const), spec: fc.nat(SPECS.length - 1), node: fc.nat(50) }),
  fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }),
  fc.record({ kind: fc.constant('score' as const), spec: fc.nat(SPECS.length - 1), feasibleMask: fc.nat(0xffff) }),
);

describe("PodTopologySpread's reused PreScore arrays", () => {
  restoreEnvAfterEach('ORCHSIM_NO_SPREAD_COUNTS');

  it('a long-lived instance scores every cycle as a fresh one and as one with its memos off (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.array(op, { maxLength: 60 }), (nodeCount, ops) => {
      const c = cluster(nodeCount);
      delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
      const kept = podTopologySpread();
      process.env.ORCHSIM_NO_SPREAD_COUNTS = '1';
      const memosOff = podTopologySpread();
      delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
      for (const { pod, feasible } of scoreOps(c, ops)) {
        const fresh = runScorePlugin(podTopologySpread(), pod, feasible, c);
        expect(runScorePlugin(kept, pod, feasible, c)).toEqual(fresh);
        expect(runScorePlugin(memosOff, pod, feasible, c)).toEqual(fresh);
      }
    }), { numRuns: 150 * SCALE });
  });

  it('scoreAll gives every feasible node the number Score gives it, on PreScore\'s list and on another (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.boolean(), fc.array(op, { maxLength: 60 }), (nodeCount, memosOff, ops) => {
      const c = cluster(nodeCount);
      if (memosOff) process.env.ORCHSIM_NO_SPREAD_COUNTS = '1';
      else delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
      // One instance for the whole run: its arrays are reused from cycle to cycle.
      const plugin = podTopologySpread();
      for (const { pod, feasible } of scoreOps(c, ops)) {
        const state = new Map<string, unknown>();
        if (plugin.preScore(state, pod, feasible, c) !== null) continue;
        const all = new Float64Array(feasible.length);
        plugin.scoreAll!(state, pod, feasible, c, all);
        expect([...all]).toEqual(feasible.map((n) => plugin.score(state, pod, n, c)));
        // Another list of the same nodes: node by node.
        const other = [...feasible].reverse();
        const otherAll = new Float64Array(other.length);
        plugin.scoreAll!(state, pod, other, c, otherAll);
        expect([...otherAll]).toEqual(other.map((n) => plugin.score(state, pod, n, c)));
        plugin.normalizeScore!(state, pod, all, feasible.length);
      }
    }), { numRuns: 150 * SCALE });
  });

  it('a framework scoring through scoreAll totals as one that calls Score per node (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 10 }), fc.array(fc.record({ spec: fc.nat(SPECS.length - 1), node: fc.nat(50) }), { maxLength: 30 }), fc.nat(SPECS.length - 1), (nodeCount, binds, scored) => {
      delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
      const c = cluster(nodeCount);
      for (const b of binds) c.bind(makePod(SPECS[b.spec]!), b.node % c.nodes.length);
      const profile = { name: 'p', plugins: [{ name: 'NodeResourcesFit', weight: 1 }, { name: 'PodTopologySpread', weight: 2 }] };
      const spread = podTopologySpread();
      const { scoreAll: _, ...perNodeOnly } = spread;
      expect(perNodeOnly).not.toHaveProperty('scoreAll');
      const withAll = new Framework(profile, [nodeResourcesFit(), spread]);
      const without = new Framework(profile, [nodeResourcesFit(), perNodeOnly as ScorePlugin]);
      const pod = makePod(SPECS[scored]!);
      const a = withAll.scoreNodes(pod, c, c.nodes);
      const b = without.scoreNodes(pod, c, c.nodes);
      expect([...a.totals]).toEqual([...b.totals]);
      expect(a.weight).toBe(b.weight);
    }), { numRuns: 100 * SCALE });
  });

  it('a state whose arrays were taken back after NormalizeScore cannot be scored again', () => {
    const c = makeCluster([{ name: 'a', labels: { [WellKnownLabel.zone]: 'z0' } }, { name: 'b', labels: { [WellKnownLabel.zone]: 'z1' } }]);
    delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
    const plugin = podTopologySpread();
    const state = new Map<string, unknown>();
    const pod = makePod(SPECS[0]!);
    runScorePlugin(plugin, pod, c.nodes, c, state);
    expect(() => plugin.score(state, pod, c.nodes[0]!, c)).toThrow(/Score after NormalizeScore/);
  });
});
