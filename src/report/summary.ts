import type { RunOutput, RunResult } from '../scenario/runner.js';
import { formatDuration } from '../util/quantity.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (x: number) => (x < 60 ? `${x.toFixed(x < 10 ? 2 : 1)}s` : formatDuration(x));

/** A readable summary of one run, for the terminal. */
export function formatSummary(r: RunResult, extra: { wallSeconds?: number } = {}): string {
  const m = r.metrics;
  const a = r.cluster.allocatable;
  const nameWidth = Math.max(14, ...m.workloads.map((w) => w.name.length));
  const lines = [
    r.orchestrator === 'swarm'
      ? `orchsim run: ${r.scenario} (seed ${r.seed}, orchestrator swarm, horizon ${formatDuration(r.horizonSeconds)})`
      : `orchsim run: ${r.scenario} (seed ${r.seed}, profile ${r.profile}, queue ${r.queue}, horizon ${formatDuration(r.horizonSeconds)})`,
    `cluster      ${r.cluster.nodes} nodes, ${a.cpu} cpu, ${(a.memoryBytes / 2 ** 30).toFixed(0)}Gi memory, ${a.gpu} gpu`,
    `utilization  cpu ${pct(m.utilization.cpu)}  memory ${pct(m.utilization.memory)}  gpu ${a.gpu > 0 ? pct(m.utilization.gpu) : 'n/a'}   (requested / allocatable, time-weighted)`,
    ...(m.stranded ? [`stranded     cpu ${pct(m.stranded.cpu)}  memory ${pct(m.stranded.memory)}  gpu ${m.stranded.gpu !== null ? pct(m.stranded.gpu) : 'n/a'}   (free, but another resource of the node ran short; sampled)`] : []),
    `pods         ${m.pods.submitted} submitted, ${m.pods.scheduled} scheduled, ${m.pods.completed} completed, ${m.pods.running + m.pods.bound} running at end, ${m.pods.pending} pending at end (${m.pods.unschedulable} unschedulable)${m.pods.deleted ? `, ${m.pods.deleted} deleted on purpose (scale-downs, updates, queue evictions)` : ''}`,
    `pending time mean ${secs(m.pendingSeconds.mean)}  p50 ${secs(m.pendingSeconds.p50)}  p95 ${secs(m.pendingSeconds.p95)}  p99 ${secs(m.pendingSeconds.p99)}  max ${secs(m.pendingSeconds.max)}  (${m.pendingSeconds.count} scheduled pods)`,
    `scheduling   ${m.scheduling.attempts} attempts, ${m.scheduling.failedAttempts} failed, ${(m.scheduling.nodesEvaluated / Math.max(1, m.scheduling.attempts)).toFixed(1)} nodes filtered per attempt`,
    ...schedulerLines(r),
    ...swarmLines(r),
    ...quotaLines(r),
    `workloads    ${'name'.padEnd(nameWidth)} ${'kind'.padEnd(9)} ${'submitted'.padStart(9)} ${'scheduled'.padStart(9)} ${'pending'.padStart(7)} ${'wait mean'.padStart(9)} ${'p95'.padStart(9)} ${'max'.padStart(9)}`,
    ...m.workloads.map((w) => `             ${w.name.padEnd(nameWidth)} ${w.kind.padEnd(9)} ${String(w.submitted).padStart(9)} ${String(w.scheduled).padStart(9)} ${String(w.pending).padStart(7)} ${secs(w.pendingSeconds.mean).padStart(9)} ${secs(w.pendingSeconds.p95).padStart(9)} ${secs(w.pendingSeconds.max).padStart(9)}`),
    ...incidentLines(r),
    ...preemptionLines(r),
    ...queueingLines(r),
    ...gangLines(r),
    ...autoscalingLines(r),
    ...(m.daemonSets ? [`daemonsets   ${m.daemonSets.pods} daemon pods on nodes, ${m.daemonSets.pending} waiting; they request ${(m.daemonSets.requested.milliCPU / 1000).toFixed(1)} cpu (${pct(m.daemonSets.share.cpu)} of allocatable) and ${(m.daemonSets.requested.memory / 2 ** 30).toFixed(1)}Gi memory (${pct(m.daemonSets.share.memory)}) at end`] : []),
    ...disruptionLines(r),
    ...rolloutLines(r),
    `engine       ${r.engine.events} events${extra.wallSeconds !== undefined ? ` in ${extra.wallSeconds.toFixed(2)}s wall time` : ''}`,
  ];
  return lines.join('\n') + '\n';
}

