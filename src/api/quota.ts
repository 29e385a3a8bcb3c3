/**
 * A ResourceQuota (core/v1) as the simulator enforces it: hard limits on what the non-terminal
 * pods of one namespace request. Keys are upstream's resource names: `requests.cpu` (milli-cores;
 * `cpu` is the same), `requests.memory` (bytes; `memory` too), `requests.nvidia.com/gpu`
 * (milli-GPU) and `pods` (a count).
 */
export interface ResourceQuotaSpec {
  readonly name: string;
  readonly namespace: string;
  readonly hard: Readonly<Partial<Record<QuotaResource, number>>>;
}

export const QUOTA_RESOURCES = ['requests.cpu', 'requests.memory', 'requests.nvidia.com/gpu', 'pods'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
