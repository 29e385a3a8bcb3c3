import type { Taint } from '../api/node.js';
import { PodPhase, type PodInfo, type PodSpec } from '../api/pod.js';
import type { ScalingAction } from './results.js';
import type { NodeSpec } from '../api/node.js';
import { ClusterState, type SimNode } from './cluster.js';
import type { Engine } from './engine.js';
import type { Incident } from './failures.js';
import { expectedPods, NO_NODE, PodTable } from './pods.js';
import { PendingPods } from './pending-pods.js';
import type { PodTemplate } from '../api/workload.js';
import { grown } from '../util/typed-arrays.js';
import { switchedOn } from '../util/switches.js';
import type { DisruptionBudgetSpec, EvictionOutcome } from '../api/disruption.js';
import { decideEviction, selectingBudgetAt, type DisruptionBudgetRecord, type DrainRecord } from './eviction.js';
import type { Hook, RemovalReason, StoreHooks, WorkloadRecord } from './store-hooks.js';
import type { Admission, EvictionReason, KueueWorkload } from './kueue/workload.js';
import type { PodGroupSpec } from '../api/podgroup.js';
import { PodGroupStore, type PodGroupRecord } from './pod-groups.js';

export type { Hook, RemovalReason, StoreHooks, WorkloadRecord } from './store-hooks.js';

/**
 * The store and its lifecycle API: the pods, the nodes with their status, the workload
 * records and the incident log, and the only code that changes them. Controllers act through
 * it, as Kubernetes controllers write to the API server, and hear of changes through its hooks,
 * as they would through informers; a controller never calls another controller.
 */
export class Lifecycle {
  readonly cluster: ClusterState;
  readonly pods: PodTable;
  readonly workloads: WorkloadRecord[];
  /** Pods waiting for a node, in creation order. */
  readonly pendingIds: PendingPods;
  /** The incident log (failures and crashes), by incident id. */
  readonly incidents: Incident[] = [];
  /** PodDisruptionBudgets (spec and status; the disruption controller keeps the status). */
  readonly disruptionBudgets: DisruptionBudgetRecord[] = [];
  /** Drains through the eviction API (planned drains, scale-down), in start order. */
  readonly drains: DrainRecord[] = [];
  /** Per node: failures holding the machine down (domains overlap), and the Ready condition as the control plane sees it. */
  private down: Int32Array;
  /** When each node's machine last went down (meaningful while it is down). */
  private downSince: Float64Array;
  private notReady: Uint8Array;
  /** PodGroups (gangs) and their members; empty in runs without gangs. */
  readonly podGroups: PodGroupStore;
  /** Pods stamped from a template other than their workload's (a rollout's ReplicaSets), by pod id. */
  private readonly templates = new Map<number, PodTemplate>();
  /**
   * The subscribers of each hook. They are called through index loops, not for-of: a for-of
   * over an array is about 100 bytes of bytecode (the iterator protocol and its closing), which
   * counted against V8's inlining budget in every per-pod caller (createPod, bind, startPod,
   * podSucceeded), so those callers were not inlined into the controllers' handlers.
   */
  readonly hooks: StoreHooks = {
    beforeChange: [], podCreated: [], podBound: [], podReserved: [], podUngated: [], podUnreserved: [], podPhaseChanged: [], podChanged: [], containersStopped: [], podSucceeded: [], podRemoved: [], podPreempted: [],
    readyChanged: [], desiredChanged: [], nodeAdded: [], nodeRemoved: [], nodeDown: [], nodeUp: [], nodeStatusChanged: [], nodeAvailabilityChanged: [], clusterChanged: [], billed: [], scalingAction: [], attempt: [],
    kueueWorkloadCreated: [], kueueWorkloadAdmitted: [], kueueWorkloadEvicted: [], kueueWorkloadFinished: [],
  };
  /**
   * Every subscription of a hook that has a dormant one (onDormant), in subscription order, awake
   * or not: `hooks` holds the awake ones in the same order.
   */
  private readonly subscriptions: Partial<Record<Hook, { fn: unknown; awake: boolean }[]>> = {};
  /** Dormant subscriptions wait to be woken; ORCHSIM_NO_DORMANT_HOOKS=1 makes them awake from the start. */
  private readonly dormantHooks = switchedOn('ORCHSIM_NO_DORMANT_HOOKS');
  /**
   * SimShortcuts.releaseFinishedPods in effect: a batch, Job or pod-list pod that succeeded
   * leaves the pod table's `infos` (its numbers stay). Set once when the run is wired.
   */
  releaseFinishedPods = false;
  /** Kueue Workload objects, by id (only in runs with queueing). */
  readonly kueueWorkloads: KueueWorkload[] = [];

