import {
  CLUSTER_QUEUE_DEFAULTS, DEFAULT_FAIR_SHARING_STRATEGIES, type ClusterQueue, type QueueingConfig, type QueueResource, type ResourceGroup, type ResourceQuota,
} from '../../api/queueing.js';
import type { Workload } from '../../api/workload.js';
import { parseBytes, parseMilliCPU, parseQuantity } from '../../util/quantity.js';
import type { KueueManifests } from '../../workloads/manifests.js';
import type { QueueingDoc } from '../schema-queueing.js';
import { addIssue, checkUniqueNames, type DocPath, type ResolveContext } from './context.js';

type ClusterQueueDoc = QueueingDoc['clusterQueues'][number];

/** A quantity of `resource` in orchsim's units (milli-CPU, bytes, milli-GPU, pods); undefined when malformed. */
function quantity(resource: QueueResource, v: string | number): number | undefined {
  if (resource === 'cpu') return parseMilliCPU(v);
  if (resource === 'memory') return parseBytes(v);
  const n = parseQuantity(v);
  if (n === undefined || n < 0) return undefined;
  return resource === 'nvidia.com/gpu' ? Math.round(n * 1000) : Number.isInteger(n) ? n : undefined;
}

/** The `resources` shorthand as one resource group covering the resources its flavors name, in file order. */
function shorthandGroups(c: ClusterQueueDoc): ResourceGroup[] {
  const names: QueueResource[] = ['cpu', 'memory', 'nvidia.com/gpu', 'pods'];
  const covered = names.filter((r) => c.resources!.some((f) => f[r] !== undefined));
  return [{
    coveredResources: covered,
    flavors: c.resources!.map((f) => ({
      name: f.flavor,
      resources: covered.map((r): ResourceQuota => {
        const q = f[r];
        return { name: r, nominalQuota: q?.nominal ?? 0, borrowingLimit: q?.borrowingLimit, lendingLimit: q?.lendingLimit };
      }),
    })),
  }];
}

/**
 * The queueing section as Kueue's objects, with upstream's validation (the webhooks in
 * pkg/webhooks/clusterqueue_webhook.go): each flavor of a group gives every covered resource, a
 * resource is in one group only, a flavor in one group only, limits need a cohort, a lending
 * limit is at most the nominal quota; LocalQueues point at existing ClusterQueues; names unique.
 */
export function resolveQueueing(doc: QueueingDoc, ctx: ResolveContext): QueueingConfig {
  const path: DocPath = ['queueing'];
  const flavorNames = new Set(doc.flavors.map((f) => f.name));
  checkUniqueNames(ctx, 'resource flavor', doc.flavors.map((f) => f.name), doc.flavors.map((_, i) => [...path, 'flavors', i, 'name']));
  checkUniqueNames(ctx, 'cluster queue', doc.clusterQueues.map((c) => c.name), doc.clusterQueues.map((_, i) => [...path, 'clusterQueues', i, 'name']));
  checkUniqueNames(ctx, 'local queue', doc.localQueues.map((l) => `${l.namespace ?? 'default'}/${l.name}`), doc.localQueues.map((_, i) => [...path, 'localQueues', i, 'name']));
  const clusterQueues = doc.clusterQueues.map((c, i): ClusterQueue => {
    const at = [...path, 'clusterQueues', i];
    const groups = c.resources ? shorthandGroups(c) : resolveGroups(c, [...at, 'resourceGroups'], ctx);
    checkGroups(c, groups, at, flavorNames, ctx);
    const d = CLUSTER_QUEUE_DEFAULTS;
    const p = c.preemption ?? {};
    return {
      name: c.name,
      cohort: c.cohort,
      queueingStrategy: c.queueingStrategy ?? d.queueingStrategy,
      resourceGroups: groups,
      preemption: {
        withinClusterQueue: p.withinClusterQueue ?? d.preemption.withinClusterQueue,
        reclaimWithinCohort: p.reclaimWithinCohort ?? d.preemption.reclaimWithinCohort,
        borrowWithinCohort: p.borrowWithinCohort ?? d.preemption.borrowWithinCohort,
      },
      fairSharingWeight: c.fairSharing?.weight ?? d.fairSharingWeight,
      flavorFungibility: { ...d.flavorFungibility, ...c.flavorFungibility },
    };
  });
  const cqNames = new Set(clusterQueues.map((c) => c.name));
  const localQueues = doc.localQueues.map((l, i) => {
    if (!cqNames.has(l.clusterQueue)) addIssue(ctx, [...path, 'localQueues', i, 'clusterQueue'], `unknown cluster queue "${l.clusterQueue}" (cluster queues: ${[...cqNames].join(', ')})`);
    return { name: l.name, namespace: l.namespace ?? 'default', clusterQueue: l.clusterQueue };
  });
  const fs = doc.fairSharing;
  const enabled = fs === true || (typeof fs === 'object' && fs.enable !== false);
  return {
    flavors: doc.flavors.map((f) => ({ name: f.name, nodeLabels: f.nodeLabels ?? {}, nodeTaints: f.nodeTaints ?? [], tolerations: f.tolerations ?? [] })),
    clusterQueues,
    localQueues,
    fairSharing: { enabled, preemptionStrategies: (typeof fs === 'object' ? fs.preemptionStrategies : undefined) ?? DEFAULT_FAIR_SHARING_STRATEGIES },
    cycleLatency: doc.cycleLatency ?? 0,
  };
}

