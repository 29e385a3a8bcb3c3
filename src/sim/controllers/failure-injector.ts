import { ClusterEvent } from '../../api/framework.js';
import type { SimNode } from '../cluster.js';
import { sample } from '../../util/distributions.js';
import type { RandomStream, RandomStreams } from '../../util/random.js';
import type { FailureConfig, FailureDomain, Incident, RandomFailureProcess, ScheduledOutage } from '../failures.js';
import type { Lifecycle } from '../lifecycle.js';
import { EVICT_ERROR_RETRY_DELAY, type DrainRecord } from '../eviction.js';

/** One source of failures: a domain of a random process, or a scheduled outage. */
interface FailureSlot {
  readonly name: string;
  readonly domain: FailureDomain;
  readonly process?: RandomFailureProcess | undefined;
  readonly outage?: ScheduledOutage | undefined;
  readonly stream: RandomStream;
  /** Nodes this slot took down in its current failure. */
  down: number[];
  incident: number;
}

/** A drain in progress: the pods whose eviction was refused (429), retried every 5 s. */
interface Drain {
  readonly slot: number;
  readonly record: DrainRecord;
  readonly incident: Incident;
  readonly timeout: number;
  /** [pod, node] still to evict. */
  waiting: [number, number][];
}

/**
 * The world outside Kubernetes: machines, racks and zones fail and are repaired (random
 * renewal processes and scheduled outages), operators drain nodes (kubectl drain), GPU devices
 * fault. Each failure opens an incident (../shared/docs/FAILURES.md).
 *
 * Watches: nodes added (they join the zone and rack domains their labels name) and removed
 * (they leave every domain). Owns: the failure domains and their streams. Acts through the
 * lifecycle API: machines down and up, drains, device faults, the pods these kill.
 */
export class FailureInjector {
  private readonly evFail: number;
  private readonly evRepair: number;
  private readonly evDrainRetry: number;
  private readonly slots: FailureSlot[] = [];
  private readonly drains: Drain[] = [];
  /** Per slot: its drain in progress (-1: none). */
  private readonly drainOf: number[] = [];

  constructor(private readonly api: Lifecycle, failures: FailureConfig, streams: RandomStreams, private readonly horizon: number) {
    this.evFail = api.engine.defineEvent('failure', (slot) => this.onFailure(slot));
    this.evRepair = api.engine.defineEvent('repair', (slot) => this.onRepair(slot));
    this.evDrainRetry = api.engine.defineEvent('drain-retry', (d) => this.retryDrain(d));
    for (const p of failures.processes) {
      // Domains are copied: nodes added or removed later change this run's lists only.
      for (const d of p.domains) this.slots.push({ name: p.name, domain: { ...d, nodes: [...d.nodes] }, process: p, stream: streams.get(`failures/${p.name}/${d.kind}/${d.name}`), down: [], incident: -1 });
    }
    for (const o of failures.outages) {
      this.slots.push({ name: o.name, domain: { ...o.domain, nodes: [...o.domain.nodes] }, outage: o, stream: streams.get(`failures/${o.name}`), down: [], incident: -1 });
    }
    if (this.slots.length === 0) return;
    api.on('nodeAdded', (node) => this.joinDomains(node));
    api.on('nodeRemoved', (index) => this.leaveDomains(index));
  }

  /** Schedules each domain's first failure and each outage. */
  start(): void {
    this.slots.forEach((slot, i) => {
      const t = slot.outage ? slot.outage.at : sample(slot.process!.timeBetweenFailures, slot.stream);
      if (t <= this.horizon) this.api.engine.scheduleAt(t, this.evFail, i);
    });
  }

