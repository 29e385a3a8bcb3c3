import { ClusterEvent } from '../../api/framework.js';
import { PodPhase } from '../../api/pod.js';
import { sample } from '../../util/distributions.js';
import type { RandomStream, RandomStreams } from '../../util/random.js';
import type { Workload } from '../../api/workload.js';
import { POD_GROUP_LABEL } from '../../api/podgroup.js';
import type { PodSpec } from '../../api/pod.js';
import type { Lifecycle, RemovalReason, WorkloadRecord } from '../lifecycle.js';

/** A Job's own bookkeeping (the Job controller's status.succeeded / active / failed). */
interface JobState {
  succeeded: number;
  active: number;
  failed: number;
  /** Past its backoffLimit: failed, it creates no more pods. */
  jobFailed: boolean;
  /** The incidents of the pending retries, in retry order. */
  readonly retryIncidents: number[];
}

/**
 * The workload controllers: Deployments (ReplicaSets) keep `spec.replicas` pods, Jobs run
 * `completions` pods `parallelism` at a time and retry failures within their backoffLimit,
 * batch streams and pod lists create pods as they arrive.
 *
 * Watches: pods that succeeded or were removed (replaced), spec.replicas changes (pods created
 * or deleted to match). Owns: arrivals and Job status. Acts: creates and deletes pods through
 * the lifecycle API.
 */
export class WorkloadController {
  private readonly evArrival: number;
  private readonly evPodList: number;
  private readonly evJobRetry: number;
  /** Flattened explicit pods of 'pods' workloads: [workload index, entry index]. */
  private readonly podListEntries: [number, number][] = [];
  // Streams are per concern and per workload, so a policy change cannot shift arrivals.
  private readonly arrivals: RandomStream[];
  private readonly sizes: RandomStream[];
  private readonly durations: RandomStream[];
  private readonly jobs: JobState[];
  /** Batch gangs: arrivals so far per workload (the group names count up). */
  private readonly gangArrivals: number[] = [];
  /** Per workload: 1 when this controller runs it (under Swarm, services and jobs are the Swarm orchestrator's). */
  private readonly mine: Uint8Array;

  constructor(private readonly api: Lifecycle, streams: RandomStreams, private readonly horizon: number, kinds?: ReadonlySet<Workload['kind']>) {
    this.mine = Uint8Array.from(api.workloads, (wr) => (kinds === undefined || kinds.has(wr.w.kind) ? 1 : 0));
    const e = api.engine;
    this.arrivals = api.workloads.map((wr) => streams.get(`arrivals/${wr.w.name}`));
    this.sizes = api.workloads.map((wr) => streams.get(`sizes/${wr.w.name}`));
    this.durations = api.workloads.map((wr) => streams.get(`durations/${wr.w.name}`));
    this.jobs = api.workloads.map(() => ({ succeeded: 0, active: 0, failed: 0, jobFailed: false, retryIncidents: [] }));
    this.evArrival = e.defineEvent('workload-arrival', (wi) => this.onArrival(wi));
    this.evPodList = e.defineEvent('pod-list-arrival', (i) => this.onPodListArrival(i));
    this.evJobRetry = e.defineEvent('job-retry', (wi) => this.createJobPod(wi, this.jobs[wi]!.retryIncidents.shift() ?? -1, true));
    api.on('podSucceeded', (id) => this.succeeded(id));
    api.on('podRemoved', (id, _from, reason) => this.removed(id, reason));
    api.on('desiredChanged', (wr) => this.scale(wr));
  }

  /** Schedules each workload's first arrival. */
  start(): void {
    const e = this.api.engine;
    const horizon = this.horizon;
    this.api.workloads.forEach((wr, i) => {
      const w = wr.w;
      if (this.mine[i] === 0) return;
      switch (w.kind) {
        case 'service':
        case 'job':
          if (w.startAt <= horizon) e.scheduleAt(w.startAt, this.evArrival, i);
          break;
        case 'batch': {
          const t = w.arrivals.next(-Infinity, this.arrivals[i]!);
          if (t <= horizon && w.maxPods > 0) e.scheduleAt(t, this.evArrival, i);
          break;
        }
        case 'pods':
          w.pods.forEach((p, j) => {
            if (p.at <= horizon) {
              this.podListEntries.push([i, j]);
              e.scheduleAt(p.at, this.evPodList, this.podListEntries.length - 1);
            }
          });
          break;
      }
    });
  }

