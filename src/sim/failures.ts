import type { Taint } from '../api/node.js';
import type { Distribution } from '../api/distribution.js';
import { quantileSorted } from '../util/stats.js';

/**
 * Failure inputs of a run and the incident records they produce. Definitions follow
 * ../shared/docs/FAILURES.md; timings follow ../shared/docs/KUBERNETES.md section 3.
 */

/** A failure domain resolved to node indexes: one node, a rack or a zone. */
export interface FailureDomain {
  /** 'trace': the nodes one replayed trace record took down. */
  readonly kind: 'node' | 'rack' | 'zone' | 'gpu' | 'trace';
  readonly name: string;
  readonly nodes: readonly number[];
  /** For kind 'gpu': the device index on its (single) node. */
  readonly device?: number | undefined;
  /** For zones and racks: the node label that defines the domain; nodes added later join it. */
  readonly label?: { readonly key: string; readonly value: string } | undefined;
}

/** Kubelet container restart back-off: 10 s, doubling, capped at 300 s; reset after 10 min running. */
export const CRASH_BACKOFF_INITIAL = 10;
export const CRASH_BACKOFF_MAX = 300;
export const CRASH_BACKOFF_RESET = 600;

/** Delay before the n-th consecutive restart (n >= 1). */
export function crashBackoff(n: number): number {
  return Math.min(CRASH_BACKOFF_MAX, CRASH_BACKOFF_INITIAL * 2 ** (n - 1));
}

/**
 * Each domain fails and is repaired again and again (an alternating renewal process): up for a
 * time drawn from `timeBetweenFailures`, then down for `repairTime`. An event takes down a
 * `fraction` of the domain's nodes (1 = all of them; correlated failures).
 */
export interface RandomFailureProcess {
  readonly name: string;
  readonly domains: readonly FailureDomain[];
  readonly timeBetweenFailures: Distribution;
  readonly repairTime: Distribution;
  readonly fraction: number;
}

/** A planned outage of one domain: a zone outage, a rack maintenance, a drained node. */
export interface ScheduledOutage {
  readonly name: string;
  readonly domain: FailureDomain;
  readonly at: number;
  readonly duration: number;
  /**
   * A planned drain rather than a failure: the nodes stay up but are cordoned, and their pods are
   * evicted at once (kubectl drain); after `duration` they are uncordoned.
   */
  readonly drain?: boolean | undefined;
  /**
   * kubectl drain --timeout (s): a drain whose evictions are still refused (429) by then gives up;
   * 0 or absent waits without end (kubectl's default), until the outage's window closes.
   */
  readonly drainTimeout?: number | undefined;
}

export interface FailureConfig {
  /** node-monitor-grace-period: 50 s from Kubernetes 1.32, 40 s before. */
  readonly nodeMonitorGracePeriod: number;
  /** DefaultTolerationSeconds for node.kubernetes.io/unreachable:NoExecute (300 s). */
  readonly defaultTolerationSeconds: number;
  readonly processes: readonly RandomFailureProcess[];
  readonly outages: readonly ScheduledOutage[];
}

export const NO_FAILURES: FailureConfig = { nodeMonitorGracePeriod: 50, defaultTolerationSeconds: 300, processes: [], outages: [] };

