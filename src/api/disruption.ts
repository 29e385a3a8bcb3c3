import type { LabelSelector } from './labels.js';

/**
 * PodDisruptionBudget (policy/v1) as the simulator reads it: which pods it covers and how many of
 * them voluntary evictions may take down (KUBERNETES.md 7.5, 7.6).
 */

/** An IntOrString field: a count, or a percent of the expected pods ("NN%"). */
export type IntOrPercent = { readonly kind: 'int'; readonly value: number } | { readonly kind: 'percent'; readonly value: number };

/** spec.unhealthyPodEvictionPolicy; IfHealthyBudget is the default (policy/v1 types.go). */
export type UnhealthyPodEvictionPolicy = 'IfHealthyBudget' | 'AlwaysAllow';

export interface DisruptionBudgetSpec {
  readonly name: string;
  readonly namespace: string;
  /** Pods of the namespace whose labels match (a non-empty selector). */
  readonly selector: LabelSelector;
  /** Exactly one of minAvailable and maxUnavailable is set. */
  readonly minAvailable?: IntOrPercent | undefined;
  readonly maxUnavailable?: IntOrPercent | undefined;
  readonly unhealthyPodEvictionPolicy: UnhealthyPodEvictionPolicy;
}

/** What the eviction subresource answers: 201 (evicted), 429 (the budget allows no disruption now), 500 (more than one budget). */
export type EvictionOutcome = 'evicted' | 'blocked' | 'error';

/** Parses "NN%" or an integer as Kubernetes writes IntOrString; undefined when it is neither. */
export function parseIntOrPercent(v: number | string): IntOrPercent | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'int', value: v } : undefined;
  const m = /^(\d+)%$/.exec(v);
  if (m) return { kind: 'percent', value: Number(m[1]) };
  return undefined;
}

export function formatIntOrPercent(v: IntOrPercent): string {
  return v.kind === 'percent' ? `${v.value}%` : String(v.value);
}
