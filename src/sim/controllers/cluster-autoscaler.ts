import type { ClusterAutoscaler, ClusterAutoscalerContext, NodeGroupSpec, NodeGroupStatus, PodController, ScalableNode } from '../../api/autoscaling.js';
import { ClusterEvent, type Scheduler } from '../../api/framework.js';
import { WellKnownLabel } from '../../api/node.js';
import type { PodInfo, PodSpec } from '../../api/pod.js';
import type { Distribution } from '../../api/distribution.js';
import { sample } from '../../util/distributions.js';
import type { RandomStream, RandomStreams } from '../../util/random.js';
import { grown } from '../../util/typed-arrays.js';
import type { NodeSpec } from '../../api/node.js';
import { nodeVersionClock, type SimNode } from '../cluster.js';
import type { Lifecycle } from '../lifecycle.js';
import { daemonPodForNode, daemonPodTolerations, nodeShouldRunDaemonPod } from '../daemon-pods.js';
import { WhatIfCluster, type WhatIfDaemons, whatIfNarrowUsableFromEnv } from '../what-if.js';

/** An autoscaled node group as the engine runs it. */
export interface SimNodeGroup {
  readonly spec: NodeGroupSpec;
  /** The pool its nodes are billed and reported under (several groups can share one: a pool's zones). */
  readonly pool: string;
  /** Time from a scale-up request to a ready node (cloud VMs: about 3-4 min). */
  readonly provisioningDelay: Distribution;
  /** max-node-provision-time: a node not ready by then counts as a failed scale-up (900 s). */
  readonly maxProvisionTime: number;
}

/** A node group's run-time state. */
interface GroupState {
  readonly g: SimNodeGroup;
  readonly stream: RandomStream;
  readonly nodes: Set<number>;
  provisioning: number;
  lastScaleUpFailure: number;
  seq: number;
}

/** The autoscaler's view of one node (its readiness read live). */
class ScalableNodeView implements ScalableNode {
  /** The node's slot, kept here: a scan reads every node's readiness, and need not load the node for it. */
  private readonly index: number;
  constructor(private readonly api: Lifecycle, readonly node: SimNode, readonly group: string | undefined, readonly readySince: number) {
    this.index = node.index;
  }
  get ready(): boolean {
    return this.api.isNodeReady(this.index);
  }
}

/**
 * The cluster autoscaler's driver and the cloud provider under it: every scan interval the
 * policy sees the node groups, the nodes and the unschedulable pods, may simulate what-ifs on a
 * copy-on-write view of the cluster, and returns scale-ups and node deletions; the cloud then
 * provisions nodes after a delay (failing past max-node-provision-time) and deletes nodes after
 * draining them.
 *
 * Watches: nothing but its own scans and provisioning. Owns: the node groups. Acts: adds and
 * removes nodes, deletes pods evicted by a scale-down, bills pools, through the lifecycle API.
 */
export class ClusterAutoscalerController {
  private readonly evScan: number;
  private readonly evNodeReady: number;
  private readonly evProvisionFail: number;
  private readonly groups: GroupState[] = [];
  private readonly groupByName = new Map<string, number>();
  /** Each node's group (-1: none) and when it became ready. */
  private nodeGroup: Int32Array;
  private readySince: Float64Array;
  private scalableNodes: ScalableNode[] | undefined;
  /** Per workload, the PodController its pods report (one object each: asked per pod per scan). */
  private readonly controllers: (PodController | undefined)[];
  /** The DaemonSets as the what-ifs see them; undefined when the run has none. */
  private readonly daemons: WhatIfDaemons | undefined;
  /** WhatIfCluster's narrowing switch, read once here rather than from the environment per what-if. */
  private readonly narrowUsable = whatIfNarrowUsableFromEnv();
  /** Node readiness changes so far (ClusterAutoscalerContext.clusterVersion). */
  private readinessChanges = 0;