/** The taints the node lifecycle controller puts on a node that stopped reporting. */
export const TAINT_UNREACHABLE_NO_SCHEDULE: Taint = Object.freeze({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' });
export const TAINT_UNREACHABLE_NO_EXECUTE: Taint = Object.freeze({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' });

/**
 * One failure event. Times are NaN until they happen; `recovered` stays NaN for an incident
 * still open at the horizon (right-censored: never counted as recovered).
 */
export interface Incident {
  readonly id: number;
  readonly source: string;
  readonly domainKind: FailureDomain['kind'] | 'container';
  readonly domain: string;
  readonly nodes: number;
  readonly onset: number;
  /** First node marked NotReady (onset + grace period), if the outage lasted that long. */
  detected: number;
  /** First pod evicted (detected + tolerationSeconds). */
  evicted: number;
  /** Last replacement pod bound by the scheduler. */
  lastBound: number;
  /** Every affected replica running again. */
  recovered: number;
  /** Every node of the incident back in service. */
  hostsBack: number;
  /** Replicas (service and job pods) that were running or starting on the nodes at onset. */
  affectedReplicas: number;
  /** Affected replicas not yet running again. */
  outstanding: number;
  /** How the last replicas came back: resumed (node back before eviction), rescheduled, or restarted (container). */
  path: 'resumed' | 'rescheduled' | 'restarted' | '';
}

export interface TimeSummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
}

export function summarizeTimes(values: readonly number[]): TimeSummary {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { count: 0, mean: 0, p50: 0, p95: 0 };
  const sorted = Float64Array.from(v).sort();
  return { count: v.length, mean: v.reduce((a, b) => a + b, 0) / v.length, p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95) };
}

/** What the result reports about incidents (see the README for the exact definitions). */
export interface IncidentMetrics {
  readonly count: number;
  /** Incidents not recovered at the horizon (censored, excluded from MTTR). */
  readonly open: number;
  /** Incidents that affected no replica (no MTTR). */
  readonly withoutReplicas: number;
  readonly mttdSeconds: TimeSummary;
  readonly mttrSeconds: TimeSummary & {
    /** Means over the `incidents` recovered by rescheduling (the full detect-evict-reschedule path), each part over those that have both its times. */
    readonly parts: { readonly incidents: number; readonly detection: number; readonly evictionWait: number; readonly pending: number; readonly startup: number };
  };
  readonly hostRepairSeconds: TimeSummary;
  /** Incidents that were container crashes or hangs. */
  readonly containerCrashes: number;
  /** Incidents that were GPU device faults. */
  readonly gpuFaults: number;
  /** Node uptime / node failures (FAILURES.md: MTBF); 0 when no node failed. */
  readonly mtbfSeconds: number;
  readonly nodeFailures: number;
  /** Work of batch and job pods killed by failures, in GPU-hours and CPU-core-hours. */
  readonly lostGpuHours: number;
  readonly lostCpuHours: number;
}

export function incidentMetrics(incidents: readonly Incident[], nodeUptime: number, nodeFailures: number, lostGpuHours: number, lostCpuHours: number): IncidentMetrics {
  const withReplicas = incidents.filter((i) => i.affectedReplicas > 0);
  const closed = withReplicas.filter((i) => Number.isFinite(i.recovered));
  const rescheduled = closed.filter((i) => i.path === 'rescheduled');
  const nodeIncidents = incidents.filter((i) => i.domainKind !== 'container' && i.domainKind !== 'gpu');
  const meanFinite = (xs: number[]) => {
    const v = xs.filter((x) => Number.isFinite(x));
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
  };
  return {
    count: incidents.length,
    open: withReplicas.length - closed.length,
    withoutReplicas: incidents.length - withReplicas.length,
    mttdSeconds: summarizeTimes(incidents.map((i) => i.detected - i.onset)),
    mttrSeconds: {
      ...summarizeTimes(closed.map((i) => i.recovered - i.onset)),
      // The parts, over incidents recovered by rescheduling (the full Kubernetes path); each part
      // from the incidents that have both of its times (a replica that failed when its node came
      // back, before detection, has no detection part but has the others).
      parts: {
        incidents: rescheduled.length,
        detection: meanFinite(rescheduled.map((i) => i.detected - i.onset)),
        evictionWait: meanFinite(rescheduled.map((i) => i.evicted - i.detected)),
        pending: meanFinite(rescheduled.map((i) => i.lastBound - i.evicted)),
        startup: meanFinite(rescheduled.map((i) => i.recovered - i.lastBound)),
      },
    },
    hostRepairSeconds: summarizeTimes(nodeIncidents.map((i) => i.hostsBack - i.onset)),
    containerCrashes: incidents.filter((i) => i.domainKind === 'container').length,
    gpuFaults: incidents.filter((i) => i.domainKind === 'gpu').length,
    mtbfSeconds: nodeFailures > 0 ? nodeUptime / nodeFailures : 0,
    nodeFailures,
    lostGpuHours,
    lostCpuHours,
  };
}

export const INCIDENT_COLUMNS = ['id', 'source', 'domain_kind', 'domain', 'nodes', 'onset_s', 'detected_s', 'evicted_s', 'last_bound_s', 'recovered_s', 'hosts_back_s', 'affected_replicas', 'state', 'path', 'ttd_s', 'ttr_s'] as const;

/** incidents.csv: one row per incident; empty cells for times that never happened. */
export function incidentsCSV(incidents: readonly Incident[]): string {
  const n = (v: number) => (Number.isFinite(v) ? String(v) : '');
  const rows = [INCIDENT_COLUMNS.join(',')];
  for (const i of incidents) {
    const state = i.affectedReplicas === 0 ? 'no-replicas' : Number.isFinite(i.recovered) ? 'recovered' : 'open';
    rows.push([i.id, i.source, i.domainKind, i.domain, i.nodes, n(i.onset), n(i.detected), n(i.evicted), n(i.lastBound), n(i.recovered), n(i.hostsBack), i.affectedReplicas, state, i.path, n(i.detected - i.onset), n(i.recovered - i.onset)].join(','));
  }
  return rows.join('\n') + '\n';
}
