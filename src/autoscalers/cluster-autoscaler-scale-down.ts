import type { ClusterAutoscalerContext, ClusterSimulation, PodController } from '../api/autoscaling.js';
import type { NodeInfo } from '../api/node.js';
import { ANNOTATION_SAFE_TO_EVICT, type PodInfo } from '../api/pod.js';
import { type Environment, processEnvironment, switchedOn } from '../util/switches.js';

/**
 * The cluster-autoscaler's scale-down rules (core/scaledown, simulator/drain.go): a node's
 * utilization (utilization/info.go), the evictions a scan may plan (PodDisruptionBudgets, pods
 * with no controller), and the drain what-if that removes a node and finds each of its pods a new
 * place with the scheduler's own filters.
 */

/**
 * How long a node we asked to delete still counts against its group (and is no candidate nor
 * destination) while it is still listed: --max-graceful-termination-sec 600 plus 300 s for the
 * cloud deletion (MaxCloudProviderNodeDeletionTime 5 min).
 */
export const DELETION_GRACE = 900;

/** A GPU node is judged on GPU utilization alone (utilization/info.go). */
export function isGpuNode(node: NodeInfo): boolean {
  return node.allocatable.milliGPU > 0 || node.gpuCount > 0;
}

/**
 * Utilization as the scale-down planner computes it: max(cpu, memory) requested / allocatable,
 * or GPU requested / allocatable on GPU nodes.
 */
export function nodeUtilization(node: NodeInfo): number {
  const a = node.allocatable;
  const r = node.requested;
  if (isGpuNode(node)) return a.milliGPU > 0 ? r.milliGPU / a.milliGPU : 0;
  const cpu = a.milliCPU > 0 ? r.milliCPU / a.milliCPU : 0;
  const memory = a.memory > 0 ? r.memory / a.memory : 0;
  return Math.max(cpu, memory);
}

export const REASON_BARE_POD = 'pod has no controller';
/** drain.BlockingPodReason NotSafeToEvictAnnotation (cluster-autoscaler utils/drain/drain.go). */
export const REASON_NOT_SAFE_TO_EVICT = 'pod annotated cluster-autoscaler.kubernetes.io/safe-to-evict: "false"';
export const REASON_PDB = 'PodDisruptionBudget allows no more disruptions';

/** Whether the environment leaves the eviction plan's slots kept from scan to scan (ORCHSIM_NO_CA_EVICTION_SLOTS=1, non-empty and not 0, turns it off). */
export function caEvictionSlotsFromEnv(env: Environment = processEnvironment()): boolean {
  return switchedOn('ORCHSIM_NO_CA_EVICTION_SLOTS', env);
}

/**
 * Slots kept by a plan across scans (startScan) before it forgets them all: a controllerOf that
 * answers a new object per call would otherwise grow the directory without end.
 */
const MAX_KEPT_SLOTS = 4096;

/**
 * Evictions planned in one scan, per controller: a PodDisruptionBudget is assumed to cover the
 * pods of one controller, so the n-th planned eviction of a controller's pods needs
 * disruptionsAllowed >= n.
 *
 * A plan is for one scan, or is kept from scan to scan by `startScan`, which empties it: its
 * slots (the directory from controllers to counts) stay, their counts go back to 0. A scan then
 * finds each controller's slot at the first lookup by identity, instead of making it anew
 * (three Map operations per controller and scan, most of what was left of `check` in the
 * autoscaled week). The counts a scan sees are the same either way: 0 for every controller at
 * its start, raised by its own commits only.
 */
export class EvictionPlan {
  /** Each controller's planned evictions, by kind, then name: one slot per controller. */
  private readonly planned = new Map<string, Map<string, PlannedEvictions>>();
  /**
   * The same slots by the controller object controllerOf answered: the simulator answers one
   * object per workload, so a pod's slot is one lookup by identity, not two by string (a scan
   * checks every candidate's pods: ~2 % of the autoscaled week was these lookups). An object
   * seen first resolves through `planned`, so two objects of one controller share its slot.
   */
  private readonly byController = new Map<PodController, PlannedEvictions>();
  /** check's own additions, undone before it returns (reused). */
  private readonly raised: PlannedEvictions[] = [];
  /** The slots commit raised from 0 since the plan was made or last emptied (startScan). */
  private readonly committed: PlannedEvictions[] = [];
  constructor(
    private ctx: Pick<ClusterAutoscalerContext, 'controllerOf' | 'disruptionsAllowed'>,
    /** The cluster autoscaler honours safe-to-evict: "false"; Karpenter has its own annotation (do-not-disrupt). */
    private readonly honourSafeToEvict = true,
  ) {}

  /**
   * Empties the plan for a new scan with this scan's context: as a new plan would be, but the
   * slots stay (see the class comment). A controller object answered in an earlier scan keeps
   * its slot: controllerOf's objects name a controller by kind and name, which they do not change.
   */
  startScan(ctx: Pick<ClusterAutoscalerContext, 'controllerOf' | 'disruptionsAllowed'>): void {
    this.ctx = ctx;
    const committed = this.committed;
    for (let i = 0; i < committed.length; i++) committed[i]!.n = 0;
    if (committed.length > 0) committed.length = 0;
    if (this.byController.size > MAX_KEPT_SLOTS) {
      this.byController.clear();
      this.planned.clear();
    }
  }

