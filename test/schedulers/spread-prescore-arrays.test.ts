import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { podTopologySpread } from '../../src/schedulers/plugins/pod-topology-spread.js';
import { makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { runScorePlugin } from '../helpers/plugins.js';
import { restoreEnvAfterEach } from '../helpers/scheduler-ab.js';

// PodTopologySpread's PreScore reuses its per-node arrays from one cycle to the next (taken back
// after NormalizeScore, PreScoreArrays) and finds the last PreScore's state without a map lookup.
// One plugin instance kept for a whole run must score every cycle as a fresh instance does, and as
// one with its per-instance memos off (ORCHSIM_NO_SPREAD_COUNTS=1), whatever the nodes ignored in
// earlier cycles (pods with their own constraints ignore nodes without the topology key).

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

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('bind' as const), spec: fc.nat(SPECS.length - 1), node: fc.nat(50) }),
  fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }),
  fc.record({ kind: fc.constant('score' as const), spec: fc.nat(SPECS.length - 1), feasibleMask: fc.nat(0xffff) }),
);

describe("PodTopologySpread's reused PreScore arrays", () => {
  restoreEnvAfterEach('ORCHSIM_NO_SPREAD_COUNTS');

  it('a long-lived instance scores every cycle as a fresh one and as one with its memos off (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.array(op, { maxLength: 60 }), (nodeCount, ops) => {
      // Some nodes lack the zone label, some the rack label: pods with their own constraints ignore them.
      const c = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({
        name: `n${i}`,
        labels: { ...(i % 3 === 2 ? {} : { [WellKnownLabel.zone]: `z${i % 2}` }), ...(i % 4 === 1 ? {} : { rack: `r${i % 3}` }) },
      })));
      delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
      const kept = podTopologySpread();
      process.env.ORCHSIM_NO_SPREAD_COUNTS = '1';
      const memosOff = podTopologySpread();
      delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
      const bound: { pod: PodInfo; node: number }[] = [];
      for (const o of ops) {
        if (o.kind === 'bind') {
          const node = c.nodes[o.node % c.nodes.length]!;
          const pod = makePod(SPECS[o.spec]!);
          c.bind(pod, node.index);
          bound.push({ pod, node: node.index });
        } else if (o.kind === 'unbind') {
          if (bound.length === 0) continue;
          const [b] = bound.splice(o.pick % bound.length, 1);
          c.unbind(b!.pod, b!.node);
        } else {
          const feasible = c.nodes.filter((_, i) => (o.feasibleMask >> i) & 1);
          const pod = makePod(SPECS[o.spec]!);
          const fresh = runScorePlugin(podTopologySpread(), pod, feasible, c);
          expect(runScorePlugin(kept, pod, feasible, c)).toEqual(fresh);
          expect(runScorePlugin(memosOff, pod, feasible, c)).toEqual(fresh);
        }
      }
    }), { numRuns: 150 * SCALE });
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
