import { DEFAULT_MAX_PODS, type NodeSpec, WellKnownLabel } from '../api/node.js';
import { ResourceName, type Resources } from '../api/resources.js';
import { parseQuantity } from '../util/quantity.js';
import { MAX_GPUS_PER_NODE } from './input-limits.js';
import { taintAt } from './kube-constraints.js';
import {
  describe, IssueList, type KubeContext, listAt, type Obj, type Path, readBool, readList, readMap, readObject,
  readString, readStringMap, required,
} from './kube-fields.js';
import { isExtended, isHugePages, NATIVE_CONTAINER_RESOURCES, readQuantity, type ResourceMap, toResources } from './kube-resources.js';

/**
 * NodeSpecs from v1 Node objects: allocatable (capacity fills in what it lacks), labels, the
 * taints the node lifecycle controller derives from conditions, cordon, and the node pool.
 */

/**
 * Node conditions the node lifecycle controller turns into NoSchedule taints
 * (pkg/controller/nodelifecycle, nodeConditionToTaintKeyStatusMap and the Ready handling).
 * A dump taken from a live cluster already carries them; hand-written nodes may not.
 */
const CONDITION_TAINTS: readonly { type: string; status: string; key: string }[] = [
  { type: 'Ready', status: 'False', key: 'node.kubernetes.io/not-ready' },
  { type: 'Ready', status: 'Unknown', key: 'node.kubernetes.io/unreachable' },
  { type: 'MemoryPressure', status: 'True', key: 'node.kubernetes.io/memory-pressure' },
  { type: 'DiskPressure', status: 'True', key: 'node.kubernetes.io/disk-pressure' },
  { type: 'PIDPressure', status: 'True', key: 'node.kubernetes.io/pid-pressure' },
  { type: 'NetworkUnavailable', status: 'True', key: 'node.kubernetes.io/network-unavailable' },
];

/** Labels cloud providers put on nodes to name their node pool; the first one present becomes NodeSpec.pool. */
const POOL_LABELS = ['cloud.google.com/gke-nodepool', 'eks.amazonaws.com/nodegroup', 'karpenter.sh/nodepool', 'kubernetes.azure.com/agentpool'];

function nodeResources(alloc: Obj | undefined, cap: Obj | undefined, path: Path, out: IssueList): { allocatable: Resources; pods: number } {
  const m: ResourceMap = new Map();
  let pods = DEFAULT_MAX_PODS;
  // Per resource, allocatable wins and capacity fills in what it lacks.
  const names = new Set([...Object.keys(alloc ?? {}), ...Object.keys(cap ?? {})]);
  for (const name of names) {
    const fromAlloc = alloc !== undefined && alloc[name] !== undefined;
    const raw = fromAlloc ? alloc[name] : cap?.[name];
    const p = [...path, 'status', fromAlloc ? 'allocatable' : 'capacity', name];
    if (name === ResourceName.pods) {
      const n = typeof raw === 'number' || typeof raw === 'string' ? parseQuantity(raw) : undefined;
      if (n === undefined || !Number.isInteger(n) || n < 0) out.add(p, `expected a whole number of pods such as "110", got ${describe(raw)}`);
      else pods = n;
      continue;
    }
    // Other unqualified names (e.g. attachable-volumes-*) do not matter to scheduling here.
    if (!NATIVE_CONTAINER_RESOURCES.has(name) && !isHugePages(name) && !isExtended(name)) continue;
    const q = readQuantity(name, raw, p, out);
    // Each GPU of a node has a table entry in the simulator (input-limits.ts MAX_GPUS_PER_NODE).
    if (q !== undefined && name === ResourceName.gpu && q > MAX_GPUS_PER_NODE * 1000) out.add(p, `${describe(raw)} is too large: at most ${MAX_GPUS_PER_NODE} GPUs per node`);
    else if (q !== undefined) m.set(name, q);
  }
  return { allocatable: toResources(m), pods };
}

/** @internal */
export function convertNode(v: unknown, path: Path, out: IssueList): NodeSpec | undefined {
  const m = readObject(v, path, out, 'a Node object');
  if (!m) return undefined;
  const metaPath = [...path, 'metadata'];
  const meta = readMap(m['metadata'], metaPath, out) ?? {};
  const name = required(readString(meta['name'], [...metaPath, 'name'], out), meta['name'], [...metaPath, 'name'], out, 'metadata.name');
  const labels: Record<string, string> = readStringMap(meta['labels'], [...metaPath, 'labels'], out) ?? {};
  // The kubelet always sets kubernetes.io/hostname; hostname spreading and affinity rely on it.
  if (name && labels[WellKnownLabel.hostname] === undefined) labels[WellKnownLabel.hostname] = name;

  const specPath = [...path, 'spec'];
  const spec = readMap(m['spec'], specPath, out) ?? {};
  const taints = listAt(spec['taints'], [...specPath, 'taints'], out, (x, p) => taintAt(x, p, out)) ?? [];
  const unschedulable = readBool(spec['unschedulable'], [...specPath, 'unschedulable'], out) ?? false;

  const statusPath = [...path, 'status'];
  const status = readMap(m['status'], statusPath, out) ?? {};
  const alloc = readMap(status['allocatable'], [...statusPath, 'allocatable'], out);
  const cap = readMap(status['capacity'], [...statusPath, 'capacity'], out);
  if (!alloc && !cap && status['allocatable'] == null && status['capacity'] == null) {
    out.add(statusPath, 'expected status.allocatable (or status.capacity) with the node\'s cpu and memory');
  }
  const { allocatable, pods } = nodeResources(alloc, cap, path, out);

  const conditionsPath = [...statusPath, 'conditions'];
  readList(status['conditions'], conditionsPath, out).forEach((c, i) => {
    const cm = readMap(c, [...conditionsPath, i], out);
    if (!cm) return;
    const rule = CONDITION_TAINTS.find((r) => r.type === cm['type'] && r.status === cm['status']);
    if (rule && !taints.some((t) => t.key === rule.key && t.effect === 'NoSchedule')) taints.push({ key: rule.key, effect: 'NoSchedule' });
  });

  if (!name) return undefined;
  const pool = POOL_LABELS.map((l) => labels[l]).find((p) => p !== undefined);
  return { name, labels, taints, unschedulable, allocatable, allowedPodNumber: pods, ...(pool !== undefined ? { pool } : {}) };
}

/** A NodeSpec from a v1 Node object. */
export function nodeSpecFromNode(node: unknown, ctx: KubeContext): NodeSpec {
  const out = new IssueList(ctx.file, ctx.locate);
  const result = convertNode(node, ctx.path ?? [], out);
  out.throwIfAny();
  return result!;
}
