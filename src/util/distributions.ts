import type { RandomStream } from './random.js';

/**
 * Sampling distributions shared by workloads (durations, sizes, inter-arrival times) and,
 * later, failure models. Values are in the caller's base unit (seconds, milli-CPU, bytes...).
 * Each sample draws a fixed number of uniforms from the stream, so streams stay aligned.
 */
export type Distribution =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'exponential'; readonly mean: number }
  /** ln(X) ~ Normal(mu, sigma); median = e^mu. */
  | { readonly kind: 'lognormal'; readonly mu: number; readonly sigma: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  /** One of `values`, with probability proportional to `weights` (all equal when absent). */
  | { readonly kind: 'choice'; readonly values: readonly number[]; readonly weights?: readonly number[] | undefined };

export function sample(d: Distribution, rng: RandomStream): number {
  switch (d.kind) {
    case 'fixed': return d.value;
    case 'exponential': return rng.exponential(d.mean);
    case 'lognormal': return Math.exp(d.mu + d.sigma * rng.normal());
    case 'uniform': return d.min + (d.max - d.min) * rng.next();
    case 'choice': {
      const u = rng.next();
      if (!d.weights) return d.values[Math.min(d.values.length - 1, Math.floor(u * d.values.length))]!;
      let total = 0;
      for (const w of d.weights) total += w;
      let acc = 0;
      const target = u * total;
      for (let i = 0; i < d.values.length; i++) {
        acc += d.weights[i]!;
        if (target < acc) return d.values[i]!;
      }
      return d.values[d.values.length - 1]!;
    }
  }
}

/** Expected value, for summaries and for sizing generated workloads. */
export function distributionMean(d: Distribution): number {
  switch (d.kind) {
    case 'fixed': return d.value;
    case 'exponential': return d.mean;
    case 'lognormal': return Math.exp(d.mu + (d.sigma * d.sigma) / 2);
    case 'uniform': return (d.min + d.max) / 2;
    case 'choice': {
      if (!d.weights) return d.values.reduce((a, b) => a + b, 0) / d.values.length;
      const total = d.weights.reduce((a, b) => a + b, 0);
      return d.values.reduce((a, v, i) => a + v * d.weights![i]!, 0) / total;
    }
  }
}
