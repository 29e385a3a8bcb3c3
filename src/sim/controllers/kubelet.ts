import { ClusterEvent } from '../../api/framework.js';
import { PodPhase } from '../../api/pod.js';
import { sample } from '../../util/distributions.js';
import type { RandomStream, RandomStreams } from '../../util/random.js';
import { CRASH_BACKOFF_RESET, crashBackoff } from '../failures.js';
import type { Lifecycle } from '../lifecycle.js';
import { probeTimeline } from '../probes.js';
import { grown } from '../../util/typed-arrays.js';
import type { ContainerProbes, PodTemplate } from '../../api/workload.js';

/** What the kubelet reads of a pod's template (Lifecycle.podTemplate). */
type PodTemplateView = Pick<PodTemplate, 'startup' | 'crashes' | 'probes'>;

/**
 * The kubelets: start-up, completion, container crashes and restarts, and what a node's pods
 * do when its machine fails and comes back.
 *
 * Watches: pods bound (start after the workload's start-up delay), nodes down (their containers
 * die) and up (pods not yet evicted resume or start). Owns: the pods' start, finish, crash and
 * restart due times. Crash restarts back off as CrashLoopBackOff (KUBERNETES.md section 3:
 * 10 s doubling to 5 min, reset after 10 min of clean running).
 *
 * Probes (the kubelet's prober, pkg/kubelet/prober): a pod with probes is Ready when its
 * readiness probe passes, not when its containers start, and a startup or liveness probe that
 * gives up while the app starts kills the container, which restarts after its back-off. The
 * timeline of each container start is computed once, when it starts (src/sim/probes.ts).
 *
 * Under Docker Swarm (`taskRestarts`) the same agent runs tasks, but a task whose container
 * exits, hangs or is killed by its health check has FAILED and is never restarted in place: the
 * orchestrator's restart policy replaces it with a new task (swarmkit agent/exec: a container
 * exit ends the task). A machine that comes back has lost its containers: its tasks fail, and
 * a container never starts before its task's start gate (the restart delay, restart.go DelayStart).
 */
export class KubeletController {
  private readonly evStart: number;
  private readonly evFinish: number;
  private readonly evCrash: number;
  private readonly evRestart: number;
  private readonly evReady: number;
  private readonly evProbeKill: number;
  private readonly evTaskFail: number;
  /** Per workload: start-up delays, crashes and never-ready draws, each its own stream. */
  private readonly startup: RandomStream[];
  private readonly crashes: RandomStream[];
  /** Created on first use (most workloads have no never-ready fraction). */
  private readonly probeDraws: (RandomStream | undefined)[] = [];
  /** Per pod with probes: when its readiness probe makes it Ready, when a probe kills it while starting (NaN: none), whether this start never passes readiness. */
  private readyDue = new Float64Array(0);
  private killDue = new Float64Array(0);
  private neverReady = new Uint8Array(0);

  constructor(private readonly api: Lifecycle, private readonly streams: RandomStreams, private readonly horizon: number, private readonly taskRestarts = false) {
    const e = api.engine;
    this.startup = api.workloads.map((wr) => streams.get(`startup/${wr.w.name}`));
    this.crashes = api.workloads.map((wr) => streams.get(`crashes/${wr.w.name}`));
    this.evStart = e.defineEvent('pod-start', (p) => this.onPodStart(p));
    this.evFinish = e.defineEvent('pod-finish', (p) => this.onPodFinish(p));
    this.evCrash = e.defineEvent('container-crash', (p) => this.onCrash(p));
    this.evRestart = e.defineEvent('container-restart', (p) => this.onRestart(p));
    this.evReady = e.defineEvent('readiness-probe-passed', (p) => this.onReady(p));
    this.evProbeKill = e.defineEvent('probe-kill', (p) => this.onProbeKill(p));
    this.evTaskFail = e.defineEvent('task-failed', (p) => this.failTask(p));
    api.on('podBound', (id) => this.scheduleStart(id));
    api.on('nodeDown', (node, incident) => this.nodeDown(node, incident));
    api.on('nodeUp', (node, now) => this.nodeUp(node, now));
  }