  constructor(
    private readonly api: Lifecycle,
    private readonly ca: ClusterAutoscaler | undefined,
    nodeGroups: readonly SimNodeGroup[],
    nodes: readonly NodeSpec[],
    private readonly scheduler: Scheduler,
    streams: RandomStreams,
    private readonly random: RandomStream,
    private readonly horizon: number,
  ) {
    const e = api.engine;
    this.evScan = e.defineEvent('cluster-autoscaler-scan', () => this.onScan());
    this.evNodeReady = e.defineEvent('node-ready', (gi) => this.onNodeReady(gi));
    this.evProvisionFail = e.defineEvent('node-provisioning-failed', (gi) => this.onProvisionFailed(gi));
    const n = Math.max(16, nodes.length);
    this.nodeGroup = new Int32Array(n).fill(-1);
    this.readySince = new Float64Array(n);
    for (const g of nodeGroups) {
      if (this.groupByName.has(g.spec.name)) throw new Error(`duplicate node group "${g.spec.name}"`);
      this.groupByName.set(g.spec.name, this.groups.length);
      this.groups.push({ g, stream: streams.get(`autoscaler/provisioning/${g.spec.name}`), nodes: new Set(), provisioning: 0, lastScaleUpFailure: NaN, seq: 0 });
    }
    this.controllers = api.workloads.map((wr) => {
      const w = wr.w;
      return w.kind === 'service' ? { kind: 'Deployment', name: w.name } : w.kind === 'job' ? { kind: 'Job', name: w.name } : w.kind === 'daemonset' ? { kind: 'DaemonSet', name: w.name } : undefined;
    });
    this.daemons = this.whatIfDaemons();
    api.on('nodeStatusChanged', () => this.readinessChanges++);
    nodes.forEach((spec, index) => {
      if (spec.group === undefined) return;
      const gi = this.groupByName.get(spec.group);
      if (gi === undefined) throw new Error(`node ${spec.name}: unknown node group "${spec.group}"`);
      this.nodeGroup[index] = gi;
      this.groups[gi]!.nodes.add(index);
      this.groups[gi]!.seq++;
    });
  }

  /** Schedules the first scan, one scan interval in. */
  start(): void {
    const ca = this.ca;
    if (!ca) return;
    if (!(ca.scanInterval > 0)) throw new Error(`cluster autoscaler ${ca.name}: scan interval must be > 0`);
    if (ca.scanInterval <= this.horizon) this.api.engine.scheduleAt(ca.scanInterval, this.evScan, 0);
  }

  private groupStatus(gs: GroupState): NodeGroupStatus {
    return { spec: gs.g.spec, targetSize: gs.nodes.size + gs.provisioning, provisioning: gs.provisioning, lastScaleUpFailure: gs.lastScaleUpFailure };
  }

  /** A group's template as a node spec (the hostname label follows the name). */
  private groupNodeSpec(gi: number, name: string): NodeSpec {
    const spec = this.groups[gi]!.g.spec;
    const t = spec.template;
    // The hostname first, as the pools' own nodes have it (src/scenario/resolve/cluster.ts
    // poolNodes): the same keys in the same order give the labels the same hidden class, so the
    // scheduler's label reads stay monomorphic when a scale-up (or a what-if's template node)
    // first brings a new node. Set again after, so that the name wins over a template's own
    // hostname label as before.
    const labels: Record<string, string> = { [WellKnownLabel.hostname]: name, ...t.labels };
    labels[WellKnownLabel.hostname] = name;
    return {
      name,
      labels,
      taints: t.taints,
      unschedulable: false,
      allocatable: t.allocatable,
      allowedPodNumber: t.allowedPodNumber,
      pool: this.groups[gi]!.g.pool,
      group: spec.name,
      gpuModel: t.gpuModel,
      pricePerHour: spec.pricePerHour,
    };
  }

