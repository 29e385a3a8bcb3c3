import { ClusterEvent } from '../../api/framework.js';
import { PodPhase } from '../../api/pod.js';
import { sample } from '../../util/distributions.js';
import type { RandomStream, RandomStreams } from '../../util/random.js';
import { CRASH_BACKOFF_RESET, crashBackoff } from '../failures.js';
import type { Lifecycle } from '../lifecycle.js';

/**
 * The kubelets: start-up, completion, container crashes and restarts, and what a node's pods
 * do when its machine fails and comes back.
 *
 * Watches: pods bound (start after the workload's start-up delay), nodes down (their containers
 * die) and up (pods not yet evicted resume or start). Owns: the pods' start, finish, crash and
 * restart due times. Crash restarts back off as CrashLoopBackOff (KUBERNETES.md section 3:
 * 10 s doubling to 5 min, reset after 10 min of clean running).
 */
export class KubeletController {
  private readonly evStart: number;
  private readonly evFinish: number;
  private readonly evCrash: number;
  private readonly evRestart: number;
  /** Per workload: start-up delays and crashes, each its own stream. */
  private readonly startup: RandomStream[];
  private readonly crashes: RandomStream[];

  constructor(private readonly api: Lifecycle, streams: RandomStreams, private readonly horizon: number) {
    const e = api.engine;
    this.startup = api.workloads.map((wr) => streams.get(`startup/${wr.w.name}`));
    this.crashes = api.workloads.map((wr) => streams.get(`crashes/${wr.w.name}`));
    this.evStart = e.defineEvent('pod-start', (p) => this.onPodStart(p));
    this.evFinish = e.defineEvent('pod-finish', (p) => this.onPodFinish(p));
    this.evCrash = e.defineEvent('container-crash', (p) => this.onCrash(p));
    this.evRestart = e.defineEvent('container-restart', (p) => this.onRestart(p));
    api.on('podBound', (id) => this.scheduleStart(id));
    api.on('nodeDown', (node, incident) => this.nodeDown(node, incident));
    api.on('nodeUp', (node, now) => this.nodeUp(node, now));
  }

  /** The containers start after the workload's start-up delay. */
  private scheduleStart(id: number): void {
    const pods = this.api.pods;
    const wi = pods.workload[id]!;
    const due = this.api.engine.now + sample(this.api.podTemplate(id).startup, this.startup[wi]!);
    pods.startDue[id] = due;
    this.api.engine.scheduleAt(due, this.evStart, id);
  }

  private onPodStart(id: number): void {
    const api = this.api;
    const pods = api.pods;
    // Stale: the pod was evicted, or its node failed and the start was called off.
    if (pods.phase[id] !== PodPhase.Bound || pods.startDue[id] !== api.engine.now) return;
    pods.startDue[id] = NaN;
    // A node that failed but is not yet known to be down cannot start anything; the pod waits
    // for the node to come back or for its eviction.
    if (!api.isNodeUp(pods.node[id]!)) return;
    const now = api.engine.now;
    api.startPod(id);
    // The incident's replica itself starting (its node came back before eviction) has resumed;
    // a replacement was rescheduled.
    api.replicaReady(id, pods.restarts[id]! > 0 ? 'restarted' : pods.hit[id] === 1 ? 'resumed' : 'rescheduled');
    api.podChanged(id);
    const d = pods.duration[id]!;
    if (Number.isFinite(d)) {
      pods.finishDue[id] = now + Math.max(0, d);
      api.engine.scheduleAt(pods.finishDue[id]!, this.evFinish, id);
    }
    this.scheduleCrash(id, now);
  }

  /** The next crash of a running container, if its workload crashes (before it would finish). */
  private scheduleCrash(id: number, now: number): void {
    const pods = this.api.pods;
    const wi = pods.workload[id]!;
    const crashes = this.api.podTemplate(id).crashes;
    if (!crashes) return;
    const at = now + sample(crashes.timeBetweenCrashes, this.crashes[wi]!);
    if (at <= this.horizon && !(at >= pods.finishDue[id]!)) {
      pods.crashDue[id] = at;
      this.api.engine.scheduleAt(at, this.evCrash, id);
    }
  }

  private onPodFinish(id: number): void {
    const api = this.api;
    const pods = api.pods;
    if (pods.phase[id] !== PodPhase.Running || pods.finishDue[id] !== api.engine.now) return;
    pods.finishDue[id] = NaN;
    api.podSucceeded(id);
    // A pod left: room may have been made for unschedulable pods.
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
  }

