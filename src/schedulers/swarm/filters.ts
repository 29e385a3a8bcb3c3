import type { SwarmNodeInfo, SwarmTaskSpec } from '../../api/swarm.js';
import { compileConstraints, constraintMatches, type CompiledConstraint } from './constraints.js';
import type { GroupNodes } from './group-state.js';

/**
 * Swarm's filter pipeline (manager/scheduler/pipeline.go, filter.go): defaultFilters in order,
 * each enabled only when its SetTask finds it relevant to the task, stopping at the first filter
 * that rejects a node. Not modelled: PluginFilter (volume, network and log-driver plugins),
 * PlatformFilter (image platforms; orchsim has no images) and VolumesFilter (CSI cluster volumes),
 * since orchsim's tasks name none of these. They sit between the modelled ones in upstream's
 * order but never reject here, so the order and the explanations of the rest are unchanged.
 */

/** The modelled filters, in defaultFilters order. */
export const SwarmFilter = { Ready: 0, Resource: 1, Constraint: 2, HostPort: 3, MaxReplicas: 4 } as const;
export type SwarmFilter = (typeof SwarmFilter)[keyof typeof SwarmFilter];
const FILTER_COUNT = 5;

/** Each filter's Explain(nodes), upstream's wording and pluralisation (filter.go). */
export const SWARM_FILTER_EXPLANATIONS: readonly ((nodes: number) => string)[] = [
  (n) => (n === 1 ? '1 node not available for new tasks' : `${n} nodes not available for new tasks`),
  (n) => (n === 1 ? 'insufficient resources on 1 node' : `insufficient resources on ${n} nodes`),
  (n) => (n === 1 ? 'scheduling constraints not satisfied on 1 node' : `scheduling constraints not satisfied on ${n} nodes`),
  (n) => (n === 1 ? 'host-mode port already in use on 1 node' : `host-mode port already in use on ${n} nodes`),
  // MaxReplicasFilter.Explain ignores the count.
  () => 'max replicas per node limit exceed',
];

/** ReadyFilter.Check: Status.State READY and Spec.Availability ACTIVE (pause and drain take no new tasks). */
export function nodeIsReady(node: SwarmNodeInfo): boolean {
  return node.ready && node.availability === 'active';
}

/** ResourceFilter.SetTask: enabled when the task reserves CPU, memory or a generic resource. */
export function reservesResources(spec: SwarmTaskSpec): boolean {
  return spec.milliCPU !== 0 || spec.memory !== 0 || spec.gpus !== 0;
}

/** ResourceFilter.Check: each reservation at most what the node has available (limits do not count). */
export function resourcesFit(spec: SwarmTaskSpec, milliCPU: number, memory: number, gpus: number): boolean {
  if (spec.milliCPU > milliCPU) return false;
  if (spec.memory > memory) return false;
  // genericresource.HasEnough on the discrete NVIDIA-GPU resource.
  return spec.gpus <= 0 || spec.gpus <= gpus;
}

/** HostPortFilter.SetTask: enabled when the task publishes a non-zero port in host mode. */
export function publishesHostPorts(spec: SwarmTaskSpec): boolean {
  for (const p of spec.hostPorts) if (p !== 0) return true;
  return false;
}

/** MaxReplicasFilter.Check: fewer active tasks of the service on the node than Placement.MaxReplicas. */
export function belowMaxReplicas(maxReplicas: number, serviceTasks: number): boolean {
  return serviceTasks < maxReplicas;
}

/**
 * The pipeline for one task group over one call's nodes. Like upstream's it counts, per filter,
 * the nodes it rejected, and a node that passes every filter resets all counts to zero
 * (Pipeline.Process): Explain describes the rejections since the last node that fitted.
 */
export class SwarmPipeline {
  private readonly enabled = new Uint8Array(FILTER_COUNT);
  private readonly failures = new Int32Array(FILTER_COUNT);
  private readonly constraints: readonly CompiledConstraint[];

  constructor(private readonly g: GroupNodes) {
    const spec = g.group.spec;
    this.constraints = compileConstraints(spec.placement.constraints);
    this.enabled[SwarmFilter.Ready] = 1;
    this.enabled[SwarmFilter.Resource] = reservesResources(spec) ? 1 : 0;
    this.enabled[SwarmFilter.Constraint] = this.constraints.length > 0 ? 1 : 0;
    this.enabled[SwarmFilter.HostPort] = publishesHostPorts(spec) ? 1 : 0;
    this.enabled[SwarmFilter.MaxReplicas] = spec.placement.maxReplicas > 0 ? 1 : 0;
  }

  /** The first enabled filter that rejects the node at `pos`, or -1 when it passes them all. */
  private firstRejecting(pos: number): number {
    const g = this.g;
    const node = g.nodes[pos]!;
    const spec = g.group.spec;
    if (!nodeIsReady(node)) return SwarmFilter.Ready;
    if (this.enabled[SwarmFilter.Resource] && !resourcesFit(spec, g.availableMilliCPU[pos]!, g.availableMemory[pos]!, g.availableGpus[pos]!)) {
      return SwarmFilter.Resource;
    }
    if (this.enabled[SwarmFilter.Constraint]) {
      let ok = g.constraintOk[pos]!;
      if (ok < 0) {
        ok = 1;
        for (const c of this.constraints) {
          if (!constraintMatches(c, node)) {
            ok = 0;
            break;
          }
        }
        g.constraintOk[pos] = ok;
      }
      if (ok === 0) return SwarmFilter.Constraint;
    }
    if (this.enabled[SwarmFilter.HostPort] && (g.hostPortBusy[pos] === 1 || g.assigned[pos]! > 0)) return SwarmFilter.HostPort;
    if (this.enabled[SwarmFilter.MaxReplicas] && !belowMaxReplicas(spec.placement.maxReplicas, g.serviceTasks[pos]!)) {
      return SwarmFilter.MaxReplicas;
    }
    return -1;
  }

  /** Pipeline.Process: whether the node fits; counts a rejection, or resets the counts on a fit. */
  process(pos: number): boolean {
    const f = this.firstRejecting(pos);
    if (f >= 0) {
      this.failures[f]! += 1;
      return false;
    }
    this.failures.fill(0);
    return true;
  }

  /**
   * Pipeline.Explain: the rejecting filters, most rejections first, joined by "; ". Ties keep
   * pipeline order: upstream sorts its 8-entry checklist with sort.Sort, which is insertion sort
   * (stable) below 13 elements; Array.prototype.sort is stable too.
   */
  explain(): string {
    const order: number[] = [];
    for (let f = 0; f < FILTER_COUNT; f++) if (this.failures[f]! > 0) order.push(f);
    order.sort((a, b) => this.failures[b]! - this.failures[a]!);
    return order.map((f) => SWARM_FILTER_EXPLANATIONS[f]!(this.failures[f]!)).join('; ');
  }
}
