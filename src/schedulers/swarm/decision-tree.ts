import type { SwarmNodeInfo } from '../../api/swarm.js';
import { preferenceValue, type SwarmPreference } from './constraints.js';
import type { SwarmPipeline } from './filters.js';
import type { GroupNodes } from './group-state.js';
import { NodeMaxHeap } from './node-heap.js';
import { nodeLessAt } from './node-order.js';

/**
 * Placement preferences as swarmkit's decision tree (manager/scheduler/nodeset.go tree,
 * decision_tree.go, and scheduler.go scheduleNTasksOnSubtree / scheduleNTasksOnNodes).
 *
 * Determinism: upstream walks Go maps (the node set, a level's branches, the task group), whose
 * order is random. Here nodes are taken in the order of the call's node list (node index order
 * as the simulator passes them) and a level's branches in ascending order of their label value
 * (code-unit order, so the "" branch of nodes without the label comes first). Ties of nodeLess
 * are then settled exactly as Go's container/heap settles them for that insertion order.
 */

/** One subtree: a level's branch, or a leaf holding the best nodes that passed the filters. */
export interface DecisionTree {
  /** Active tasks of the service under this subtree when the call began (upstream never updates it during the call). */
  tasks: number;
  /** Label values of the branches, ascending; empty at a leaf. */
  readonly values: string[];
  readonly branches: DecisionTree[];
  /** Leaves only: the bounded max-heap of the best nodes (nodeMaxHeap). */
  heap: NodeMaxHeap | undefined;
}

function newTree(): DecisionTree {
  return { tasks: 0, values: [], branches: [], heap: undefined };
}

/**
 * nodeSet.tree: nodes grouped level by level by their value of each preference ("" when the
 * node lacks the label); each subtree counts the service's tasks under it; each leaf keeps only
 * the `maxAssignments` best nodes by nodeLess that pass the pipeline (a node is checked only
 * when there is room in the heap or it beats the heap's worst).
 */
export function buildDecisionTree(g: GroupNodes, pipeline: SwarmPipeline, preferences: readonly SwarmPreference[], maxAssignments: number): DecisionTree {
  const root = newTree();
  if (maxAssignments === 0) return root;
  const less = (a: number, b: number): boolean => nodeLessAt(g, a, b);
  // Branches by value while building; sorted into `values` / `branches` afterwards.
  const index = new Map<DecisionTree, Map<string, DecisionTree>>();
  for (let pos = 0; pos < g.count; pos++) {
    const node: SwarmNodeInfo = g.nodes[pos]!;
    const tasks = g.serviceTasks[pos]!;
    let tree = root;
    for (const pref of preferences) {
      tree.tasks += tasks;
      let next = index.get(tree);
      if (next === undefined) {
        next = new Map();
        index.set(tree, next);
      }
      const value = preferenceValue(pref, node);
      let sub = next.get(value);
      if (sub === undefined) {
        sub = newTree();
        next.set(value, sub);
      }
      tree = sub;
    }
    tree.tasks += tasks;
    const heap = (tree.heap ??= new NodeMaxHeap(less));
    if (heap.length < maxAssignments) {
      if (pipeline.process(pos)) heap.push(pos);
    } else if (less(pos, heap.nodes[0]!) && pipeline.process(pos)) {
      heap.nodes[0] = pos;
      heap.fix(0);
    }
  }
  for (const [tree, next] of index) {
    const values = [...next.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const v of values) {
      tree.values.push(v);
      tree.branches.push(next.get(v)!);
    }
  }
  return root;
}

/** decisionTree.orderedNodes: the leaf's nodes best first; on a second visit the nodes are re-checked first, since assignments may have filled them. */
function orderedNodes(leaf: DecisionTree, pipeline: SwarmPipeline): number[] {
  const heap = leaf.heap;
  if (heap === undefined) return [];
  const nodes = heap.nodes;
  if (heap.length !== nodes.length) {
    for (let i = 0; i < nodes.length; ) {
      if (pipeline.process(nodes[i]!)) {
        i++;
      } else {
        nodes[i] = nodes[nodes.length - 1]!;
        nodes.pop();
      }
    }
    heap.length = nodes.length;
    heap.init();
  }
  while (heap.length > 0) heap.pop();
  return nodes;
}

