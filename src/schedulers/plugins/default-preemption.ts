import type { PostFilterPlugin } from '../../api/framework.js';
import { PluginArgsError } from '../registry.js';
import { DEFAULT_PREEMPTION_ARGS, type PreemptionArgs } from '../preemption.js';
import { argsObject, rejectUnknownKeys } from './args.js';

export const NAME = 'DefaultPreemption';

/**
 * DefaultPreemption's PostFilter: the profile enables preemption by listing it, with its
 * DefaultPreemptionArgs (validated as ValidateDefaultPreemptionArgs,
 * pkg/scheduler/apis/config/validation/validation_pluginargs.go: percentage 0..100, absolute
 * >= 0, not both 0). The search itself is src/schedulers/preemption.ts; the simulator runs it
 * when a pod fits nowhere (src/sim/preemption.ts), as kube-scheduler runs PostFilter.
 */
export function defaultPreemption(raw: unknown): PostFilterPlugin {
  const args = argsObject(NAME, raw);
  rejectUnknownKeys(NAME, args, ['minCandidateNodesPercentage', 'minCandidateNodesAbsolute']);
  const int = (key: keyof PreemptionArgs, lo: number, hi: number): number => {
    const v = args[key] ?? DEFAULT_PREEMPTION_ARGS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new PluginArgsError(NAME, [key], `expected a whole number from ${lo} to ${hi}`);
    return v;
  };
  const preemption: PreemptionArgs = {
    minCandidateNodesPercentage: int('minCandidateNodesPercentage', 0, 100),
    minCandidateNodesAbsolute: int('minCandidateNodesAbsolute', 0, 2 ** 31 - 1),
  };
  if (preemption.minCandidateNodesPercentage === 0 && preemption.minCandidateNodesAbsolute === 0) {
    throw new PluginArgsError(NAME, [], 'minCandidateNodesPercentage and minCandidateNodesAbsolute cannot both be 0');
  }
  return { name: NAME, preemption };
}
