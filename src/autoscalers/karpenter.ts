import {
  NO_CLUSTER_SCALING,
  type ClusterAutoscaler, type ClusterAutoscalerContext, type ClusterAutoscalerFactory, type ClusterScaleDecision,
  type ClusterSimulation, type NodeDeletion, type NodeGroupSpec, type ScalableNode, type ScaleUp,
} from '../api/autoscaling.js';
import type { RandomSource } from '../api/framework.js';
import type { NodeInfo } from '../api/node.js';
import { ANNOTATION_DO_NOT_DISRUPT, type PodInfo } from '../api/pod.js';
import type { Resources } from '../api/resources.js';
import { readOptions, validateNodeGroups } from './cluster-autoscaler-options.js';
import { DELETION_GRACE, EvictionPlan, nodeUtilization, simulateDrain } from './cluster-autoscaler-scale-down.js';
import { filterOutSchedulable } from './cluster-autoscaler-scale-up.js';

/**
 * A Karpenter-style provisioner (kubernetes-sigs/karpenter, pkg/controllers/provisioning and
 * disruption). Each node group is one offering (instance type x zone); its `max` caps the nodes
 * of that offering and `min` is respected on removal.
 *
 * - Provisioning (every scan, the batch window): the unschedulable pods that fit no existing or
 *   launching node are packed first-fit decreasing (cpu, then memory) onto new nodes; a pod that
 *   fits no open node opens the offering that fits it with the lowest price per unit of capacity
 *   (podCost); then each new node is right-sized to the cheapest offering all its pods fit. One
 *   ScaleUp per offering used.
 * - Consolidation (one action per scan, only with no pending pods and no node launching, on nodes
 *   whose pods have not changed for consolidateAfter): delete empty nodes; else delete the node
 *   whose pods all fit on other nodes with the least disruption (fewest pods, then lowest
 *   utilization); else replace a node by a cheaper offering its pods fit on: scale that offering
 *   up by one, and delete the old node once a new node of the offering is ready (give up after
 *   replacementTimeout).
 *
 * Simplified relative to Karpenter: no NodePool requirements / weights, no spot vs on-demand, no
 * disruption budgets beyond one action per scan, no multi-node consolidation, no drift or expiry;
 * a PodDisruptionBudget is assumed to cover the pods of one controller.
 */

export const NAME = 'karpenter';

/**
 * The pods consolidation must find room for: DaemonSet pods are not, a node's replacement runs
 * its own (karpenter pkg/utils/pod/scheduling.go IsReschedulable; the ClusterSimulation's
 * template nodes come with their daemon pods).
 */
function movablePods(ctx: ClusterAutoscalerContext, node: NodeInfo): readonly PodInfo[] {
  const pods = node.pods;
  for (const p of pods) if (ctx.controllerOf(p).kind === 'DaemonSet') return pods.filter((q) => ctx.controllerOf(q).kind !== 'DaemonSet');
  return pods;
}

/**
 * Non-empty nodes whose deletion or replacement is simulated per scan, least disruptive first
 * (Karpenter bounds the same work with a timeout). Keeps a scan O(candidates x pods x nodes).
 */
export const MAX_CONSOLIDATION_CANDIDATES = 50;

export type ConsolidationPolicy = 'WhenEmptyOrUnderutilized' | 'WhenEmpty';

export interface KarpenterLimits {
  /** Total allocatable cpu (milli-CPU) of the nodes this provisioner owns, launching ones included. */
  readonly milliCPU?: number | undefined;
  /** Total allocatable memory (bytes). */
  readonly memory?: number | undefined;
}

export interface KarpenterOptions {
  /** Seconds between scans; also the batching window for pending pods. */
  readonly scanInterval: number;
  /** Whether consolidation runs at all. */
  readonly consolidation: boolean;
  /** NodePool spec.disruption.consolidationPolicy. */
  readonly consolidationPolicy: ConsolidationPolicy;
  /** NodePool spec.disruption.consolidateAfter (s): a node's pods must be unchanged this long. */
  readonly consolidateAfter: number;
  /** NodePool spec.limits. */
  readonly limits: KarpenterLimits;
  /** Seconds to wait for a replacement node to become ready before giving up the replacement. */
  readonly replacementTimeout: number;
}

