import { ClusterEvent, MAX_NODE_SCORE, unresolvable, unschedulable, type FilterPlugin, type ScorePlugin, type Status } from '../../api/framework.js';
import { gpuRequest } from '../../api/gpu.js';
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, type NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import {
  NODE_RECORD_STRIDE, REC_ALLOC_CPU, REC_ALLOC_EPHEMERAL, REC_ALLOC_MEMORY, REC_ALLOWED_PODS, REC_NZ_CPU, REC_NZ_MEMORY, REC_POD_COUNT,
  REC_REQ_CPU, REC_REQ_EPHEMERAL, REC_REQ_MEMORY,
} from '../../api/node-record.js';
import { ResourceName, resourceValue, type Resources } from '../../api/resources.js';
import { PluginArgsError } from '../registry.js';
import { argsObject, rejectUnknownKeys } from './args.js';

export const NAME = 'NodeResourcesFit';

/** Reasons as kube-scheduler words them (noderesources/fit.go). */
export const REASON_TOO_MANY_PODS = unschedulable('Too many pods');
export const REASON_INSUFFICIENT_CPU = unschedulable('Insufficient cpu');
export const REASON_INSUFFICIENT_MEMORY = unschedulable('Insufficient memory');
export const REASON_INSUFFICIENT_GPU = unschedulable('Insufficient nvidia.com/gpu');
export const REASON_INSUFFICIENT_EPHEMERAL = unschedulable('Insufficient ephemeral-storage');
/** The pod lists GPU models and the node's is not one of them (open-gpu-share's model check). */
export const REASON_GPU_MODEL = unresolvable("node(s) didn't match the pod's GPU model");
const scalarReasons = new Map<string, Status>();
function insufficientScalar(name: string): Status {
  let s = scalarReasons.get(name);
  if (!s) scalarReasons.set(name, (s = unschedulable(`Insufficient ${name}`)));
  return s;
}

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
export interface ResourceSpec { readonly name: string; readonly weight: number }
export interface UtilizationShapePoint { readonly utilization: number; readonly score: number }

export interface NodeResourcesFitArgs {
  readonly scoringStrategy: {
    readonly type: ScoringStrategyType;
    readonly resources: readonly ResourceSpec[];
    readonly requestedToCapacityRatio?: { readonly shape: readonly UtilizationShapePoint[] };
  };
}

/** Default resources and weights of the scoring strategy (apis/config/v1/defaults.go). */
export const DEFAULT_SCORING_RESOURCES: readonly ResourceSpec[] = [
  { name: ResourceName.cpu, weight: 1 },
  { name: ResourceName.memory, weight: 1 },
];

/**
 * The Fit filter: the pod count and every requested resource must fit in allocatable minus
 * what is already requested. Returns the first shortfall (kube-scheduler lists all of them).
 * GPUs are devices: a pod needs `count` devices with `milliPerGpu` free each (a share fits on
 * one partly used device; whole GPUs need fully free ones), and an allowed model if it lists any.
 */
export function fitsRequest(pod: PodInfo, node: NodeInfo): Status | null {
  if (node.podCount + 1 > node.allowedPodNumber) return REASON_TOO_MANY_PODS;
  const req = pod.spec.requests;
  const alloc = node.allocatable;
  const used = node.requested;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) return REASON_INSUFFICIENT_CPU;
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) return REASON_INSUFFICIENT_MEMORY;
  if (req.milliGPU > 0) {
    const models = pod.spec.gpuModels;
    if (models !== undefined && models.length > 0 && (node.gpuModel === undefined || !models.includes(node.gpuModel))) return REASON_GPU_MODEL;
    const g = gpuRequest(req)!;
    let fitting = 0;
    for (let i = 0; i < node.gpuCount && fitting < g.count; i++) if (node.gpuFree(i) >= g.milliPerGpu) fitting++;
    if (fitting < g.count) return REASON_INSUFFICIENT_GPU;
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) return REASON_INSUFFICIENT_EPHEMERAL;
  if (req.scalar) {
    for (const name in req.scalar) {
      const q = req.scalar[name]!;
      if (q > 0 && q > (alloc.scalar?.[name] ?? 0) - (used.scalar?.[name] ?? 0)) return insufficientScalar(name);
    }
  }
  return null;
}

