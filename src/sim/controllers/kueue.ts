import type { QueueingConfig } from '../../api/queueing.js';
import type { Lifecycle } from '../lifecycle.js';
import { compareDrs, dominantResourceShare } from '../kueue/fair-sharing.js';
import { admittedPodSpec, assignFlavors, FlavorMode, workloadRequests, type Assignment } from '../kueue/flavors.js';
import { preemptionTargets, type AdmittedWorkload, type PreemptionContext, type Preemptor } from '../kueue/preemption.js';
import { QuotaState, RESOURCE_COUNT, type Usage } from '../kueue/quota.js';
import { PendingQueue, type RequeueReason } from '../kueue/queues.js';
import { KueueRecorder, type QueueingResult } from '../kueue/recorder.js';
import type { KueueWorkload } from '../kueue/workload.js';

/** One head of the cycle with its flavor assignment and, when it must preempt, its victims. */
interface Entry {
  readonly c: number;
  readonly wl: KueueWorkload;
  readonly a: Assignment;
  readonly targets: readonly AdmittedWorkload[];
}

/** A guard against a cycle of preemptions that never settles at one instant (a bug, not a scenario). */
const MAX_CYCLES_PER_INSTANT = 100_000;

/**
 * Kueue's admission controller (pkg/scheduler/scheduler.go schedule): Workloads wait in their
 * ClusterQueue (through their LocalQueue) until quota admits them whole.
 *
 * Watches: Workloads created, finished and evicted. Owns: the queues, the quota usage, the
 * admission cycle event. Acts: admits workloads (their Jobs then create the pods, with the
 * flavor's node labels and tolerations) and evicts the ones preemption chooses.
 *
 * One cycle, as upstream's: (1) the head of every ClusterQueue (queues.ts); (2) each head's
 * flavor assignment on the state at the cycle's start (nominate; flavors.ts), with preemption
 * targets when it must preempt (preemption.ts); (3) the entries in order - classically
 * non-borrowing first, then higher priority, then older (makeClassicalIterator), or by dominant
 * resource share with fair sharing (fairSharingIterator); (4) each is admitted if it still fits
 * after the entries before it (cq.Fits), or preempts and waits, or is requeued. A cycle runs
 * `cycleLatency` after a change (a workload created, finished or evicted) and again right after
 * a cycle that admitted or preempted, as upstream's loop keeps going on success.
 */
export class KueueController {
  readonly q: QuotaState;
  private readonly queues: PendingQueue[];
  private readonly admitted: Map<number, AdmittedWorkload>[];
  private readonly localQueues: Map<string, number>;
  private readonly evCycle: number;
  private scheduled = false;
  private cyclesAt = 0;
  private lastCycleTime = -1;
  readonly recorder: KueueRecorder;

  constructor(private readonly api: Lifecycle, private readonly config: QueueingConfig, horizon: number, sampleInterval: number) {
    this.q = new QuotaState(config.flavors, config.clusterQueues);
    this.queues = config.clusterQueues.map((cq) => new PendingQueue(cq.queueingStrategy));
    this.admitted = config.clusterQueues.map(() => new Map());
    const cqIndex = new Map(config.clusterQueues.map((cq, i) => [cq.name, i]));
    this.localQueues = new Map(config.localQueues.map((lq) => [`${lq.namespace}/${lq.name}`, cqIndex.get(lq.clusterQueue) ?? -1]));
    this.recorder = new KueueRecorder(api, config, horizon, sampleInterval);
    this.evCycle = api.engine.defineEvent('kueue-cycle', () => this.cycle());
    api.on('kueueWorkloadCreated', (id) => this.created(id));
    api.on('kueueWorkloadEvicted', (id, _reason, admission) => this.released(id, admission.clusterQueue, admission.usage, true));
    api.on('kueueWorkloadFinished', (id, admission) => {
      if (admission) this.released(id, admission.clusterQueue, admission.usage, false);
      else for (const pq of this.queues) pq.remove(id);
    });
  }

  start(): void {
    this.recorder.start();
  }