export const KARPENTER_DEFAULTS: KarpenterOptions = Object.freeze({
  scanInterval: 10,
  consolidation: true,
  consolidationPolicy: 'WhenEmptyOrUnderutilized',
  consolidateAfter: 30,
  limits: Object.freeze({}),
  replacementTimeout: 900,
});

const NUMERIC: Readonly<Record<string, [(v: number) => boolean, string]>> = {
  scanInterval: [(v) => v > 0, 'a number > 0'],
  consolidateAfter: [(v) => v >= 0, 'a number >= 0'],
  replacementTimeout: [(v) => v > 0, 'a number > 0'],
};

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function resolveKarpenterOptions(input: unknown): KarpenterOptions {
  const o = readOptions(NAME, input, KARPENTER_DEFAULTS, NUMERIC, (key, value) => {
    switch (key) {
      case 'consolidation':
        if (typeof value !== 'boolean') throw new RangeError(`${NAME}: option consolidation must be a boolean, got ${show(value)}`);
        return value;
      case 'consolidationPolicy':
        if (value !== 'WhenEmptyOrUnderutilized' && value !== 'WhenEmpty') {
          throw new RangeError(`${NAME}: option consolidationPolicy must be WhenEmptyOrUnderutilized or WhenEmpty, got ${show(value)}`);
        }
        return value;
      case 'limits': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RangeError(`${NAME}: option limits must be an object, got ${show(value)}`);
        const out: { milliCPU?: number; memory?: number } = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (v === undefined) continue;
          if (k !== 'milliCPU' && k !== 'memory') throw new RangeError(`${NAME}: unknown limit ${k} (known: milliCPU, memory)`);
          if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${NAME}: limit ${k} must be a number >= 0, got ${show(v)}`);
          out[k] = v;
        }
        return Object.freeze(out);
      }
      default:
        throw new RangeError(`${NAME}: unknown option ${key}`);
    }
  });
  return Object.freeze(o);
}

// ---- Pure pieces ---------------------------------------------------------------------------

/** The pod's share of a node of this offering: mean of its cpu and memory fractions. */
export function podShare(pod: PodInfo, offering: NodeGroupSpec): number {
  const a = offering.template.allocatable;
  const r = pod.spec.requests;
  return ((a.milliCPU > 0 ? r.milliCPU / a.milliCPU : 0) + (a.memory > 0 ? r.memory / a.memory : 0)) / 2;
}

/**
 * What the pod's share of a node of this offering costs (pricePerHour x podShare): for a given
 * pod, the lowest value is the offering with the lowest price per unit of capacity, the most
 * cost-efficient instance type to open; right-sizing then shrinks under-filled nodes. A pod
 * requesting nothing costs 0 everywhere (ties go to the cheaper node).
 */
export function podCost(pod: PodInfo, offering: NodeGroupSpec): number {
  return offering.pricePerHour * podShare(pod, offering);
}

function sumRequests(pods: readonly PodInfo[]): { milliCPU: number; memory: number; milliGPU: number; ephemeralStorage: number; scalar: Map<string, number> } {
  const s = { milliCPU: 0, memory: 0, milliGPU: 0, ephemeralStorage: 0, scalar: new Map<string, number>() };
  for (const p of pods) {
    const r = p.spec.requests;
    s.milliCPU += r.milliCPU;
    s.memory += r.memory;
    s.milliGPU += r.milliGPU;
    s.ephemeralStorage += r.ephemeralStorage;
    for (const [k, v] of Object.entries(r.scalar ?? {})) s.scalar.set(k, (s.scalar.get(k) ?? 0) + v);
  }
  return s;
}

/** Whether the summed requests and the pod count fit the offering's allocatable (no per-pod constraints). */
export function fitsTogether(pods: readonly PodInfo[], offering: NodeGroupSpec): boolean {
  const t = offering.template;
  const a: Resources = t.allocatable;
  const s = sumRequests(pods);
  if (pods.length > t.allowedPodNumber) return false;
  if (s.milliCPU > a.milliCPU || s.memory > a.memory || s.milliGPU > a.milliGPU || s.ephemeralStorage > a.ephemeralStorage) return false;
  for (const [k, v] of s.scalar) if (v > (a.scalar?.[k] ?? 0)) return false;
  return true;
}

/** Karpenter sorts pending pods by cpu then memory, descending. */
function byCpuThenMemoryDesc(a: { pod: PodInfo; i: number }, b: { pod: PodInfo; i: number }): number {
  const ra = a.pod.spec.requests;
  const rb = b.pod.spec.requests;
  return rb.milliCPU - ra.milliCPU || rb.memory - ra.memory || a.i - b.i;
}

interface OpenNode {
  readonly node: NodeInfo;
  offering: NodeGroupSpec;
  readonly pods: PodInfo[];
}

/** Capacity bookkeeping for one scan: nodes each offering may still add, and the limits. */
export class ProvisioningBudget {
  constructor(
    private readonly room: Map<string, number>,
    private milliCPU: number,
    private memory: number,
    private readonly limits: KarpenterLimits,
  ) {}
  canAdd(o: NodeGroupSpec): boolean {
    const a = o.template.allocatable;
    if ((this.room.get(o.name) ?? 0) <= 0) return false;
    if (this.limits.milliCPU !== undefined && this.milliCPU + a.milliCPU > this.limits.milliCPU) return false;
    if (this.limits.memory !== undefined && this.memory + a.memory > this.limits.memory) return false;
    return true;
  }
  add(o: NodeGroupSpec, sign: 1 | -1): void {
    this.room.set(o.name, (this.room.get(o.name) ?? 0) - sign);
    this.milliCPU += sign * o.template.allocatable.milliCPU;
    this.memory += sign * o.template.allocatable.memory;
  }
}

/**
 * Packs `pods` onto new nodes in the what-if (see the file comment) and right-sizes them.
 * Returns how many nodes of each offering to launch and the pods they take.
 */
export function packPods(sim: ClusterSimulation, offerings: readonly NodeGroupSpec[], pods: readonly PodInfo[], budget: ProvisioningBudget): { offering: NodeGroupSpec; pods: PodInfo[] }[] {
  // One empty probe node per offering answers "does this pod fit this offering at all".
  const probes = new Map<string, NodeInfo>();
  for (const o of offerings) if (budget.canAdd(o)) probes.set(o.name, sim.addNode(o.name));
  const fitCache = new Map<PodInfo, Map<string, boolean>>();
  const fitsOffering = (pod: PodInfo, o: NodeGroupSpec): boolean => {
    const probe = probes.get(o.name);
    if (!probe) return false;
    let m = fitCache.get(pod);
    if (!m) fitCache.set(pod, (m = new Map()));
    let f = m.get(o.name);
    if (f === undefined) m.set(o.name, (f = sim.fits(pod, probe)));
    return f;
  };

  const sorted = pods.map((pod, i) => ({ pod, i })).sort(byCpuThenMemoryDesc);
  const open: OpenNode[] = [];
  const openNodes: NodeInfo[] = [];
  for (const { pod } of sorted) {
    const to = openNodes.length > 0 ? sim.findNode(pod, openNodes) : undefined;
    if (to) {
      sim.place(pod, to);
      open[openNodes.indexOf(to)]!.pods.push(pod);
      continue;
    }
    let best: NodeGroupSpec | undefined;
    let bestScore = Infinity;
    for (const o of offerings) {
      if (!budget.canAdd(o) || !fitsOffering(pod, o)) continue;
      const score = podCost(pod, o);
      if (best === undefined || score < bestScore || (score === bestScore && o.pricePerHour < best.pricePerHour)) {
        best = o;
        bestScore = score;
      }
    }
    if (!best) continue;
    const node = sim.addNode(best.name);
    if (!sim.fits(pod, node)) continue;
    sim.place(pod, node);
    budget.add(best, 1);
    open.push({ node, offering: best, pods: [pod] });
    openNodes.push(node);
  }

  // Right-size: the cheapest offering that takes all of a node's pods.
  const byPrice = [...offerings].sort((a, b) => a.pricePerHour - b.pricePerHour);
  for (const n of open) {
    for (const o of byPrice) {
      if (o.pricePerHour >= n.offering.pricePerHour) break;
      budget.add(n.offering, -1);
      if (budget.canAdd(o) && fitsTogether(n.pods, o) && n.pods.every((p) => fitsOffering(p, o))) {
        budget.add(o, 1);
        n.offering = o;
        break;
      }
      budget.add(n.offering, 1);
    }
  }
  return open.map((n) => ({ offering: n.offering, pods: n.pods }));
}

// ---- The policy ----------------------------------------------------------------------------

export interface PendingReplacement {
  /** The node being replaced. */
  readonly node: string;
  readonly offering: string;
  readonly since: number;
  /** Nodes of the offering that existed when the replacement started. */
  readonly existing: ReadonlySet<string>;
}

export interface KarpenterPolicy extends ClusterAutoscaler {
  readonly options: KarpenterOptions;
  /** The replacement waiting for its new node, if any. */
  pendingReplacement(): PendingReplacement | undefined;
}

/** Karpenter over the offerings in `groups`; options validated (RangeError), defaults KARPENTER_DEFAULTS. */
export function karpenter(groups: readonly NodeGroupSpec[], options: Partial<KarpenterOptions> = {}): KarpenterPolicy {
  validateNodeGroups(NAME, groups);
  const opts = resolveKarpenterOptions(options);
  const specs = new Map(groups.map((g) => [g.name, g]));

  /** Per node: a signature of its pods and since when it has not changed (consolidateAfter). */
  const stable = new Map<string, { signature: string; since: number }>();
  const deleting = new Map<string, number>();
  let replacement: PendingReplacement | undefined;
  /** The cluster (see clusterKey) at the last consolidation attempt that found nothing. */
  let fruitless: string | undefined;

  /**
   * Everything consolidation's answer depends on: every node's pods and state, the group sizes,
   * and the disruptions the candidates' pods may take.
   */
  function clusterKey(ctx: ClusterAutoscalerContext, candidates: readonly ScalableNode[]): string {
    const parts: string[] = [];
    for (const sn of ctx.nodes) parts.push(`${sn.node.name}:${signature(sn.node)}:${sn.ready ? 1 : 0}${sn.node.unschedulable ? 1 : 0}${deleting.has(sn.node.name) ? 1 : 0}`);
    for (const g of ctx.groups) parts.push(`${g.spec.name}=${g.targetSize}`);
    for (const sn of candidates) {
      parts.push(`c:${sn.node.name}`);
      for (const p of sn.node.pods) parts.push(String(ctx.disruptionsAllowed(p)));
    }
    return parts.join('|');
  }

  /** Which pods a node runs (an order-independent hash of their ids) and what they request. */
  function signature(n: NodeInfo): string {
    let h = 0;
    for (const p of n.pods) h = (h + Math.imul(p.id | 0, 0x9e3779b1)) | 0;
    const r = n.requested;
    return `${n.podCount}/${h}/${r.milliCPU}/${r.memory}/${r.milliGPU}`;
  }

  function track(ctx: ClusterAutoscalerContext): void {
    const seen = new Set<string>();
    for (const sn of ctx.nodes) {
      const name = sn.node.name;
      seen.add(name);
      const sig = signature(sn.node);
      const s = stable.get(name);
      if (!s || s.signature !== sig) stable.set(name, { signature: sig, since: ctx.now });
    }
    for (const name of stable.keys()) if (!seen.has(name)) stable.delete(name);
    for (const [name, at] of deleting) if (!seen.has(name) || ctx.now - at >= DELETION_GRACE) deleting.delete(name);
  }

  /**
   * Nodes each group can still lose: its registered nodes (a node still provisioning may never
   * arrive, so it does not count toward min) minus our deletions in flight, minus min.
   */
  function removable(ctx: ClusterAutoscalerContext): Map<string, number> {
    const left = new Map<string, number>();
    for (const g of ctx.groups) if (specs.has(g.spec.name)) left.set(g.spec.name, g.targetSize - g.provisioning - specs.get(g.spec.name)!.min);
    for (const sn of ctx.nodes) {
      if (sn.group !== undefined && left.has(sn.group) && deleting.has(sn.node.name)) left.set(sn.group, left.get(sn.group)! - 1);
    }
    return left;
  }

  function budget(ctx: ClusterAutoscalerContext): ProvisioningBudget {
    const room = new Map<string, number>();
    let cpu = 0;
    let memory = 0;
    for (const g of ctx.groups) {
      const spec = specs.get(g.spec.name);
      if (!spec) continue;
      room.set(spec.name, spec.max - g.targetSize);
      cpu += g.provisioning * spec.template.allocatable.milliCPU;
      memory += g.provisioning * spec.template.allocatable.memory;
    }
    for (const sn of ctx.nodes) {
      if (sn.group === undefined || !specs.has(sn.group)) continue;
      cpu += sn.node.allocatable.milliCPU;
      memory += sn.node.allocatable.memory;
    }
    return new ProvisioningBudget(room, cpu, memory, opts.limits);
  }

  function provision(ctx: ClusterAutoscalerContext): ScaleUp[] {
    if (ctx.unschedulablePods.length === 0) return [];
    const offerings = [...specs.values()].filter((o) => ctx.groups.some((g) => g.spec.name === o.name));
    const b = budget(ctx);
    const nodes = ctx.simulate((sim) => {
      const { remaining } = filterOutSchedulable(sim, ctx.groups, ctx.unschedulablePods);
      return remaining.length === 0 ? [] : packPods(sim, offerings, remaining, b);
    });
    const out: ScaleUp[] = [];
    for (const o of offerings) {
      const mine = nodes.filter((n) => n.offering === o);
      if (mine.length === 0) continue;
      const pods = mine.reduce((s, n) => s + n.pods.length, 0);
      out.push({ group: o.name, count: mine.length, reason: `${pods} pending pod(s) packed onto ${mine.length} new ${o.name} node(s) at ${o.pricePerHour}/h each` });
    }
    return out;
  }

  /** Finishes (or abandons) a pending replacement: deletes the old node once a new one is ready. */
  function finishReplacement(ctx: ClusterAutoscalerContext, left: Map<string, number>): NodeDeletion[] {
    const r = replacement;
    if (!r) return [];
    const old = ctx.nodes.find((n) => n.node.name === r.node);
    if (!old || deleting.has(r.node) || ctx.now - r.since >= opts.replacementTimeout) {
      replacement = undefined;
      return [];
    }
    const fresh = ctx.nodes.find((n) => n.group === r.offering && n.ready && !r.existing.has(n.node.name));
    if (!fresh) return [];
    replacement = undefined;
    const g = old.group;
    if (g === undefined || (left.get(g) ?? 0) <= 0) return [];
    left.set(g, left.get(g)! - 1);
    return [{ node: r.node, reason: `consolidation: replaced by cheaper ${r.offering} node ${fresh.node.name}` }];
  }

  function consolidate(ctx: ClusterAutoscalerContext, left: Map<string, number>): { deletions: NodeDeletion[]; scaleUps: ScaleUp[] } {
    const none = { deletions: [], scaleUps: [] };
    const now = ctx.now;
    const usable = (sn: ScalableNode) => sn.ready && !sn.node.unschedulable && !deleting.has(sn.node.name);
    // A node running a pod annotated karpenter.sh/do-not-disrupt: "true" is not a candidate for
    // voluntary disruption (karpenter pkg/controllers/disruption: candidates are filtered by
    // pods that block eviction, pod.HasDoNotDisrupt).
    const candidates = ctx.nodes.filter((sn) => sn.group !== undefined && specs.has(sn.group) && usable(sn) && now - (stable.get(sn.node.name)?.since ?? now) >= opts.consolidateAfter && !sn.node.pods.some((p) => p.spec.annotations?.[ANNOTATION_DO_NOT_DISRUPT] === 'true'));
    if (candidates.length === 0) return none;

    // 1. Empty nodes, all at once.
    const deletions: NodeDeletion[] = [];
    for (const sn of candidates) {
      if (sn.node.podCount > 0 && movablePods(ctx, sn.node).length > 0) continue;
      const l = left.get(sn.group!) ?? 0;
      if (l <= 0) continue;
      left.set(sn.group!, l - 1);
      deletions.push({ node: sn.node.name, reason: `consolidation: empty for ${Math.round(now - stable.get(sn.node.name)!.since)}s` });
    }
    if (deletions.length > 0 || opts.consolidationPolicy === 'WhenEmpty') return { deletions, scaleUps: [] };

    // 2. Delete the least disruptive node whose pods fit elsewhere.
    const nonEmpty = candidates
      .filter((sn) => sn.node.podCount > 0 && (left.get(sn.group!) ?? 0) > 0 && new EvictionPlan(ctx, false).check(movablePods(ctx, sn.node)) === undefined)
      .map((sn) => ({ sn, utilization: nodeUtilization(sn.node) }))
      .sort((a, b) => a.sn.node.podCount - b.sn.node.podCount || a.utilization - b.utilization || (a.sn.node.name < b.sn.node.name ? -1 : a.sn.node.name > b.sn.node.name ? 1 : 0))
      .slice(0, MAX_CONSOLIDATION_CANDIDATES);
    if (nonEmpty.length === 0) return none;
    // Karpenter's "cluster is consolidated" shortcut: the same cluster as at the last fruitless
    // attempt gives the same answer, so skip the what-ifs.
    const key = clusterKey(ctx, nonEmpty.map((c) => c.sn));
    if (key === fruitless) return none;
    const destinations = new Set(ctx.nodes.filter(usable).map((sn) => sn.node.name));
    for (const { sn, utilization } of nonEmpty) {
      const name = sn.node.name;
      const drain = ctx.simulate((sim) => simulateDrain(sim, name, (n) => n.name !== name && destinations.has(n.name)));
      if (drain) {
        left.set(sn.group!, left.get(sn.group!)! - 1);
        return { deletions: [{ node: name, reason: `consolidation: ${sn.node.podCount} pod(s) fit on other nodes (utilization ${utilization.toFixed(2)})` }], scaleUps: [] };
      }
    }

    // 3. Replace a node by one cheaper node its pods fit on.
    const b = budget(ctx);
    const byPrice = [...specs.values()].filter((o) => ctx.groups.some((g) => g.spec.name === o.name)).sort((a, c) => a.pricePerHour - c.pricePerHour);
    for (const { sn } of nonEmpty) {
      const current = specs.get(sn.group!)!;
      const name = sn.node.name;
      const pods = movablePods(ctx, sn.node);
      for (const o of byPrice) {
        if (o.pricePerHour >= current.pricePerHour) break;
        if (!b.canAdd(o) || !fitsTogether(pods, o)) continue;
        const fits = ctx.simulate((sim) => {
          const fresh = sim.addNode(o.name);
          const old = sim.nodes.find((n) => n.name === name);
          if (!old) return false;
          for (const pod of sim.removeNode(old)) {
            if (!sim.fits(pod, fresh)) return false;
            sim.place(pod, fresh);
          }
          return true;
        });
        if (!fits) continue;
        replacement = {
          node: name,
          offering: o.name,
          since: now,
          existing: new Set(ctx.nodes.filter((n) => n.group === o.name).map((n) => n.node.name)),
        };
        return {
          deletions: [],
          scaleUps: [{ group: o.name, count: 1, reason: `consolidation: replace ${name} (${current.name} at ${current.pricePerHour}/h) by a cheaper ${o.name} node at ${o.pricePerHour}/h` }],
        };
      }
    }
    fruitless = key;
    return none;
  }

  return {
    name: NAME,
    scanInterval: opts.scanInterval,
    options: opts,
    pendingReplacement: () => replacement,
    reconcile(ctx: ClusterAutoscalerContext, _random: RandomSource): ClusterScaleDecision {
      track(ctx);
      const left = removable(ctx);
      const deletions = finishReplacement(ctx, left);
      const scaleUps = provision(ctx);
      const launching = ctx.groups.some((g) => specs.has(g.spec.name) && g.provisioning > 0);
      if (opts.consolidation && deletions.length === 0 && scaleUps.length === 0 && !launching && !replacement && ctx.unschedulablePods.length === 0) {
        const c = consolidate(ctx, left);
        deletions.push(...c.deletions);
        scaleUps.push(...c.scaleUps);
      }
      for (const d of deletions) deleting.set(d.node, ctx.now);
      if (deletions.length === 0 && scaleUps.length === 0) return NO_CLUSTER_SCALING;
      return { scaleUps, deletions };
    },
  };
}

/** For registries: options arrive untyped and are validated here. */
export const karpenterFactory: ClusterAutoscalerFactory = (groups, options) => karpenter(groups, (options ?? {}) as Partial<KarpenterOptions>);
