import { MAX_NODE_SCORE, type ScorePlugin } from '../../api/framework.js';
import type { NodeInfo } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { NODE_RECORD_STRIDE, REC_ALLOC_CPU, REC_ALLOC_MEMORY, REC_REQ_CPU, REC_REQ_MEMORY } from '../../api/node-record.js';
import { PluginArgsError } from '../registry.js';
import { argsObject, rejectUnknownKeys } from './args.js';
import { allocatableAndRequested, cpuMemoryWeights, DEFAULT_SCORING_RESOURCES, type ResourceSpec } from './node-resources-fit.js';

export const NAME = 'NodeResourcesBalancedAllocation';

/** Scratch for allocatableAndRequested (single-threaded, not re-entrant). */
const scratch = new Float64Array(2);

/**
 * balancedResourceScorer (noderesources/balanced_allocation.go, v1.26-v1.34): fractions
 * f_r = min(requested_r / allocatable_r, 1) with the pod's actual requests added; with two
 * resources std = |f1 - f2| / 2, otherwise the population std; score = (1 - std) * 100,
 * truncated. Resources with zero allocatable (or an extended resource the pod does not
 * request) are left out.
 */
export function balancedAllocationScore(pod: PodInfo, node: NodeInfo, resources: readonly ResourceSpec[]): number {
  let n = 0;
  let total = 0;
  let f0 = 0;
  let f1 = 0;
  const fractions = resources.length > 2 ? new Float64Array(resources.length) : undefined;
  for (let i = 0; i < resources.length; i++) {
    allocatableAndRequested(pod, node, resources[i]!.name, true, scratch);
    const alloc = scratch[0]!;
    if (alloc === 0) continue;
    const f = Math.min(scratch[1]! / alloc, 1);
    if (n === 0) f0 = f;
    else if (n === 1) f1 = f;
    if (fractions) fractions[n] = f;
    total += f;
    n++;
  }
  let std = 0;
  if (n === 2) std = Math.abs((f0 - f1) / 2);
  else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (fractions![i]! - mean) * (fractions![i]! - mean);
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** balancedAllocationScore for exactly cpu and memory (the default), without name dispatch. */
export function cpuMemoryBalancedScore(pod: PodInfo, node: NodeInfo): number {
  const req = pod.spec.requests;
  const allocCPU = node.allocatable.milliCPU;
  const allocMem = node.allocatable.memory;
  // With one resource (or none) the std is 0.
  if (allocCPU === 0 || allocMem === 0) return MAX_NODE_SCORE;
  const fCPU = Math.min((node.requested.milliCPU + req.milliCPU) / allocCPU, 1);
  const fMem = Math.min((node.requested.memory + req.memory) / allocMem, 1);
  return Math.trunc((1 - Math.abs((fCPU - fMem) / 2)) * MAX_NODE_SCORE);
}

/** cpuMemoryBalancedScore from the node's record (ClusterSnapshot.nodeRecords): the same arithmetic on the same numbers. */
export function cpuMemoryBalancedScoreRecord(pod: PodInfo, rec: Float64Array, index: number): number {
  // The record's layout and the top score as literal locals, their types tying them to the
  // exported numbers: an imported binding is a module cell, loaded and checked for the hole at
  // each use (about eight instructions each, for every node scored again).
  const stride: typeof NODE_RECORD_STRIDE = 12, allocCPUAt: typeof REC_ALLOC_CPU = 2, allocMemoryAt: typeof REC_ALLOC_MEMORY = 3;
  const requestedCPUAt: typeof REC_REQ_CPU = 4, requestedMemoryAt: typeof REC_REQ_MEMORY = 5, maxScore: typeof MAX_NODE_SCORE = 100;
  const b = index * stride;
  const req = pod.spec.requests;
  const allocCPU = rec[b + allocCPUAt]!;
  const allocMem = rec[b + allocMemoryAt]!;
  if (allocCPU === 0 || allocMem === 0) return maxScore;
  const fCPU = Math.min((rec[b + requestedCPUAt]! + req.milliCPU) / allocCPU, 1);
  const fMem = Math.min((rec[b + requestedMemoryAt]! + req.memory) / allocMem, 1);
  return Math.trunc((1 - Math.abs((fCPU - fMem) / 2)) * maxScore);
}

export function nodeResourcesBalancedAllocation(rawArgs?: unknown): ScorePlugin {
  const obj = argsObject(NAME, rawArgs);
  rejectUnknownKeys(NAME, obj, ['resources']);
  let resources = DEFAULT_SCORING_RESOURCES;
  if (obj.resources !== undefined) {
    if (!Array.isArray(obj.resources) || obj.resources.length === 0) throw new PluginArgsError(NAME, ['resources'], 'expected a non-empty list of {name, weight}');
    resources = obj.resources.map((r: unknown, i: number) => {
      const o = argsObject(NAME, r);
      if (typeof o.name !== 'string') throw new PluginArgsError(NAME, ['resources', i, 'name'], 'expected a resource name');
      return { name: o.name, weight: typeof o.weight === 'number' ? o.weight : 1 };
    });
  }
  const fast = cpuMemoryWeights(resources) !== undefined;
  return {
    name: NAME,
    // Reads only the pod spec and this node (Plugin.nodeLocal): its verdicts are reused per spec.
    nodeLocal: true,
    score: fast ? (_state, pod, node) => cpuMemoryBalancedScore(pod, node) : (_state, pod, node) => balancedAllocationScore(pod, node, resources),
    scoreAt(_state, pod, snapshot, index) {
      const rec = snapshot.nodeRecords;
      if (fast && rec !== undefined) return cpuMemoryBalancedScoreRecord(pod, rec, index);
      const node = snapshot.nodes[index]!;
      return fast ? cpuMemoryBalancedScore(pod, node) : balancedAllocationScore(pod, node, resources);
    },
  };
}
