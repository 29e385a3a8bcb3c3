import type { Bytes, MilliCPU, MilliGPU } from './units.js';

/**
 * A resource vector, in the units Kubernetes uses internally (framework.Resource):
 * cpu in milli-cores, memory and ephemeral storage in bytes, GPUs in milli-GPU, and any other
 * extended resource (e.g. "example.com/foo") in its own integer unit under `scalar`.
 */
export interface Resources {
  readonly milliCPU: MilliCPU;
  readonly memory: Bytes;
  readonly milliGPU: MilliGPU;
  readonly ephemeralStorage: Bytes;
  readonly scalar?: Readonly<Record<string, number>> | undefined;
}

/** Resource names as they appear in manifests and in plugin arguments. */
export const ResourceName = {
  cpu: 'cpu',
  memory: 'memory',
  gpu: 'nvidia.com/gpu',
  ephemeralStorage: 'ephemeral-storage',
  pods: 'pods',
} as const;

export const ZERO_RESOURCES: Resources = Object.freeze({
  milliCPU: 0 as MilliCPU,
  memory: 0 as Bytes,
  milliGPU: 0 as MilliGPU,
  ephemeralStorage: 0 as Bytes,
});

export function resources(r: Partial<{ milliCPU: number; memory: number; milliGPU: number; ephemeralStorage: number; scalar: Record<string, number> }>): Resources {
  const out: Resources = {
    milliCPU: (r.milliCPU ?? 0) as MilliCPU,
    memory: (r.memory ?? 0) as Bytes,
    milliGPU: (r.milliGPU ?? 0) as MilliGPU,
    ephemeralStorage: (r.ephemeralStorage ?? 0) as Bytes,
  };
  return r.scalar && Object.keys(r.scalar).length > 0 ? { ...out, scalar: { ...r.scalar } } : out;
}

/**
 * Value of a named resource in a vector, in the vector's unit (milli-CPU for "cpu", bytes for
 * "memory", milli-GPU for "nvidia.com/gpu"). Unknown extended resources read from `scalar`.
 */
export function resourceValue(r: Resources, name: string): number {
  switch (name) {
    case ResourceName.cpu: return r.milliCPU;
    case ResourceName.memory: return r.memory;
    case ResourceName.gpu: return r.milliGPU;
    case ResourceName.ephemeralStorage: return r.ephemeralStorage;
    default: return r.scalar?.[name] ?? 0;
  }
}

export function addResources(a: Resources, b: Resources): Resources {
  let scalar: Record<string, number> | undefined;
  if (a.scalar || b.scalar) {
    scalar = { ...a.scalar };
    for (const [k, v] of Object.entries(b.scalar ?? {})) scalar[k] = (scalar[k] ?? 0) + v;
  }
  return resources({
    milliCPU: a.milliCPU + b.milliCPU,
    memory: a.memory + b.memory,
    milliGPU: a.milliGPU + b.milliGPU,
    ephemeralStorage: a.ephemeralStorage + b.ephemeralStorage,
    ...(scalar ? { scalar } : {}),
  });
}

/** Element-wise maximum: used for the init-container rule of the effective pod request. */
export function maxResources(a: Resources, b: Resources): Resources {
  let scalar: Record<string, number> | undefined;
  if (a.scalar || b.scalar) {
    scalar = { ...a.scalar };
    for (const [k, v] of Object.entries(b.scalar ?? {})) scalar[k] = Math.max(scalar[k] ?? 0, v);
  }
  return resources({
    milliCPU: Math.max(a.milliCPU, b.milliCPU),
    memory: Math.max(a.memory, b.memory),
    milliGPU: Math.max(a.milliGPU, b.milliGPU),
    ephemeralStorage: Math.max(a.ephemeralStorage, b.ephemeralStorage),
    ...(scalar ? { scalar } : {}),
  });
}