  private onArrival(wi: number): void {
    const api = this.api;
    const wr = api.workloads[wi]!;
    const w = wr.w;
    switch (w.kind) {
      case 'service':
        // A service with rollouts is the Deployment controller's (deployments.ts).
        if (w.rollout) break;
        for (let k = 0; k < w.replicas; k++) api.createPod(wi, `${w.name}-${wr.created}`, w.spec, Infinity);
        break;
      case 'job': {
        // A gang Job's PodGroup exists before its pods (as a controller creates it, e.g. the training operators).
        if (w.gang) api.createPodGroup({ name: w.name, namespace: w.spec.namespace, minMember: w.gang.minMember, scheduleTimeoutSeconds: w.gang.scheduleTimeoutSeconds });
        const n = Math.min(w.parallelism, w.completions);
        for (let k = 0; k < n; k++) this.createJobPod(wi);
        break;
      }
      case 'batch': {
        const drawn = w.pods.next(this.sizes[wi]!);
        if (w.gang) {
          // One arrival, one gang: `size` pods of one spec (one size draw), each its own duration draw.
          const arrival = this.gangArrivals[wi] ?? 0;
          this.gangArrivals[wi] = arrival + 1;
          const group = `${w.name}-${arrival}`;
          api.createPodGroup({ name: group, namespace: drawn.namespace, minMember: w.gang.minMember, scheduleTimeoutSeconds: w.gang.scheduleTimeoutSeconds });
          const spec: PodSpec = { ...drawn, labels: { ...drawn.labels, [POD_GROUP_LABEL]: group } };
          for (let k = 0; k < w.gang.size && wr.created < w.maxPods; k++) api.createPod(wi, `${w.name}-${wr.created}`, spec, sample(w.duration, this.durations[wi]!));
        } else api.createPod(wi, `${w.name}-${wr.created}`, drawn, sample(w.duration, this.durations[wi]!));
        if (wr.created < w.maxPods) {
          const t = w.arrivals.next(api.engine.now, this.arrivals[wi]!);
          if (t <= this.horizon) api.engine.scheduleAt(t, this.evArrival, wi);
        }
        break;
      }
      case 'pods':
        break;
    }
  }

  private onPodListArrival(i: number): void {
    const [wi, j] = this.podListEntries[i]!;
    const w = this.api.workloads[wi]!.w;
    if (w.kind !== 'pods') return;
    const entry = w.pods[j]!;
    this.api.createPod(wi, entry.name ?? `${w.name}-${j}`, entry.spec, entry.duration);
  }

  /** A new Job pod; a retry reuses the active slot its failed pod kept (so nothing is over-created). */
  private createJobPod(wi: number, incident = -1, retry = false): void {
    const wr = this.api.workloads[wi]!;
    const w = wr.w;
    const job = this.jobs[wi]!;
    if (w.kind !== 'job' || job.jobFailed) return;
    if (!retry) job.active++;
    this.api.createPod(wi, `${w.name}-${wr.created}`, w.spec, sample(w.duration, this.durations[wi]!), incident);
  }

  private succeeded(id: number): void {
    const wi = this.api.pods.workload[id]!;
    if (this.mine[wi] === 0) return;
    const w = this.api.workloads[wi]!.w;
    if (w.kind !== 'job') return;
    const job = this.jobs[wi]!;
    job.active--;
    job.succeeded++;
    if (!job.jobFailed && job.succeeded + job.active < w.completions) this.createJobPod(wi);
  }

