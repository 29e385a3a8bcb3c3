import { PluginArgsError } from '../registry.js';

/** Small helpers for validating plugin args (profiles are data and are validated before a run). */

export function argsObject(plugin: string, args: unknown): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args)) throw new PluginArgsError(plugin, [], 'expected an object');
  return args as Record<string, unknown>;
}

export function rejectUnknownKeys(plugin: string, obj: Record<string, unknown>, allowed: readonly string[], path: (string | number)[] = []): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new PluginArgsError(plugin, [...path, key], `unknown field (expected one of: ${allowed.join(', ')})`);
  }
}

/** What each normalizer made by defaultNormalizer gives every node when all raw scores are 0. */
const ALL_ZERO = new WeakMap<object, number>();

/**
 * A NormalizeScore of defaultNormalizeScore, registered with what it gives every node when all
 * raw scores are 0 (maxPriority when reversed, else 0 - the scores stay): the fused scan
 * (src/schedulers/fused-scores.ts) adds that value without calling it.
 */
export function defaultNormalizer(maxPriority: number, reverse: boolean): (state: unknown, pod: unknown, scores: Float64Array, count: number) => void {
  const fn = (_state: unknown, _pod: unknown, scores: Float64Array, count: number) => defaultNormalizeScore(maxPriority, reverse, scores, count);
  ALL_ZERO.set(fn, reverse ? maxPriority : 0);
  return fn;
}

/** The value `normalize` gives every node when all raw scores are 0, if it is known (defaultNormalizer); else undefined. */
export function allZeroNormalized(normalize: object): number | undefined {
  return ALL_ZERO.get(normalize);
}

/** Shared min-max normalizer (helper.DefaultNormalizeScore): 100 * s / max; reverse = 100 - that. */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: Float64Array, count: number): void {
  let max = 0;
  for (let i = 0; i < count; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === 0) {
    if (reverse) for (let i = 0; i < count; i++) scores[i] = maxPriority;
    return;
  }
  for (let i = 0; i < count; i++) {
    let s = Math.trunc((maxPriority * scores[i]!) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}
