import {
  CLUSTER_QUEUE_DEFAULTS, QUEUE_RESOURCES, type ClusterQueue, type ClusterQueuePreemption, type LocalQueue, type QueueResource, type ResourceFlavor, type ResourceGroup, type ResourceQuota,
} from '../api/queueing.js';
import type { QuotaResource, ResourceQuotaSpec } from '../api/quota.js';
import { parseBytes, parseMilliCPU, parseQuantity } from '../util/quantity.js';
import { taintAt, tolerationAt } from './kube-constraints.js';
import { type IssueList, listAt, oneOf, type Path, readInt, readMap, readObject, readString, readStringMap, required, readObjectName } from './kube-fields.js';

/**
 * Kueue's objects as manifests (kueue.x-k8s.io/v1beta1 ResourceFlavor, ClusterQueue and
 * LocalQueue; apis/kueue/v1beta1/*_types.go), read into the same objects the scenario's
 * `queueing:` section gives (src/api/queueing.ts). Each object is checked on its own here, with
 * the rules of Kueue's webhooks (pkg/webhooks/clusterqueue_webhook.go: a flavor gives every
 * covered resource in order, a resource and a flavor belong to one group, limits need a cohort,
 * a lending limit is at most the nominal quota); what needs the others (a flavor or ClusterQueue
 * that exists) is checked by the scenario layer, at the object's position.
 */

export const KUEUE_API_VERSIONS: readonly string[] = ['kueue.x-k8s.io/v1beta1', 'kueue.x-k8s.io/v1beta2'];
export const KUEUE_KINDS: readonly string[] = ['ResourceFlavor', 'ClusterQueue', 'LocalQueue'];

/** A quantity of `resource` in orchsim's units (milli-CPU, bytes, milli-GPU, pods). */
function quantityOf(resource: QueueResource, v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  if (resource === 'cpu') return parseMilliCPU(v);
  if (resource === 'memory') return parseBytes(v);
  const n = parseQuantity(v);
  if (n === undefined || n < 0) return undefined;
  return resource === 'nvidia.com/gpu' ? Math.round(n * 1000) : Number.isInteger(n) ? n : undefined;
}

function checkApiVersion(m: Readonly<Record<string, unknown>>, path: Path, out: IssueList): void {
  const v = readString(m['apiVersion'], [...path, 'apiVersion'], out);
  if (v !== undefined && !KUEUE_API_VERSIONS.includes(v)) out.add([...path, 'apiVersion'], `expected ${KUEUE_API_VERSIONS.join(' or ')}, got "${v}"`);
}


/** A ResourceFlavor: spec.nodeLabels, spec.nodeTaints, spec.tolerations. */
export function convertResourceFlavor(v: unknown, path: Path, out: IssueList): ResourceFlavor | undefined {
  const m = readObject(v, path, out, 'a ResourceFlavor object');
  if (!m) return undefined;
  checkApiVersion(m, path, out);
  const { name } = readObjectName(m, path, out);
  const specPath = [...path, 'spec'];
  const spec = readMap(m['spec'], specPath, out) ?? {};
  const nodeLabels = readStringMap(spec['nodeLabels'], [...specPath, 'nodeLabels'], out) ?? {};
  const nodeTaints = listAt(spec['nodeTaints'], [...specPath, 'nodeTaints'], out, (x, p) => taintAt(x, p, out)) ?? [];
  const tolerations = listAt(spec['tolerations'], [...specPath, 'tolerations'], out, (x, p) => tolerationAt(x, p, out)) ?? [];
  return name === undefined ? undefined : { name, nodeLabels, nodeTaints, tolerations };
}

/** A LocalQueue: its namespace, name and spec.clusterQueue. */
export function convertLocalQueue(v: unknown, path: Path, out: IssueList): LocalQueue | undefined {
  const m = readObject(v, path, out, 'a LocalQueue object');
  if (!m) return undefined;
  checkApiVersion(m, path, out);
  const { name, namespace } = readObjectName(m, path, out);
  const spec = readMap(m['spec'], [...path, 'spec'], out) ?? {};
  const clusterQueue = required(readString(spec['clusterQueue'], [...path, 'spec', 'clusterQueue'], out), spec['clusterQueue'], [...path, 'spec', 'clusterQueue'], out, 'spec.clusterQueue');
  return name === undefined || clusterQueue === undefined ? undefined : { name, namespace, clusterQueue };
}

