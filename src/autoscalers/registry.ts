import type { ClusterAutoscalerFactory, HorizontalAutoscalerFactory } from '../api/autoscaling.js';
import { clusterAutoscalerFactory } from './cluster-autoscaler.js';
import { horizontalPodAutoscaler } from './hpa.js';
import { karpenterFactory } from './karpenter.js';

/**
 * Autoscaler policies by name, as scenarios name them. Like scheduler plugins, a policy is a
 * factory: every run gets fresh instances (policies keep state between scans).
 */
export const CLUSTER_AUTOSCALERS: ReadonlyMap<string, ClusterAutoscalerFactory> = new Map([
  ['cluster-autoscaler', clusterAutoscalerFactory],
  ['karpenter', karpenterFactory],
]);

export const HORIZONTAL_AUTOSCALERS: ReadonlyMap<string, HorizontalAutoscalerFactory> = new Map([
  ['hpa', horizontalPodAutoscaler],
]);