/** Kueue's queues: admissions, waits, quota held and borrowed, fair shares. */
function queueingLines(r: RunResult): string[] {
  const q = r.metrics.queueing;
  if (!q) return [];
  const w = q.admissionWaitSeconds;
  const lines = [
    `queueing     ${q.admitted} admissions, ${q.preempted} preempted, ${q.pendingAtEnd} queued at end; time to admission mean ${secs(w.mean)}  p95 ${secs(w.p95)}  max ${secs(w.max)}; fairness ${q.fairness.toFixed(3)}${q.gpuAllocation !== null ? `; GPUs admitted ${pct(q.gpuAllocation)} of quota` : ''}${q.fairSharing ? ' (fair sharing)' : ''}`,
  ];
  const width = Math.max(12, ...q.clusterQueues.map((c) => c.name.length), ...q.localQueues.map((l) => l.name.length));
  lines.push(`             ${'clusterQueue'.padEnd(width)} ${'admitted'.padStart(8)} ${'queued'.padStart(6)} ${'preempted'.padStart(9)} ${'wait p50'.padStart(9)} ${'p95'.padStart(9)} ${'cpu held'.padStart(9)} ${'borrowed'.padStart(9)} ${'gpu held'.padStart(9)} ${'DRS'.padStart(7)}`);
  for (const c of q.clusterQueues) {
    const gpu = c.nominal['nvidia.com/gpu'] > 0 ? `${c.usage['nvidia.com/gpu'].toFixed(1)}/${c.nominal['nvidia.com/gpu']}` : '-';
    lines.push(`             ${c.name.padEnd(width)} ${String(c.admitted).padStart(8)} ${String(c.pendingAtEnd).padStart(6)} ${String(c.preempted).padStart(9)} ${secs(c.admissionWaitSeconds.p50).padStart(9)} ${secs(c.admissionWaitSeconds.p95).padStart(9)} ${`${c.usage.cpu.toFixed(1)}/${c.nominal.cpu}`.padStart(9)} ${c.borrowed.cpu.toFixed(1).padStart(9)} ${gpu.padStart(9)} ${c.dominantResourceShare.toFixed(1).padStart(7)}`);
  }
  return lines;
}

/** Per scheduler profile (schedulerName), when pods name more than one: pods, attempts, waits. */
function schedulerLines(r: RunResult): string[] {
  return (r.metrics.schedulers ?? []).map((x) => {
    const by = x.profile !== undefined ? `profile ${x.profile}` : 'no profile: never scheduled';
    return `             ${x.schedulerName} (${by}): ${x.pods} pods, ${x.scheduled} scheduled, ${x.pending} pending at end; ${x.attempts} attempts, ${x.failedAttempts} failed; wait mean ${secs(x.pendingSeconds.mean)}, p95 ${secs(x.pendingSeconds.p95)}`;
  });
}

