import { WellKnownLabel, type Taint } from '../../api/node.js';
import { resources } from '../../api/resources.js';
import type { NodeSpec } from '../../api/node.js';
import { SWARM_DEFAULT_NODE_META, type SwarmNodeMeta } from '../../api/swarm.js';
import type { SimNodeGroup } from '../../sim/simulation.js';
import type { Distribution } from '../../api/distribution.js';
import { formatCount, MAX_NODES } from '../../workloads/input-limits.js';
import { readManifests, type Manifests } from '../../workloads/manifests.js';
import type { DisruptionBudgetSpec } from '../../api/disruption.js';
import { readOpenbNodes } from '../../workloads/openb.js';
import type { Workload } from '../../api/workload.js';
import type { PoolDoc } from '../schema.js';
import { addIssue, issueError, readReferencedFile, type DocPath, type ResolveContext } from './context.js';

/** Label carrying a node's rack (orchsim convention; Kubernetes has no well-known rack label). */
export const RACK_LABEL = 'orchsim.io/rack';
/** GPU model label as set by NVIDIA GPU feature discovery. */
export const GPU_MODEL_LABEL = 'nvidia.com/gpu.product';
export const POOL_LABEL = 'orchsim.io/pool';

/** Cloud VMs take about 3-4 minutes from request to a ready node (KUBERNETES.md section 5). */
const DEFAULT_PROVISIONING: Distribution = { kind: 'uniform', min: 180, max: 240 };

/** The cluster's nodes so far, where each comes from in the file (for duplicate names), and its node groups. */
export interface ClusterNodes {
  readonly nodes: NodeSpec[];
  readonly sources: DocPath[];
  readonly nodeGroups: SimNodeGroup[];
}

/** Bad input at `path` when the cluster would come to more than MAX_NODES: "<what> come(s) to N nodes, more than...". */
function checkNodeLimit(ctx: ResolveContext, total: number, path: DocPath, what: string): void {
  if (total <= MAX_NODES) return;
  throw issueError(ctx, path, `${what} ${formatCount(total)} nodes, more than the limit of ${formatCount(MAX_NODES)} nodes per scenario`);
}

function addNode(cluster: ClusterNodes, node: NodeSpec, source: DocPath): void {
  // One at a time: spreading 100,000 arguments can overflow the stack.
  cluster.nodes.push(node);
  cluster.sources.push(source);
}

/**
 * The nodes of the pools and the node groups of the autoscaled ones. The nodes the pools can
 * reach (their counts, or their groups' maxima when autoscaled) are checked against the node
 * limit before any is built; a group that starts outside its range is an issue.
 */
export function resolvePools(pools: readonly PoolDoc[], ctx: ResolveContext): ClusterNodes {
  const cluster: ClusterNodes = { nodes: [], sources: [], nodeGroups: [] };
  let reach = 0;
  for (const [i, pool] of pools.entries()) {
    const groups = pool.autoscaling ? Math.max(1, pool.zones?.length ?? 0) : 0;
    reach += pool.autoscaling ? Math.max(pool.count, groups * pool.autoscaling.max) : pool.count;
    const path = ['cluster', 'pools', i, ...(pool.autoscaling && groups * pool.autoscaling.max > pool.count ? ['autoscaling', 'max'] : ['count'])];
    checkNodeLimit(ctx, reach, path, `the pools${pool.autoscaling ? ' (at their autoscaling maxima)' : ''} come to`);
  }
  pools.forEach((pool, i) => {
    const list = poolNodes(pool).map((n) => ({ ...n, pricePerHour: pool.pricePerHour }));
    const groups = poolGroups(pool, list);
    for (const g of groups) {
      const count = list.filter((n) => n.group === g.spec.name).length;
      if (count < g.spec.min || count > g.spec.max) {
        addIssue(ctx, ['cluster', 'pools', i, 'count'], `node group ${g.spec.name} starts with ${count} node(s), outside its autoscaling range [${g.spec.min}, ${g.spec.max}]${groups.length > 1 ? ' (min and max apply to each zone\'s group)' : ''}`);
      }
    }
    cluster.nodeGroups.push(...groups);
    for (const n of list) addNode(cluster, n, ['cluster', 'pools', i, 'name']);
  });
  return cluster;
}