  constructor(
    readonly engine: Engine,
    nodes: readonly NodeSpec[],
    workloads: readonly WorkloadRecord[],
    /** Called for every bind before it happens (tests check invariants with it). */
    private readonly onBind?: ((pod: PodInfo, nodeIndex: number, cluster: ClusterState, now: number) => void) | undefined,
  ) {
    this.pods = new PodTable(expectedPods(workloads.map((wr) => wr.w)));
    this.pendingIds = new PendingPods(this.pods.capacity);
    this.cluster = new ClusterState(Math.max(16, nodes.length), this.pods.capacity);
    for (const n of nodes) this.cluster.addNode(n);
    this.workloads = [...workloads];
    this.podGroups = new PodGroupStore(engine);
    this.down = new Int32Array(Math.max(16, nodes.length));
    this.downSince = new Float64Array(Math.max(16, nodes.length));
    this.notReady = new Uint8Array(Math.max(16, nodes.length));
  }

  /** Subscribes to one kind of change; subscribers hear of it in the order they subscribed. */
  on<K extends Hook>(hook: K, fn: StoreHooks[K][number]): void {
    (this.hooks[hook] as StoreHooks[K][number][]).push(fn);
    this.subscriptions[hook]?.push({ fn, awake: true });
  }

  /**
   * Subscribes in the place `on` would, but dormant: the subscriber is not called until the
   * returned function wakes it, for good. For a subscriber with nothing to do until some state
   * arises, such as the node lifecycle's podBound, which acts only on a NotReady node and was
   * called at every bind. Woken during a notification of its own hook, it hears the next one.
   */
  onDormant<K extends Hook>(hook: K, fn: StoreHooks[K][number]): () => void {
    if (!this.dormantHooks) {
      this.on(hook, fn);
      return () => {};
    }
    const subscriptions = (this.subscriptions[hook] ??= (this.hooks[hook] as unknown[]).map((f): { fn: unknown; awake: boolean } => ({ fn: f, awake: true })));
    const subscription = { fn: fn as unknown, awake: false };
    subscriptions.push(subscription);
    return () => {
      if (subscription.awake) return;
      subscription.awake = true;
      // A new array: a notification under way goes on over the one it started with.
      (this.hooks as Record<Hook, unknown[]>)[hook] = subscriptions.filter((x) => x.awake).map((x) => x.fn);
    };
  }

  get now(): number {
    return this.engine.now;
  }

  /** Whether the node's machine is up (not failed); a drained node is up. */
  isNodeUp(node: number): boolean {
    return this.down[node] === 0;
  }

  /** When the node's machine went down (while it is down: the Ready condition's lastTransitionTime to be). */
  nodeDownSince(node: number): number {
    return this.downSince[node]!;
  }

  /** Nodes the per-node status covers (a removed node's slot included). */
  get nodeSlots(): number {
    return this.cluster.nodes.length;
  }

  /** Whether the control plane sees the node Ready (a failure is seen after the grace period). */
  isNodeReady(node: number): boolean {
    return this.notReady[node] === 0;
  }

  /** Metrics integrate up to now: a change of the cluster is about to happen. */
  touch(): void {
    const now = this.engine.now;
    for (let i = 0, fs = this.hooks.beforeChange; i < fs.length; i++) fs[i]!(now);
  }

  // ---- pods -------------------------------------------------------------------------------

  /** Pods created with a scheduling gate (spec.schedulingGates): the scheduler does not queue them until it is lifted. */
  readonly gatedPods = new Set<number>();

