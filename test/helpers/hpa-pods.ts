import type { MetricSpec, ScaledPod, ScaleTargetStatus } from '../../src/api/autoscaling.js';
import { resources } from '../../src/api/resources.js';

/** Pods, targets and metrics for the HPA policy's unit tests (test/autoscalers/hpa*.test.ts). */

export const Gi = 2 ** 30;

export interface PodOptions {
  readonly phase?: ScaledPod['phase'];
  readonly deleting?: boolean;
  readonly ready?: boolean;
  readonly startTime?: number;
  readonly readyTransitionTime?: number;
  /** Requests: milli-CPU and bytes. */
  readonly cpu?: number;
  readonly memory?: number;
  /** Samples by metric name (cpu in milli-CPU, memory in bytes, custom metrics as named). */
  readonly samples?: Readonly<Record<string, number>>;
  readonly sampleTime?: number;
  readonly window?: number;
}

/** A Running, Ready pod started long ago (past the cpu initialization period) unless told otherwise. */
export function pod(name: string, o: PodOptions = {}): ScaledPod {
  const samples = o.samples ?? {};
  return {
    name,
    phase: o.phase ?? 'Running',
    deleting: o.deleting ?? false,
    ready: o.ready ?? true,
    startTime: o.startTime ?? -1000,
    readyTransitionTime: o.readyTransitionTime ?? -990,
    requests: resources({ milliCPU: o.cpu ?? 1000, memory: o.memory ?? Gi }),
    metric: (name) => {
      const value = samples[name];
      return value === undefined ? undefined : { value, timestamp: o.sampleTime ?? 0, window: o.window ?? 30 };
    },
  };
}

/** n pods using `usage` milli-CPU each. */
export function cpuPods(n: number, usage: number, o: PodOptions = {}): ScaledPod[] {
  return Array.from({ length: n }, (_, i) => pod(`p${i}`, { ...o, samples: { cpu: usage, ...o.samples } }));
}

export function target(currentReplicas: number, pods: readonly ScaledPod[], external: Readonly<Record<string, number>> = {}): ScaleTargetStatus {
  return { currentReplicas, pods, external: (name) => external[name] };
}

export const cpuAt = (averageUtilization: number): MetricSpec => ({ type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization } });
export const podsMetric = (name: string, averageValue: number): MetricSpec => ({ type: 'Pods', name, target: { type: 'AverageValue', averageValue } });
