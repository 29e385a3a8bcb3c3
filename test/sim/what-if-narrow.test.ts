import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/api/framework.js';
import { WellKnownLabel, type NodeInfo, type NodeSpec } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { makeCluster, makePod, makeSpec, Gi } from '../helpers/cluster.js';
import { WhatIfCluster, whatIfNarrowUsableFromEnv } from '../../src/sim/what-if.js';
import { restoreEnvAfterEach } from '../helpers/scheduler-ab.js';

// WhatIfCluster.usableOf narrows its remembered destination list after each removal instead of
// filtering the candidates again (issue 23; off with ORCHSIM_NO_WHAT_IF_NARROW=1). Random
// what-ifs - drains, template nodes, placements, several destination lists, rollbacks and reuse
// of the same what-if - must see exactly the same destinations, in the same order, either way.

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

/** The first candidate with room for the pod's cpu, and every candidate it was offered (recorded). */
function recordingScheduler(offered: string[][]): Scheduler {
  return {
    name: 'first-fit',
    schedule: () => -1,
    findFeasible: (pod, _snapshot, candidates, limit) => {
      offered.push(candidates.map((n) => n.name));
      return candidates.filter((n) => n.allocatable.milliCPU - n.requested.milliCPU >= pod.spec.requests.milliCPU).slice(0, limit);
    },
  };
}

function template(group: string, name: string): NodeSpec {
  return { name, labels: { [WellKnownLabel.hostname]: name, pool: group }, taints: [], unschedulable: false, allocatable: resources({ milliCPU: 4000, memory: 16 * Gi }) };
}

const step = fc.record({
  kind: fc.constantFrom('drain' as const, 'drain' as const, 'find' as const, 'find-any' as const, 'add' as const, 'rollback' as const),
  node: fc.nat(50),
  list: fc.nat(3),
  cpu: fc.constantFrom(500, 1000, 2000),
});

/** Runs the steps on a fresh cluster and returns what the scheduler was offered and where pods went. */
function trace(narrow: boolean, nodeCount: number, initial: readonly { node: number; cpu: number }[], steps: readonly { kind: string; node: number; list: number; cpu: number }[]): unknown {
  const c = makeCluster(Array.from({ length: nodeCount }, (_, i) => ({ name: `n${i}`, cpu: 4 })));
  for (const p of initial) {
    const node = c.nodes[p.node % nodeCount]!;
    if (node.allocatable.milliCPU - node.requested.milliCPU >= p.cpu) c.bind(makePod(makeSpec({ cpu: p.cpu })), node.index);
  }
  const offered: string[][] = [];
  const placed: string[] = [];
  const sim = new WhatIfCluster(c, recordingScheduler(offered), template, undefined, narrow);
  // Destination lists: fixed per run as the drain planner's are (all nodes, even ones, odd ones),
  // and one grown in place with each template node, as karpenter's open nodes and the scale-up's.
  const lists: readonly NodeInfo[][] = [c.nodes.slice(), c.nodes.filter((_, i) => i % 2 === 0), c.nodes.filter((_, i) => i % 2 === 1), []];
  for (const s of steps) {
    if (s.kind === 'rollback') {
      sim.rollback();
      lists[3]!.length = 0;
    } else if (s.kind === 'add') {
      lists[3]!.push(sim.addNode('g'));
    } else if (s.kind === 'drain') {
      const nodes = sim.nodes;
      if (nodes.length === 0) continue;
      const pods: readonly PodInfo[] = sim.removeNode(nodes[s.node % nodes.length]!);
      for (const pod of pods) {
        const to = sim.findNode(pod, lists[s.list]!);
        placed.push(to?.name ?? '-');
        if (to) sim.place(pod, to);
      }
    } else {
      const pod = makePod(makeSpec({ cpu: s.cpu }));
      const to = sim.findNode(pod, s.kind === 'find' ? lists[s.list]! : undefined);
      placed.push(to?.name ?? '-');
      if (to) sim.place(pod, to);
    }
  }
  sim.rollback();
  return { offered, placed };
}

describe('WhatIfCluster narrowing of destination lists (ORCHSIM_NO_WHAT_IF_NARROW)', () => {
  restoreEnvAfterEach('ORCHSIM_NO_WHAT_IF_NARROW');

  it('reads ORCHSIM_NO_WHAT_IF_NARROW=1 as off, and unset, empty or 0 as on', () => {
    expect(whatIfNarrowUsableFromEnv({})).toBe(true);
    expect(whatIfNarrowUsableFromEnv({ ORCHSIM_NO_WHAT_IF_NARROW: '1' })).toBe(false);
    expect(whatIfNarrowUsableFromEnv({ ORCHSIM_NO_WHAT_IF_NARROW: '0' })).toBe(true);
    expect(whatIfNarrowUsableFromEnv({ ORCHSIM_NO_WHAT_IF_NARROW: '' })).toBe(true);
  });

  it('offers the scheduler the same destinations in the same order, on and off (property)', () => {
    let narrowed = 0;
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.record({ node: fc.nat(50), cpu: fc.constantFrom(500, 1000, 2000) }), { maxLength: 24 }),
      fc.array(step, { maxLength: 30 }),
      (nodeCount, initial, steps) => {
        const on = trace(true, nodeCount, initial, steps);
        const off = trace(false, nodeCount, initial, steps);
        expect(on).toEqual(off);
        // Not vacuous: a destination list was asked for again after a drain in the same what-if.
        const drains = steps.filter((s) => s.kind === 'drain').length;
        if (drains >= 2) narrowed++;
      },
    ), { numRuns: Math.max(1, Math.round(300 * SCALE)) });
    expect(narrowed).toBeGreaterThan(0);
  });
});