function resolveGroups(c: ClusterQueueDoc, at: DocPath, ctx: ResolveContext): ResourceGroup[] {
  return c.resourceGroups!.map((g, gi) => ({
    coveredResources: g.coveredResources,
    flavors: g.flavors.map((f, fi) => ({
      name: f.name,
      resources: f.resources.map((r, ri): ResourceQuota => {
        const rp = [...at, gi, 'flavors', fi, 'resources', ri];
        const read = (v: string | number | undefined, key: string) => {
          if (v === undefined) return undefined;
          const n = quantity(r.name, v);
          if (n === undefined) addIssue(ctx, [...rp, key], `expected a ${r.name} quantity, got ${JSON.stringify(v)}`);
          return n ?? 0;
        };
        return { name: r.name, nominalQuota: read(r.nominalQuota, 'nominalQuota') ?? 0, borrowingLimit: read(r.borrowingLimit, 'borrowingLimit'), lendingLimit: read(r.lendingLimit, 'lendingLimit') };
      }),
    })),
  }));
}

function checkGroups(c: ClusterQueueDoc, groups: readonly ResourceGroup[], at: DocPath, flavorNames: ReadonlySet<string>, ctx: ResolveContext): void {
  const seenResource = new Set<string>();
  const seenFlavor = new Set<string>();
  const shorthand = c.resources !== undefined;
  groups.forEach((g, gi) => {
    const gp = shorthand ? [...at, 'resources'] : [...at, 'resourceGroups', gi];
    for (const r of g.coveredResources) {
      if (seenResource.has(r)) addIssue(ctx, [...gp, 'coveredResources'], `resource ${r} is covered by two resource groups (a resource belongs to one group)`);
      seenResource.add(r);
    }
    g.flavors.forEach((f, fi) => {
      const fp = shorthand ? [...gp, fi, 'flavor'] : [...gp, 'flavors', fi, 'name'];
      if (!flavorNames.has(f.name)) addIssue(ctx, fp, `unknown flavor "${f.name}" (flavors: ${[...flavorNames].join(', ')})`);
      if (seenFlavor.has(f.name)) addIssue(ctx, fp, `flavor "${f.name}" is listed twice in this cluster queue (a flavor belongs to one resource group)`);
      seenFlavor.add(f.name);
      const names = f.resources.map((r) => r.name);
      if (!shorthand && (names.length !== g.coveredResources.length || g.coveredResources.some((r, k) => names[k] !== r))) {
        addIssue(ctx, [...gp, 'flavors', fi, 'resources'], `must list the covered resources in order (${g.coveredResources.join(', ')}), got ${names.join(', ')}`);
      }
      f.resources.forEach((r, ri) => {
        const rp = shorthand ? [...gp, fi, r.name] : [...gp, 'flavors', fi, 'resources', ri];
        if (c.cohort === undefined && r.borrowingLimit !== undefined) addIssue(ctx, [...rp, 'borrowingLimit'], 'a borrowingLimit needs a cohort (there is nobody to borrow from)');
        if (c.cohort === undefined && r.lendingLimit !== undefined) addIssue(ctx, [...rp, 'lendingLimit'], 'a lendingLimit needs a cohort (there is nobody to lend to)');
        if (r.lendingLimit !== undefined && r.lendingLimit > r.nominalQuota) addIssue(ctx, [...rp, 'lendingLimit'], 'must be less than or equal to the nominal quota');
      });
    });
  });
}