/**
 * fitsRequest from the node's record (ClusterSnapshot.nodeRecords, src/api/node-record.ts),
 * for a pod that requests no GPU and no extended resource (the caller checks): the same checks
 * in the same order on the same numbers.
 */
export function fitsRequestRecord(pod: PodInfo, rec: Float64Array, index: number): Status | null {
  // The record's layout as literal locals, their types tying them to node-record.ts's numbers: an
  // imported binding is a module cell, loaded and checked for the hole at each use (about eight
  // instructions each, and this runs for every node judged again).
  const stride: typeof NODE_RECORD_STRIDE = 12, podCountAt: typeof REC_POD_COUNT = 0, allowedPodsAt: typeof REC_ALLOWED_PODS = 1;
  const allocCPUAt: typeof REC_ALLOC_CPU = 2, allocMemoryAt: typeof REC_ALLOC_MEMORY = 3, requestedCPUAt: typeof REC_REQ_CPU = 4, requestedMemoryAt: typeof REC_REQ_MEMORY = 5;
  const b = index * stride;
  if (rec[b + podCountAt]! + 1 > rec[b + allowedPodsAt]!) return REASON_TOO_MANY_PODS;
  const req = pod.spec.requests;
  if (req.milliCPU > 0 && req.milliCPU > rec[b + allocCPUAt]! - rec[b + requestedCPUAt]!) return REASON_INSUFFICIENT_CPU;
  if (req.memory > 0 && req.memory > rec[b + allocMemoryAt]! - rec[b + requestedMemoryAt]!) return REASON_INSUFFICIENT_MEMORY;
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > rec[b + REC_ALLOC_EPHEMERAL]! - rec[b + REC_REQ_EPHEMERAL]!) return REASON_INSUFFICIENT_EPHEMERAL;
  return null;
}

/** leastRequestedScore: (capacity - requested) * 100 / capacity, integer division; 0 if over. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** mostRequestedScore: requested * 100 / capacity; requested is capped at capacity. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) requested = capacity;
  return Math.trunc((requested * MAX_NODE_SCORE) / capacity);
}

/** helper.BuildBrokenLinearFunction over integer points (scores already scaled to 0..100). */
export function brokenLinear(shape: readonly UtilizationShapePoint[], p: number): number {
  for (let i = 0; i < shape.length; i++) {
    const cur = shape[i]!;
    if (p <= cur.utilization) {
      if (i === 0) return cur.score;
      const prev = shape[i - 1]!;
      return prev.score + Math.trunc(((cur.score - prev.score) * (p - prev.utilization)) / (cur.utilization - prev.utilization));
    }
  }
  return shape[shape.length - 1]!.score;
}

/**
 * Requested (with the incoming pod) and allocatable of one resource, as
 * resourceAllocationScorer.calculateResourceAllocatableRequest: cpu and memory use the
 * non-zero requests (a pod without a request counts as 100m / 200Mi) unless `useRequested`;
 * an extended resource the pod does not request is left out (0, 0).
 * Hot path: results go into `out` (allocatable, requested) so nothing is allocated per node.
 */
