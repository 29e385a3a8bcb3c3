import type { SwarmGroupDecision, SwarmNodeInfo, SwarmScheduler, SwarmTaskGroup, SwarmTaskSpec } from '../../api/swarm.js';
import { nodeMatches, parseSwarmPreference, type SwarmPreference } from './constraints.js';
import { buildDecisionTree, scheduleNTasksOnSubtree, type Placing } from './decision-tree.js';
import { SwarmPipeline } from './filters.js';
import { GroupNodes } from './group-state.js';
import { swarmTasksToRemove } from './scale-down.js';

/** Docker Swarm mode's scheduler (moby/swarmkit manager/scheduler), as orchsim's Swarm policy. */
export const SWARM_SCHEDULER_NAME = 'swarm';

/** scheduler.go noSuitableNode: the Status.Err of a task that fits nowhere. */
export const NO_SUITABLE_NODE = 'no suitable node';

export function noSuitableNodeText(explanation: string): string {
  return explanation !== '' ? `${NO_SUITABLE_NODE} (${explanation})` : NO_SUITABLE_NODE;
}

/** The preferences that take effect (spread over node.labels.* / engine.labels.*), once per list. */
const preferenceCache = new WeakMap<readonly string[], readonly SwarmPreference[]>();
function effectivePreferences(descriptors: readonly string[]): readonly SwarmPreference[] {
  let prefs = preferenceCache.get(descriptors);
  if (prefs === undefined) {
    prefs = descriptors.map(parseSwarmPreference).filter((p): p is SwarmPreference => p !== undefined);
    preferenceCache.set(descriptors, prefs);
  }
  return prefs;
}

/**
 * scheduler.go scheduleTaskGroup: the pipeline set for the group's task, the decision tree built
 * over the nodes, the tasks split down the tree; what is left gets "no suitable node (<why>)",
 * with Pipeline.Explain as it stands after the last node the call checked.
 */
export function scheduleSwarmGroup(group: SwarmTaskGroup, nodes: readonly SwarmNodeInfo[], now: number): SwarmGroupDecision {
  if (group.tasks <= 0) return { nodes: [] };
  const g = new GroupNodes(group, nodes, now);
  const pipeline = new SwarmPipeline(g);
  const tree = buildDecisionTree(g, pipeline, effectivePreferences(group.spec.placement.preferences), group.tasks);
  const placing: Placing = { g, pipeline, remaining: group.tasks, placed: [] };
  scheduleNTasksOnSubtree(placing, group.tasks, tree);
  if (placing.remaining === 0) return { nodes: placing.placed };
  return { nodes: placing.placed, explanation: noSuitableNodeText(pipeline.explain()) };
}

/**
 * scheduler.go taskFitNode for a pre-assigned task (a global service's): the pipeline on that
 * one node; undefined when it fits, else Pipeline.Explain (e.g. "insufficient resources on 1
 * node"; upstream stores it in Status.Err without the "no suitable node" wrapper).
 */
export function swarmTaskFitsNode(group: SwarmTaskGroup, node: SwarmNodeInfo, now: number): string | undefined {
  const pipeline = new SwarmPipeline(new GroupNodes(group, [node], now));
  return pipeline.process(0) ? undefined : pipeline.explain();
}

export const swarmScheduler: SwarmScheduler = {
  name: SWARM_SCHEDULER_NAME,
  scheduleGroup: scheduleSwarmGroup,
  // global.go reconcileOneNode / constraint.NodeMatches: where a global service runs at all.
  constraintsMet: (spec: SwarmTaskSpec, node: SwarmNodeInfo) => nodeMatches(spec.placement.constraints, node),
  taskFitsNode: swarmTaskFitsNode,
  tasksToRemove: swarmTasksToRemove,
};