  /**
   * A pod is gone. A Deployment recreates a failed replica, or an evicted one while it has fewer
   * pods than spec.replicas (a scale-down's deletions leave it at spec.replicas); a Job retries
   * within its back-off limit.
   */
  private removed(id: number, reason: RemovalReason): void {
    const api = this.api;
    const wi = api.pods.workload[id]!;
    if (this.mine[wi] === 0) return;
    const wr = api.workloads[wi]!;
    const w = wr.w;
    const incident = api.pods.incident[id]!;
    if (w.kind === 'service') {
      if (w.rollout) return;
      if (reason === 'failed' || wr.podIds.size < wr.desired) api.createPod(wi, `${w.name}-${wr.created}`, w.spec, Infinity, incident);
    } else if (w.kind === 'job') {
      const job = this.jobs[wi]!;
      // The pods a failed Job terminates itself.
      if (job.jobFailed) return;
      job.failed++;
      if (job.failed > (w.backoffLimit ?? 6)) {
        // Past backoffLimit the Job fails: no new pods, and its active pods are terminated.
        job.active--;
        this.failJob(wi);
      } else {
        // Job controller back-off: 10 s doubling per failure, capped at 6 minutes.
        const delay = Math.min(360, 10 * 2 ** (job.failed - 1));
        job.retryIncidents.push(incident);
        api.engine.schedule(delay, this.evJobRetry, wi);
      }
    }
  }

  /** A failed Job: terminate its pods (running, bound or still queued); pending retries are dropped. */
  private failJob(wi: number): void {
    const api = this.api;
    const job = this.jobs[wi]!;
    job.jobFailed = true;
    const pods = api.pods;
    for (let id = 0; id < pods.length; id++) {
      if (pods.workload[id] !== wi) continue;
      const phase = pods.phase[id];
      if (phase === PodPhase.Pending) {
        api.removePod(id, 'failed');
      } else if (phase === PodPhase.Bound || phase === PodPhase.Running) {
        api.stopContainers(id);
        api.removePod(id, 'failed');
      }
    }
    // Pending retries are dropped too: nothing of this Job is active any more.
    job.active = 0;
    job.retryIncidents.length = 0;
  }

  /** spec.replicas changed: new pods are created, surplus pods deleted in ReplicaSet order. */
  private scale(wr: WorkloadRecord): void {
    const api = this.api;
    const w = wr.w;
    if (w.kind !== 'service' || w.rollout || this.mine[wr.index] === 0) return;
    const live = wr.podIds.size;
    if (wr.desired > live) {
      for (let k = live; k < wr.desired; k++) api.createPod(wr.index, `${w.name}-${wr.created}`, w.spec, Infinity);
    } else if (wr.desired < live) {
      for (const id of this.podsToDelete(wr, live - wr.desired)) {
        api.stopContainers(id);
        api.removePod(id, 'deleted');
      }
      api.clusterChanged(ClusterEvent.AssignedPodDelete);
    }
  }

  /**
   * The ReplicaSet controller's choice of pods to delete (getPodsToDelete, ActivePodsWithRanks):
   * unscheduled before scheduled, not started before started, not ready before ready, pods on
   * nodes with more replicas of the set first, then the most recently ready, then the newest.
   */
  private podsToDelete(wr: WorkloadRecord, count: number): number[] {
    const p = this.api.pods;
    const perNode = new Map<number, number>();
    for (const id of wr.podIds) if (p.node[id]! >= 0 && p.phase[id] !== PodPhase.Pending) perNode.set(p.node[id]!, (perNode.get(p.node[id]!) ?? 0) + 1);
    const rank = (id: number): number => (p.phase[id] === PodPhase.Pending ? 0 : p.phase[id] === PodPhase.Bound && p.restarts[id] === 0 ? 1 : p.ready[id] !== 1 ? 2 : 3);
    const ids = [...wr.podIds];
    ids.sort((a, b) => rank(a) - rank(b)
      || (perNode.get(p.node[b]!) ?? 0) - (perNode.get(p.node[a]!) ?? 0)
      || (p.startedAt[b]! || 0) - (p.startedAt[a]! || 0)
      || b - a);
    return ids.slice(0, count);
  }
}
