/** Docker Swarm mode's scheduling policy (moby/swarmkit): what the rest of orchsim uses. */
export { swarmScheduler, scheduleSwarmGroup, swarmTaskFitsNode, noSuitableNodeText, NO_SUITABLE_NODE, SWARM_SCHEDULER_NAME } from './swarm-scheduler.js';
export {
  parseSwarmConstraint,
  parseConstraintSyntax,
  nodeMatches,
  parseSwarmPreference,
  preferenceValue,
  NODE_LABEL_PREFIX,
  ENGINE_LABEL_PREFIX,
  type SwarmPreference,
} from './constraints.js';
export { swarmNodeLess, SWARM_MAX_FAILURES, SWARM_MONITOR_FAILURES_SECONDS, type SwarmNodeOrderKey } from './node-order.js';
export { SWARM_FILTER_EXPLANATIONS, SwarmFilter, nodeIsReady } from './filters.js';
export { swarmTasksToRemove, type SwarmSlotInfo } from './scale-down.js';