  private onScan(): void {
    const api = this.api;
    const ca = this.ca!;
    const now = api.engine.now;
    const unschedulable: PodInfo[] = [];
    // DaemonSet pods are left out: a new node gets its own (core/podlistprocessor/filter_out_daemon_sets.go).
    for (const id of api.pendingIds) if (api.pods.unschedulable[id] === 1 && !this.isDaemonPodId(id)) unschedulable.push(api.pods.infos[id]!);
    const f = this.contextFunctions;
    const ctx: ClusterAutoscalerContext = {
      now,
      groups: this.groups.map((gs) => this.groupStatus(gs)),
      nodes: this.scalableNodeList(),
      unschedulablePods: unschedulable,
      nodeVersions: api.cluster.nodeVersions,
      clusterVersion: f.clusterVersion,
      controllerOf: f.controllerOf,
      disruptionsAllowed: f.disruptionsAllowed,
      simulate: f.simulate,
    };
    const decision = ca.reconcile(ctx, this.random);
    // Most scans decide nothing (apply's checks would only allocate).
    if (decision.scaleUps.length > 0 || decision.deletions.length > 0) this.apply(ca, decision.scaleUps, decision.deletions);
    const next = now + ca.scanInterval;
    if (next <= this.horizon) api.engine.scheduleAt(next, this.evScan, 0);
  }

  /**
   * The scan context's functions: each reads the cluster when called, so one set serves every
   * scan (60,480 scans in the autoscaled week, four closures each before).
   */
  private readonly contextFunctions: Required<Pick<ClusterAutoscalerContext, 'clusterVersion' | 'controllerOf' | 'disruptionsAllowed' | 'simulate'>> = {
    // Both counts only grow, so their sum is unchanged only while both are.
    clusterVersion: () => nodeVersionClock() + this.readinessChanges,
    controllerOf: (pod) => this.controllerOf(pod),
    // Its budget's status (several budgets: none allowed, the eviction API refuses them).
    disruptionsAllowed: (pod) => this.api.podDisruptionsAllowed(pod.id),
    simulate: (fn) => {
      const whatIf = new WhatIfCluster(this.api.cluster, this.scheduler, this.templateNode, this.daemons, this.narrowUsable);
      try {
        return fn(whatIf);
      } finally {
        whatIf.rollback();
      }
    },
  };

  /** A what-if's template node of a group (WhatIfCluster's `template`). */
  private readonly templateNode = (group: string, name: string): NodeSpec => this.groupNodeSpec(this.groupIndexOf(group), name);

  private groupIndexOf(group: string): number {
    const gi = this.groupByName.get(group);
    if (gi === undefined) throw new Error(`unknown node group "${group}"`);
    return gi;
  }

  private controllerOf(pod: PodInfo): PodController {
    // A what-if's template daemon pods have ids < 0 (WhatIfDaemons).
    if (pod.id < 0) return this.daemonOfTemplatePod.get(pod) ?? { kind: 'None', name: pod.name };
    return this.controllers[this.api.pods.workload[pod.id]!] ?? { kind: 'None', name: pod.name };
  }

  private isDaemonPodId(id: number): boolean {
    return this.daemons !== undefined && this.api.workloads[this.api.pods.workload[id]!]!.w.kind === 'daemonset';
  }

  /** The template daemon pods made so far, and their DaemonSet (what-ifs only). */
  private readonly daemonOfTemplatePod = new WeakMap<PodInfo, PodController>();
  private templatePodSeq = 0;

  /**
   * The DaemonSets for the what-ifs: a template node runs the pod of each DaemonSet that should
   * run on it (daemonset.GetDaemonSetPodsForNode in cluster-autoscaler/utils/daemonset, with the
   * daemon controller's own predicate), and a removed node's daemon pods are not moved.
   */
  private whatIfDaemons(): WhatIfDaemons | undefined {
    const api = this.api;
    const sets: { template: PodSpec; owner: PodController }[] = [];
    for (const wr of api.workloads) {
      const w = wr.w;
      if (w.kind !== 'daemonset') continue;
      sets.push({ template: { ...w.spec, tolerations: daemonPodTolerations(w.spec.tolerations, w.hostNetwork) }, owner: this.controllers[wr.index]! });
    }
    if (sets.length === 0) return undefined;
    return {
      podsFor: (node) => {
        const out: PodInfo[] = [];
        for (const s of sets) {
          if (!nodeShouldRunDaemonPod(s.template, node).shouldRun) continue;
          const pod: PodInfo = { id: -1 - this.templatePodSeq++, name: `${s.owner.name}-${node.name}`, spec: daemonPodForNode(s.template, node.name) };
          this.daemonOfTemplatePod.set(pod, s.owner);
          out.push(pod);
        }
        return out;
      },
      isDaemonPod: (pod) => this.controllerOf(pod).kind === 'DaemonSet',
    };
  }