  /** Why these pods cannot all be evicted on top of the plan, or undefined if they can. */
  check(pods: readonly PodInfo[]): string | undefined {
    const at = this.firstBlocked(pods);
    return at < 0 ? undefined : `${pods[at]!.name}: ${this.blockedBy}`;
  }

  /**
   * Whether these pods can all be evicted on top of the plan: check without its reason, which a
   * scan that only skips the node never reads (the cluster autoscaler asks at every scan for
   * each candidate, and a blocked one is blocked again scan after scan).
   */
  allows(pods: readonly PodInfo[]): boolean {
    return this.firstBlocked(pods) < 0;
  }

  /** Why the pod firstBlocked last found cannot be evicted. */
  private blockedBy = '';

  /** The position of the first of these pods that cannot be evicted on top of the plan and those before it (-1: none), its reason in blockedBy. */
  private firstBlocked(pods: readonly PodInfo[]): number {
    let blocked = -1;
    let raised = 0;
    for (let at = 0; at < pods.length; at++) {
      const pod = pods[at]!;
      const c = this.ctx.controllerOf(pod);
      if (this.honourSafeToEvict && pod.spec.annotations?.[ANNOTATION_SAFE_TO_EVICT] === 'false') {
        this.blockedBy = REASON_NOT_SAFE_TO_EVICT;
        blocked = at;
        break;
      }
      if (c.kind === 'None') {
        this.blockedBy = REASON_BARE_POD;
        blocked = at;
        break;
      }
      // The plan's evictions of this controller plus those of the pods before this one.
      const slot = this.slotOf(c);
      const n = slot.n;
      if (this.ctx.disruptionsAllowed(pod) - n < 1) {
        this.blockedBy = REASON_PDB;
        blocked = at;
        break;
      }
      slot.n = n + 1;
      this.raised[raised++] = slot;
    }
    for (let i = raised - 1; i >= 0; i--) this.raised[i]!.n--;
    return blocked;
  }

  commit(pods: readonly PodInfo[]): void {
    for (const pod of pods) {
      const slot = this.slotOf(this.ctx.controllerOf(pod));
      if (slot.n++ === 0) this.committed.push(slot);
    }
  }

  private slotOf(c: PodController): PlannedEvictions {
    let slot = this.byController.get(c);
    if (slot === undefined) {
      let byName = this.planned.get(c.kind);
      if (byName === undefined) this.planned.set(c.kind, (byName = new Map()));
      slot = byName.get(c.name);
      if (slot === undefined) byName.set(c.name, (slot = { n: 0 }));
      this.byController.set(c, slot);
    }
    return slot;
  }
}

/** A controller's evictions planned so far in a scan (EvictionPlan). */
interface PlannedEvictions {
  n: number;
}

/** A node removed in a what-if, and where each of its pods went. */
export interface Drain {
  readonly node: string;
  readonly placements: readonly { readonly pod: PodInfo; readonly node: string }[];
}

export function nodesByName(nodes: readonly NodeInfo[]): Map<string, NodeInfo> {
  const m = new Map<string, NodeInfo>();
  for (const n of nodes) m.set(n.name, n);
  return m;
}

/**
 * Removes `node` from the what-if and places each of its pods on the first destination where it
 * fits; undefined when some pod fits nowhere (the what-if is then left half-done: callers run
 * each attempt in its own `simulate`).
 */
export function simulateDrain(sim: ClusterSimulation, node: string, isDestination: (n: NodeInfo) => boolean): Drain | undefined {
  const info = sim.nodes.find((n) => n.name === node);
  if (!info) return undefined;
  const pods = sim.removeNode(info);
  const destinations = sim.nodes.filter(isDestination);
  const placements: { pod: PodInfo; node: string }[] = [];
  for (const pod of pods) {
    const to = sim.findNode(pod, destinations);
    if (!to) return undefined;
    sim.place(pod, to);
    placements.push({ pod, node: to.name });
  }
  return { node, placements };
}

/** Re-applies drains found in earlier what-ifs (same cluster, so the same moves fit again). */
export function replayDrains(sim: ClusterSimulation, drains: readonly Drain[]): void {
  if (drains.length === 0) return;
  applyDrains(sim, drains, nodesByName(sim.nodes));
}

/** Removes each drained node and places its pods where the drain put them (nodes looked up by name). */
export function applyDrains(sim: ClusterSimulation, drains: readonly Drain[], byName: ReadonlyMap<string, NodeInfo>): void {
  for (const d of drains) {
    const n = byName.get(d.node);
    if (!n) continue;
    sim.removeNode(n);
    for (const p of d.placements) {
      const to = byName.get(p.node);
      if (to) sim.place(p.pod, to);
    }
  }
}

export function scaleDownReason(utilization: number, threshold: number, unneededFor: number): string {
  return `utilization ${utilization.toFixed(2)} < ${threshold} for ${Math.round(unneededFor)}s`;
}