  /** Gates a pod that was just created (a controller heard podCreated before the scheduler). */
  gatePod(id: number): void {
    this.gatedPods.add(id);
  }

  /** Lifts a pod's gate: the scheduler queues it now. */
  ungatePod(id: number): void {
    if (!this.gatedPods.delete(id)) return;
    for (let i = 0, fs = this.hooks.podUngated; i < fs.length; i++) fs[i]!(id);
  }

  /** Creates a pod of a workload (from `template` when given, e.g. a ReplicaSet's); it waits for the scheduler. */
  createPod(wi: number, name: string, spec: PodSpec, duration: number, incident = -1, template?: PodTemplate): number {
    const wr = this.workloads[wi]!;
    wr.created++;
    const id = this.pods.add(name, spec, wi, this.engine.now, duration);
    this.pods.setIncident(id, incident);
    if (template !== undefined) this.templates.set(id, template);
    if (wr.w.kind === 'service') wr.podIds.add(id);
    this.pendingIds.add(id);
    if (this.podGroups.size > 0) this.podGroups.podCreated(this.pods.infos[id]!);
    for (let i = 0, fs = this.hooks.podCreated; i < fs.length; i++) fs[i]!(id);
    return id;
  }

  /** How the pod's containers start and crash: its template's (a ReplicaSet's) or its workload's. */
  podTemplate(id: number): Pick<PodTemplate, 'startup' | 'crashes' | 'probes'> {
    // Most runs stamp no pod from another template: no lookup then (called at every start).
    return (this.templates.size > 0 ? this.templates.get(id) : undefined) ?? this.workloads[this.pods.workload[id]!]!.w;
  }

  /** Creates a PodGroup object (a manifest's, or a gang workload's before its pods). */
  createPodGroup(spec: PodGroupSpec): PodGroupRecord {
    const g = this.podGroups.create(spec);
    this.cluster.podGroups = this.podGroups;
    // The first group: the store starts following pods created from now on (and any before).
    if (this.podGroups.size === 1) for (let id = 0; id < this.pods.length; id++) if (this.pods.phase[id] !== PodPhase.Failed) this.podGroups.podCreated(this.pods.infos[id]!);
    return g;
  }

  /**
   * The scheduler's Reserve for a pod that must wait at Permit: its requests (and GPUs) are
   * accounted on the node as a bound pod's are - so no other pod takes them - but it stays
   * Pending, unbound and not started (kube-scheduler's assumed pod).
   */
  reserve(id: number, node: number, gpus: readonly number[] | undefined): void {
    const pods = this.pods;
    const info = pods.infos[id]!;
    if (pods.phase[id] !== PodPhase.Pending || pods.isReserved(id)) throw new Error(`pod ${info.name} cannot be reserved: not a pending, unreserved pod`);
    this.touch();
    this.onBind?.(info, node, this.cluster, this.engine.now);
    this.cluster.bind(info, node, gpus);
    pods.setReserved(id, true);
    pods.node[id] = node;
    this.podGroups.reserved(info);
    for (let i = 0, fs = this.hooks.podReserved; i < fs.length; i++) fs[i]!(id, node);
  }

  /** Unreserve: a reserved pod gives its node's resources back and is a plain pending pod again. */
  unreserve(id: number): void {
    const pods = this.pods;
    const info = pods.infos[id]!;
    if (!pods.isReserved(id)) throw new Error(`pod ${info.name} is not reserved`);
    const node = pods.node[id]!;
    this.touch();
    this.cluster.unbind(info, node);
    pods.setReserved(id, false);
    pods.node[id] = NO_NODE;
    this.podGroups.unreserved(info);
    for (let i = 0, fs = this.hooks.podUnreserved; i < fs.length; i++) fs[i]!(id, node);
  }