export function allocatableAndRequested(pod: PodInfo, node: NodeInfo, resource: string, useRequested: boolean, out: Float64Array): void {
  const req = pod.spec.requests;
  switch (resource) {
    case ResourceName.cpu: {
      const podReq = !useRequested && req.milliCPU === 0 ? DEFAULT_MILLI_CPU_REQUEST : req.milliCPU;
      out[0] = node.allocatable.milliCPU;
      out[1] = (useRequested ? node.requested.milliCPU : node.nonZeroRequested.milliCPU) + podReq;
      return;
    }
    case ResourceName.memory: {
      const podReq = !useRequested && req.memory === 0 ? DEFAULT_MEMORY_REQUEST : req.memory;
      out[0] = node.allocatable.memory;
      out[1] = (useRequested ? node.requested.memory : node.nonZeroRequested.memory) + podReq;
      return;
    }
    case ResourceName.ephemeralStorage:
      out[0] = node.allocatable.ephemeralStorage;
      out[1] = node.requested.ephemeralStorage + req.ephemeralStorage;
      return;
    default: {
      const podReq = resourceValue(req, resource);
      if (podReq === 0) {
        out[0] = 0;
        out[1] = 0;
        return;
      }
      out[0] = resourceValue(node.allocatable, resource);
      out[1] = resourceValue(node.requested, resource) + podReq;
    }
  }
}

type Scorer = (requested: number, capacity: number) => number;

/** Scratch for allocatableAndRequested; scoring is single-threaded and not re-entrant. */
const scratch = new Float64Array(2);

/** Weighted mean of per-resource scores; resources with zero allocatable are left out. */
export function weightedResourceScore(pod: PodInfo, node: NodeInfo, resources: readonly ResourceSpec[], scorer: Scorer): number {
  let nodeScore = 0;
  let weightSum = 0;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    allocatableAndRequested(pod, node, r.name, false, scratch);
    const alloc = scratch[0]!;
    if (alloc === 0) continue;
    nodeScore += scorer(scratch[1]!, alloc) * r.weight;
    weightSum += r.weight;
  }
  return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum);
}

/**
 * The same arithmetic as weightedResourceScore for the resources cpu and memory only (the
 * default), without the per-resource name dispatch: this runs for every scored node.
 */
export function cpuMemoryScore(pod: PodInfo, node: NodeInfo, cpuWeight: number, memoryWeight: number, scorer: Scorer): number {
  const req = pod.spec.requests;
  let nodeScore = 0;
  let weightSum = 0;
  const allocCPU = node.allocatable.milliCPU;
  if (allocCPU !== 0) {
    const podCPU = req.milliCPU === 0 ? DEFAULT_MILLI_CPU_REQUEST : req.milliCPU;
    nodeScore += scorer(node.nonZeroRequested.milliCPU + podCPU, allocCPU) * cpuWeight;
    weightSum += cpuWeight;
  }
  const allocMem = node.allocatable.memory;
  if (allocMem !== 0) {
    const podMem = req.memory === 0 ? DEFAULT_MEMORY_REQUEST : req.memory;
    nodeScore += scorer(node.nonZeroRequested.memory + podMem, allocMem) * memoryWeight;
    weightSum += memoryWeight;
  }
  return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum);
}

/**
 * cpuMemoryScore from the node's record (ClusterSnapshot.nodeRecords): the same arithmetic on the
 * same numbers. The pod's request is added in each arm of the default's choice rather than after
 * it: a choice between the imported default and a request above the small-integer range (memory
 * in bytes) makes the compiler box the request, one allocation per call, and this runs for every
 * changed node and spec in the fused node scan (src/schedulers/fused-scores.ts).
 */