  /** A container exits (seen at once) or hangs (seen by the liveness probe); it restarts after its back-off. */
  private onCrash(id: number): void {
    const api = this.api;
    const pods = api.pods;
    const now = api.engine.now;
    if (pods.phase[id] !== PodPhase.Running || pods.crashDue[id] !== now || !api.isNodeUp(pods.node[id]!)) return;
    pods.crashDue[id] = NaN;
    const wi = pods.workload[id]!;
    const w = api.workloads[wi]!.w;
    const crashes = api.podTemplate(id).crashes!;
    const hang = this.crashes[wi]!.next() < crashes.hangFraction;
    const detected = hang ? now + crashes.livenessPeriod * crashes.livenessFailureThreshold : now;
    const replica = w.kind === 'service' || w.kind === 'job';
    const incident = api.openIncident({
      source: `crash/${w.name}`,
      domainKind: 'container',
      domain: pods.infos[id]!.name,
      nodes: 0,
      onset: now,
      detected,
    });
    // A replica already counted for an earlier incident has none of its own to bring back here.
    if (replica) api.joinIncident(id, incident);
    // The run restarts from the beginning: what it did so far is lost.
    api.stopContainers(id);
    // CrashLoopBackOff: consecutive restarts double the delay; 10 minutes of clean running resets it.
    const consecutive = now - pods.startedAt[id]! >= CRASH_BACKOFF_RESET ? 1 : pods.restarts[id]! + 1;
    api.containerCrashed(id, consecutive);
    const due = detected + crashBackoff(consecutive);
    pods.restartDue[id] = due;
    if (due <= this.horizon) api.engine.scheduleAt(due, this.evRestart, id);
  }

  private onRestart(id: number): void {
    const pods = this.api.pods;
    if (pods.phase[id] !== PodPhase.Bound || pods.restartDue[id] !== this.api.engine.now) return;
    pods.restartDue[id] = NaN;
    if (!this.api.isNodeUp(pods.node[id]!)) return; // the node's return or the eviction takes over
    this.scheduleStart(id);
  }

  /** The machine failed: its containers die; replicas become the incident's to bring back. */
  private nodeDown(node: number, incidentId: number): void {
    const api = this.api;
    const pods = api.pods;
    const incident = api.incidents[incidentId]!;
    for (const info of api.cluster.nodes[node]!.pods) {
      const id = info.id;
      const kind = api.workloads[pods.workload[id]!]!.w.kind;
      // Replicas of services and jobs are what an incident must bring back.
      if (kind === 'service' || kind === 'job') api.joinIncident(id, incident);
      pods.crashDue[id] = NaN;
      // A pending restart (CrashLoopBackOff) keeps its due time: the back-off runs on.
      if (pods.phase[id] === PodPhase.Running) {
        // The containers died with the node: the work done so far is lost.
        api.stopContainers(id);
        pods.finishDue[id] = NaN;
      } else {
        pods.startDue[id] = NaN;
      }
    }
  }

  /**
   * The machine is back before its pods were evicted: service replicas resume; batch and job
   * containers died with the node (restartPolicy Never/OnFailure: the pod failed) and their
   * controllers react.
   */
  private nodeUp(node: number, now: number): void {
    const api = this.api;
    const pods = api.pods;
    for (const info of [...api.cluster.nodes[node]!.pods]) {
      const id = info.id;
      // An earlier pod of this loop can fail its Job, which removes the Job's other pods.
      if (!pods.isBoundTo(id, node)) continue;
      if (pods.phase[id] === PodPhase.Bound) {
        // A container still in its restart back-off waits for it; otherwise it starts now.
        if (!(pods.restartDue[id]! > now)) this.scheduleStart(id);
      } else if (!Number.isFinite(pods.duration[id]!)) {
        api.resume(id);
        api.replicaReady(id, 'resumed');
        this.scheduleCrash(id, now);
      } else {
        // The pod fails now: for its incident, the first replica gone (its replacement follows).
        const inc = pods.incident[id]!;
        if (inc >= 0 && Number.isNaN(api.incidents[inc]!.evicted)) api.incidents[inc]!.evicted = now;
        api.removePod(id, 'failed');
        api.clusterChanged(ClusterEvent.AssignedPodDelete);
      }
    }
  }
}