/**
 * Reads the manifest files in order (cluster.manifests, then the workloads' `manifests`): their
 * Nodes join the cluster, the node limit checked file by file; their workloads are returned.
 */
export function addManifestFiles(cluster: ClusterNodes, files: readonly { readonly name: string; readonly path: DocPath }[], ctx: ResolveContext): { workloads: Workload[]; sources: DocPath[]; disruptionBudgets: DisruptionBudgetSpec[]; podGroups: Manifests['podGroups']; autoscalers: Manifests['autoscalers']; queueing: Manifests['queueing']; resourceQuotas: Manifests['resourceQuotas'] } {
  const out: { workloads: Workload[]; sources: DocPath[]; disruptionBudgets: DisruptionBudgetSpec[]; podGroups: Manifests['podGroups']; autoscalers: Manifests['autoscalers']; queueing: Manifests['queueing']; resourceQuotas: Manifests['resourceQuotas'] } = { workloads: [], sources: [], disruptionBudgets: [], podGroups: [], autoscalers: [], queueing: { flavors: [], clusterQueues: [], localQueues: [] }, resourceQuotas: [] };
  for (const { name, path } of files) {
    const { abs, text } = readReferencedFile(ctx, name, path, 'manifest');
    const read = readManifests(text, name.startsWith('/') ? name : abs);
    checkNodeLimit(ctx, cluster.nodes.length + read.nodes.length, path, `with the ${formatCount(read.nodes.length)} Nodes of ${name}, the cluster comes to`);
    for (const n of read.nodes) addNode(cluster, n, path);
    for (const w of read.workloads) {
      out.workloads.push(w);
      out.sources.push(path);
    }
    out.disruptionBudgets.push(...read.disruptionBudgets);
    out.podGroups.push(...read.podGroups);
    out.autoscalers.push(...read.autoscalers);
    out.queueing.flavors.push(...read.queueing.flavors);
    out.queueing.clusterQueues.push(...read.queueing.clusterQueues);
    out.queueing.localQueues.push(...read.queueing.localQueues);
    out.resourceQuotas.push(...read.resourceQuotas);
    ctx.warnings.push(...read.warnings);
  }
  return out;
}

/** The nodes of Alibaba openb node lists (cluster.openbNodes). */
export function addOpenbNodes(cluster: ClusterNodes, files: readonly string[], ctx: ResolveContext): void {
  files.forEach((f, i) => {
    const path = ['cluster', 'openbNodes', i];
    const { abs, text } = readReferencedFile(ctx, f, path, 'trace');
    const read = readOpenbNodes(text, abs);
    checkNodeLimit(ctx, cluster.nodes.length + read.length, path, `with the ${formatCount(read.length)} nodes of ${f}, the cluster comes to`);
    for (const n of read) addNode(cluster, n, path);
  });
}

/**
 * A cluster that never has a node runs nothing: an issue saying what to add. A document varied
 * by a sweep, an arm or a plan candidate may size every pool to 0 as one point of its grid, and
 * that point runs.
 */
export function checkSomeNode(cluster: ClusterNodes, ctx: ResolveContext, varied: boolean): void {
  if (cluster.nodes.length > 0 || cluster.nodeGroups.length > 0 || varied) return;
  addIssue(ctx, ['cluster', 'pools'], 'the cluster has no node: add a pool with a count above 0 or `autoscaling` (cluster.pools), Node objects (cluster.manifests) or an openb node list (cluster.openbNodes)');
}

/** Well-known node labels the kubelet sets from the host (kubernetes.io docs, Well-Known Labels): Swarm's node.platform.os / arch default to them. */
export const OS_LABEL = 'kubernetes.io/os';
export const ARCH_LABEL = 'kubernetes.io/arch';

/**
 * What Docker Swarm knows of a pool's nodes beyond their labels: role, platform and engine labels
 * (SWARM_DEFAULT_NODE_META for what the pool leaves out; os and arch from the kubernetes.io/os and
 * kubernetes.io/arch labels when given). Undefined when the pool says nothing of them, so the
 * node carries no Swarm metadata and readers use the default.
 */