  /**
   * The scheduler's binding: the pod holds the node's resources from now on. A reserved pod is
   * bound where it was reserved, its resources already accounted.
   */
  bind(id: number, node: number, gpus: readonly number[] | undefined): void {
    const pods = this.pods;
    const info = pods.infos[id]!;
    const now = this.engine.now;
    this.touch();
    const wasReserved = pods.isReserved(id);
    if (wasReserved) {
      if (pods.node[id] !== node) throw new Error(`pod ${info.name} is reserved on node ${pods.node[id]}, not ${node}`);
      pods.setReserved(id, false);
    } else {
      this.onBind?.(info, node, this.cluster, now);
      this.cluster.bind(info, node, gpus);
    }
    if (wasReserved || this.podGroups.size > 0) this.podGroups.bound(info, wasReserved);
    pods.phase[id] = PodPhase.Bound;
    pods.node[id] = node;
    pods.boundAt[id] = now;
    this.pendingIds.delete(id);
    const inc = pods.incidentOf(id);
    if (inc >= 0) {
      const incident = this.incidents[inc]!;
      if (!(incident.lastBound >= now)) incident.lastBound = now;
    }
    const waited = now - pods.createdAt[id]!;
    for (let i = 0, fs = this.hooks.podBound; i < fs.length; i++) fs[i]!(id, node, waited);
  }

  /** The kubelet started the containers: Running and ready. */
  startPod(id: number): void {
    const pods = this.pods;
    pods.phase[id] = PodPhase.Running;
    pods.startedAt[id] = this.engine.now;
    for (let i = 0, fs = this.hooks.podPhaseChanged; i < fs.length; i++) fs[i]!(id, PodPhase.Bound, PodPhase.Running);
    pods.live[id] = 1;
  }

  /** A container crashed: the pod is Running in Kubernetes terms but not ready; kept Bound until the kubelet starts it again. */
  containerCrashed(id: number, consecutiveRestarts: number): void {
    const pods = this.pods;
    pods.finishDue[id] = NaN;
    pods.restarts[id] = consecutiveRestarts;
    pods.phase[id] = PodPhase.Bound;
    for (let i = 0, fs = this.hooks.podPhaseChanged; i < fs.length; i++) fs[i]!(id, PodPhase.Running, PodPhase.Bound);
    this.podChanged(id);
  }

  /**
   * The pod's containers run again where they were (its node came back before eviction);
   * `ready` false: a readiness probe must pass again first (the caller calls replicaReady then).
   */
  resume(id: number, ready = true): void {
    this.pods.live[id] = 1;
    // Ready is set before the observers hear of the change; replicaReady counts it right after.
    if (ready) this.pods.ready[id] = 1;
    this.podChanged(id);
  }

  /**
   * A container was killed before it ever ran (its startup or liveness probe gave up while the
   * app was starting): one more restart; the pod stays Bound until the kubelet starts it again.
   */
  containerKilled(id: number, consecutiveRestarts: number): void {
    this.pods.restarts[id] = consecutiveRestarts;
    this.podChanged(id);
  }

  /** A pod is ready (`probed`: its readiness probe passed now): counted for its service, and for the incident it belongs to. */
  replicaReady(id: number, path: Incident['path'], probed = false): void {
    const now = this.engine.now;
    this.pods.ready[id] = 1;
    if (probed) this.pods.probedReadyAt[id] = now;
    this.readyChange(this.workloads[this.pods.workload[id]!]!, 1, now);
    const inc = this.pods.incidentOf(id);
    if (inc < 0) return;
    this.pods.setIncident(id, -1);
    const incident = this.incidents[inc]!;
    if (--incident.outstanding === 0) {
      incident.recovered = now;
      incident.path = path;
    }
  }

  /**
   * The pod's containers stop serving now (node down, crash, kill): counted once, however many
   * causes stack up.
   */
  stopContainers(id: number): void {
    const pods = this.pods;
    if (pods.live[id] !== 1) return;
    const now = this.engine.now;
    pods.live[id] = 0;
    const wasReady = pods.ready[id] === 1;
    pods.ready[id] = 0;
    this.podChanged(id);
    if (wasReady) this.readyChange(this.workloads[pods.workload[id]!]!, -1, now);
    for (let i = 0, fs = this.hooks.containersStopped; i < fs.length; i++) fs[i]!(id, now);
  }

