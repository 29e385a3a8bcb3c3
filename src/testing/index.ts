/**
 * orchsim/testing: property-testing tools for placement logic, for your own test suite.
 *
 *   import { checkPlacementInvariants, placementCaseArb, podSpecArb } from 'orchsim/testing';
 *
 * Needs fast-check (a peer dependency: install it next to orchsim).
 */
export {
  APPS, buildCluster, clusterArb, DISK_LABEL, DOWN_TAINTS, fitsResources, nodeArb, overcommit, placementCaseArb, podSpecArb, resourcesArb, TAINTS, TOLERATIONS, ZONES,
  type ClusterArbOptions, type ClusterDesc, type NodeArbOptions, type PlacementCase, type PodArbOptions, type ResourcesArbOptions,
} from './placement.js';
export { checkPlacementInvariants, INVARIANTS, replacePlugin, type Invariant, type PlacementCheckOptions, type PlacementReport, type PlacementSubject } from './invariants.js';
export { buildScenario, scenarioDescArb, PROFILE_NAMES, type ScenarioArbOptions, type ScenarioDesc } from './scenarios.js';