export function poolSwarmMeta(pool: PoolDoc): SwarmNodeMeta | undefined {
  const labels = pool.labels ?? {};
  const os = pool.platform?.os ?? labels[OS_LABEL];
  const arch = pool.platform?.arch ?? labels[ARCH_LABEL];
  if (pool.role === undefined && pool.engineLabels === undefined && os === undefined && arch === undefined) return undefined;
  const d = SWARM_DEFAULT_NODE_META;
  return { role: pool.role ?? d.role, os: os ?? d.os, arch: arch ?? d.arch, engineLabels: pool.engineLabels ?? d.engineLabels };
}

/** Nodes of a pool: zones round-robin, racks round-robin within a zone. */
export function poolNodes(pool: PoolDoc): NodeSpec[] {
  const out: NodeSpec[] = [];
  const zones = pool.zones ?? [];
  const perZone = new Map<string, number>();
  const width = String(Math.max(0, pool.count - 1)).length;
  const taints: Taint[] = (pool.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
  const allocatable = resources({
    milliCPU: pool.resources.cpu,
    memory: pool.resources.memory,
    milliGPU: pool.resources['nvidia.com/gpu'] ?? pool.resources.gpu ?? 0,
    ephemeralStorage: pool.resources['ephemeral-storage'] ?? 0,
  });
  const swarm = poolSwarmMeta(pool);
  for (let i = 0; i < pool.count; i++) {
    const name = `${pool.name}-${String(i).padStart(width, '0')}`;
    const labels: Record<string, string> = { [WellKnownLabel.hostname]: name, [POOL_LABEL]: pool.name, ...pool.labels };
    if (zones.length > 0) {
      const zone = zones[i % zones.length]!;
      labels[WellKnownLabel.zone] = zone;
      const k = perZone.get(zone) ?? 0;
      perZone.set(zone, k + 1);
      if (pool.racksPerZone) labels[RACK_LABEL] = `${zone}-rack-${k % pool.racksPerZone}`;
    }
    if (pool.gpuModel) labels[GPU_MODEL_LABEL] = pool.gpuModel;
    if (pool.instanceType) labels[WellKnownLabel.instanceType] = pool.instanceType;
    out.push({ name, labels, taints, unschedulable: pool.unschedulable ?? false, allocatable, allowedPodNumber: pool.resources.pods, pool: pool.name, gpuModel: pool.gpuModel, ...(swarm ? { swarm } : {}) });
  }
  return out;
}

/**
 * The node groups of an autoscaled pool: one per zone (like one cloud node group per zone),
 * named <pool>-<zone>, or the pool itself without zones. min and max apply to each group.
 * The pool's initial nodes are assigned to the group of their zone.
 */
export function poolGroups(pool: PoolDoc, nodes: NodeSpec[]): SimNodeGroup[] {
  const a = pool.autoscaling;
  if (!a) return [];
  const zones = pool.zones ?? [];
  const proto = poolNodes({ ...pool, count: 1, racksPerZone: undefined });
  const template = (zone: string | undefined) => {
    const labels: Record<string, string> = { ...proto[0]!.labels };
    delete labels[WellKnownLabel.hostname];
    if (zone !== undefined) labels[WellKnownLabel.zone] = zone;
    return { labels, taints: proto[0]!.taints, allocatable: proto[0]!.allocatable, allowedPodNumber: proto[0]!.allowedPodNumber ?? 110, gpuModel: pool.gpuModel };
  };
  const groupName = (zone: string | undefined) => (zone === undefined || zones.length === 1 ? pool.name : `${pool.name}-${zone}`);
  const groups = (zones.length > 0 ? zones : [undefined]).map((zone): SimNodeGroup => ({
    pool: pool.name,
    spec: { name: groupName(zone), min: a.min, max: a.max, template: template(zone), pricePerHour: pool.pricePerHour ?? 0, priority: a.priority ?? 0 },
    provisioningDelay: a.provisioningDelay ?? DEFAULT_PROVISIONING,
    maxProvisionTime: a.maxProvisionTime ?? 900,
  }));
  for (let i = 0; i < nodes.length; i++) {
    const zone = nodes[i]!.labels[WellKnownLabel.zone];
    nodes[i] = { ...nodes[i]!, group: groupName(zones.length > 0 ? zone : undefined) };
  }
  return groups;
}