  /**
   * The scheduler preempts a pod (DisruptionTarget, reason PreemptionByScheduler): its
   * containers stop now and nothing of it is started, finished or restarted any more; it keeps
   * its node until the caller removes it after the grace period, as a deleted pod does.
   */
  preempt(victim: number, preemptor: number): void {
    const pods = this.pods;
    // Heard before the containers stop, so the work it loses is counted as preemption's.
    for (let i = 0, fs = this.hooks.podPreempted; i < fs.length; i++) fs[i]!(victim, preemptor, this.engine.now);
    this.stopContainers(victim);
    pods.startDue[victim] = NaN;
    pods.finishDue[victim] = NaN;
    pods.crashDue[victim] = NaN;
    pods.restartDue[victim] = NaN;
  }

  /** The containers exited successfully: the pod releases its node. */
  podSucceeded(id: number): void {
    const pods = this.pods;
    const now = this.engine.now;
    this.touch();
    this.cluster.unbind(pods.infos[id]!, pods.node[id]!);
    pods.phase[id] = PodPhase.Succeeded;
    if (this.podGroups.size > 0) this.podGroups.succeeded(pods.infos[id]!);
    pods.live[id] = 0;
    const wasReady = pods.ready[id] === 1;
    pods.ready[id] = 0;
    if (wasReady) this.readyChange(this.workloads[pods.workload[id]!]!, -1, now);
    for (let i = 0, fs = this.hooks.podSucceeded; i < fs.length; i++) fs[i]!(id);
    // Its subscribers have heard of it: nothing reads the object of a finished pod of these kinds
    // again (a service's or DaemonSet's pods are read by the HPA's views and the Deployment controller).
    if (this.releaseFinishedPods === true) {
      const kind = this.workloads[pods.workload[id]!]!.w.kind;
      if (kind === 'batch' || kind === 'job' || kind === 'pods') pods.release(id);
    }
  }

  /**
   * Deletes a pod from its node or from the queue. A pod on a node releases its resources; a
   * queued one is dropped by the scheduling loop when it comes up. Its controller hears of it.
   */
  removePod(id: number, reason: RemovalReason): void {
    this.gatedPods.delete(id);
    const pods = this.pods;
    const from = pods.phase[id] as PodPhase;
    if (from === PodPhase.Pending) {
      if (pods.isReserved(id)) {
        // A reserved pod deleted while it waited at Permit gives its node's resources back.
        this.touch();
        this.cluster.unbind(pods.infos[id]!, pods.node[id]!);
        pods.setReserved(id, false);
        this.podGroups.unreserved(pods.infos[id]!);
      }
      pods.phase[id] = PodPhase.Failed;
      this.pendingIds.delete(id);
    } else {
      this.touch();
      this.cluster.unbind(pods.infos[id]!, pods.node[id]!);
      pods.phase[id] = PodPhase.Failed;
      pods.startDue[id] = NaN;
      pods.finishDue[id] = NaN;
      pods.crashDue[id] = NaN;
      pods.restartDue[id] = NaN;
    }
    if (this.podGroups.size > 0) this.podGroups.removed(pods.infos[id]!, from !== PodPhase.Pending);
    this.workloads[pods.workload[id]!]!.podIds.delete(id);
    this.templates.delete(id);
    for (let i = 0, fs = this.hooks.podRemoved; i < fs.length; i++) fs[i]!(id, from, reason);
  }

  /**
   * The eviction API (pods/eviction; KUBERNETES.md 7.6): deletes the pod if its
   * PodDisruptionBudget allows it (eviction.ts decideEviction), else answers 'blocked' (429) or
   * 'error' (500: several budgets). Voluntary disruptions (drains, autoscaler scale-down) come
   * through here; failures and node-lifecycle evictions delete pods directly, as upstream's
   * taint-based eviction does. `approved` runs before the deletion (the caller's bookkeeping).
   */
  evict(id: number, removal: RemovalReason, approved?: (id: number) => void): EvictionOutcome {
    const d = decideEviction(this.pods, id, this.disruptionBudgets);
    const b = d.budget;
    if (b) {
      b.evictions.attempted++;
      if (d.outcome === 'evicted') b.evictions.allowed++;
      else if (d.outcome === 'blocked') b.evictions.blocked++;
    }
    if (d.outcome !== 'evicted') {
      if (d.outcome === 'error') for (const x of this.disruptionBudgets) if (x.members.has(id)) x.evictions.failed++;
      return d.outcome;
    }
    if (b && d.decrement) {
      // checkAndDecrement: the status the next eviction reads until the controller recomputes it.
      b.disruptionsAllowed--;
      b.disruptedPods.set(id, this.engine.now);
    }
    approved?.(id);
    if (this.pods.isOnNode(id)) this.stopContainers(id);
    if (this.pods.phase[id] !== PodPhase.Failed && this.pods.phase[id] !== PodPhase.Succeeded) this.removePod(id, removal);
    return 'evicted';
  }