  /** The autoscaler's view of the nodes: one object per node, rebuilt only when nodes come or go. */
  private scalableNodeList(): ScalableNode[] {
    if (!this.scalableNodes) {
      const list: ScalableNode[] = [];
      for (const n of this.api.cluster.nodes) {
        if (n.removed) continue;
        const i = n.index;
        const gi = this.nodeGroup[i]!;
        list.push(new ScalableNodeView(this.api, n, gi >= 0 ? this.groups[gi]!.g.spec.name : undefined, this.readySince[i]!));
      }
      this.scalableNodes = list;
    }
    return this.scalableNodes;
  }

  /** Applies a cluster autoscaler's decision; one outside a group's [min, max] is a policy bug. */
  private apply(ca: ClusterAutoscaler, scaleUps: readonly { group: string; count: number; reason: string }[], deletions: readonly { node: string; reason: string }[]): void {
    const api = this.api;
    const now = api.engine.now;
    const removing = new Map<number, number>();
    const victims: { index: number; reason: string }[] = [];
    for (const d of deletions) {
      const node = api.cluster.nodeByName(d.node) as SimNode | undefined;
      if (!node) throw new Error(`cluster autoscaler ${ca.name}: cannot delete unknown node "${d.node}"`);
      const gi = this.nodeGroup[node.index]!;
      if (gi < 0) throw new Error(`cluster autoscaler ${ca.name}: node ${d.node} belongs to no node group`);
      if (victims.some((v) => v.index === node.index)) throw new Error(`cluster autoscaler ${ca.name}: node ${d.node} deleted twice`);
      removing.set(gi, (removing.get(gi) ?? 0) + 1);
      victims.push({ index: node.index, reason: d.reason });
    }
    for (const [gi, k] of removing) {
      // Only registered nodes count toward min: a node still provisioning may never arrive.
      const gs = this.groups[gi]!;
      const size = gs.nodes.size;
      if (size - k < gs.g.spec.min) throw new Error(`cluster autoscaler ${ca.name}: deleting ${k} node(s) takes group ${gs.g.spec.name} from ${size} registered node(s) below its min ${gs.g.spec.min}`);
    }
    for (const up of scaleUps) {
      const gi = this.groupIndexOf(up.group);
      const gs = this.groups[gi]!;
      const size = gs.nodes.size + gs.provisioning;
      if (!Number.isInteger(up.count) || up.count < 1) throw new Error(`cluster autoscaler ${ca.name}: scale-up of ${up.group} by ${up.count}`);
      if (size + up.count > gs.g.spec.max) throw new Error(`cluster autoscaler ${ca.name}: scale-up takes group ${up.group} from ${size} above its max ${gs.g.spec.max}`);
      api.recordAction({ time: now, scaler: ca.name, action: 'scale-up', target: up.group, from: size, to: size + up.count, reason: up.reason });
      for (let k = 0; k < up.count; k++) {
        gs.provisioning++;
        api.bill(gs.g.pool, 1, 0);
        const delay = sample(gs.g.provisioningDelay, gs.stream);
        if (delay > gs.g.maxProvisionTime) {
          const at = now + gs.g.maxProvisionTime;
          if (at <= this.horizon) api.engine.scheduleAt(at, this.evProvisionFail, gi);
        } else if (now + delay <= this.horizon) {
          api.engine.scheduleAt(now + delay, this.evNodeReady, gi);
        }
      }
    }
    for (const v of victims) this.removeNode(ca.name, v.index, v.reason);
  }

