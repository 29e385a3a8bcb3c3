import { ClusterEvent } from '../../api/framework.js';
import { PodPhase } from '../../api/pod.js';
import { sample } from '../../util/distributions.js';
import type { RandomStream, RandomStreams } from '../../util/random.js';
import type { PodSpec } from '../../api/pod.js';
import type { Workload } from '../../api/workload.js';
import { POD_GROUP_LABEL } from '../../api/podgroup.js';
import { CountedNames } from '../../util/counted-names.js';
import type { Lifecycle, RemovalReason, WorkloadRecord } from '../lifecycle.js';
import { podsToDelete } from './replica-set-deletion.js';

/** A Job's own bookkeeping (the Job controller's status.succeeded / active / failed). */
interface JobState {
  succeeded: number;
  active: number;
  failed: number;
  /** Past its backoffLimit: failed, it creates no more pods. */
  jobFailed: boolean;
  /** The incidents of the pending retries, in retry order. */
  readonly retryIncidents: number[];
  /** A queued Job: its Kueue Workload, whether it is suspended (not admitted), and its pods' spec once admitted. */
  kueueId: number;
  suspended: boolean;
  spec: PodSpec | undefined;
}

/**
 * The workload controllers: Deployments (ReplicaSets) keep `spec.replicas` pods, Jobs run
 * `completions` pods `parallelism` at a time and retry failures within their backoffLimit,
 * batch streams and pod lists create pods as they arrive.
 *
 * Watches: pods that succeeded or were removed (replaced), spec.replicas changes (pods created
 * or deleted to match), Kueue Workloads admitted and evicted. Owns: arrivals and Job status.
 * Acts: creates and deletes pods through the lifecycle API.
 *
 * A Job or batch stream with a Kueue `queue` is queued (Kueue's job integration,
 * pkg/controller/jobframework): a Job is created suspended with a Workload of `parallelism`
 * pods, a batch arrival is a Workload of its podSet count; the pods are created when Kueue
 * admits the Workload, with the admission's node selectors and tolerations. Eviction suspends
 * the Job again (its running pods are deleted; succeeded ones count), and the Workload finishes
 * (its quota released) when the Job completes or fails, or every pod of a batch Workload ended.
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
  /** Per workload: 1 when this controller runs it (under Swarm, services and jobs are the Swarm orchestrator's). */
  private readonly mine: Uint8Array;
  /** Batch streams: arrivals so far (a queued arrival creates its pods later). */
  private readonly arrived: Int32Array;
  /** Pods of admitted Kueue Workloads: the Workload's id, and each Workload's pods not yet ended. */
  private readonly podKueue = new Map<number, number>();
  /** Per workload: its pods' names, `<name>-<count>` (src/util/counted-names.ts: no number-to-string conversion per pod). */
  private readonly names: CountedNames[];
  private readonly kueuePods = new Map<number, Set<number>>();

  constructor(private readonly api: Lifecycle, streams: RandomStreams, private readonly horizon: number, kinds?: ReadonlySet<Workload['kind']>) {
    this.mine = Uint8Array.from(api.workloads, (wr) => (kinds === undefined || kinds.has(wr.w.kind) ? 1 : 0));
    const e = api.engine;
    this.arrivals = api.workloads.map((wr) => streams.get(`arrivals/${wr.w.name}`));
    this.sizes = api.workloads.map((wr) => streams.get(`sizes/${wr.w.name}`));
    this.durations = api.workloads.map((wr) => streams.get(`durations/${wr.w.name}`));
    this.jobs = api.workloads.map(() => ({ succeeded: 0, active: 0, failed: 0, jobFailed: false, retryIncidents: [], kueueId: -1, suspended: false, spec: undefined }));
    this.arrived = new Int32Array(api.workloads.length);
    this.names = api.workloads.map((wr) => new CountedNames(`${wr.w.name}-`));
    this.evArrival = e.defineEvent('workload-arrival', (wi) => this.onArrival(wi));
    this.evPodList = e.defineEvent('pod-list-arrival', (i) => this.onPodListArrival(i));
    this.evJobRetry = e.defineEvent('job-retry', (wi) => this.createJobPod(wi, this.jobs[wi]!.retryIncidents.shift() ?? -1, true));
    // Only a Job and a queued (Kueue) workload act when one of their pods succeeds: a run with
    // neither does not hear of it (a call at the end of every pod; with the metrics' the only
    // listener left, the kubelet's finish inlines it).
    if (api.workloads.some((wr, i) => this.mine[i] === 1 && actsOnSuccess(wr.w))) api.on('podSucceeded', (id) => this.succeeded(id));
    api.on('podRemoved', (id, _from, reason) => this.removed(id, reason));
    api.on('desiredChanged', (wr) => this.scale(wr));
    api.on('kueueWorkloadAdmitted', (id) => this.admitted(id));
    api.on('kueueWorkloadEvicted', (id) => this.evicted(id));
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
        for (let k = 0; k < w.replicas; k++) api.createPod(wi, this.names[wi]!.name(wr.created), w.spec, Infinity);
        break;
      case 'job': {
        // A gang Job's PodGroup exists before its pods (as a controller creates it, e.g. the training operators).
        if (w.gang) api.createPodGroup({ name: w.name, namespace: w.spec.namespace, minMember: w.gang.minMember, scheduleTimeoutSeconds: w.gang.scheduleTimeoutSeconds });
        const n = Math.min(w.parallelism, w.completions);
        if (w.queue !== undefined) {
          // Suspended until Kueue admits its Workload (one podSet of `parallelism` pods).
          const job = this.jobs[wi]!;
          job.suspended = true;
          job.kueueId = api.createKueueWorkload({ wi, name: w.name, namespace: w.spec.namespace, queue: w.queue, priority: w.spec.priority, spec: w.spec, count: n }).id;
          break;
        }
        for (let k = 0; k < n; k++) this.createJobPod(wi);
        break;
      }
      case 'batch': {
        const drawn = w.pods.next(this.sizes[wi]!);
        const n = this.arrived[wi]!;
        this.arrived[wi] = n + 1;
        let spec = drawn;
        if (w.gang) {
          // One arrival, one gang: `size` pods of one spec (one size draw), each its own duration draw.
          const group = `${w.name}-${n}`;
          api.createPodGroup({ name: group, namespace: drawn.namespace, minMember: w.gang.minMember, scheduleTimeoutSeconds: w.gang.scheduleTimeoutSeconds });
          spec = { ...drawn, labels: { ...drawn.labels, [POD_GROUP_LABEL]: group } };
        }
        const count = w.gang?.size ?? (w.queue !== undefined ? w.podSetCount ?? 1 : 1);
        if (w.queue !== undefined) {
          // Sizes and run times are drawn at arrival, so admission order cannot shift the streams.
          // A gang arrival is one Workload of `size` pods, admitted whole.
          const durations = Array.from({ length: count }, () => sample(w.duration, this.durations[wi]!));
          api.createKueueWorkload({ wi, name: `${w.name}-${n}`, namespace: spec.namespace, queue: w.queue, priority: spec.priority, spec, count, durations });
        } else {
          for (let k = 0; k < count && wr.created < w.maxPods; k++) api.createPod(wi, this.names[wi]!.name(wr.created), spec, sample(w.duration, this.durations[wi]!));
        }
        if ((w.queue !== undefined ? this.arrived[wi]! * count : wr.created) < w.maxPods) {
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
    if (w.kind !== 'job' || job.jobFailed || job.suspended) return;
    if (!retry) job.active++;
    const id = this.api.createPod(wi, this.names[wi]!.name(wr.created), job.spec ?? w.spec, sample(w.duration, this.durations[wi]!), incident);
    if (job.kueueId >= 0) this.track(id, job.kueueId);
  }

  private track(pod: number, kueueId: number): void {
    this.podKueue.set(pod, kueueId);
    let set = this.kueuePods.get(kueueId);
    if (!set) this.kueuePods.set(kueueId, (set = new Set()));
    set.add(pod);
  }

  /** Kueue admitted a Workload: its Job is unsuspended, or its batch pods are created, with the admission's pod spec. */
  private admitted(kueueId: number): void {
    const api = this.api;
    const wl = api.kueueWorkloads[kueueId]!;
    const wr = api.workloads[wl.wi]!;
    const w = wr.w;
    if (this.mine[wl.wi] === 0) return;
    const spec = wl.admission!.podSpec;
    if (w.kind === 'job') {
      const job = this.jobs[wl.wi]!;
      job.suspended = false;
      job.spec = spec;
      job.active = 0;
      const n = Math.min(w.parallelism, w.completions - job.succeeded);
      for (let k = 0; k < n; k++) this.createJobPod(wl.wi);
    } else if (w.kind === 'batch') {
      for (let k = 0; k < wl.count; k++) this.track(api.createPod(wl.wi, this.names[wl.wi]!.name(wr.created), spec, wl.durations![k]!), kueueId);
    }
  }

  /** Kueue evicted a Workload: the Job is suspended, its pods deleted (succeeded ones stay counted); it waits for admission again. */
  private evicted(kueueId: number): void {
    const api = this.api;
    const wl = api.kueueWorkloads[kueueId]!;
    if (this.mine[wl.wi] === 0) return;
    const job = this.jobs[wl.wi]!;
    job.suspended = true;
    job.active = 0;
    job.retryIncidents.length = 0;
    const pods = this.kueuePods.get(kueueId);
    this.kueuePods.delete(kueueId);
    for (const id of pods ?? []) {
      this.podKueue.delete(id);
      const phase = api.pods.phase[id];
      if (phase === PodPhase.Succeeded || phase === PodPhase.Failed) continue;
      if (api.pods.isOnNode(id)) api.stopContainers(id);
      api.removePod(id, 'deleted');
    }
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  /** A pod of a batch Workload ended: the Workload finishes with its last pod (its quota is released). */
  private kueuePodEnded(id: number): void {
    // No lookup in a run without Kueue workloads' pods (every pod that ends comes here).
    const kueueId = this.podKueue.size > 0 ? this.podKueue.get(id) : undefined;
    if (kueueId === undefined) return;
    this.podKueue.delete(id);
    const set = this.kueuePods.get(kueueId)!;
    set.delete(id);
    const wl = this.api.kueueWorkloads[kueueId]!;
    if (set.size === 0 && this.api.workloads[wl.wi]!.w.kind === 'batch') {
      this.kueuePods.delete(kueueId);
      this.api.finishKueueWorkload(kueueId);
    }
  }

  /** A pod ended successfully: its Job counts it (and may create the next), its Kueue Workload may finish (see actsOnSuccess). */
  private succeeded(id: number): void {
    const wi = this.api.pods.workload[id]!;
    if (this.mine[wi] === 0) return;
    this.kueuePodEnded(id);
    const w = this.api.workloads[wi]!.w;
    if (w.kind !== 'job') return;
    const job = this.jobs[wi]!;
    job.active--;
    job.succeeded++;
    if (!job.jobFailed && job.succeeded + job.active < w.completions) this.createJobPod(wi);
    // The Job completed: its Workload finishes and releases its quota.
    if (job.kueueId >= 0 && job.succeeded >= w.completions) this.api.finishKueueWorkload(job.kueueId);
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
    const incident = api.pods.incidentOf(id);
    // Pods Kueue's eviction deletes are not failures (the Workload is queued again).
    if (reason === 'deleted' && !this.podKueue.has(id) && (w.kind === 'job' || w.kind === 'batch') && w.queue !== undefined) return;
    this.kueuePodEnded(id);
    if (w.kind === 'service') {
      if (w.rollout) return;
      if (reason === 'failed' || wr.podIds.size < wr.desired) api.createPod(wi, this.names[wi]!.name(wr.created), w.spec, Infinity, incident);
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
    if (job.kueueId >= 0) this.api.finishKueueWorkload(job.kueueId);
  }

  /** spec.replicas changed: new pods are created, surplus pods deleted in ReplicaSet order. */
  private scale(wr: WorkloadRecord): void {
    const api = this.api;
    const w = wr.w;
    if (w.kind !== 'service' || w.rollout || this.mine[wr.index] === 0) return;
    const live = wr.podIds.size;
    if (wr.desired > live) {
      for (let k = live; k < wr.desired; k++) api.createPod(wr.index, this.names[wr.index]!.name(wr.created), w.spec, Infinity);
    } else if (wr.desired < live) {
      for (const id of podsToDelete(api.pods, wr.podIds, live - wr.desired)) {
        api.stopContainers(id);
        api.removePod(id, 'deleted');
      }
      api.clusterChanged(ClusterEvent.AssignedPodDelete);
    }
  }
}

/** Whether a workload's controller has anything to do when one of its pods succeeds (WorkloadController.succeeded): a Job's, or a queued workload's (its Kueue Workload). */
function actsOnSuccess(w: Workload): boolean {
  return w.kind === 'job' || (w.kind === 'batch' && w.queue !== undefined);
}
