import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { compareImportance, findPreemption, numCandidates, pickOneNode, selectVictimsOnNode, splitByPDBViolation, type DisruptionBudgets, type NodeVictims, type PreemptionCluster, type VictimInfo } from '../../src/schedulers/preemption.js';

/**
 * DefaultPreemption's rules (pkg/scheduler/framework/plugins/defaultpreemption/
 * default_preemption.go, pkg/scheduler/framework/preemption/preemption.go; KUBERNETES.md
 * section 8) on hand-made nodes whose only filter is cpu: the numbers are the rule's, checked
 * by hand.
 */
const pod = (name: string): PodInfo => ({ id: 0, name, spec: { namespace: 'default', labels: {}, requests: { milliCPU: 0, memory: 0, milliGPU: 0, ephemeralStorage: 0 } as never, priority: 0 } });
const victim = (name: string, priority: number, startTime: number, cpu = 1): VictimInfo & { cpu: number } => ({ pod: pod(name), priority, startTime, cpu });
const node = (index: number): NodeInfo => ({ index, name: `n${index}` }) as NodeInfo;

/** A node of `capacity` cpu holding `pods`; the preemptor needs `need` cpu. */
function cpuCluster(capacity: number, need: number, pods: readonly (VictimInfo & { cpu: number })[]): PreemptionCluster & { present: Set<PodInfo> } {
  const present = new Set(pods.map((p) => p.pod));
  const cpuOf = new Map(pods.map((p) => [p.pod, p.cpu]));
  return {
    present,
    remove: (p) => void present.delete(p),
    restore: (p) => void present.add(p),
    fits: () => [...present].reduce((a, p) => a + cpuOf.get(p)!, 0) + need <= capacity,
  };
}

describe('calculateNumCandidates', () => {
  it.each([
    // numNodes, percentage, absolute -> candidates (10 % but at least 100, never more than the nodes)
    [5, 10, 100, 5],
    [100, 10, 100, 100],
    [500, 10, 100, 100],
    [1000, 10, 100, 100],
    [2000, 10, 100, 200],
    [5000, 10, 100, 500],
    [1999, 10, 100, 199], // integer division: 199.9 -> 199
    [50, 40, 10, 20],
    [50, 0, 5, 5],
  ])('%i nodes, %i %%, at least %i: %i', (n, pct, abs, want) => {
    expect(numCandidates(n, { minCandidateNodesPercentage: pct, minCandidateNodesAbsolute: abs })).toBe(want);
  });
});

describe('MoreImportantPod', () => {
  it('higher priority first, then the pod that started earlier', () => {
    const pods = [victim('late-low', 0, 50), victim('early-low', 0, 10), victim('high', 5, 99)];
    expect([...pods].sort(compareImportance).map((v) => v.pod.name)).toEqual(['high', 'early-low', 'late-low']);
  });
});

describe('SelectVictimsOnNode', () => {
  it('only strictly lower priorities are candidates; none means no candidate node', () => {
    const pods = [victim('same', 10, 0, 4)];
    expect(selectVictimsOnNode(10, node(0), pods, cpuCluster(4, 1, pods), undefined)).toBeUndefined();
  });

  it('a node where the preemptor does not fit even with every lower-priority pod gone is no candidate', () => {
    const pods = [victim('high', 100, 0, 3), victim('low', 0, 0, 1)];
    expect(selectVictimsOnNode(50, node(0), pods, cpuCluster(4, 2, pods), undefined)).toBeUndefined();
  });

  it('reprieves the most important first: the minimal victims are the least important that make room', () => {
    // 4 cpu full of four 1-cpu pods; the preemptor needs 2: two must go. Most important first
    // reprieved: p3 (priority 3), p2 (priority 2), then p1 and p0 no longer fit.
    const pods = [victim('p0', 0, 0), victim('p1', 1, 0), victim('p2', 2, 0), victim('p3', 3, 0)];
    const cluster = cpuCluster(4, 2, pods);
    const r = selectVictimsOnNode(10, node(0), pods, cluster, undefined)!;
    expect(r.victims.map((v) => v.pod.name)).toEqual(['p1', 'p0']);
    expect(r.numPDBViolations).toBe(0);
    expect(cluster.present.size).toBe(4); // left as found
  });

  it('of equal priority, the pod that started later is the victim', () => {
    const pods = [victim('old', 0, 10, 2), victim('new', 0, 20, 2)];
    expect(selectVictimsOnNode(10, node(0), pods, cpuCluster(4, 2, pods), undefined)!.victims.map((v) => v.pod.name)).toEqual(['new']);
  });

  it('PDB-violating pods are reprieved first: with room for one, the budget is kept when it can be', () => {
    // Two equal pods; the budget covers `guarded` and allows 0 disruptions. Reprieving the
    // violating one first keeps it, so the other is the victim and no budget is violated.
    const pods = [victim('guarded', 0, 0, 2), victim('free', 0, 5, 2)];
    const budgets: DisruptionBudgets = { budgetOf: (p) => (p.name === 'guarded' ? 'b' : undefined), allowed: () => 0 };
    const r = selectVictimsOnNode(10, node(0), pods, cpuCluster(4, 2, pods), budgets)!;
    expect(r.victims.map((v) => v.pod.name)).toEqual(['free']);
    expect(r.numPDBViolations).toBe(0);
  });

  it('counts the violations it cannot avoid', () => {
    const pods = [victim('a', 0, 0, 2), victim('b', 0, 1, 2)];
    const budgets: DisruptionBudgets = { budgetOf: () => 'web', allowed: () => 1 };
    // Both must go: the first spends the budget's one disruption, the second violates it.
    const r = selectVictimsOnNode(10, node(0), pods, cpuCluster(4, 4, pods), budgets)!;
    expect(r.victims).toHaveLength(2);
    expect(r.numPDBViolations).toBe(1);
  });

  it('filterPodsWithPDBViolation spends each budget in order and keeps the order', () => {
    const pods = [victim('a', 0, 0), victim('b', 0, 1), victim('c', 0, 2), victim('d', 0, 3)];
    const budgets: DisruptionBudgets = { budgetOf: (p) => (p.name === 'd' ? undefined : 'x'), allowed: () => 2 };
    const { violating, nonViolating } = splitByPDBViolation(pods, budgets);
    expect(nonViolating.map((v) => v.pod.name)).toEqual(['a', 'b', 'd']);
    expect(violating.map((v) => v.pod.name)).toEqual(['c']);
  });
});