export function cpuMemoryScoreRecord(pod: PodInfo, rec: Float64Array, index: number, cpuWeight: number, memoryWeight: number, scorer: Scorer): number {
  // The record's layout as literal locals (see fitsRequestRecord).
  const stride: typeof NODE_RECORD_STRIDE = 12, allocCPUAt: typeof REC_ALLOC_CPU = 2, allocMemoryAt: typeof REC_ALLOC_MEMORY = 3;
  const nonZeroCPUAt: typeof REC_NZ_CPU = 6, nonZeroMemoryAt: typeof REC_NZ_MEMORY = 7;
  const b = index * stride;
  const req = pod.spec.requests;
  let nodeScore = 0;
  let weightSum = 0;
  const allocCPU = rec[b + allocCPUAt]!;
  if (allocCPU !== 0) {
    const requested = req.milliCPU === 0 ? rec[b + nonZeroCPUAt]! + DEFAULT_MILLI_CPU_REQUEST : rec[b + nonZeroCPUAt]! + req.milliCPU;
    nodeScore += scorer(requested, allocCPU) * cpuWeight;
    weightSum += cpuWeight;
  }
  const allocMem = rec[b + allocMemoryAt]!;
  if (allocMem !== 0) {
    const requested = req.memory === 0 ? rec[b + nonZeroMemoryAt]! + DEFAULT_MEMORY_REQUEST : rec[b + nonZeroMemoryAt]! + req.memory;
    nodeScore += scorer(requested, allocMem) * memoryWeight;
    weightSum += memoryWeight;
  }
  return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum);
}

/** The weights of cpu and memory when they are the only two resources scored, else undefined. */
export function cpuMemoryWeights(resources: readonly ResourceSpec[]): [cpu: number, memory: number] | undefined {
  if (resources.length !== 2) return undefined;
  const cpu = resources.find((r) => r.name === ResourceName.cpu);
  const memory = resources.find((r) => r.name === ResourceName.memory);
  return cpu && memory ? [cpu.weight, memory.weight] : undefined;
}

/** RequestedToCapacityRatio: only resources with a positive score count; the mean is rounded. */
export function requestedToCapacityRatioScore(pod: PodInfo, node: NodeInfo, resources: readonly ResourceSpec[], shape: readonly UtilizationShapePoint[]): number {
  let nodeScore = 0;
  let weightSum = 0;
  for (const r of resources) {
    allocatableAndRequested(pod, node, r.name, false, scratch);
    const alloc = scratch[0]!;
    const requested = scratch[1]!;
    if (alloc === 0) continue;
    const utilization = requested > alloc ? 100 : Math.trunc((requested * 100) / alloc);
    const s = brokenLinear(shape, utilization);
    if (s > 0) {
      nodeScore += s * r.weight;
      weightSum += r.weight;
    }
  }
  return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
}

export function parseNodeResourcesFitArgs(raw: unknown): NodeResourcesFitArgs {
  const obj = argsObject(NAME, raw);
  rejectUnknownKeys(NAME, obj, ['scoringStrategy']);
  const ss = argsObject(NAME, obj.scoringStrategy ?? {});
  rejectUnknownKeys(NAME, ss, ['type', 'resources', 'requestedToCapacityRatio'], ['scoringStrategy']);
  const type = (ss.type ?? 'LeastAllocated') as ScoringStrategyType;
  if (!['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'].includes(type)) {
    throw new PluginArgsError(NAME, ['scoringStrategy', 'type'], `expected LeastAllocated, MostAllocated or RequestedToCapacityRatio, got ${JSON.stringify(ss.type)}`);
  }
  let resources = DEFAULT_SCORING_RESOURCES;
  if (ss.resources !== undefined) {
    if (!Array.isArray(ss.resources) || ss.resources.length === 0) throw new PluginArgsError(NAME, ['scoringStrategy', 'resources'], 'expected a non-empty list of {name, weight}');
    resources = ss.resources.map((r: unknown, i: number) => {
      const o = argsObject(NAME, r);
      rejectUnknownKeys(NAME, o, ['name', 'weight'], ['scoringStrategy', 'resources', i]);
      if (typeof o.name !== 'string' || o.name === '') throw new PluginArgsError(NAME, ['scoringStrategy', 'resources', i, 'name'], 'expected a resource name');
      const weight = o.weight ?? 1;
      if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100) throw new PluginArgsError(NAME, ['scoringStrategy', 'resources', i, 'weight'], 'expected an integer in 1..100');
      return { name: o.name, weight };
    });
  }
  let shape: UtilizationShapePoint[] | undefined;
  if (type === 'RequestedToCapacityRatio') {
    const rtc = argsObject(NAME, ss.requestedToCapacityRatio);
    const raw = rtc.shape;
    if (!Array.isArray(raw) || raw.length === 0) throw new PluginArgsError(NAME, ['scoringStrategy', 'requestedToCapacityRatio', 'shape'], 'expected a non-empty list of {utilization, score}');
    let last = -1;
    shape = raw.map((p: unknown, i: number) => {
      const o = argsObject(NAME, p);
      const path = ['scoringStrategy', 'requestedToCapacityRatio', 'shape', i];
      if (typeof o.utilization !== 'number' || !Number.isInteger(o.utilization) || o.utilization < 0 || o.utilization > 100 || o.utilization <= last) {
        throw new PluginArgsError(NAME, [...path, 'utilization'], 'expected an integer in 0..100, increasing');
      }
      if (typeof o.score !== 'number' || !Number.isInteger(o.score) || o.score < 0 || o.score > 10) throw new PluginArgsError(NAME, [...path, 'score'], 'expected an integer in 0..10');
      last = o.utilization;
      // Shape scores are 0..10 (MaxCustomPriorityScore); scaled x10 to the 0..100 node score range.
      return { utilization: o.utilization, score: o.score * (MAX_NODE_SCORE / 10) };
    });
  }
  return { scoringStrategy: { type, resources, ...(shape ? { requestedToCapacityRatio: { shape } } : {}) } };
}

