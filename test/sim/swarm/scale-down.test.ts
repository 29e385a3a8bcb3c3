import { describe, expect, it } from 'vitest';
import { at, liveAt, node, nodes, runTraced, service, swarmScenario, tasksOf } from './harness.js';

/**
 * Replicated scale-down in a run (SWARM.md section 5; manager/orchestrator/replicated/services.go
 * reconcile with slot.go's orders): non-running slots go first, then the highest "n-th copy on
 * its node" indices (the nodes with the most copies lose first), ties by higher slot number.
 * spec.replicas is changed directly at a time (as `docker service scale` would).
 */

const count = (names: string[]) => names.reduce<Record<string, number>>((m, n) => ((m[n] = (m[n] ?? 0) + 1), m), {});

describe('Swarm replicated scale-down', () => {
  // 6 replicas on n0, n1 (3 each: the spread fills the node with fewest tasks of the service);
  // n2 joins at 100; scaled to 8 at 200 (slots 7 and 8 go to n2, which has none);
  // scaled to 5 at 300; to 7 at 1000 and back to 5 at 1010, before the two new tasks run.
  const t = runTraced(swarmScenario({ nodes: nodes(2), horizon: 2000, workloads: [service('web', 6, { startup: 60 })] }), [
    at(100, (api) => api.addNode(node('n2'))),
    at(200, (api) => api.setDesiredReplicas(0, 8)),
    at(300, (api) => api.setDesiredReplicas(0, 5)),
    at(1000, (api) => api.setDesiredReplicas(0, 7)),
    at(1010, (api) => api.setDesiredReplicas(0, 5)),
  ]);

  it('scale-up places on the node with fewest tasks of the service', () => {
    expect(count(liveAt(t, 'web', 250).map((x) => x.node))).toEqual({ n0: 3, n1: 3, n2: 2 });
    expect(tasksOf(t, 'web').filter((x) => x.created === 200).map((x) => x.node)).toEqual(['n2', 'n2']);
  });

  it('scale-down trims the nodes holding the most copies: the 3rd copies on n0 and n1, then the highest slot among the 2nd copies (slot 8, on n2)', () => {
    // Copies in slot order: n0 and n1 hold slots 1-6, three each; n2 holds 7 (1st copy) and 8 (2nd).
    // Removed: two index-3 tasks (one on n0, one on n1) and, of the index-2 ones, the highest slot: 8.
    const removed = tasksOf(t, 'web').filter((x) => x.ended === 300);
    expect(removed).toHaveLength(3);
    expect(removed.every((x) => x.how === 'deleted')).toBe(true);
    expect(count(removed.map((x) => x.node))).toEqual({ n0: 1, n1: 1, n2: 1 });
    expect(removed.find((x) => x.node === 'n2')!.slot).toBe('8');
    for (const n of ['n0', 'n1']) {
      const onNode = tasksOf(t, 'web').filter((x) => x.node === n && x.created === 0).map((x) => Number(x.slot)).sort((a, b) => a - b);
      expect(removed.find((x) => x.node === n)!.slot).toBe(String(onNode[2]));
    }
    expect(count(liveAt(t, 'web', 500).map((x) => x.node))).toEqual({ n0: 2, n1: 2, n2: 1 });
  });

  it('non-running tasks are removed first, wherever they are', () => {
    const late = tasksOf(t, 'web').filter((x) => x.created === 1000);
    expect(late).toHaveLength(2);
    // Bound at 1000.05, running only at 1060.05: still starting at 1010.
    for (const x of late) expect(x.ended).toBe(1010);
    expect(liveAt(t, 'web', 1500)).toHaveLength(5);
    expect(count(liveAt(t, 'web', 1500).map((x) => x.node))).toEqual({ n0: 2, n1: 2, n2: 1 });
  });
});
