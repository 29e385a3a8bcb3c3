import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WellKnownLabel, type NodeInfo, type NodeSpec } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { Framework } from '../../src/schedulers/framework.js';
import { nodeResourcesFit } from '../../src/schedulers/plugins/node-resources-fit.js';
import {
  cachedNodePodCounter, computeSpreadPreFilterState, computeSpreadPreScoreState, effectiveConstraints, filterSpread, withDomainIds, type SpreadPreFilterState, type TopologyDomainsByKey,
} from '../../src/schedulers/plugins/pod-topology-spread.js';
import { IncrementalSpreadCounts, incrementalSpreadCountsDefault, IncrementalSpreadScoreCounts } from '../../src/schedulers/plugins/spread-domain-counts.js';
import { PluginRegistry } from '../../src/schedulers/registry.js';
import { WhatIfCluster } from '../../src/sim/what-if.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';

// PodTopologySpread's PreFilter counts kept incrementally per spec (spread-domain-counts.ts), and
// Filter reading them by domain id, must equal the full recount and the label-map Filter after
// any binds, unbinds, nodes coming and going (slots reused with other labels) and rolled-back
// what-ifs, for pods with and without node affinity, several constraints and system defaults.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

const ZONE = WellKnownLabel.zone;
const HOST = WellKnownLabel.hostname;
const APPS = ['web', 'api'];
const SYSTEM_DEFAULTS = [
  { maxSkew: 3, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule' as const },
  { maxSkew: 5, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' as const },
];

/** Specs: zone or hostname spreading, with a zone nodeSelector or none, and owner-defaulted ones. */
const SPECS: PodSpec[] = [];
for (const app of APPS) {
  const selector = { matchLabels: { app } };
  SPECS.push(makeSpec({ labels: { app }, cpu: 100, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector }] }));
  SPECS.push(makeSpec({ labels: { app }, cpu: 100, nodeSelector: { [ZONE]: 'z1' }, topologySpreadConstraints: [{ maxSkew: 2, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector }, { maxSkew: 1, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector, minDomains: 2 }] }));
  SPECS.push(makeSpec({ labels: { app }, cpu: 100, ownerSelector: selector }));
  SPECS.push(makeSpec({ labels: { app }, cpu: 100, nodeSelector: { [ZONE]: 'z0' }, ownerSelector: selector }));
  SPECS.push(makeSpec({ labels: { app }, cpu: 100, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector }, { maxSkew: 2, topologyKey: HOST, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector }] }));
}
/** The plugin's system defaults for scoring (ScheduleAnyway), as SYSTEM_DEFAULT_CONSTRAINTS. */
const SCORE_DEFAULTS = [
  { maxSkew: 3, topologyKey: HOST, whenUnsatisfiable: 'ScheduleAnyway' as const },
  { maxSkew: 5, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway' as const },
];

type Op =
  | { kind: 'bind'; spec: number; node: number }
  | { kind: 'unbind'; pick: number }
  | { kind: 'check'; spec: number }
  | { kind: 'what-if'; steps: { kind: 'remove' | 'place' | 'add'; node: number; spec: number }[] }
  | { kind: 'add-node'; zone: number | null }
  | { kind: 'remove-node'; node: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('bind' as const), spec: fc.nat(SPECS.length - 1), node: fc.nat(50) }),
  fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }),
  fc.record({ kind: fc.constant('check' as const), spec: fc.nat(SPECS.length - 1) }),
  fc.record({
    kind: fc.constant('what-if' as const),
    steps: fc.array(fc.record({ kind: fc.constantFrom('remove' as const, 'place' as const, 'add' as const), node: fc.nat(50), spec: fc.nat(SPECS.length - 1) }), { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('add-node' as const), zone: fc.option(fc.nat(3)) }),
  fc.record({ kind: fc.constant('remove-node' as const), node: fc.nat(50) }),
);

const registry = new PluginRegistry()
  .register({ name: 'NodeResourcesFit', description: 'fit', extensionPoints: ['Filter', 'Score'], factory: (args) => nodeResourcesFit(args) });
const handle = { random: () => ({ next: () => 0 }) };

function template(group: string, name: string): NodeSpec {
  return { name, labels: { [HOST]: name, [ZONE]: group }, taints: [], unschedulable: false, allocatable: resources({ milliCPU: 4000, memory: 16 * Gi }) };
}

/** A state's counts as data (the order of a Map's entries is not part of them). */
function counts(s: SpreadPreFilterState) {
  return { matchNum: s.matchNum.map((m) => [...m].sort()), min: [...s.minMatchNum], self: [...s.selfMatch] };
}

describe('the incremental PreFilter counts of PodTopologySpread', () => {
  afterEach(() => {
    delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
  });

  it('equal the full recount (PreFilter and PreScore), and Filter by domain id equals Filter by label, after any cluster change (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 50 }), (nodeCount, ops) => {
      const c = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({ name: `n${i}`, labels: i % 4 === 3 ? ({} as Record<string, string>) : { [ZONE]: `z${i % 3}` } })));
      const fw = new Framework({ name: 'p', plugins: [{ name: 'NodeResourcesFit' }] }, registry, handle);
      // One counter and one domain table for the whole run, as one plugin instance keeps them.
      const incremental = new IncrementalSpreadCounts();
      const incrementalScore = new IncrementalSpreadScoreCounts();
      // The same, reading every node's generation (ORCHSIM_NO_NODE_VERSIONS=1) instead of skipping
      // nodes whose ClusterSnapshot.nodeVersions entry is unchanged.
      const incrementalNoVersions = new IncrementalSpreadCounts(false);
      const incrementalScoreNoVersions = new IncrementalSpreadScoreCounts(false);
      // With versions but without the change log (ORCHSIM_NO_SPREAD_CHANGE_LOG=1): every node's
      // version compared at every pass, where the ones above visit the nodes the log names.
      const incrementalNoLog = new IncrementalSpreadCounts(true, false);
      const incrementalScoreNoLog = new IncrementalSpreadScoreCounts(true, false);
      const counter = cachedNodePodCounter();
      const byKey: TopologyDomainsByKey = new Map();
      const bound: { pod: PodInfo; node: number }[] = [];
      let added = 0;
      const live = () => c.nodes.filter((n) => !n.removed);
      const check = (spec: PodSpec, nodes: readonly NodeInfo[]) => {
        const pod = makePod(spec);
        const constraints = effectiveConstraints(spec, 'DoNotSchedule', SYSTEM_DEFAULTS);
        if (constraints.length === 0) return;
        const plain = computeSpreadPreFilterState(pod, c, constraints);
        // Twice: the first call of a spec counts the plain way, the next ones incrementally.
        computeSpreadPreFilterState(pod, c, constraints, counter, incremental);
        const kept = computeSpreadPreFilterState(pod, c, constraints, counter, incremental);
        expect(counts(kept)).toEqual(counts(plain));
        computeSpreadPreFilterState(pod, c, constraints, counter, incrementalNoVersions);
        expect(counts(computeSpreadPreFilterState(pod, c, constraints, counter, incrementalNoVersions))).toEqual(counts(plain));
        computeSpreadPreFilterState(pod, c, constraints, counter, incrementalNoLog);
        expect(counts(computeSpreadPreFilterState(pod, c, constraints, counter, incrementalNoLog))).toEqual(counts(plain));
        const byId = withDomainIds(kept, byKey);
        for (const n of nodes) expect(filterSpread(byId, n)).toBe(filterSpread(plain, n));
      };
      // PreScore over some of the nodes as feasible: the kept totals give the same state.
      const checkScore = (spec: PodSpec, nodes: typeof c.nodes, every: number) => {
        const pod = makePod(spec);
        const constraints = effectiveConstraints(spec, 'ScheduleAnyway', SCORE_DEFAULTS);
        if (constraints.length === 0) return;
        const requireAll = (spec.topologySpreadConstraints?.length ?? 0) > 0;
        const feasible = nodes.filter((n, i) => !n.removed && i % every === 0);
        const plain = computeSpreadPreScoreState(pod, feasible, c, constraints, requireAll, cachedNodePodCounter(), byKey);
        computeSpreadPreScoreState(pod, feasible, c, constraints, requireAll, counter, byKey, incrementalScore);
        const kept = computeSpreadPreScoreState(pod, feasible, c, constraints, requireAll, counter, byKey, incrementalScore);
        expect(kept).toEqual(plain);
        computeSpreadPreScoreState(pod, feasible, c, constraints, requireAll, counter, byKey, incrementalScoreNoVersions);
        expect(computeSpreadPreScoreState(pod, feasible, c, constraints, requireAll, counter, byKey, incrementalScoreNoVersions)).toEqual(plain);
        computeSpreadPreScoreState(pod, feasible, c, constraints, requireAll, counter, byKey, incrementalScoreNoLog);
        expect(computeSpreadPreScoreState(pod, feasible, c, constraints, requireAll, counter, byKey, incrementalScoreNoLog)).toEqual(plain);
      };
      for (const o of ops) {
        const nodes = live();
        if (o.kind === 'bind') {
          if (nodes.length === 0) continue;
          const node = nodes[o.node % nodes.length]!;
          const pod = makePod(SPECS[o.spec]!);
          c.bind(pod, node.index);
          bound.push({ pod, node: node.index });
        } else if (o.kind === 'unbind') {
          if (bound.length === 0) continue;
          const [b] = bound.splice(o.pick % bound.length, 1);
          c.unbind(b!.pod, b!.node);
        } else if (o.kind === 'check') {
          check(SPECS[o.spec]!, nodes);
          checkScore(SPECS[o.spec]!, c.nodes, 1 + (o.spec % 3));
        } else if (o.kind === 'add-node') {
          c.addNode({ ...template(`z${o.zone ?? 0}`, `extra-${added++}`), ...(o.zone === null ? { labels: {} } : {}) });
        } else if (o.kind === 'remove-node') {
          const empty = nodes.filter((n) => n.pods.length === 0);
          if (empty.length > 0) c.removeNode(empty[o.node % empty.length]!.index);
        } else {
          const sim = new WhatIfCluster(c, fw, template);
          for (const s of o.steps) {
            const inSim = sim.nodes;
            if (s.kind === 'add') sim.addNode('z2');
            else if (inSim.length === 0) continue;
            else if (s.kind === 'remove') sim.removeNode(inSim[s.node % inSim.length]!);
            else sim.place(makePod(SPECS[s.spec]!), inSim[s.node % inSim.length]!);
            // Counts taken inside the what-if are kept too: they must not survive the rollback.
            check(SPECS[s.spec]!, c.nodes);
            checkScore(SPECS[s.spec]!, c.nodes, 1);
          }
          sim.rollback();
        }
        check(SPECS[0]!, c.nodes);
        checkScore(SPECS[2]!, c.nodes, 1);
      }
      for (const spec of SPECS) {
        check(spec, c.nodes);
        checkScore(spec, c.nodes, 2);
      }
    }), { numRuns: 100 * SCALE });
  });

  it('are on by default and off with ORCHSIM_NO_SPREAD_COUNTS=1', () => {
    delete process.env.ORCHSIM_NO_SPREAD_COUNTS;
    expect(incrementalSpreadCountsDefault()).toBe(true);
    process.env.ORCHSIM_NO_SPREAD_COUNTS = '1';
    expect(incrementalSpreadCountsDefault()).toBe(false);
  });
});
