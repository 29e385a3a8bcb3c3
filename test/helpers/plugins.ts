import type { CycleState, PreScorePlugin, ScorePlugin, Status } from '../../src/api/framework.js';
import type { ClusterSnapshot, NodeInfo } from '../../src/api/node.js';
import type { PodInfo } from '../../src/api/pod.js';
import { InputError } from '../../src/util/errors.js';

/**
 * Runs PreScore (if any), Score and NormalizeScore (if any) over `feasible`, as the framework
 * does. `pre` is PreScore's status (non-null means Score was skipped: raw and normalized empty).
 */
export function runScorePlugin(plugin: ScorePlugin & Partial<PreScorePlugin>, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: ClusterSnapshot, state: CycleState = new Map()): { pre: Status | null; raw: number[]; normalized: number[] } {
  const pre = plugin.preScore ? plugin.preScore(state, pod, feasible, snapshot) : null;
  if (pre !== null) return { pre, raw: [], normalized: [] };
  const buf = new Float64Array(feasible.length);
  feasible.forEach((n, i) => (buf[i] = plugin.score(state, pod, n, snapshot)));
  const raw = [...buf];
  plugin.normalizeScore?.(state, pod, buf, feasible.length);
  return { pre, raw, normalized: [...buf] };
}

/** The InputError thrown by `f`, failing the test if there is none. */
export function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}
