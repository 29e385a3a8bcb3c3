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
