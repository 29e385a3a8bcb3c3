import type { Labels } from '../../../src/api/labels.js';
import { SWARM_DEFAULT_NODE_META, type SwarmNodeInfo, type SwarmPlacement, type SwarmTaskGroup, type SwarmTaskSpec } from '../../../src/api/swarm.js';

/** What a test says about a node; everything else has a harmless default (ready, active, roomy, empty). */
export interface NodeOptions {
  readonly name?: string;
  readonly labels?: Labels;
  readonly engineLabels?: Labels;
  readonly role?: 'manager' | 'worker';
  readonly os?: string;
  readonly arch?: string;
  readonly ip?: string;
  readonly ready?: boolean;
  readonly availability?: 'active' | 'pause' | 'drain';
  readonly milliCPU?: number;
  readonly memory?: number;
  readonly gpus?: number;
  readonly hostPorts?: readonly number[];
  /** Active tasks per service index. */
  readonly services?: Readonly<Record<number, number>>;
  /** Active tasks of all services; defaults to the sum of `services`. */
  readonly activeTasks?: number;
  /** Recent failures per service (any spec version). */
  readonly failures?: Readonly<Record<number, number>>;
}

export function swarmNode(index: number, o: NodeOptions = {}): SwarmNodeInfo {
  const services = o.services ?? {};
  const total = o.activeTasks ?? Object.values(services).reduce((a, b) => a + b, 0);
  return {
    index,
    name: o.name ?? `node-${index}`,
    labels: o.labels ?? {},
    meta: {
      ...SWARM_DEFAULT_NODE_META,
      role: o.role ?? 'worker',
      os: o.os ?? 'linux',
      arch: o.arch ?? 'amd64',
      engineLabels: o.engineLabels ?? {},
      ip: o.ip,
    },
    ready: o.ready ?? true,
    availability: o.availability ?? 'active',
    availableMilliCPU: o.milliCPU ?? 64_000,
    availableMemory: o.memory ?? 256 * 2 ** 30,
    availableGpus: o.gpus ?? 0,
    usedHostPorts: new Set(o.hostPorts ?? []),
    activeTasks: total,
    activeTasksOf: (service) => services[service] ?? 0,
    recentFailures: (service) => o.failures?.[service] ?? 0,
  };
}

export interface GroupOptions {
  readonly service?: number;
  readonly specVersion?: number;
  readonly milliCPU?: number;
  readonly memory?: number;
  readonly gpus?: number;
  readonly constraints?: SwarmPlacement['constraints'];
  readonly preferences?: readonly string[];
  readonly maxReplicas?: number;
  readonly hostPorts?: readonly number[];
}

export function swarmGroup(tasks: number, o: GroupOptions = {}): SwarmTaskGroup {
  const spec: SwarmTaskSpec = {
    milliCPU: o.milliCPU ?? 0,
    memory: o.memory ?? 0,
    gpus: o.gpus ?? 0,
    placement: { constraints: o.constraints ?? [], preferences: o.preferences ?? [], maxReplicas: o.maxReplicas ?? 0 },
    hostPorts: o.hostPorts ?? [],
  };
  return { service: o.service ?? 1, specVersion: o.specVersion ?? 1, spec, tasks };
}

/** How many of the placed tasks went to each node index. */
export function countByNode(placed: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const n of placed) m.set(n, (m.get(n) ?? 0) + 1);
  return m;
}