  private onNodeReady(gi: number): void {
    const api = this.api;
    const gs = this.groups[gi]!;
    const now = api.engine.now;
    gs.provisioning--;
    const node = api.addNode(this.groupNodeSpec(gi, `${gs.g.spec.name}-${gs.seq++}`));
    if (node.index >= this.nodeGroup.length) {
      const c = Math.max(node.index + 1, this.nodeGroup.length * 2);
      const old = this.nodeGroup.length;
      this.nodeGroup = grown(this.nodeGroup, c);
      this.nodeGroup.fill(-1, old);
      this.readySince = grown(this.readySince, c);
    }
    this.nodeGroup[node.index] = gi;
    this.readySince[node.index] = now;
    gs.nodes.add(node.index);
    this.scalableNodes = undefined;
    api.bill(gs.g.pool, 0, 1);
    // from/to: the group's ready nodes.
    api.recordAction({ time: now, scaler: 'cloud', action: 'node-ready', target: node.name, from: gs.nodes.size - 1, to: gs.nodes.size, reason: `group ${gs.g.spec.name}` });
    api.clusterChanged(ClusterEvent.NodeAdd);
  }

  private onProvisionFailed(gi: number): void {
    const api = this.api;
    const gs = this.groups[gi]!;
    const now = api.engine.now;
    gs.provisioning--;
    gs.lastScaleUpFailure = now;
    api.bill(gs.g.pool, -1, 0);
    const size = gs.nodes.size + gs.provisioning;
    api.recordAction({ time: now, scaler: 'cloud', action: 'scale-up-failed', target: gs.g.spec.name, from: size + 1, to: size, reason: `node not ready within ${gs.g.maxProvisionTime}s` });
  }

  /**
   * Cordon, drain through the eviction API (controllers recreate the pods elsewhere) and delete a
   * node. An eviction a PodDisruptionBudget refuses stops the scale-down: the node is uncordoned
   * and kept (cluster-autoscaler core/scaledown/actuation drain.go: a failed drain fails the node
   * deletion; the pods already evicted stay evicted). Upstream retries refused evictions for up to
   * MaxPodEvictionTime (2 min); here the policy planned with the same budgets, so a refusal is
   * not retried within the scan.
   */
  private removeNode(scaler: string, index: number, reason: string): void {
    const api = this.api;
    const now = api.engine.now;
    const node = api.cluster.nodes[index]!;
    const gs = this.groups[this.nodeGroup[index]!]!;
    api.cordon(index, true);
    const name = node.name;
    const record = api.disruptionBudgets.length > 0 ? { source: scaler, nodes: [name], started: now, finished: NaN, outcome: 'waiting' as const, blockedEvictions: 0 } : undefined;
    let refused: string | undefined;
    for (const info of [...node.pods]) {
      const id = info.id;
      if (!api.pods.isBoundTo(id, index)) continue;
      // Evicted: deleted (not failed); the controller recreates it.
      const outcome = api.evict(id, 'deleted');
      if (outcome !== 'evicted') {
        refused = `${info.name}: ${outcome === 'blocked' ? 'Cannot evict pod as it would violate the pod\'s disruption budget' : 'more than one PodDisruptionBudget'}`;
        if (record) {
          if (outcome === 'blocked') record.blockedEvictions++;
          api.drains.push({ ...record, finished: now, outcome: outcome === 'blocked' ? 'blocked' : 'failed' });
        }
        break;
      }
    }
    if (refused !== undefined) {
      api.endDrain(index);
      const size = gs.nodes.size + gs.provisioning;
      api.recordAction({ time: now, scaler, action: 'scale-down-failed', target: name, from: size, to: size, reason: `${reason}; drain failed: ${refused}` });
      api.clusterChanged(ClusterEvent.AssignedPodDelete);
      return;
    }
    if (record) api.drains.push({ ...record, finished: now, outcome: 'completed' });
    api.removeNode(index);
    gs.nodes.delete(index);
    this.nodeGroup[index] = -1;
    this.scalableNodes = undefined;
    api.bill(gs.g.pool, -1, -1);
    const size = gs.nodes.size + gs.provisioning;
    api.recordAction({ time: now, scaler, action: 'node-removed', target: name, from: size + 1, to: size, reason });
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }
}
