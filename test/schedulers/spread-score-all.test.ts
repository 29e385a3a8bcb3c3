import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScorePlugin } from '../../src/api/framework.js';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { Framework } from '../../src/schedulers/framework.js';
import { podTopologySpread } from '../../src/schedulers/plugins/pod-topology-spread.js';
import { nodeResourcesFit } from '../../src/schedulers/plugins/node-resources-fit.js';
import { makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { restoreEnvAfterEach } from '../helpers/scheduler-ab.js';

// PodTopologySpread's scoreAll (ScorePlugin.scoreAll) gives the raw scores of every feasible node
// at once, from what PreScore read of each node by its position in the feasible list, instead of
// a Score call per node. It must give each node the number Score gives it, for the list PreScore
// saw and (node by node) for any other, whatever earlier cycles left in the reused arrays; and a
// framework scoring through it must total as one that calls Score per node.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

const ownerWeb = { matchLabels: { app: 'web' } };
const ownerApi = { matchLabels: { app: 'api' } };
const SPECS: PodSpec[] = [
  // System-default spreading (hostname and zone; nodes without a zone or hostname still scored).
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
];

type Op =
  | { kind: 'bind'; spec: number; node: number }
  | { kind: 'unbind'; pick: number }
  | { kind: 'score'; spec: number; feasibleMask: number; reversed: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('bind' as const), spec: fc.nat(SPECS.length - 1), node: fc.nat(50) }),
  fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }),
  fc.record({ kind: fc.constant('score' as const), spec: fc.nat(SPECS.length - 1), feasibleMask: fc.nat(0xffff), reversed: fc.boolean() }),
);

/** Some nodes lack the zone label, some the rack label, some the hostname label. */
function cluster(nodeCount: number) {
  const c = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
    name: `n${i}`,
    labels: { ...(i % 3 === 2 ? {} : { [WellKnownLabel.zone]: `z${i % 2}` }), ...(i % 4 === 1 ? {} : { rack: `r${i % 3}` }) },
  })));
  // makeCluster gives every node its hostname label; take it off some.
  for (const n of c.nodes) if (n.index % 5 === 4) delete (n.labels as Record<string, string>)[WellKnownLabel.hostname];
  return c;
}

describe("PodTopologySpread's scoreAll", () => {
  restoreEnvAfterEach('ORCHSIM_NO_SPREAD_COUNTS');

  it('gives every feasible node the number Score gives it, on PreScore\'s list and on another (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.array(op, { maxLength: 60 }), (nodeCount, memosOff, ops) => {
      const c = cluster(nodeCount);
      if (memosOff) process.env.ORCHSIM_NO_SPREAD_COUNTS = '1';
      else delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
      // One instance for the whole run: its arrays are reused from cycle to cycle.
      const plugin = podTopologySpread();
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
        } else {
          const feasible = c.nodes.filter((_, i) => (o.feasibleMask >> i) & 1);
          if (o.reversed) feasible.reverse();
          const pod = makePod(SPECS[o.spec]!);
          const state = new Map<string, unknown>();
          if (plugin.preScore(state, pod, feasible, c) !== null) continue;
          const perNode = feasible.map((n) => plugin.score(state, pod, n, c));
          const all = new Float64Array(feasible.length);
          plugin.scoreAll!(state, pod, feasible, c, all);
          expect([...all]).toEqual(perNode);
          // Another list of the same nodes (node by node).
          const other = [...feasible].reverse();
          const otherAll = new Float64Array(other.length);
          plugin.scoreAll!(state, pod, other, c, otherAll);
          expect([...otherAll]).toEqual(other.map((n) => plugin.score(state, pod, n, c)));
          plugin.normalizeScore!(state, pod, all, feasible.length);
        }
      }
    }), { numRuns: 150 * SCALE });
  });

  it('a framework scoring through it totals as one that calls Score per node (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 12 }), fc.array(fc.record({ spec: fc.nat(SPECS.length - 1), node: fc.nat(50) }), { maxLength: 30 }), fc.nat(SPECS.length - 1), (nodeCount, binds, scored) => {
      const c = cluster(nodeCount);
      for (const b of binds) c.bind(makePod(SPECS[b.spec]!), b.node % c.nodes.length);
      const profile = { name: 'p', plugins: [{ name: 'NodeResourcesFit', weight: 1 }, { name: 'PodTopologySpread', weight: 2 }] };
      const spread = podTopologySpread();
      const { scoreAll: _, ...perNodeOnly } = spread;
      const withAll = new Framework(profile, [nodeResourcesFit(), spread]);
      const without = new Framework(profile, [nodeResourcesFit(), perNodeOnly as ScorePlugin]);
      expect(perNodeOnly).not.toHaveProperty('scoreAll');
      const pod = makePod(SPECS[scored]!);
      const a = withAll.scoreNodes(pod, c, c.nodes);
      const b = without.scoreNodes(pod, c, c.nodes);
      expect([...a.totals]).toEqual([...b.totals]);
      expect(a.weight).toBe(b.weight);
    }), { numRuns: 100 * SCALE });
  });
});
