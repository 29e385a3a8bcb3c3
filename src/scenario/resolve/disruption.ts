import { parseIntOrPercent, type DisruptionBudgetSpec, type IntOrPercent } from '../../api/disruption.js';
import type { Workload } from '../../api/workload.js';
import type { DisruptionBudgetDoc } from '../schema.js';
import { addIssue, checkUniqueNames, type ResolveContext } from './context.js';

/**
 * The disruptionBudgets section: PodDisruptionBudgets over the resolved workloads. `selector:
 * { workload: NAME }` stands for that workload's pod labels (what a Deployment's own selector
 * matches), in its namespace. A selector that matches no pod is accepted, as kube-apiserver
 * accepts it (the budget then allows nothing: expected pods 0).
 */
export function resolveDisruptionBudgets(docs: readonly DisruptionBudgetDoc[], workloads: readonly Workload[], ctx: ResolveContext): DisruptionBudgetSpec[] {
  const out: DisruptionBudgetSpec[] = [];
  docs.forEach((b, i) => {
    const path = ['disruptionBudgets', i];
    let selector: DisruptionBudgetSpec['selector'] = { matchLabels: b.selector.matchLabels, matchExpressions: b.selector.matchExpressions };
    let namespace = b.namespace ?? 'default';
    if (b.selector.workload !== undefined) {
      const w = workloads.find((x) => x.name === b.selector.workload);
      if (!w || (w.kind !== 'service' && w.kind !== 'job')) {
        const known = workloads.filter((x) => x.kind === 'service' || x.kind === 'job').map((x) => x.name);
        addIssue(ctx, [...path, 'selector', 'workload'], w
          ? `workload "${w.name}" is a ${w.kind} workload: select its pods with matchLabels`
          : `unknown workload "${b.selector.workload}"${known.length ? ` (services and jobs: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})` : ''}`);
        return;
      }
      selector = { matchLabels: w.spec.labels };
      if (b.namespace !== undefined && b.namespace !== w.spec.namespace) {
        addIssue(ctx, [...path, 'namespace'], `workload "${w.name}" runs in namespace "${w.spec.namespace}", not "${b.namespace}"`);
        return;
      }
      namespace = w.spec.namespace;
    }
    const value = (v: number | string | undefined): IntOrPercent | undefined => (v === undefined ? undefined : parseIntOrPercent(v));
    out.push({ name: b.name, namespace, selector, minAvailable: value(b.minAvailable), maxUnavailable: value(b.maxUnavailable), unhealthyPodEvictionPolicy: b.unhealthyPodEvictionPolicy });
  });
  checkUniqueNames(ctx, 'disruption budget', docs.map((b) => `${b.namespace ?? ''}/${b.name}`), docs.map((_, i) => ['disruptionBudgets', i, 'name']));
  return out;
}