export function nodeResourcesFit(rawArgs?: unknown): FilterPlugin & ScorePlugin {
  const args = parseNodeResourcesFitArgs(rawArgs);
  const { type, resources } = args.scoringStrategy;
  let score: (pod: PodInfo, node: NodeInfo) => number;
  // From the node's record, where the strategy reads only what a record holds.
  let scoreRecord: ((pod: PodInfo, rec: Float64Array, index: number) => number) | undefined;
  const cm = cpuMemoryWeights(resources);
  if (type === 'LeastAllocated' || type === 'MostAllocated') {
    const scorer = type === 'LeastAllocated' ? leastRequestedScore : mostRequestedScore;
    if (cm) {
      const [wCPU, wMem] = cm;
      score = (pod, node) => cpuMemoryScore(pod, node, wCPU, wMem, scorer);
      scoreRecord = (pod, rec, index) => cpuMemoryScoreRecord(pod, rec, index, wCPU, wMem, scorer);
    } else {
      score = (pod, node) => weightedResourceScore(pod, node, resources, scorer);
    }
  } else {
    const shape = args.scoringStrategy.requestedToCapacityRatio!.shape;
    score = (pod, node) => requestedToCapacityRatioScore(pod, node, resources, shape);
  }
  return {
    name: NAME,
    // Reads only the pod spec and this node (Plugin.nodeLocal): its verdicts are reused per spec.
    nodeLocal: true,
    // Freed requests or a new or larger node can make room (fit.go EventsToRegister).
    events: ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate,
    filter: (_state, pod, node) => fitsRequest(pod, node),
    filterAt(_state, pod, snapshot, index) {
      const req = pod.spec.requests;
      const rec = snapshot.nodeRecords;
      if (rec === undefined || req.milliGPU > 0 || req.scalar !== undefined) return fitsRequest(pod, snapshot.nodes[index]!);
      return fitsRequestRecord(pod, rec, index);
    },
    score: (_state, pod, node) => score(pod, node),
    scoreAt(_state, pod, snapshot, index) {
      const rec = snapshot.nodeRecords;
      return scoreRecord !== undefined && rec !== undefined ? scoreRecord(pod, rec, index) : score(pod, snapshot.nodes[index]!);
    },
  };
}

export type { Resources };