  result(): QueueingResult {
    return this.recorder.result(this.queues.map((pq) => pq.ids()));
  }

  /** The ClusterQueue a workload's LocalQueue points at (-1: none). */
  clusterQueueOf(wl: KueueWorkload): number {
    return this.localQueues.get(`${wl.namespace}/${wl.queue}`) ?? -1;
  }

  private created(id: number): void {
    const wl = this.api.kueueWorkloads[id]!;
    const c = this.clusterQueueOf(wl);
    // A LocalQueue that does not exist keeps its workloads pending (the scenario refuses such names).
    if (c < 0) return;
    this.queues[c]!.push({ id, priority: wl.priority, timestamp: wl.createdAt });
    this.scheduleCycle();
  }

  /** Quota comes back (a workload finished, or was evicted and goes back to its queue): the cohort's set-aside workloads compete again. */
  private released(id: number, cqName: string, usage: Usage, requeue: boolean): void {
    const c = this.config.clusterQueues.findIndex((x) => x.name === cqName);
    this.q.add(c, usage, -1);
    this.admitted[c]!.delete(id);
    if (requeue) {
      const wl = this.api.kueueWorkloads[id]!;
      // A preempted workload keeps its creation time in the queue order (GetQueueOrderTimestamp).
      this.queues[c]!.push({ id, priority: wl.priority, timestamp: wl.createdAt });
    }
    const k = this.q.cohortOf[c]!;
    for (const m of k < 0 ? [c] : this.q.cohorts[k]!) this.queues[m]!.requeueInadmissible();
    this.scheduleCycle();
  }

  private scheduleCycle(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.api.engine.schedule(this.config.cycleLatency, this.evCycle, 0);
  }

  private context(): PreemptionContext {
    const fs = this.config.fairSharing;
    return { q: this.q, clusterQueues: this.config.clusterQueues, admitted: (c) => this.admitted[c]!.values(), fairSharing: fs.enabled ? fs.preemptionStrategies : undefined };
  }

  /** nominate: the head's flavors (and victims) against the state at the cycle's start. */
  private nominate(c: number, wl: KueueWorkload): Entry {
    const cq = this.config.clusterQueues[c]!;
    const ctx = this.context();
    const base = { cq: c, priority: wl.priority, timestamp: wl.createdAt };
    // SimulatePreemption: whether victims exist for this much of one flavor-resource.
    const oracle = (fr: number, val: number) => {
      const t = preemptionTargets(ctx, { ...base, usage: [[fr, val]] }, new Set([fr]));
      return t.length === 0 ? FlavorMode.NoCandidates : t.every((w) => w.cq !== c) ? FlavorMode.Reclaim : FlavorMode.Preempt;
    };
    const a = assignFlavors(this.q, c, cq, this.config.flavors, wl.spec, workloadRequests(wl.spec, wl.count), this.config.fairSharing.enabled, oracle);
    const preempting = a.mode === FlavorMode.Preempt || a.mode === FlavorMode.Reclaim;
    const targets = preempting ? preemptionTargets(ctx, { ...base, usage: a.usage } satisfies Preemptor, new Set(a.needPreemption)) : [];
    return { c, wl, a, targets };
  }

