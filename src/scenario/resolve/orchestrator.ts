import { issueAt } from '../../util/errors.js';
import type { ScenarioDoc } from '../schema.js';
import { addIssue, type ResolveContext } from './context.js';

/** Which orchestrator runs a scenario, and Swarm's cluster settings. */
export interface OrchestratorChoice {
  readonly orchestrator: 'kubernetes' | 'swarm';
  /** Swarm's dispatcher.heartbeat_period (seconds); 5 by default. */
  readonly heartbeatPeriod?: number | undefined;
}

/**
 * `orchestrator: swarm` runs the scenario's cluster, workloads, failures and load under Docker
 * Swarm mode's controllers. What only Kubernetes has is bad input (a cluster autoscaler: Swarm
 * has none) or a warning (what Swarm would not read: scheduler profiles, disruption budgets).
 */
export function resolveOrchestrator(doc: ScenarioDoc, ctx: ResolveContext): OrchestratorChoice {
  if (doc.orchestrator !== 'swarm') {
    if (doc.swarm !== undefined) ctx.warnings.push(issueAt(ctx.file, ctx.locate, ['swarm'], 'swarm settings are read only with orchestrator: swarm; this scenario runs under Kubernetes'));
    return { orchestrator: 'kubernetes' };
  }
  if (doc.clusterAutoscaler !== undefined) addIssue(ctx, ['clusterAutoscaler'], 'Docker Swarm has no cluster autoscaler: remove clusterAutoscaler, or run with orchestrator: kubernetes');
  if (doc.queueing !== undefined) addIssue(ctx, ['queueing'], 'Kueue runs on Kubernetes only: remove queueing, or run with orchestrator: kubernetes');
  const warn = (path: (string | number)[], message: string) => ctx.warnings.push(issueAt(ctx.file, ctx.locate, path, message));
  doc.workloads.forEach((w, i) => {
    if ('gang' in w && w.gang !== undefined) warn(['workloads', i, 'gang'], "gangs need kube-scheduler's Coscheduling plugin; Swarm places a gang's tasks one by one, as any others");
  });
  if (doc.resourceQuotas !== undefined) warn(['resourceQuotas'], 'ResourceQuotas are a Kubernetes admission check; Swarm does not read them');
  if (doc.disruptionBudgets !== undefined) warn(['disruptionBudgets'], 'Docker Swarm has no disruption budgets: drains and scale-downs ignore them');
  if (doc.scheduler.queue !== 'kubernetes' || doc.scheduler.profile !== 'default' || doc.scheduler.profiles !== undefined) {
    warn(['scheduler'], "the scheduler section configures kube-scheduler; under orchestrator: swarm, Swarm's own scheduler places tasks");
  }
  return { orchestrator: 'swarm', heartbeatPeriod: doc.swarm?.heartbeatPeriod };
}