/** Workloads that name a LocalQueue: it must exist in their namespace, and the scenario must have a queueing section. */
export function checkWorkloadQueues(workloads: readonly Workload[], sources: readonly DocPath[], config: QueueingConfig | undefined, ctx: ResolveContext): void {
  workloads.forEach((w, k) => {
    if ((w.kind !== 'job' && w.kind !== 'batch') || w.queue === undefined) return;
    const ns = w.kind === 'job' ? w.spec.namespace : undefined;
    const at = [...(sources[k] ?? []).slice(0, -1), 'queue'];
    if (!config) {
      addIssue(ctx, at, `workload "${w.name}" names queue "${w.queue}", but the scenario has no queueing section (add queueing: with the LocalQueue)`);
      return;
    }
    const found = config.localQueues.some((l) => l.name === w.queue && (ns === undefined || l.namespace === ns));
    if (!found) {
      const known = config.localQueues.map((l) => `${l.namespace}/${l.name}`);
      addIssue(ctx, at, `unknown queue "${w.queue}"${ns ? ` in namespace "${ns}"` : ''} (local queues: ${known.join(', ')})`);
    }
  });
}

/**
 * Kueue objects from manifests (ResourceFlavors, ClusterQueues, LocalQueues) join the scenario's
 * `queueing:` section, or stand alone (fair sharing off, no cycle latency: Kueue's defaults).
 * Names must be unique across both; a ClusterQueue's flavors and a LocalQueue's ClusterQueue must
 * exist; problems are reported at the manifest object's position.
 */
export function addManifestQueueing(config: QueueingConfig | undefined, m: KueueManifests, ctx: ResolveContext): QueueingConfig | undefined {
  if (m.flavors.length + m.clusterQueues.length + m.localQueues.length === 0) return config;
  const base: QueueingConfig = config ?? { flavors: [], clusterQueues: [], localQueues: [], fairSharing: { enabled: false, preemptionStrategies: DEFAULT_FAIR_SHARING_STRATEGIES }, cycleLatency: 0 };
  const flavorNames = new Set(base.flavors.map((f) => f.name));
  const cqNames = new Set(base.clusterQueues.map((c) => c.name));
  const lqNames = new Set(base.localQueues.map((l) => `${l.namespace}/${l.name}`));
  const flavors = [...base.flavors];
  for (const f of m.flavors) {
    if (flavorNames.has(f.value.name)) ctx.issues.push(f.issue(['metadata', 'name'], `resource flavor "${f.value.name}" is defined twice (in the scenario's queueing section or another manifest)`));
    flavorNames.add(f.value.name);
    flavors.push(f.value);
  }
  const clusterQueues = [...base.clusterQueues];
  for (const c of m.clusterQueues) {
    if (cqNames.has(c.value.name)) ctx.issues.push(c.issue(['metadata', 'name'], `cluster queue "${c.value.name}" is defined twice (in the scenario's queueing section or another manifest)`));
    cqNames.add(c.value.name);
    c.value.resourceGroups.forEach((g, gi) => g.flavors.forEach((f, fi) => {
      if (!flavorNames.has(f.name)) ctx.issues.push(c.issue(['spec', 'resourceGroups', gi, 'flavors', fi, 'name'], `unknown flavor "${f.name}" (flavors: ${[...flavorNames].join(', ')})`));
    }));
    clusterQueues.push(c.value);
  }
  const localQueues = [...base.localQueues];
  for (const l of m.localQueues) {
    const key = `${l.value.namespace}/${l.value.name}`;
    if (lqNames.has(key)) ctx.issues.push(l.issue(['metadata', 'name'], `local queue "${key}" is defined twice (in the scenario's queueing section or another manifest)`));
    lqNames.add(key);
    if (!cqNames.has(l.value.clusterQueue)) ctx.issues.push(l.issue(['spec', 'clusterQueue'], `unknown cluster queue "${l.value.clusterQueue}" (cluster queues: ${[...cqNames].join(', ')})`));
    localQueues.push(l.value);
  }
  return { ...base, flavors, clusterQueues, localQueues };
}