  /**
   * The disruption budget a pod counts against: the first of the scenario's PodDisruptionBudgets
   * that selects it (`shared` when more do: the eviction API refuses such pods), else a service's
   * minAvailable standing for a budget over its pods (as before budgets existed); undefined when
   * none. The autoscalers plan with it and preemption weighs it.
   */
  podBudget(id: number): { readonly key: string; readonly allowed: number; readonly shared: boolean } | undefined {
    const budgets = this.disruptionBudgets;
    const at = selectingBudgetAt(budgets, id);
    if (at >= 0) return { key: `pdb/${budgets[at]!.index}`, allowed: budgets[at]!.disruptionsAllowed, shared: selectingBudgetAt(budgets, id, at + 1) >= 0 };
    const allowed = this.serviceDisruptionsAllowed(id);
    return Number.isNaN(allowed) ? undefined : { key: `service/${this.workloads[this.pods.workload[id]!]!.index}`, allowed, shared: false };
  }

  /**
   * podBudget's verdict alone, without its object and key: how many more of the pod's budget
   * may be evicted now - Infinity when no budget covers it, 0 when several do. The cluster
   * autoscaler asks it for each candidate's pods at every scan.
   */
  podDisruptionsAllowed(id: number): number {
    const budgets = this.disruptionBudgets;
    const at = selectingBudgetAt(budgets, id);
    if (at >= 0) return selectingBudgetAt(budgets, id, at + 1) >= 0 ? 0 : budgets[at]!.disruptionsAllowed;
    const allowed = this.serviceDisruptionsAllowed(id);
    return Number.isNaN(allowed) ? Infinity : allowed;
  }

  /** The disruptions the pod's service allows when its minAvailable stands for a budget over its pods (NaN: it does not). */
  private serviceDisruptionsAllowed(id: number): number {
    const wr = this.workloads[this.pods.workload[id]!]!;
    return wr.w.kind === 'service' && wr.w.minAvailable !== undefined ? Math.max(0, wr.ready - wr.w.minAvailable) : NaN;
  }

  /** Creates a PodDisruptionBudget object (its controller fills in members and status). */
  addDisruptionBudget(spec: DisruptionBudgetSpec): DisruptionBudgetRecord {
    const b: DisruptionBudgetRecord = {
      index: this.disruptionBudgets.length, spec, members: new Set(), expected: 0, desiredHealthy: 0, currentHealthy: 0, disruptionsAllowed: 0, synced: true,
      disruptedPods: new Map(), evictions: { attempted: 0, allowed: 0, blocked: 0, failed: 0 },
    };
    this.disruptionBudgets.push(b);
    return b;
  }

  /** Anything the pods' observers copy changed. */
  podChanged(id: number): void {
    for (let i = 0, fs = this.hooks.podChanged; i < fs.length; i++) fs[i]!(id);
  }

  // ---- workloads --------------------------------------------------------------------------

  /** Sets a service's spec.replicas; its controller creates or deletes pods to match. */
  setDesiredReplicas(wi: number, desired: number): void {
    const wr = this.workloads[wi]!;
    const now = this.engine.now;
    const before = wr.desired;
    wr.traffic?.advance(now, wr.ready);
    wr.desired = desired;
    for (let i = 0, fs = this.hooks.desiredChanged; i < fs.length; i++) fs[i]!(wr, now, before);
  }

