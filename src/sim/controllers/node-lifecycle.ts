import { ClusterEvent } from '../../api/framework.js';
import type { PodInfo, PodSpec } from '../../api/pod.js';
import { TAINT_UNREACHABLE_NO_EXECUTE, TAINT_UNREACHABLE_NO_SCHEDULE, type FailureConfig } from '../failures.js';
import type { Lifecycle } from '../lifecycle.js';

/**
 * The node lifecycle controller and its taint manager (KUBERNETES.md section 3): a node whose
 * machine stopped reporting is marked NotReady after node-monitor-grace-period and tainted
 * unreachable; each pod on it is evicted after its NoExecute toleration (300 s by default) and
 * replaced by its controller. A node that comes back is Ready and untainted again.
 *
 * Watches: nodes down and up, pods bound (a pod landing on a NotReady node is evicted like the
 * others) and removed. Owns: each node's detection time and incident, the planned evictions.
 */
export class NodeLifecycleController {
  private readonly evDetect: number;
  private readonly evEvict: number;
  /** The incident that took each down node down (for its detection time). */
  private readonly nodeIncident = new Map<number, number>();
  /** When each planned eviction is due, by pod (stale evictions are ignored). */
  private readonly evictDue = new Map<number, number>();

  constructor(private readonly api: Lifecycle, private readonly failures: FailureConfig) {
    this.evDetect = api.engine.defineEvent('node-not-ready', (node) => this.onDetect(node));
    this.evEvict = api.engine.defineEvent('pod-eviction', (pod) => this.onEvict(pod));
    api.on('nodeDown', (node, incident, now) => {
      api.engine.scheduleAt(now + failures.nodeMonitorGracePeriod, this.evDetect, node);
      this.nodeIncident.set(node, incident);
    });
    api.on('nodeUp', (node) => this.nodeUp(node));
    api.on('nodeRemoved', (index) => this.nodeIncident.delete(index));
    const wakeBound = api.onDormant('podBound', (id, node) => {
      // A pod that tolerates the unreachable NoSchedule taint can land on a NotReady node; the
      // taint manager evicts it after its NoExecute toleration like the pods already there.
      if (!api.isNodeReady(node)) this.planEviction(api.pods.infos[id]!, api.engine.now);
    });
    // Nothing to do at a bind until some node is NotReady: the subscriber sleeps until then.
    api.on('nodeStatusChanged', (_node, ready) => {
      if (!ready) wakeBound();
    });
    for (let node = 0; node < api.nodeSlots; node++) if (!api.isNodeReady(node)) wakeBound();
    api.on('podRemoved', (id) => this.evictDue.delete(id));
  }

  /** NotReady after the grace period: taint the node, and plan each pod's eviction. */
  private onDetect(node: number): void {
    const api = this.api;
    const now = api.engine.now;
    if (api.isNodeUp(node) || !api.isNodeReady(node) || now !== api.nodeDownSince(node) + this.failures.nodeMonitorGracePeriod) return;
    const n = api.cluster.nodes[node]!;
    api.setNodeReady(node, false, [...n.specTaints, TAINT_UNREACHABLE_NO_SCHEDULE, TAINT_UNREACHABLE_NO_EXECUTE]);
    const inc = api.incidents[this.nodeIncident.get(node)!]!;
    if (Number.isNaN(inc.detected)) inc.detected = now;
    for (const info of n.pods) this.planEviction(info, now);
  }

  /** The taint manager deletes a pod on a NotReady node after its NoExecute toleration. */
  private planEviction(info: PodInfo, now: number): void {
    const seconds = this.tolerationSeconds(info.spec.tolerations);
    if (seconds === Infinity) return;
    this.evictDue.set(info.id, now + seconds);
    this.api.engine.scheduleAt(now + seconds, this.evEvict, info.id);
  }

  /** How long a pod stays on an unreachable node: its own NoExecute toleration, else the default 300 s. */
  private tolerationSeconds(tolerations: PodSpec['tolerations']): number {
    for (const t of tolerations ?? []) {
      const matchesKey = t.key === undefined || t.key === '' || t.key === TAINT_UNREACHABLE_NO_EXECUTE.key;
      const matchesEffect = t.effect === undefined || t.effect === 'NoExecute';
      if (matchesKey && matchesEffect && (t.operator === 'Exists' || t.key === TAINT_UNREACHABLE_NO_EXECUTE.key)) return t.tolerationSeconds ?? Infinity;
    }
    return this.failures.defaultTolerationSeconds;
  }

  /** The taint manager deletes a pod left on an unreachable node; its controller replaces it. */
  private onEvict(id: number): void {
    const api = this.api;
    const pods = api.pods;
    const now = api.engine.now;
    if (this.evictDue.get(id) !== now) return;
    this.evictDue.delete(id);
    if (!pods.isOnNode(id) || api.isNodeReady(pods.node[id]!)) return;
    const inc = pods.incidentOf(id);
    if (inc >= 0 && Number.isNaN(api.incidents[inc]!.evicted)) api.incidents[inc]!.evicted = now;
    api.removePod(id, 'failed');
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  /** The machine is back: Ready and untainted; evictions not yet done are called off. */
  private nodeUp(node: number): void {
    const api = this.api;
    const n = api.cluster.nodes[node]!;
    api.setNodeReady(node, true, n.specTaints);
    for (const info of n.pods) this.evictDue.delete(info.id);
  }
}
