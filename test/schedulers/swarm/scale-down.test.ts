import { describe, expect, it } from 'vitest';
import { swarmTasksToRemove } from '../../../src/schedulers/swarm/scale-down.js';

const t = (node: number, slot: number, running = true) => ({ node, slot, running });
const slotsOf = (tasks: readonly { slot: number }[], removed: readonly number[]) => removed.map((i) => tasks[i]!.slot);

describe('swarmTasksToRemove (replicated/services.go reconcile, slot.go)', () => {
  it('non-running slots go first, other things equal', () => {
    const tasks = [t(0, 1), t(1, 2, false), t(2, 3), t(3, 4)];
    expect(slotsOf(tasks, swarmTasksToRemove(tasks, 1))).toEqual([2]);
  });
  it('then higher slot numbers go first', () => {
    const tasks = [t(0, 4), t(1, 1), t(2, 3), t(3, 2)];
    expect(slotsOf(tasks, swarmTasksToRemove(tasks, 2))).toEqual([3, 4]);
  });
  it('the highest copies on the most loaded nodes go first', () => {
    const tasks = [t(0, 1), t(0, 2), t(0, 3), t(1, 4), t(2, 5)];
    expect(slotsOf(tasks, swarmTasksToRemove(tasks, 2))).toEqual([2, 3]);
    // A node's copies are numbered running first, low slot first: a non-running copy is its node's last.
    const mixed = [t(0, 1, false), t(0, 2), t(1, 3), t(1, 4)];
    expect(slotsOf(mixed, swarmTasksToRemove(mixed, 2))).toEqual([4, 1]);
  });
  it('tasks not yet on a node go before all others', () => {
    const tasks = [t(0, 1), t(0, 2), t(-1, 3, false)];
    expect(slotsOf(tasks, swarmTasksToRemove(tasks, 1))).toEqual([3]);
  });
  it('nothing for count 0; everything for count >= tasks', () => {
    const tasks = [t(0, 1), t(1, 2)];
    expect(swarmTasksToRemove(tasks, 0)).toEqual([]);
    expect(swarmTasksToRemove(tasks, 5).slice().sort()).toEqual([0, 1]);
  });
});