  private onFailure(si: number): void {
    const api = this.api;
    const slot = this.slots[si]!;
    const now = api.engine.now;
    const nodes = slot.domain.nodes;
    const repair = slot.outage ? slot.outage.duration : sample(slot.process!.repairTime, slot.stream);
    // A fraction of the domain's nodes, drawn without replacement (correlated failures).
    let chosen = [...nodes];
    const fraction = slot.process?.fraction ?? 1;
    if (fraction < 1 && nodes.length > 0) {
      const k = Math.min(nodes.length, Math.max(1, Math.round(fraction * nodes.length)));
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(slot.stream.next() * (chosen.length - i));
        const t = chosen[i]!;
        chosen[i] = chosen[j]!;
        chosen[j] = t;
      }
      chosen = chosen.slice(0, k);
    }
    if (chosen.length === 0) {
      // A domain without nodes (possible when built by hand): nothing fails, the process goes on.
      if (now + repair <= this.horizon) api.engine.scheduleAt(now + repair, this.evRepair, si);
      slot.incident = -1;
      slot.down = [];
      return;
    }
    const incident = api.openIncident({
      source: slot.name,
      domainKind: slot.domain.kind,
      domain: slot.domain.name,
      nodes: chosen.length,
      onset: now,
    });
    slot.incident = incident.id;
    slot.down = chosen;
    api.touch();
    if (slot.outage?.drain) this.drain(si, chosen, incident);
    else if (slot.domain.kind === 'gpu') this.gpuFault(chosen[0]!, slot.domain.device!, incident);
    else for (const node of chosen) api.nodeFailed(node, incident.id);
    if (now + repair <= this.horizon) api.engine.scheduleAt(now + repair, this.evRepair, si);
  }

  /**
   * kubectl drain (kubectl pkg/drain/drain.go): cordon the nodes, then evict each pod through the
   * eviction API; controllers recreate the evicted pods elsewhere. A pod whose budget refuses
   * (429) is retried every EvictErrorRetryDelay (5 s) until evicted, until --timeout (the outage's
   * drainTimeout; 0 waits without end) or until the outage's window closes; any other error
   * fails the drain for that pod. Without PodDisruptionBudgets every eviction succeeds at once.
   * DaemonSet pods stay (kubectl drain --ignore-daemonsets, staging/src/k8s.io/kubectl/pkg/drain/filters.go
   * daemonSetFilter: the daemon controller would put them right back, as they tolerate the cordon).
   */
  private drain(si: number, nodes: readonly number[], incident: Incident): void {
    const api = this.api;
    const now = api.engine.now;
    incident.detected = now;
    const record: DrainRecord = { source: this.slots[si]!.name, nodes: nodes.map((n) => api.cluster.nodes[n]!.name), started: now, finished: NaN, outcome: 'waiting', blockedEvictions: 0 };
    api.drains.push(record);
    const d: Drain = { slot: si, record, incident, timeout: this.slots[si]!.outage!.drainTimeout ?? 0, waiting: [] };
    const tried: [number, number][] = [];
    for (const node of nodes) {
      api.cordon(node, true);
      for (const info of [...api.cluster.nodes[node]!.pods]) {
        if (api.workloads[api.pods.workload[info.id]!]!.w.kind === 'daemonset') continue;
        tried.push([info.id, node]);
      }
    }
    this.evictAll(d, tried);
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    if (d.record.outcome === 'waiting') {
      this.drains.push(d);
      this.drainOf[si] = this.drains.length - 1;
      if (now + EVICT_ERROR_RETRY_DELAY <= this.horizon) api.engine.scheduleAt(now + EVICT_ERROR_RETRY_DELAY, this.evDrainRetry, this.drains.length - 1);
    }
  }

  /** Evicts the pods still on their nodes; those refused wait for the next retry. */
  private evictAll(d: Drain, pods: readonly [number, number][]): void {
    const api = this.api;
    d.waiting = [];
    for (const [id, node] of pods) {
      // Already gone (a failed Job removes its other pods while a caller still iterates them).
      if (!api.pods.isBoundTo(id, node)) continue;
      const outcome = api.evict(id, 'failed', (pod) => this.forIncident(pod, d.incident));
      if (outcome === 'blocked') {
        d.record.blockedEvictions++;
        d.waiting.push([id, node]);
      } else if (outcome === 'error') {
        d.record.outcome = 'failed';
      }
    }
    if (d.waiting.length === 0 && d.record.outcome === 'waiting') {
      d.record.outcome = 'completed';
      d.record.finished = api.engine.now;
    } else if (d.record.outcome === 'failed') {
      d.record.finished = api.engine.now;
    }
  }

  private retryDrain(di: number): void {
    const d = this.drains[di]!;
    if (d.record.outcome !== 'waiting') return;
    const api = this.api;
    api.touch();
    this.evictAll(d, d.waiting);
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
    if (d.record.outcome !== 'waiting') return;
    const now = api.engine.now;
    if (d.timeout > 0 && now - d.record.started >= d.timeout) {
      d.record.outcome = 'timed-out';
      d.record.finished = now;
      return;
    }
    if (now + EVICT_ERROR_RETRY_DELAY <= this.horizon) api.engine.scheduleAt(now + EVICT_ERROR_RETRY_DELAY, this.evDrainRetry, di);
  }

  /**
   * A GPU device fault: the device plugin reports it unhealthy at once; the containers using it
   * die, so their pods fail and their controllers replace them (jobs retry, batch work is lost).
   */
  private gpuFault(node: number, device: number, incident: Incident): void {
    const api = this.api;
    incident.detected = api.engine.now;
    for (const info of api.cluster.podsOnGpu(node, device)) this.killForIncident(info.id, incident);
    api.setGpuFailed(node, device, true);
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  /** A pod a drain evicts is a replica of the drain's incident (its replacement brings it back). */
  private forIncident(id: number, incident: Incident): void {
    const api = this.api;
    const kind = api.workloads[api.pods.workload[id]!]!.w.kind;
    if (kind === 'service' || kind === 'job') api.joinIncident(id, incident);
    if (Number.isNaN(incident.evicted)) incident.evicted = api.engine.now;
  }

  /**
   * Removes a pod at once because of an incident (a drain's eviction, a GPU fault): a replica is
   * counted for the incident, a batch run loses its work, and the controller replaces the pod.
   */
  private killForIncident(id: number, incident: Incident): void {
    const api = this.api;
    const pods = api.pods;
    // Already gone (a failed Job removes its other pods while a caller still iterates them).
    if (!pods.isOnNode(id)) return;
    const kind = api.workloads[pods.workload[id]!]!.w.kind;
    if (kind === 'service' || kind === 'job') api.joinIncident(id, incident);
    api.stopContainers(id);
    if (Number.isNaN(incident.evicted)) incident.evicted = api.engine.now;
    api.removePod(id, 'failed');
  }

  private onRepair(si: number): void {
    const api = this.api;
    const slot = this.slots[si]!;
    const now = api.engine.now;
    api.touch();
    if (slot.outage?.drain) {
      // The window closes: a drain still refused gives up (the operator uncordons the node).
      const di = this.drainOf[si] ?? -1;
      if (di >= 0 && this.drains[di]!.record.outcome === 'waiting') {
        this.drains[di]!.record.outcome = 'blocked';
        this.drains[di]!.record.finished = now;
      }
      this.drainOf[si] = -1;
      // Uncordoned when the last overlapping drain ends, back to the node's declared state.
      for (const node of slot.down) api.endDrain(node);
    } else if (slot.domain.kind === 'gpu') {
      for (const node of slot.down) api.setGpuFailed(node, slot.domain.device!, false);
    } else {
      for (const node of slot.down) api.nodeRepaired(node);
    }
    if (slot.incident >= 0) api.incidents[slot.incident]!.hostsBack = now;
    slot.down = [];
    // Renewal: the domain is up again until its next failure.
    if (slot.process) {
      const next = now + sample(slot.process.timeBetweenFailures, slot.stream);
      if (next <= this.horizon) api.engine.scheduleAt(next, this.evFail, si);
    }
    api.clusterChanged(ClusterEvent.NodeUpdate);
  }

  /** A node added later joins the zone and rack domains its labels name (so a zone outage hits it). */
  private joinDomains(node: SimNode): void {
    for (const slot of this.slots) {
      const d = slot.domain;
      if (d.label && node.labels[d.label.key] === d.label.value && !d.nodes.includes(node.index)) (d.nodes as number[]).push(node.index);
    }
  }

  /** A node leaves: out of every failure domain (a failure it is in no longer repairs it). */
  private leaveDomains(index: number): void {
    for (const slot of this.slots) {
      const list = slot.domain.nodes as number[];
      const at = list.indexOf(index);
      if (at >= 0) list.splice(at, 1);
      const down = slot.down.indexOf(index);
      if (down >= 0) slot.down.splice(down, 1);
    }
  }
}
