import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WellKnownLabel } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { Framework } from '../../src/schedulers/framework.js';
import { nodeResourcesFit } from '../../src/schedulers/plugins/node-resources-fit.js';
import { cachedNodePodCounter, countMatchingPods, podTopologySpread } from '../../src/schedulers/plugins/pod-topology-spread.js';
import { PluginRegistry } from '../../src/schedulers/registry.js';
import type { NodeSpec } from '../../src/api/node.js';
import { WhatIfCluster } from '../../src/sim/what-if.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { runScorePlugin } from '../helpers/plugins.js';

// PodTopologySpread counts every node's matching pods for every attempt; the cached counter
// recounts only nodes whose generation changed. It must always agree with a plain count, also
// across what-ifs (whose rollback restores the generations) and nodes added and removed.

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

const APPS = ['web', 'api', 'db'];
const NAMESPACES = ['default', 'batch'];
const SELECTORS = APPS.map((app) => ({ matchLabels: { app } }));
const SPECS: PodSpec[] = [];
for (const namespace of NAMESPACES) for (const app of APPS) SPECS.push(makeSpec({ namespace, labels: { app }, cpu: 100 }));

type Op =
  | { kind: 'bind'; spec: number; node: number }
  | { kind: 'unbind'; pick: number }
  | { kind: 'check'; selector: number; ns: number }
  | { kind: 'what-if'; steps: { kind: 'remove' | 'place' | 'add'; node: number; spec: number }[] }
  | { kind: 'add-node' }
  | { kind: 'remove-node'; node: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('bind' as const), spec: fc.nat(SPECS.length - 1), node: fc.nat(50) }),
  fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }),
  fc.record({ kind: fc.constant('check' as const), selector: fc.nat(SELECTORS.length - 1), ns: fc.nat(NAMESPACES.length - 1) }),
  fc.record({
    kind: fc.constant('what-if' as const),
    steps: fc.array(fc.record({ kind: fc.constantFrom('remove' as const, 'place' as const, 'add' as const), node: fc.nat(50), spec: fc.nat(SPECS.length - 1) }), { maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant('add-node' as const) }),
  fc.record({ kind: fc.constant('remove-node' as const), node: fc.nat(50) }),
);

const registry = new PluginRegistry()
  .register({ name: 'NodeResourcesFit', description: 'fit', extensionPoints: ['Filter', 'Score'], factory: (args) => nodeResourcesFit(args) });
const handle = { random: () => ({ next: () => 0 }) };

function template(group: string, name: string): NodeSpec {
  return {
    name, labels: { [WellKnownLabel.hostname]: name, [WellKnownLabel.zone]: group }, taints: [], unschedulable: false,
    allocatable: resources({ milliCPU: 4000, memory: 16 * Gi, milliGPU: 0 }),
  };
}

describe('the cached per-node pod counts of PodTopologySpread', () => {
  it('equal countMatchingPods after any binds, unbinds, node changes and rolled-back what-ifs (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 60 }), (nodeCount, ops) => {
      const c = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({ name: `n${i}`, labels: { [WellKnownLabel.zone]: `z${i % 2}` } })));
      const fw = new Framework({ name: 'p', plugins: [{ name: 'NodeResourcesFit' }] }, registry, handle);
      const count = cachedNodePodCounter();
      // From each node's spec list (the default) and by matching every pod (ORCHSIM_NO_SPREAD_NODE_SPECS=1),
      // and with verdicts remembered only for the first two specs (the bound a trace with a spec per pod reaches).
      const fromSpecLists = cachedNodePodCounter(true);
      const byPod = cachedNodePodCounter(false);
      const bounded = cachedNodePodCounter(true, 2);
      // One plugin instance for the whole run (its caches live across cycles), against a new one per check.
      const spreading = podTopologySpread();
      const bound: { pod: PodInfo; node: number }[] = [];
      let added = 0;
      const live = () => c.nodes.filter((n) => !n.removed);
      const checkAll = (selector: number, ns: number) => {
        for (const n of c.nodes) {
          const plain = countMatchingPods(n.pods, SELECTORS[selector], NAMESPACES[ns]!);
          expect(count(n, SELECTORS[selector], NAMESPACES[ns]!)).toBe(plain);
          expect(fromSpecLists(n, SELECTORS[selector], NAMESPACES[ns]!)).toBe(plain);
          expect(byPod(n, SELECTORS[selector], NAMESPACES[ns]!)).toBe(plain);
          expect(bounded(n, SELECTORS[selector], NAMESPACES[ns]!)).toBe(plain);
        }
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
          checkAll(o.selector, o.ns);
          // System-default spreading of a pod owned by this selector scores as a fresh plugin would.
          const spec = makeSpec({ namespace: NAMESPACES[o.ns]!, labels: SELECTORS[o.selector]!.matchLabels, ownerSelector: SELECTORS[o.selector] });
          const pod = makePod(spec);
          const feasible = live();
          expect(runScorePlugin(spreading, pod, feasible, c)).toEqual(runScorePlugin(podTopologySpread(), pod, feasible, c));
        } else if (o.kind === 'add-node') {
          // New zones now and then (a slot may be reused with other labels).
          c.addNode(template(`z${added % 4}`, `extra-${added}`));
          added++;
        } else if (o.kind === 'remove-node') {
          const empty = nodes.filter((n) => n.pods.length === 0);
          if (empty.length > 0) c.removeNode(empty[o.node % empty.length]!.index);
        } else {
          const before = c.nodes.map((n) => ({ generation: n.generation, pods: [...n.pods] }));
          const sim = new WhatIfCluster(c, fw, template);
          for (const s of o.steps) {
            const inSim = sim.nodes;
            if (s.kind === 'add') sim.addNode('z8');
            else if (inSim.length === 0) continue;
            else if (s.kind === 'remove') sim.removeNode(inSim[s.node % inSim.length]!);
            else sim.place(makePod(SPECS[s.spec]!), inSim[s.node % inSim.length]!);
            // Counts taken inside the what-if are cached too: they must not survive the rollback.
            checkAll(s.spec % SELECTORS.length, s.spec % NAMESPACES.length);
          }
          sim.rollback();
          before.forEach((b, i) => {
            const n = c.nodes[i]!;
            expect(n.pods).toEqual(b.pods);
            if (!n.removed) expect(n.generation).toBe(b.generation);
          });
        }
      }
      for (let s = 0; s < SELECTORS.length; s++) for (let ns = 0; ns < NAMESPACES.length; ns++) checkAll(s, ns);
    }), { numRuns: 100 * SCALE });
  });

  it('a node whose pods change gets a new generation; a rolled-back what-if restores it', () => {
    const c = makeCluster([{ name: 'a' }, { name: 'b' }]);
    const fw = new Framework({ name: 'p', plugins: [{ name: 'NodeResourcesFit' }] }, registry, handle);
    const a = c.nodes[0]!;
    const g0 = a.generation;
    const pod = makePod(SPECS[0]!);
    c.bind(pod, a.index);
    const g1 = a.generation;
    expect(g1).not.toBe(g0);
    const sim = new WhatIfCluster(c, fw, template);
    sim.removeNode(a);
    sim.place(makePod(SPECS[1]!), c.nodes[1]!);
    expect(a.generation).not.toBe(g1);
    sim.rollback();
    expect(a.generation).toBe(g1);
    expect(a.pods).toEqual([pod]);
    c.unbind(pod, a.index);
    expect(a.generation).not.toBe(g1);
    expect(a.generation).not.toBe(g0);
  });
});
