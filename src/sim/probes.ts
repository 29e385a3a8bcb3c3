import type { ContainerProbes, ProbeTiming } from '../api/workload.js';

/**
 * The kubelet's prober for one container start, as pure functions of time: when the startup
 * probe passes (the container is "started"), whether a startup or liveness probe kills the
 * container while its app warms up, and when the readiness probe makes the pod Ready.
 *
 * What a probe checks is not modelled: it fails until the app is up (`up`: the container start
 * plus the workload's start-up delay) and passes from then on (a never-ready container's
 * readiness probe never passes). An app that is starting refuses connections at once, so
 * timeoutSeconds does not delay a failure here.
 *
 * The upstream rules, all from pkg/kubelet/prober/worker.go:
 * - A worker probes on a ticker of periodSeconds (run); orchsim starts the ticker when the
 *   container starts, so the probes fall at start + k * periodSeconds. (The kubelet's status
 *   sync can trigger an extra readiness probe (prober_manager.go UpdatePodStatus,
 *   manualTriggerCh); not modelled.)
 * - "Probe disabled for InitialDelaySeconds": a tick less than initialDelaySeconds after the
 *   container started is skipped (doProbe), so the first probe is the first tick at or after it.
 * - Readiness and liveness probes are skipped until the startup probe has passed ("Disable
 *   other probes until container has started"); without a startup probe the container is
 *   started at once (prober_manager.go isContainerStarted).
 * - A result changes the probe's state only after successThreshold consecutive successes or
 *   failureThreshold consecutive failures (resultRun). A readiness probe starts at Failure
 *   (unready), a liveness probe at Success (newWorker initialValue).
 * - A liveness or startup probe that fails kills the container; it is restarted by the restart
 *   policy (the kubelet's CrashLoopBackOff back-off applies).
 * - Without a readiness probe a started, running container is Ready (UpdatePodStatus: "no
 *   readinessProbe -> always ready"); orchsim keeps its own meaning of that moment: the app up.
 */

/** What the prober does with one container start; times are absolute. */
export interface ProbeOutcome {
  /** A startup or liveness probe kills the container at this time, before its app came up (NaN: it is not killed). */
  readonly killedAt: number;
  /** Which probe killed it ('' when not killed). */
  readonly killedBy: '' | 'startup' | 'liveness';
  /** The startup probe passed (ContainerStatus.Started); the container start when there is no startup probe. */
  readonly startedAt: number;
  /** The pod becomes Ready (Infinity: never, for this container start). */
  readonly readyAt: number;
}

/**
 * The first probe of a worker at or after `from`: ticks fall at `start + k * periodSeconds`,
 * and those before `start + initialDelaySeconds` are skipped (worker.go doProbe).
 */
export function firstProbeAt(start: number, probe: ProbeTiming, from: number): number {
  const p = probe.periodSeconds;
  const k = Math.max(Math.ceil(probe.initialDelaySeconds / p), Math.ceil((from - start) / p), 0);
  return start + k * p;
}

/**
 * When a probe whose target fails until `up` (and passes after) reaches failureThreshold
 * consecutive failures, probing from `from` on: NaN when the target comes up before that.
 */
export function failsAt(start: number, probe: ProbeTiming, from: number, up: number): number {
  const first = firstProbeAt(start, probe, from);
  const last = first + (probe.failureThreshold - 1) * probe.periodSeconds;
  return last < up ? last : NaN;
}

/**
 * The prober's timeline for a container that starts at `start` and whose app is up at `up`
 * (`up >= start`); `neverReady`: its readiness probe never passes.
 */
export function probeTimeline(start: number, up: number, probes: ContainerProbes, neverReady = false): ProbeOutcome {
  const { startup, liveness, readiness } = probes;
  let startedAt = start;
  if (startup) {
    const killedAt = failsAt(start, startup, start, up);
    if (!Number.isNaN(killedAt)) return { killedAt, killedBy: 'startup', startedAt: NaN, readyAt: Infinity };
    // successThreshold is 1 for a startup probe: the first probe after the app is up passes.
    startedAt = firstProbeAt(start, startup, up);
  }
  if (liveness) {
    // A liveness probe that gives up before the app is up kills it (a probe too eager for a slow start).
    const killedAt = failsAt(start, liveness, startedAt, up);
    if (!Number.isNaN(killedAt)) return { killedAt, killedBy: 'liveness', startedAt, readyAt: Infinity };
  }
  if (!readiness) return { killedAt: NaN, killedBy: '', startedAt, readyAt: Math.max(up, startedAt) };
  if (neverReady) return { killedAt: NaN, killedBy: '', startedAt, readyAt: Infinity };
  // successThreshold consecutive successes from the first probe that finds the app up.
  const first = firstProbeAt(start, readiness, Math.max(up, startedAt));
  return { killedAt: NaN, killedBy: '', startedAt, readyAt: first + (readiness.successThreshold - 1) * readiness.periodSeconds };
}