  private readyChange(wr: WorkloadRecord, delta: number, now: number): void {
    if (wr.w.kind !== 'service') return;
    wr.traffic?.advance(now, wr.ready);
    const before = wr.ready;
    wr.ready += delta;
    for (let i = 0, fs = this.hooks.readyChanged; i < fs.length; i++) fs[i]!(wr, now, before);
  }

  // ---- Kueue Workload objects --------------------------------------------------------------

  /** A Workload for a suspended Job or a queued arrival; Kueue queues it. */
  createKueueWorkload(fields: Omit<KueueWorkload, 'id' | 'state' | 'admission' | 'queuedAt' | 'admittedAt' | 'evictions' | 'createdAt'>): KueueWorkload {
    const now = this.engine.now;
    const wl: KueueWorkload = { ...fields, id: this.kueueWorkloads.length, createdAt: now, state: 'pending', admission: undefined, queuedAt: now, admittedAt: NaN, evictions: 0 };
    this.kueueWorkloads.push(wl);
    for (let i = 0, fs = this.hooks.kueueWorkloadCreated; i < fs.length; i++) fs[i]!(wl.id);
    return wl;
  }

  /** Kueue reserved quota for it (QuotaReserved and Admitted): its Job is unsuspended. */
  admitKueueWorkload(id: number, admission: Admission): void {
    const wl = this.kueueWorkloads[id]!;
    if (wl.state !== 'pending') throw new Error(`workload ${wl.name} is ${wl.state}, not pending: cannot admit it`);
    wl.state = 'admitted';
    wl.admission = admission;
    wl.admittedAt = this.engine.now;
    for (let i = 0, fs = this.hooks.kueueWorkloadAdmitted; i < fs.length; i++) fs[i]!(id);
  }

  /** Kueue evicts an admitted workload: its quota is released, its Job suspended (pods deleted), and it is queued again. */
  evictKueueWorkload(id: number, reason: EvictionReason): void {
    const wl = this.kueueWorkloads[id]!;
    if (wl.state !== 'admitted') throw new Error(`workload ${wl.name} is ${wl.state}, not admitted: cannot evict it`);
    const admission = wl.admission!;
    wl.state = 'pending';
    wl.evictions++;
    wl.queuedAt = this.engine.now;
    for (let i = 0, fs = this.hooks.kueueWorkloadEvicted; i < fs.length; i++) fs[i]!(id, reason, admission);
  }

  /** The workload's Job completed or failed (Finished condition): its quota is released. */
  finishKueueWorkload(id: number): void {
    const wl = this.kueueWorkloads[id]!;
    if (wl.state === 'finished') return;
    const admission = wl.state === 'admitted' ? wl.admission : undefined;
    wl.state = 'finished';
    for (let i = 0, fs = this.hooks.kueueWorkloadFinished; i < fs.length; i++) fs[i]!(id, admission);
  }

  // ---- incidents --------------------------------------------------------------------------

  /** Opens an incident in the log (its id is its index); the times it has not reached yet are NaN. */
  openIncident(fields: Pick<Incident, 'source' | 'domainKind' | 'domain' | 'nodes' | 'onset'> & { readonly detected?: number }): Incident {
    const incident: Incident = {
      id: this.incidents.length, detected: NaN, evicted: NaN, lastBound: NaN, recovered: NaN, hostsBack: NaN, affectedReplicas: 0, outstanding: 0, path: '', ...fields,
    };
    this.incidents.push(incident);
    return incident;
  }

  /** Counts a pod as a replica the incident must bring back (once: the first incident keeps it). */
  joinIncident(id: number, incident: Incident): void {
    if (this.pods.incidentOf(id) >= 0) return;
    this.pods.setIncident(id, incident.id);
    this.pods.hit[id] = 1;
    incident.affectedReplicas++;
    incident.outstanding++;
  }

  // ---- nodes ------------------------------------------------------------------------------

  /** A node registers (a new node of an autoscaled group). */
  addNode(spec: NodeSpec): SimNode {
    this.touch();
    const node = this.cluster.addNode(spec);
    this.ensureNodeArrays(node.index + 1);
    this.down[node.index] = 0;
    this.notReady[node.index] = 0;
    for (let i = 0, fs = this.hooks.nodeAdded; i < fs.length; i++) fs[i]!(node);
    return node;
  }

