import type { RandomSource } from './framework.js';

/**
 * A sampling distribution as a scenario declares it (durations, sizes, inter-arrival times,
 * times between failures). Values are in the caller's base unit (seconds, milli-CPU, bytes...).
 * Only the description lives here, with the workload contract that holds it; sampling is
 * src/util/distributions.ts.
 */
export type Distribution =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'exponential'; readonly mean: number }
  /** ln(X) ~ Normal(mu, sigma); median = e^mu. */
  | { readonly kind: 'lognormal'; readonly mu: number; readonly sigma: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  /** One of `values`, with probability proportional to `weights` (all equal when absent). */
  | { readonly kind: 'choice'; readonly values: readonly number[]; readonly weights?: readonly number[] | undefined }
  /** Weibull(shape k, scale lambda): shape < 1 is the decreasing hazard seen in LANL's failures. */
  | { readonly kind: 'weibull'; readonly shape: number; readonly scale: number }
  /** Gamma(shape k, scale theta), mean k * theta. */
  | { readonly kind: 'gamma'; readonly shape: number; readonly scale: number }
  /** Resampling of observed values, each equally likely (an empirical distribution). */
  | { readonly kind: 'empirical'; readonly values: readonly number[] };

/**
 * The draws a named, seeded stream offers (src/util/random.ts RandomStream implements it), so
 * the workload contract can name a stream without the policy API importing the engine's streams.
 */
export interface RandomDraws extends RandomSource {
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Standard normal. */
  normal(): number;
}