/** What one scheduleGroup call shares across the tree: the tasks not yet placed and the placements. */
export interface Placing {
  readonly g: GroupNodes;
  readonly pipeline: SwarmPipeline;
  /** Tasks of the group still unassigned (upstream's taskGroup map, which every leaf draws from). */
  remaining: number;
  /** Node index of each placed task, in assignment order. */
  readonly placed: number[];
}

/**
 * scheduleNTasksOnSubtree: a leaf places on its nodes; a level splits the tasks equally among
 * its branches that still have room, counting the service's existing tasks (so a branch with
 * one node gets as many tasks as one with ten, until it is full), whatever the number of nodes.
 * Faithful to upstream in its details: a branch that places fewer than asked is marked full and
 * its task count leaves the total; the per-branch counts are those of the call's start; integer
 * division truncates toward zero as in Go. A subtree may place more than `n` when asked to even
 * out lopsided branches (only the group's size bounds it), as upstream's may.
 */
export function scheduleNTasksOnSubtree(p: Placing, n: number, tree: DecisionTree): number {
  const branches = tree.branches;
  if (branches.length === 0) {
    const nodes = orderedNodes(tree, p.pipeline);
    if (nodes.length === 0) return 0;
    return scheduleNTasksOnNodes(p, n, nodes);
  }
  let scheduled = 0;
  let usableTasks = tree.tasks;
  const noRoom = new Uint8Array(branches.length);
  let noRoomCount = 0;
  let converging = true;
  while (scheduled !== n && noRoomCount !== branches.length && converging) {
    const open = branches.length - noRoomCount;
    const desired = Math.trunc((usableTasks + n - scheduled) / open);
    let remainder = (usableTasks + n - scheduled) % open;
    converging = false;
    for (let b = 0; b < branches.length; b++) {
      if (noRoom[b] === 1) continue;
      const sub = branches[b]!;
      const subTasks = sub.tasks;
      if (subTasks < desired || (subTasks === desired && remainder > 0)) {
        converging = true;
        let toAssign = desired - subTasks;
        if (remainder > 0) toAssign++;
        const res = scheduleNTasksOnSubtree(p, toAssign, sub);
        if (res < toAssign) {
          noRoom[b] = 1;
          noRoomCount++;
          usableTasks -= subTasks;
        } else if (remainder > 0) {
          remainder--;
        }
        scheduled += res;
      }
    }
  }
  return scheduled;
}

/**
 * scheduleNTasksOnNodes: up to n of the remaining tasks onto a leaf's nodes (best first). First
 * pass: stay on a node while the next one is not better (fills the best nodes up to the next
 * one's service task count); after the last node, round-robin one task per node. After each
 * assignment the next node is run through the pipeline again, and a node that fails is skipped
 * for the rest of the call; when all fail, stop.
 */
function scheduleNTasksOnNodes(p: Placing, n: number, nodes: readonly number[]): number {
  const { g, pipeline } = p;
  const count = nodes.length;
  const failed = new Uint8Array(count);
  let scheduled = 0;
  let iter = 0;
  while (p.remaining > 0) {
    const pos = nodes[iter % count]!;
    g.assign(pos);
    p.placed.push(g.nodes[pos]!.index);
    p.remaining--;
    scheduled++;
    if (scheduled === n) return scheduled;

    if (iter + 1 < count) {
      if (nodeLessAt(g, nodes[(iter + 1) % count]!, pos)) iter++;
    } else {
      iter++;
    }

    const start = iter;
    while (failed[iter % count] === 1 || !pipeline.process(nodes[iter % count]!)) {
      failed[iter % count] = 1;
      iter++;
      if (iter - start === count) return scheduled;
    }
  }
  return scheduled;
}
