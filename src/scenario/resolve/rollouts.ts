import { DEFAULT_DEPLOYMENT_SETTINGS, type RolloutEvent, type TemplatePatch, type Workload } from '../../api/workload.js';
import type { RolloutDoc } from '../schema.js';
import { addIssue, type ResolveContext } from './context.js';
import { crashModel, probesPatch } from './workloads.js';

/**
 * The `rollouts:` list onto the services it names (declared ones and Deployments read from
 * manifests): each gets its events in time order (simultaneous ones in file order) with its
 * settings. Issues are collected: a name that is not a service, a rollout before the service
 * starts, an undo to a revision that cannot exist by then.
 */
export function addRollouts(workloads: Workload[], docs: readonly RolloutDoc[] | undefined, ctx: ResolveContext): void {
  if (!docs || docs.length === 0) return;
  const events = new Map<number, { ev: RolloutEvent; order: number }[]>();
  docs.forEach((r, i) => {
    const path = ['rollouts', i];
    const wi = workloads.findIndex((w) => w.name === r.workload);
    const w = workloads[wi];
    if (!w) {
      const services = workloads.filter((x) => x.kind === 'service').map((x) => x.name);
      addIssue(ctx, [...path, 'workload'], `no service named "${r.workload}"${services.length > 0 ? ` (services: ${services.join(', ')})` : ''}`);
      return;
    }
    if (w.kind !== 'service') {
      addIssue(ctx, [...path, 'workload'], `"${r.workload}" is a ${w.kind} workload: rollouts apply to services (Deployments)`);
      return;
    }
    if (r.at < w.startAt) {
      addIssue(ctx, [...path, 'at'], `the rollout at ${r.at}s comes before "${w.name}" starts (startAt ${w.startAt}s)`);
      return;
    }
    const list = events.get(wi) ?? [];
    events.set(wi, list);
    if (r.set) {
      const q = r.set.requests;
      const requests: NonNullable<TemplatePatch['requests']> | undefined = q && {
        ...(q.cpu !== undefined ? { milliCPU: q.cpu } : {}),
        ...(q.memory !== undefined ? { memory: q.memory } : {}),
        ...((q['nvidia.com/gpu'] ?? q.gpu) !== undefined ? { milliGPU: q['nvidia.com/gpu'] ?? q.gpu } : {}),
        ...(q['ephemeral-storage'] !== undefined ? { ephemeralStorage: q['ephemeral-storage'] } : {}),
      };
      const patch: TemplatePatch = {
        requests,
        startup: r.set.startup,
        crashes: r.set.crashes === null ? null : crashModel(r.set.crashes, r.set.livenessProbe ?? w.probes?.liveness),
        ...probesPatch(r.set),
      };
      list.push({ ev: { at: r.at, kind: 'update', patch }, order: i });
    } else {
      const toRevision = r.undo === true ? undefined : r.undo!.toRevision;
      // Revision 1 and one more per earlier rollout at most (an undo reuses a ReplicaSet, but still takes a new number).
      const earlier = docs.filter((x, j) => x.workload === r.workload && (x.at < r.at || (x.at === r.at && j < i))).length;
      if (toRevision !== undefined && toRevision > earlier + 1) {
        addIssue(ctx, [...path, 'undo', 'toRevision'], `revision ${toRevision} cannot exist by ${r.at}s: "${w.name}" has at most ${earlier + 1} revision${earlier > 0 ? 's' : ''} by then`);
      }
      list.push({ ev: { at: r.at, kind: 'undo', toRevision }, order: i });
    }
  });
  for (const [wi, list] of events) {
    const w = workloads[wi]!;
    if (w.kind !== 'service') continue;
    list.sort((a, b) => a.ev.at - b.ev.at || a.order - b.order);
    workloads[wi] = { ...w, rollout: { ...(w.deployment ?? DEFAULT_DEPLOYMENT_SETTINGS), events: list.map((e) => e.ev) } };
  }
}