  private cycle(): void {
    this.scheduled = false;
    const now = this.api.engine.now;
    this.cyclesAt = now === this.lastCycleTime ? this.cyclesAt + 1 : 0;
    this.lastCycleTime = now;
    if (this.cyclesAt > MAX_CYCLES_PER_INSTANT) throw new Error(`Kueue admission: more than ${MAX_CYCLES_PER_INSTANT} cycles at t=${now}s without settling`);
    const entries: Entry[] = [];
    this.queues.forEach((pq, c) => {
      const h = pq.head();
      if (h) entries.push(this.nominate(c, this.api.kueueWorkloads[h.id]!));
    });
    if (entries.length === 0) return;
    const reserved: [number, Usage][] = [];
    const preempted = new Set<number>();
    let changed = false;
    for (const e of this.order(entries)) {
      const { c, wl, a } = e;
      const pq = this.queues[c]!;
      const requeue = (reason: RequeueReason) => pq.requeue(wl.id, reason);
      if (a.mode === FlavorMode.NoFit) {
        requeue('NoFit');
      } else if (a.mode !== FlavorMode.Fit) {
        if (e.targets.length === 0) {
          requeue('NoCandidates');
          continue;
        }
        // Overlapping victims: another entry of this cycle preempts them already.
        if (e.targets.some((t) => preempted.has(t.id))) {
          requeue('FailedAfterNomination');
          continue;
        }
        for (const t of e.targets) this.q.add(t.cq, t.usage, -1);
        const fits = this.q.fits(c, a.usage);
        for (const t of e.targets) this.q.add(t.cq, t.usage);
        if (!fits) {
          requeue('FailedAfterNomination');
          continue;
        }
        for (const t of e.targets) {
          preempted.add(t.id);
          this.api.evictKueueWorkload(t.id, 'Preempted');
          this.recorder.preempted(t.id, wl.id);
        }
        // The preemptor's quota is held for the rest of the cycle (cq.AddUsage on the snapshot).
        this.q.add(c, a.usage);
        reserved.push([c, a.usage]);
        requeue('PendingPreemption');
        changed = true;
      } else if (!this.q.fits(c, a.usage)) {
        requeue('FailedAfterNomination');
      } else {
        this.admit(e);
        changed = true;
      }
    }
    for (const [c, u] of reserved) this.q.add(c, u, -1);
    if (changed) this.scheduleCycle();
  }

  /** The cycle's order: makeClassicalIterator, or the fair-sharing tournament (lazy: shares move as entries are admitted). */
  private *order(entries: Entry[]): Generator<Entry> {
    if (!this.config.fairSharing.enabled) {
      yield* entries.sort((x, y) => Math.sign(x.a.borrowing) - Math.sign(y.a.borrowing) || y.wl.priority - x.wl.priority || x.wl.createdAt - y.wl.createdAt || x.wl.id - y.wl.id);
      return;
    }
    const left = [...entries];
    while (left.length > 0) {
      const k = this.q.cohortOf[left[0]!.c]!;
      let best = 0;
      if (k >= 0) {
        // runTournament over the cohort's queues: the lowest share with its workload admitted, then priority, then age.
        const share = (e: Entry) => dominantResourceShare(this.q, e.c, this.config.clusterQueues[e.c]!.fairSharingWeight, e.a.usage);
        let bestDrs = share(left[0]!);
        for (let i = 1; i < left.length; i++) {
          const e = left[i]!;
          if (this.q.cohortOf[e.c] !== k) continue;
          const d = share(e);
          const b = left[best]!;
          const cmp = compareDrs(d, bestDrs) || b.wl.priority - e.wl.priority || e.wl.createdAt - b.wl.createdAt;
          if (cmp < 0) {
            best = i;
            bestDrs = d;
          }
        }
      }
      yield left.splice(best, 1)[0]!;
    }
  }

  private admit(e: Entry): void {
    const { c, wl, a } = e;
    this.q.add(c, a.usage);
    this.queues[c]!.remove(wl.id);
    this.admitted[c]!.set(wl.id, { id: wl.id, cq: c, priority: wl.priority, timestamp: wl.createdAt, admittedAt: this.api.engine.now, usage: a.usage });
    const used = [...new Set(Object.values(a.flavors))].map((name) => this.config.flavors.find((f) => f.name === name)!);
    this.api.admitKueueWorkload(wl.id, { clusterQueue: this.config.clusterQueues[c]!.name, flavors: a.flavors, usage: a.usage, podSpec: admittedPodSpec(wl.spec, used) });
  }

  /** Quota a ClusterQueue holds of a resource over all flavors (tests and invariants). */
  usageOf(c: number, resource: number): number {
    let s = 0;
    for (let fr = resource; fr < this.q.frCount; fr += RESOURCE_COUNT) s += this.q.usage[c]![fr]!;
    return s;
  }
}