  /** The containers start after the workload's start-up delay. */
  private scheduleStart(id: number): void {
    const pods = this.api.pods;
    const wi = pods.workload[id]!;
    const template = this.api.podTemplate(id);
    const now = this.api.engine.now;
    // The image pull and start run while a Swarm task waits for its start gate (0: none).
    const gate = pods.startGateOf(id);
    const pulled = now + sample(template.startup, this.startup[wi]!);
    const due = gate > 0 && gate > pulled ? gate : pulled;
    pods.startDue[id] = due;
    this.api.engine.scheduleAt(due, this.evStart, id);
    if (template.probes !== undefined) this.planProbes(id, now, due, template.probes);
  }

  /** The prober's timeline of a container that starts now and whose app is up at `up`. */
  private planProbes(id: number, now: number, up: number, probes: ContainerProbes): void {
    this.ensure(id);
    const r = probes.readiness;
    const wi = this.api.pods.workload[id]!;
    const never = r !== undefined && r.neverReadyFraction > 0 && (this.probeDraws[wi] ??= this.streams.get(`probes/${this.api.workloads[wi]!.w.name}`)).next() < r.neverReadyFraction;
    this.neverReady[id] = never ? 1 : 0;
    const t = probeTimeline(now, up, probes, never);
    this.readyDue[id] = t.readyAt;
    this.killDue[id] = t.killedAt;
    if (!Number.isNaN(t.killedAt)) this.api.engine.scheduleAt(t.killedAt, this.evProbeKill, id);
  }

  private ensure(id: number): void {
    if (id < this.readyDue.length) return;
    const c = Math.max(1024, id + 1, this.readyDue.length * 2);
    this.readyDue = grown(this.readyDue, c);
    this.killDue = grown(this.killDue, c);
    this.neverReady = grown(this.neverReady, c);
  }

  /**
   * Why the replica is back, for its incident: restarted in place, resumed, or a replacement.
   * replicaReady reads it only for a pod of an incident: for any other pod the restart count and
   * the hit mark are not read (every pod start would fault their pages in, 5 bytes a pod).
   */
  private recoveryPath(id: number): 'restarted' | 'resumed' | 'rescheduled' {
    const pods = this.api.pods;
    if (pods.incidentOf(id) < 0) return 'rescheduled';
    return pods.restarts[id]! > 0 ? 'restarted' : pods.hit[id] === 1 ? 'resumed' : 'rescheduled';
  }

  /**
   * Ready now, or when the readiness probe passes (a pod without probes is Ready when its
   * containers start). `template` is the pod's (podTemplate), which the caller has looked up.
   */
  private readyOrLater(id: number, now: number, template: PodTemplateView): boolean {
    // Small enough to be inlined where a pod starts: most pods have no probes.
    return template.probes === undefined || this.probedReadyOrLater(id, now);
  }

  /** A pod with a readiness probe: Ready now if the probe has passed by now, else when it passes (planned by planProbes). */
  private probedReadyOrLater(id: number, now: number): boolean {
    const at = this.readyDue[id]!;
    if (at <= now) return true;
    if (at <= this.horizon) this.api.engine.scheduleAt(at, this.evReady, id);
    return false;
  }

  /** The readiness probe passed successThreshold times: the pod is Ready, counted and served. */
  private onReady(id: number): void {
    const api = this.api;
    const pods = api.pods;
    // Stale: the containers stopped (crash, node down, preemption) or the pod left since.
    if (pods.phase[id] !== PodPhase.Running || pods.live[id] !== 1 || pods.ready[id] === 1 || this.readyDue[id] !== api.engine.now) return;
    api.replicaReady(id, this.recoveryPath(id), true);
    api.podChanged(id);
  }