/** ResourceQuotas: pods held for room and their waits, peak use against each hard limit. */
function quotaLines(r: RunResult): string[] {
  return (r.metrics.resourceQuotas ?? []).map((q, i) => {
    const unit = (k: string, v: number) => (k === 'requests.cpu' ? `${v / 1000}` : k === 'requests.memory' ? `${(v / 2 ** 30).toFixed(1)}Gi` : k === 'requests.nvidia.com/gpu' ? `${v / 1000}` : `${v}`);
    const use = Object.entries(q.hard).map(([k, h]) => `${k} ${unit(k, q.peak[k as keyof typeof q.peak] ?? 0)}/${unit(k, h!)}`).join(', ');
    return `${i === 0 ? 'quotas      ' : '            '} ${q.namespace}/${q.name}: ${q.podsHeld} pods held for room (${q.heldAtEnd} still at the end), wait mean ${secs(q.waitSeconds.mean)} max ${secs(q.waitSeconds.max)}; peak ${use}`;
  });
}

/** Swarm runs: the scheduler's ticks, and the last reason each service's tasks found no node. */
function swarmLines(r: RunResult): string[] {
  const w = r.metrics.swarm;
  if (!w) return [];
  return [
    `swarm        ${w.ticks} scheduler ticks`,
    ...Object.entries(w.noSuitableNode).map(([name, why]) => `             ${name}: ${why}`),
  ];
}

/** Preemptions, when there were any: victims per workload, the work they lost, the preemptors' waits. */
function preemptionLines(r: RunResult): string[] {
  const p = r.metrics.preemption;
  if (!p) return [];
  const lost = p.lostCpuHours > 0 || p.lostGpuHours > 0 ? `; work lost ${p.lostCpuHours.toFixed(1)} cpu-hours${p.lostGpuHours > 0 ? `, ${p.lostGpuHours.toFixed(1)} GPU-hours` : ''}` : '';
  const victims = Object.entries(p.victimsByWorkload).map(([w, n]) => `${w} ${n}`).join(', ');
  return [`preemption   ${p.preemptors} pods preempted ${p.victims} (${victims})${lost}; preemptors waited mean ${secs(p.preemptorWaitSeconds.mean)}, max ${secs(p.preemptorWaitSeconds.max)}`];
}

/** Gangs (PodGroups), when the scenario has any: how many were placed, their waits, what they held idle. */
function gangLines(r: RunResult): string[] {
  const g = r.metrics.gangs;
  if (!g) return [];
  const w = g.waitSeconds;
  const h = g.heldIdle;
  return [
    `gangs        ${g.submitted} submitted, ${g.scheduled} scheduled, ${g.timedOut} timed out at Permit (${g.rejectedPods} pods rejected); wait mean ${secs(w.mean)}  p50 ${secs(w.p50)}  p95 ${secs(w.p95)}  p99 ${secs(w.p99)}  max ${secs(w.max)}`,
    `             held idle ${(h.gpuSeconds / 3600).toFixed(1)} GPU-hours (${pct(h.gpuShare)} of allocatable), ${(h.cpuCoreSeconds / 3600).toFixed(1)} cpu-core-hours (${pct(h.cpuShare)}); reserved at Permit ${(h.reservedGpuSeconds / 3600).toFixed(1)} GPU-hours`,
  ];
}

/** PodDisruptionBudgets: evictions per budget and how drains ended (only when the scenario has budgets). */
function disruptionLines(r: RunResult): string[] {
  const d = r.metrics.disruption;
  if (!d) return [];
  const e = d.evictions;
  const lines = [`disruption   ${e.attempted} evictions through budgets: ${e.allowed} allowed, ${e.blocked} refused (429)${e.failed ? `, ${e.failed} failed` : ''}`];
  for (const b of d.budgets) lines.push(`             ${b.name.padEnd(14)} ${b.evictions.allowed} allowed, ${b.evictions.blocked} refused; at end ${b.currentHealthy} healthy of ${b.desiredHealthy} desired, ${b.disruptionsAllowed} allowed`);
  const x = d.drains;
  if (x.started > 0) {
    const parts = [`${x.completed} completed`, x.waiting ? `${x.waiting} still waiting at the horizon (never finished)` : '', x.blocked ? `${x.blocked} blocked until their window closed` : '', x.timedOut ? `${x.timedOut} timed out` : '', x.failed ? `${x.failed} failed` : ''].filter(Boolean);
    lines.push(`drains       ${x.started} started: ${parts.join(', ')}; waited mean ${secs(x.waitSeconds.mean)}, max ${secs(x.waitSeconds.max)}`);
  }
  return lines;
}

