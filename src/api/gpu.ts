import type { Resources } from './resources.js';
import { MILLI_PER_GPU } from './units.js';

/** Node label carrying the GPU model (NVIDIA GPU feature discovery). */
export const GPU_MODEL_LABEL = 'nvidia.com/gpu.product';

/**
 * How a pod uses GPUs: `count` devices with `milliPerGpu` of each. A request below one GPU is a
 * share of a single device (GPU sharing, as in Alibaba's open-gpu-share); a request of one GPU
 * or more is whole devices.
 */
export interface GpuRequest {
  readonly milliPerGpu: number;
  readonly count: number;
}

/** The GPU request of a pod's resources, or undefined when it asks for no GPU. */
export function gpuRequest(r: Resources): GpuRequest | undefined {
  const g = r.milliGPU;
  if (g <= 0) return undefined;
  if (g < MILLI_PER_GPU) return { milliPerGpu: g, count: 1 };
  return { milliPerGpu: MILLI_PER_GPU, count: Math.ceil(g / MILLI_PER_GPU) };
}

/** Whether a milli-GPU amount is a valid request: a share below one GPU, or whole GPUs. */
export function isValidGpuRequest(milliGPU: number): boolean {
  return Number.isInteger(milliGPU) && milliGPU >= 0 && (milliGPU < MILLI_PER_GPU || milliGPU % MILLI_PER_GPU === 0);
}

/** The per-device view a plugin needs (NodeInfo implements it). */
export interface GpuDevices {
  readonly gpuCount: number;
  /** Free milli-GPU of device i (0..1000). */
  gpuFree(i: number): number;
}

/** How many devices could take `milliPerGpu` each. */
export function countFittingGpus(node: GpuDevices, milliPerGpu: number): number {
  let n = 0;
  for (let i = 0; i < node.gpuCount; i++) if (node.gpuFree(i) >= milliPerGpu) n++;
  return n;
}

/**
 * The default GPU choice at Reserve: whole-GPU pods take the lowest-index fully free devices;
 * a share takes the device with the least free capacity that still fits it, lowest index on
 * ties ("best fit", as open-gpu-share does). Undefined when the pod does not fit.
 */
export function selectGpusBestFit(node: GpuDevices, req: GpuRequest): number[] | undefined {
  const out: number[] = [];
  if (req.milliPerGpu >= MILLI_PER_GPU) {
    for (let i = 0; i < node.gpuCount && out.length < req.count; i++) if (node.gpuFree(i) >= MILLI_PER_GPU) out.push(i);
    return out.length === req.count ? out : undefined;
  }
  let best = -1;
  let bestFree = Infinity;
  for (let i = 0; i < node.gpuCount; i++) {
    const f = node.gpuFree(i);
    if (f >= req.milliPerGpu && f < bestFree) {
      best = i;
      bestFree = f;
    }
  }
  return best < 0 ? undefined : [best];
}