  /**
   * A startup probe ran out of its failureThreshold x periodSeconds budget, or a liveness probe
   * failed failureThreshold times, before the app was up: the kubelet kills the container and
   * restarts it after its back-off (pkg/kubelet/prober/worker.go doProbe: "it will need to be
   * restarted"; pkg/kubelet/kuberuntime computePodActions). The pod never ran: no incident.
   */
  private onProbeKill(id: number): void {
    const api = this.api;
    const pods = api.pods;
    const now = api.engine.now;
    // Stale: the start was called off (node down, eviction, preemption) since it was planned.
    if (pods.phase[id] !== PodPhase.Bound || this.killDue[id] !== now || !(pods.startDue[id]! > now) || !api.isNodeUp(pods.node[id]!)) return;
    this.killDue[id] = NaN;
    pods.startDue[id] = NaN;
    if (this.taskRestarts) {
      this.failTask(id);
      return;
    }
    const consecutive = now - pods.startedAt[id]! >= CRASH_BACKOFF_RESET ? 1 : pods.restarts[id]! + 1;
    api.containerKilled(id, consecutive);
    const due = now + crashBackoff(consecutive);
    pods.restartDue[id] = due;
    if (due <= this.horizon) api.engine.scheduleAt(due, this.evRestart, id);
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
    // Looked up once for the readiness and the crashes (at every start of every pod).
    const template = api.podTemplate(id);
    api.startPod(id);
    // The incident's replica itself starting (its node came back before eviction) has resumed;
    // a replacement was rescheduled. With a readiness probe, that waits for the probe.
    if (this.readyOrLater(id, now, template)) api.replicaReady(id, this.recoveryPath(id));
    api.podChanged(id);
    const d = pods.duration[id]!;
    if (Number.isFinite(d)) {
      pods.finishDue[id] = now + Math.max(0, d);
      api.engine.scheduleAt(pods.finishDue[id]!, this.evFinish, id);
    }
    this.scheduleCrash(id, now, template);
  }

  /** The next crash of a running container, if its workload crashes (before it would finish); `template` as readyOrLater's. */
  private scheduleCrash(id: number, now: number, template: PodTemplateView): void {
    const pods = this.api.pods;
    const wi = pods.workload[id]!;
    const crashes = template.crashes;
    if (crashes === undefined) return;
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
    if (this.taskRestarts) {
      // Swarm: the task has failed once the exit (or the hang) is seen; its replacement is the orchestrator's.
      if (detected > now) api.engine.scheduleAt(detected, this.evTaskFail, id);
      else this.failTask(id);
      return;
    }
    // CrashLoopBackOff: consecutive restarts double the delay; 10 minutes of clean running resets it.
    const consecutive = now - pods.startedAt[id]! >= CRASH_BACKOFF_RESET ? 1 : pods.restarts[id]! + 1;
    api.containerCrashed(id, consecutive);
    const due = detected + crashBackoff(consecutive);
    pods.restartDue[id] = due;
    if (due <= this.horizon) api.engine.scheduleAt(due, this.evRestart, id);
  }

  /** A Swarm task has failed: it leaves its node (the orchestrator's restart policy decides what replaces it). */
  private failTask(id: number): void {
    const api = this.api;
    if (!api.pods.isOnNode(id)) return;
    const inc = api.pods.incidentOf(id);
    if (inc >= 0 && Number.isNaN(api.incidents[inc]!.evicted)) api.incidents[inc]!.evicted = api.engine.now;
    api.removePod(id, 'failed');
    api.clusterChanged(ClusterEvent.AssignedPodDelete);
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
    if (this.taskRestarts) {
      // Swarm's agent comes back without the containers: each task it still holds has failed.
      for (const info of [...api.cluster.nodes[node]!.pods]) this.failTask(info.id);
      return;
    }
    for (const info of [...api.cluster.nodes[node]!.pods]) {
      const id = info.id;
      // An earlier pod of this loop can fail its Job, which removes the Job's other pods.
      if (!pods.isBoundTo(id, node)) continue;
      if (pods.phase[id] === PodPhase.Bound) {
        // A container still in its restart back-off waits for it; otherwise it starts now.
        if (!(pods.restartDue[id]! > now)) this.scheduleStart(id);
      } else if (!Number.isFinite(pods.duration[id]!)) {
        const template = api.podTemplate(id);
        const probes = template.probes;
        if (probes) {
          // The prober starts over on the running app: Ready at its readiness probe's next passes.
          this.ensure(id);
          this.readyDue[id] = probeTimeline(now, now, probes, this.neverReady[id] === 1).readyAt;
        }
        const ready = this.readyOrLater(id, now, template);
        api.resume(id, ready);
        if (ready) api.replicaReady(id, 'resumed');
        this.scheduleCrash(id, now, template);
      } else {
        // The pod fails now: for its incident, the first replica gone (its replacement follows).
        const inc = pods.incidentOf(id);
        if (inc >= 0 && Number.isNaN(api.incidents[inc]!.evicted)) api.incidents[inc]!.evicted = now;
        api.removePod(id, 'failed');
        api.clusterChanged(ClusterEvent.AssignedPodDelete);
      }
    }
  }
}