/** Stable JSON: keys in insertion order, 2-space indent, trailing newline. */
export function resultJSON(r: RunResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}

/** The time series as CSV with a header row. Numbers are written in full precision. */
export function timeseriesCSV(ts: RunOutput['timeseries']): string {
  const out = [ts.columns.join(',')];
  for (const row of ts.rows) out.push(row.join(','));
  return out.join('\n') + '\n';
}

/** The scaling actions as CSV (one row per action). */
export function actionsCSV(actions: NonNullable<RunOutput['autoscaling']>['actions']): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const out = ['time,scaler,action,target,from,to,reason'];
  for (const a of actions) out.push([a.time, quote(a.scaler), a.action, quote(a.target), a.from, a.to, quote(a.reason)].join(','));
  return out.join('\n') + '\n';
}

/** Services under load, autoscaling actions, node-hours and cost. */
function autoscalingLines(r: RunResult): string[] {
  const a = r.metrics.autoscaling;
  if (!a) return [];
  const lines: string[] = [];
  const count = (scaler: string, kind: string) => a.actions[scaler]?.[kind] ?? 0;
  const scalers = Object.keys(a.actions).filter((k) => k !== 'hpa' && k !== 'cloud');
  const hpa = a.actions.hpa ? `HPA ${count('hpa', 'scale-up')} scale-ups, ${count('hpa', 'scale-down')} scale-downs` : '';
  const nodes = scalers.map((k) => `${k} ${count(k, 'scale-up')} scale-ups, ${count(k, 'node-removed')} nodes removed`).join('; ');
  const cloud = a.actions.cloud ? `${count('cloud', 'node-ready')} nodes added${count('cloud', 'scale-up-failed') ? `, ${count('cloud', 'scale-up-failed')} failed` : ''}` : '';
  const acts = [hpa, nodes, cloud].filter((x) => x).join('; ');
  if (acts) lines.push(`autoscaling  ${acts}`);
  if (a.services.length > 0) {
    lines.push(`services     ${'name'.padEnd(14)} ${'replicas min/mean/max'.padStart(21)} ${'served'.padStart(9)} ${'dropped'.padStart(10)} ${'SLO min'.padStart(8)}  time to capacity`);
    for (const s of a.services) {
      const reps = `${s.replicas.min}/${s.replicas.mean.toFixed(1)}/${s.replicas.max}`;
      const served = s.requests ? pct(s.requests.servedFraction) : 'n/a';
      const dropped = s.requests ? s.requests.dropped.toFixed(0) : 'n/a';
      const slo = s.slo ? s.slo.violationMinutes.toFixed(1) : 'n/a';
      const events = s.loadEvents.slice(0, 4).map((e) => `${e.kind}@${formatDuration(e.at)} ${e.timeToCapacitySeconds === null ? 'never' : secs(e.timeToCapacitySeconds)}`).join(', ');
      lines.push(`             ${s.name.padEnd(14)} ${reps.padStart(21)} ${served.padStart(9)} ${dropped.padStart(10)} ${slo.padStart(8)}  ${events}${s.loadEvents.length > 4 ? `, ... (${s.loadEvents.length} events)` : ''}`);
    }
  }
  lines.push(`cost         ${a.cost.toFixed(2)} for ${a.nodeHours.toFixed(1)} node-hours: ${a.pools.map((p) => `${p.name} ${p.nodeHours.toFixed(1)}h x ${p.pricePerHour} = ${p.cost.toFixed(2)} (nodes ${p.nodes.min}..${p.nodes.max}, ${p.nodes.final} at end)`).join('; ')}`);
  return lines;
}

