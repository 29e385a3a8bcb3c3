import type { PodSpec } from '../api/pod.js';
import { resources } from '../api/resources.js';
import type { PodSpecSource } from '../api/workload.js';
import type { Distribution, RandomDraws } from '../api/distribution.js';
import { sample } from '../util/distributions.js';

/** Per-pod request sizes drawn from distributions (cpu in milli-CPU, memory in bytes, gpu in milli-GPU). */
export interface RequestSizes {
  readonly milliCPU?: Distribution | undefined;
  readonly memory?: Distribution | undefined;
  readonly milliGPU?: Distribution | undefined;
}

function isFixed(d: Distribution | undefined): boolean {
  return d === undefined || d.kind === 'fixed';
}

/**
 * Specs for batch pods. With fixed sizes every pod shares one spec object; with drawn sizes,
 * values are rounded to whole milli-CPU, MiB and GPUs (a share below one GPU is rounded to
 * whole milli-GPU, more than one to whole devices), as people request them, and pods
 * of equal size share a cached spec. Each pod draws the same number of values, in the order
 * cpu, memory, gpu, so the size stream stays aligned whatever the scheduler does.
 */
export function sizedPodSpecs(template: PodSpec, sizes: RequestSizes): PodSpecSource {
  if (isFixed(sizes.milliCPU) && isFixed(sizes.memory) && isFixed(sizes.milliGPU)) {
    const spec = withFixedSizes(template, sizes);
    return { next: () => spec };
  }
  // Keyed by cpu, then memory, then gpu: numbers, so a draw builds no key string.
  const cache = new Map<number, Map<number, Map<number, PodSpec>>>();
  return {
    next(rng: RandomDraws): PodSpec {
      const cpu = Math.max(0, Math.round(sizes.milliCPU ? sample(sizes.milliCPU, rng) : template.requests.milliCPU));
      const mib = 2 ** 20;
      const memory = Math.max(0, Math.round((sizes.memory ? sample(sizes.memory, rng) : template.requests.memory) / mib) * mib);
      const gpu = gpuMilli(sizes.milliGPU ? sample(sizes.milliGPU, rng) : template.requests.milliGPU);
      let byMemory = cache.get(cpu);
      if (!byMemory) cache.set(cpu, (byMemory = new Map()));
      let byGpu = byMemory.get(memory);
      if (!byGpu) byMemory.set(memory, (byGpu = new Map()));
      let spec = byGpu.get(gpu);
      if (!spec) {
        spec = { ...template, requests: resources({ ...template.requests, milliCPU: cpu, memory, milliGPU: gpu }) };
        byGpu.set(gpu, spec);
      }
      return spec;
    },
  };
}

/** A drawn GPU amount as a valid request: a share below one GPU, else whole devices. */
function gpuMilli(v: number): number {
  if (!(v > 0)) return 0;
  return v < 1000 ? Math.max(1, Math.round(v)) : Math.round(v / 1000) * 1000;
}

/** The template with the fixed sizes applied (used when nothing is drawn). */
function withFixedSizes(template: PodSpec, sizes: RequestSizes): PodSpec {
  const fixed = (d: Distribution | undefined, fallback: number) => (d && d.kind === 'fixed' ? d.value : fallback);
  return {
    ...template,
    requests: resources({
      ...template.requests,
      milliCPU: fixed(sizes.milliCPU, template.requests.milliCPU),
      memory: fixed(sizes.memory, template.requests.memory),
      milliGPU: fixed(sizes.milliGPU, template.requests.milliGPU),
    }),
  };
}