/** A ClusterQueue: resourceGroups, cohort (v1beta2: cohortName), queueingStrategy, preemption, fairSharing, flavorFungibility. */
export function convertClusterQueue(v: unknown, path: Path, out: IssueList): ClusterQueue | undefined {
  const m = readObject(v, path, out, 'a ClusterQueue object');
  if (!m) return undefined;
  checkApiVersion(m, path, out);
  const { name } = readObjectName(m, path, out);
  const sp = [...path, 'spec'];
  const spec = readMap(m['spec'], sp, out) ?? {};
  const cohortKey = spec['cohortName'] !== undefined ? 'cohortName' : 'cohort';
  const cohort = readString(spec[cohortKey], [...sp, cohortKey], out) || undefined;
  const d = CLUSTER_QUEUE_DEFAULTS;
  const queueingStrategy = spec['queueingStrategy'] === undefined ? d.queueingStrategy : oneOf(spec['queueingStrategy'], ['StrictFIFO', 'BestEffortFIFO'] as const, [...sp, 'queueingStrategy'], out) ?? d.queueingStrategy;
  const resourceGroups = listAt(spec['resourceGroups'], [...sp, 'resourceGroups'], out, (x, p) => groupAt(x, p, out)) ?? [];
  checkGroups(resourceGroups, cohort, [...sp, 'resourceGroups'], out);
  const preemption = preemptionAt(spec['preemption'], [...sp, 'preemption'], out);
  const fair = readMap(spec['fairSharing'], [...sp, 'fairSharing'], out);
  const weight = fair?.['weight'] === undefined ? d.fairSharingWeight : quantityWeight(fair['weight'], [...sp, 'fairSharing', 'weight'], out);
  const fung = readMap(spec['flavorFungibility'], [...sp, 'flavorFungibility'], out);
  const whenCanBorrow = fung?.['whenCanBorrow'] === undefined ? d.flavorFungibility.whenCanBorrow : oneOf(fung['whenCanBorrow'], ['MayStopSearch', 'TryNextFlavor', 'Borrow'] as const, [...sp, 'flavorFungibility', 'whenCanBorrow'], out);
  const whenCanPreempt = fung?.['whenCanPreempt'] === undefined ? d.flavorFungibility.whenCanPreempt : oneOf(fung['whenCanPreempt'], ['MayStopSearch', 'TryNextFlavor', 'Preempt'] as const, [...sp, 'flavorFungibility', 'whenCanPreempt'], out);
  if (name === undefined) return undefined;
  return {
    name, cohort, queueingStrategy, resourceGroups, preemption, fairSharingWeight: weight,
    // v1beta1's Borrow and Preempt are the older names of MayStopSearch (clusterqueue_types.go).
    flavorFungibility: { whenCanBorrow: whenCanBorrow === 'TryNextFlavor' ? 'TryNextFlavor' : 'MayStopSearch', whenCanPreempt: whenCanPreempt === 'MayStopSearch' || whenCanPreempt === 'Preempt' ? 'MayStopSearch' : 'TryNextFlavor' },
  };
}

function quantityWeight(v: unknown, path: Path, out: IssueList): number {
  const n = typeof v === 'number' || typeof v === 'string' ? parseQuantity(v) : undefined;
  if (n === undefined || n < 0) {
    out.add(path, `expected a weight >= 0 (a quantity such as 1 or 500m), got ${JSON.stringify(v)}`);
    return CLUSTER_QUEUE_DEFAULTS.fairSharingWeight;
  }
  return n;
}

function groupAt(v: unknown, path: Path, out: IssueList): ResourceGroup | undefined {
  const g = readMap(v, path, out);
  if (!g) return undefined;
  const covered = listAt(g['coveredResources'], [...path, 'coveredResources'], out, (x, p) => oneOf(x, QUEUE_RESOURCES, p, out)) ?? [];
  const flavors = listAt(g['flavors'], [...path, 'flavors'], out, (x, p) => {
    const f = readMap(x, p, out);
    if (!f) return undefined;
    const name = required(readString(f['name'], [...p, 'name'], out), f['name'], [...p, 'name'], out, 'the flavor name');
    const resources = listAt(f['resources'], [...p, 'resources'], out, (y, rp) => quotaAt(y, rp, out)) ?? [];
    return name === undefined ? undefined : { name, resources };
  }) ?? [];
  return { coveredResources: covered, flavors };
}

function quotaAt(v: unknown, path: Path, out: IssueList): ResourceQuota | undefined {
  const r = readMap(v, path, out);
  if (!r) return undefined;
  const name = oneOf(r['name'], QUEUE_RESOURCES, [...path, 'name'], out);
  if (name === undefined) return undefined;
  const read = (key: string): number | undefined => {
    if (r[key] === undefined) return undefined;
    const n = quantityOf(name, r[key]);
    if (n === undefined) out.add([...path, key], `expected a ${name} quantity, got ${JSON.stringify(r[key])}`);
    return n;
  };
  const nominalQuota = read('nominalQuota');
  if (r['nominalQuota'] === undefined) out.add([...path, 'nominalQuota'], 'expected nominalQuota');
  return { name, nominalQuota: nominalQuota ?? 0, borrowingLimit: read('borrowingLimit'), lendingLimit: read('lendingLimit') };
}