/** Deployment rollouts: how each went, how long it took, the fewest available pods and the most pods. */
function rolloutLines(r: RunResult): string[] {
  const rollouts = r.metrics.rollouts;
  if (!rollouts || rollouts.length === 0) return [];
  return rollouts.map((x, i) => {
    const took = Number.isNaN(x.durationSeconds) || x.durationSeconds === null ? 'not done at the horizon' : `in ${secs(x.durationSeconds)}`;
    const deadline = Number.isNaN(x.deadlineExceededAt) || x.deadlineExceededAt === null ? '' : `, ProgressDeadlineExceeded at ${formatDuration(x.deadlineExceededAt)}`;
    const surge = x.nodesAdded > 0 ? `, ${x.nodesAdded} nodes added (${x.surgeNodeHours.toFixed(2)} node-hours, cost ${x.surgeCost.toFixed(2)})` : '';
    const served = Number.isNaN(x.servedFraction) || x.servedFraction === null ? '' : `, served ${pct(x.servedFraction)}`;
    return `${i === 0 ? 'rollouts    ' : '            '} ${x.workload} revision ${x.revision} (${x.cause}) at ${formatDuration(x.start)}: ${x.outcome} ${took}${deadline}; available >= ${x.minAvailable}/${x.replicas}, pods <= ${x.maxPods}${served}${surge}${x.rolledBack ? '; rolled back' : ''}`;
  });
}

/** Availability and incidents, when the run had services or failures. */
function incidentLines(r: RunResult): string[] {
  const m = r.metrics;
  const lines: string[] = [];
  const inc = m.incidents;
  if (inc.count > 0) {
    const t = (x: { count: number; mean: number; p50: number; p95: number }) => (x.count ? `mean ${secs(x.mean)} p50 ${secs(x.p50)} p95 ${secs(x.p95)}` : 'n/a');
    lines.push(`incidents    ${inc.count} (${inc.open} open at the horizon, not counted as recovered; ${inc.withoutReplicas} hit no replica), ${inc.nodeFailures} node failures, MTBF ${inc.mtbfSeconds ? secs(inc.mtbfSeconds) : 'n/a'}`);
    lines.push(`MTTD         ${t(inc.mttdSeconds)}   (${inc.mttdSeconds.count} detected)`);
    const p = inc.mttrSeconds.parts;
    lines.push(`MTTR         ${t(inc.mttrSeconds)}${p.incidents > 0 ? `   parts (${p.incidents} rescheduled): detection ${secs(p.detection)} + eviction wait ${secs(p.evictionWait)} + pending ${secs(p.pending)} + startup ${secs(p.startup)}` : ''}${inc.containerCrashes > 0 ? `; ${inc.containerCrashes} container crashes` : ''}${inc.gpuFaults > 0 ? `; ${inc.gpuFaults} GPU faults` : ''}`);
    lines.push(`host repair  ${t(inc.hostRepairSeconds)}; lost work ${inc.lostGpuHours.toFixed(1)} GPU-hours, ${inc.lostCpuHours.toFixed(1)} CPU-core-hours`);
  }
  if (m.availability.length > 0 && (inc.count > 0 || m.availability.some((a) => a.availability < 1))) {
    lines.push(`availability ${'service'.padEnd(14)} ${'all ready'.padStart(10)} ${'down min'.padStart(9)} ${'>= min'.padStart(10)} ${'down min'.padStart(9)}`);
    for (const a of m.availability) {
      const pct = (x: number) => `${(x * 100).toFixed(3)}%`;
      lines.push(`             ${a.name.padEnd(14)} ${pct(a.availability).padStart(10)} ${a.downtimeMinutes.toFixed(1).padStart(9)} ${pct(a.availabilityMin).padStart(10)} ${a.downtimeMinutesMin.toFixed(1).padStart(9)}   (min ${a.minAvailable} of ${a.desired})`);
    }
  }
  return lines;
}
