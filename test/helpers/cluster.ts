import type { Labels } from '../../src/api/labels.js';
import type { Taint } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { resources } from '../../src/api/resources.js';
import { ClusterState } from '../../src/sim/cluster.js';

/** Test helpers: build small clusters and pods by hand, in the units people write. */

export const Gi = 2 ** 30;
export const Mi = 2 ** 20;

export interface TestNode {
  name: string;
  cpu?: number; // cores
  memory?: number; // bytes
  gpu?: number; // whole GPUs
  labels?: Labels;
  taints?: Taint[];
  unschedulable?: boolean;
  maxPods?: number;
}

export function makeCluster(nodes: TestNode[]): ClusterState {
  const c = new ClusterState(nodes.length);
  for (const n of nodes) {
    c.addNode({
      name: n.name,
      labels: { 'kubernetes.io/hostname': n.name, ...n.labels },
      taints: n.taints ?? [],
      unschedulable: n.unschedulable ?? false,
      allocatable: resources({ milliCPU: (n.cpu ?? 4) * 1000, memory: n.memory ?? 16 * Gi, milliGPU: (n.gpu ?? 0) * 1000 }),
      allowedPodNumber: n.maxPods,
    });
  }
  return c;
}

let nextId = 1_000_000;

export function makeSpec(p: Partial<Omit<PodSpec, 'requests'>> & { cpu?: number; memory?: number; gpu?: number } = {}): PodSpec {
  const { cpu, memory, gpu, ...rest } = p;
  return {
    namespace: 'default',
    labels: {},
    priority: 0,
    ...rest,
    // cpu in milli-cores, memory in bytes, gpu in whole GPUs
    requests: resources({ milliCPU: cpu ?? 0, memory: memory ?? 0, milliGPU: (gpu ?? 0) * 1000 }),
  };
}

export function makePod(spec: PodSpec, name?: string): PodInfo {
  const id = nextId++;
  return { id, name: name ?? `pod-${id}`, spec };
}

/** Binds a pod to a node by name (no fit check: tests set up state directly). */
export function place(c: ClusterState, nodeName: string, spec: PodSpec, name?: string): PodInfo {
  const pod = makePod(spec, name);
  c.bind(pod, c.nodeByName(nodeName)!.index);
  return pod;
}