/** The webhook's per-object rules on resource groups. */
function checkGroups(groups: readonly ResourceGroup[], cohort: string | undefined, path: Path, out: IssueList): void {
  const seenResource = new Set<string>();
  const seenFlavor = new Set<string>();
  groups.forEach((g, gi) => {
    for (const r of g.coveredResources) {
      if (seenResource.has(r)) out.add([...path, gi, 'coveredResources'], `resource ${r} is covered by two resource groups (a resource belongs to one group)`);
      seenResource.add(r);
    }
    g.flavors.forEach((f, fi) => {
      const fp = [...path, gi, 'flavors', fi];
      if (seenFlavor.has(f.name)) out.add([...fp, 'name'], `flavor "${f.name}" is listed twice in this cluster queue (a flavor belongs to one resource group)`);
      seenFlavor.add(f.name);
      const names = f.resources.map((r) => r.name);
      if (names.length !== g.coveredResources.length || g.coveredResources.some((r, k) => names[k] !== r)) {
        out.add([...fp, 'resources'], `must list the covered resources in order (${g.coveredResources.join(', ')}), got ${names.join(', ')}`);
      }
      f.resources.forEach((r, ri) => {
        const rp = [...fp, 'resources', ri];
        if (cohort === undefined && r.borrowingLimit !== undefined) out.add([...rp, 'borrowingLimit'], 'a borrowingLimit needs a cohort (there is nobody to borrow from)');
        if (cohort === undefined && r.lendingLimit !== undefined) out.add([...rp, 'lendingLimit'], 'a lendingLimit needs a cohort (there is nobody to lend to)');
        if (r.lendingLimit !== undefined && r.lendingLimit > r.nominalQuota) out.add([...rp, 'lendingLimit'], 'must be less than or equal to the nominal quota');
      });
    });
  });
}

function preemptionAt(v: unknown, path: Path, out: IssueList): ClusterQueuePreemption {
  const d = CLUSTER_QUEUE_DEFAULTS.preemption;
  const p = v === undefined ? undefined : readMap(v, path, out);
  if (!p) return d;
  const within = p['withinClusterQueue'] === undefined ? d.withinClusterQueue : oneOf(p['withinClusterQueue'], ['Never', 'LowerPriority', 'LowerOrNewerEqualPriority'] as const, [...path, 'withinClusterQueue'], out) ?? d.withinClusterQueue;
  const reclaim = p['reclaimWithinCohort'] === undefined ? d.reclaimWithinCohort : oneOf(p['reclaimWithinCohort'], ['Never', 'LowerPriority', 'Any'] as const, [...path, 'reclaimWithinCohort'], out) ?? d.reclaimWithinCohort;
  const b = readMap(p['borrowWithinCohort'], [...path, 'borrowWithinCohort'], out);
  const policy = b?.['policy'] === undefined ? d.borrowWithinCohort.policy : oneOf(b['policy'], ['Never', 'LowerPriority'] as const, [...path, 'borrowWithinCohort', 'policy'], out) ?? 'Never';
  const threshold = b?.['maxPriorityThreshold'] === undefined ? undefined : readInt(b['maxPriorityThreshold'], [...path, 'borrowWithinCohort', 'maxPriorityThreshold'], out);
  return { withinClusterQueue: within, reclaimWithinCohort: reclaim, borrowWithinCohort: { policy, ...(threshold !== undefined ? { maxPriorityThreshold: threshold } : {}) } };
}

/**
 * A ResourceQuota (core/v1; it is not Kueue's, but quotas are read here with the other queueing
 * objects): spec.hard's requests.cpu / cpu, requests.memory / memory, requests.nvidia.com/gpu and
 * pods. Other hard limits (limits.*, object counts, storage) are refused by name.
 */
export function convertResourceQuota(v: unknown, path: Path, out: IssueList): ResourceQuotaSpec | undefined {
  const m = readObject(v, path, out, 'a ResourceQuota object');
  if (!m) return undefined;
  const apiVersion = readString(m['apiVersion'], [...path, 'apiVersion'], out);
  if (apiVersion !== undefined && apiVersion !== 'v1') out.add([...path, 'apiVersion'], `expected v1, got "${apiVersion}"`);
  const { name, namespace } = readObjectName(m, path, out);
  const hp = [...path, 'spec', 'hard'];
  const spec = readMap(m['spec'], [...path, 'spec'], out) ?? {};
  const raw = readMap(spec['hard'], hp, out) ?? {};
  const hard: Partial<Record<QuotaResource, number>> = {};
  const names: Record<string, [QuotaResource, QueueResource]> = {
    'requests.cpu': ['requests.cpu', 'cpu'], cpu: ['requests.cpu', 'cpu'], 'requests.memory': ['requests.memory', 'memory'], memory: ['requests.memory', 'memory'],
    'requests.nvidia.com/gpu': ['requests.nvidia.com/gpu', 'nvidia.com/gpu'], pods: ['pods', 'pods'],
  };
  for (const [key, value] of Object.entries(raw)) {
    const n = names[key];
    if (!n) {
      out.add([...hp, key], `hard limit "${key}" is not modelled (modelled: ${Object.keys(names).join(', ')})`);
      continue;
    }
    const q = quantityOf(n[1], value);
    if (q === undefined) out.add([...hp, key], `expected a ${n[1]} quantity, got ${JSON.stringify(value)}`);
    else hard[n[0]] = q;
  }
  if (Object.keys(raw).length === 0) out.add(hp, 'expected spec.hard with at least one of requests.cpu, requests.memory, requests.nvidia.com/gpu, pods');
  return name === undefined ? undefined : { name, namespace, hard };
}