describe('pickOneNodeForPreemption', () => {
  const cand = (index: number, numPDBViolations: number, victims: VictimInfo[]): NodeVictims => ({ node: node(index), victims, numPDBViolations });
  it.each([
    ['fewest PDB violations', [cand(0, 1, [victim('a', 0, 0)]), cand(1, 0, [victim('b', 9, 0)])], 1],
    ['lowest highest-victim priority', [cand(0, 0, [victim('a', 10, 0)]), cand(1, 0, [victim('b', 5, 0), victim('c', 4, 0)])], 1],
    ['smallest sum of priorities', [cand(0, 0, [victim('a', 5, 0), victim('b', 5, 0)]), cand(1, 0, [victim('c', 5, 0), victim('d', 1, 0)])], 1],
    // Priorities offset by 2^31 each: more victims weigh more even at negative priorities.
    ['sum counts negative priorities with the offset', [cand(0, 0, [victim('a', -5, 0), victim('b', -5, 0)]), cand(1, 0, [victim('c', -5, 0)])], 1],
    ['fewest victims (equal sums cannot tie otherwise)', [cand(0, 0, [victim('a', 0, 0), victim('b', 0, 0)]), cand(1, 0, [victim('c', 0, 0), victim('d', 0, 0)])], 0],
    ['latest start of the highest-priority victims', [cand(0, 0, [victim('a', 3, 100)]), cand(1, 0, [victim('b', 3, 200)])], 1],
    ['then the first', [cand(4, 0, [victim('a', 3, 100)]), cand(2, 0, [victim('b', 3, 100)])], 4],
  ])('%s', (_name, candidates, want) => {
    expect(pickOneNode(candidates)!.node.index).toBe(want);
  });
});

describe('DryRunPreemption', () => {
  it('stops once a non-violating candidate is found and numCandidates are in, from the offset', () => {
    const nodes = Array.from({ length: 5 }, (_, i) => node(i));
    const tried: number[] = [];
    const pods = new Map(nodes.map((n) => [n.index, [victim(`v${n.index}`, 0, n.index, 4)]]));
    const r = findPreemption(10, nodes, 3, { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 2 }, (n) => {
      tried.push(n.index);
      return pods.get(n.index)!;
    }, (n) => cpuCluster(4, 4, pods.get(n.index)!), undefined);
    expect(tried).toEqual([3, 4]);
    // Equal candidates: the later start wins (v4 started at 4).
    expect(r!.node.index).toBe(4);
  });

  it('property: victims are strictly lower priority, the preemptor fits once they are gone, and each reprieve failed', () => {
    const pods = fc.array(fc.record({ priority: fc.integer({ min: -3, max: 3 }), start: fc.nat(100), cpu: fc.integer({ min: 1, max: 4 }) }), { maxLength: 8 });
    fc.assert(fc.property(pods, fc.integer({ min: -2, max: 4 }), fc.integer({ min: 1, max: 8 }), (list, preemptor, need) => {
      const vs = list.map((p, i) => victim(`p${i}`, p.priority, p.start, p.cpu));
      const capacity = 8;
      const cluster = cpuCluster(capacity, need, vs);
      const used = vs.reduce((a, v) => a + v.cpu, 0);
      const r = selectVictimsOnNode(preemptor, node(0), vs, cluster, undefined);
      expect(cluster.present.size).toBe(vs.length);
      const lowerCpu = vs.filter((v) => v.priority < preemptor).reduce((a, v) => a + v.cpu, 0);
      if (!r) {
        expect(vs.every((v) => v.priority >= preemptor) || used - lowerCpu + need > capacity).toBe(true);
        return;
      }
      expect(r.victims.every((v) => v.priority < preemptor)).toBe(true);
      const freed = r.victims.reduce((a, v) => a + (v as VictimInfo & { cpu: number }).cpu, 0);
      expect(used - freed + need).toBeLessThanOrEqual(capacity);
      // Minimal in reprieve order: putting any one victim back leaves no room.
      for (const v of r.victims) expect(used - freed + (v as VictimInfo & { cpu: number }).cpu + need).toBeGreaterThan(capacity);
    }), { seed: 18, numRuns: 500 });
  });
});