  /** A node is deleted (its pods must be gone already). */
  removeNode(index: number): void {
    const now = this.engine.now;
    for (let i = 0, fs = this.hooks.nodeRemoved; i < fs.length; i++) fs[i]!(index, now);
    this.down[index] = 0;
    this.notReady[index] = 0;
    this.touch();
    this.cluster.removeNode(index);
  }

  /** The node's machine fails; with overlapping failures, only the first is heard. */
  nodeFailed(node: number, incident: number): void {
    if (this.down[node]!++ > 0) return;
    const now = this.engine.now;
    this.downSince[node] = now;
    for (let i = 0, fs = this.hooks.nodeDown; i < fs.length; i++) fs[i]!(node, incident, now);
  }

  /** One failure of the node ends; when the last ends, the machine is back. */
  nodeRepaired(node: number): void {
    if (--this.down[node]! > 0) return;
    const now = this.engine.now;
    for (let i = 0, fs = this.hooks.nodeUp; i < fs.length; i++) fs[i]!(node, now);
  }

  /** The node lifecycle controller's Ready condition and the taints that go with it. */
  setNodeReady(node: number, ready: boolean, taints: readonly Taint[]): void {
    this.notReady[node] = ready ? 0 : 1;
    this.cluster.nodes[node]!.taints = taints;
    const now = this.engine.now;
    for (let i = 0, fs = this.hooks.nodeStatusChanged; i < fs.length; i++) fs[i]!(node, ready, now);
  }

  /** Cordons a node (kubectl cordon; a drain keeps count so overlapping drains end together). */
  cordon(node: number, drain: boolean): void {
    const n = this.cluster.nodes[node]!;
    if (drain) n.drains++;
    n.unschedulable = true;
    this.availabilityChanged(node);
  }

  /** Ends a drain: the last one uncordons the node, back to its declared state. */
  endDrain(node: number): void {
    const n = this.cluster.nodes[node]!;
    if (--n.drains === 0) n.unschedulable = n.specUnschedulable;
    this.availabilityChanged(node);
  }

  private availabilityChanged(node: number): void {
    const now = this.engine.now;
    for (let i = 0, fs = this.hooks.nodeAvailabilityChanged; i < fs.length; i++) fs[i]!(node, now);
  }

  setGpuFailed(node: number, device: number, failed: boolean): void {
    this.cluster.setGpuFailed(node, device, failed);
  }

  // ---- notifications without a store change -----------------------------------------------

  /** Tells the scheduling queue that waiting pods may fit now (one cluster event per reconcile step). */
  clusterChanged(event: number): void {
    for (let i = 0, fs = this.hooks.clusterChanged; i < fs.length; i++) fs[i]!(event);
  }

  /** A pool's billed nodes (launched VMs) and present nodes change. */
  bill(pool: string, delta: number, present: number): void {
    this.touch();
    for (let i = 0, fs = this.hooks.billed; i < fs.length; i++) fs[i]!(pool, delta, present);
  }

  recordAction(action: ScalingAction): void {
    for (let i = 0, fs = this.hooks.scalingAction; i < fs.length; i++) fs[i]!(action);
  }

  /** A pod of a group was rejected at Permit (`timedOut`: its wait timed out); the group's counts. */
  permitRejected(id: number, timedOut: boolean): void {
    const g = this.podGroups.of(this.pods.infos[id]!);
    if (!g) return;
    g.rejections++;
    if (timedOut) g.timeouts++;
  }

  /** The scheduler tried the pod; a failure sets its PodScheduled=False condition. */
  recordAttempt(id: number, evaluated: number, failed: boolean): void {
    if (failed) this.pods.unschedulable[id] = 1;
    for (let i = 0, fs = this.hooks.attempt; i < fs.length; i++) fs[i]!(id, evaluated, failed);
  }

  private ensureNodeArrays(n: number): void {
    if (n <= this.down.length) return;
    const c = Math.max(n, this.down.length * 2);
    this.down = grown(this.down, c);
    this.downSince = grown(this.downSince, c);
    this.notReady = grown(this.notReady, c);
  }
}

export { NO_NODE };
