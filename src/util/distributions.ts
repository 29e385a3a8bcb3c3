import type { Distribution, RandomDraws } from '../api/distribution.js';

/**
 * Sampling of the distributions declared in src/api/distribution.ts, shared by workloads
 * (durations, sizes, inter-arrival times) and failure models. Each sample draws a fixed number of uniforms from the stream, so streams stay aligned.
 */
export function sample(d: Distribution, rng: RandomDraws): number {
  // The forms drawn per pod in most runs (run times, start-up delays) are decided here, the
  // others in drawShaped: small enough (bytecode) for V8 to inline sample into its per-pod
  // callers, where a draw returned from a call is boxed as a new heap number and the caller's
  // own inlining budget is spent on what it inlines.
  if (d.kind === 'exponential') return rng.exponential(d.mean);
  if (d.kind === 'fixed') return d.value;
  return drawShaped(d, rng);
}

/** A draw of the forms other than fixed and exponential (sample's). */
function drawShaped(d: Exclude<Distribution, { kind: 'fixed' | 'exponential' }>, rng: RandomDraws): number {
  switch (d.kind) {
    case 'lognormal': return Math.exp(d.mu + d.sigma * rng.normal());
    case 'uniform': return d.min + (d.max - d.min) * rng.next();
    case 'weibull':
      // Inverse transform: lambda * (-ln(1 - u))^(1/k).
      return d.scale * Math.pow(-Math.log(1 - rng.next()), 1 / d.shape);
    case 'gamma':
      return d.scale * gammaUnit(d.shape, rng);
    case 'empirical':
      return d.values[Math.min(d.values.length - 1, Math.floor(rng.next() * d.values.length))]!;
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

/**
 * Gamma(shape, 1) by Marsaglia and Tsang (ACM TOMS 26(3), 2000); shape < 1 through the boost
 * Gamma(a) = Gamma(a + 1) * U^(1/a). Draws a variable number of uniforms, so give it a stream of
 * its own concern (as failure processes do).
 */
function gammaUnit(shape: number, rng: RandomDraws): number {
  if (shape < 1) return gammaUnit(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Gamma function for the Weibull mean (Lanczos approximation, g = 7; ~15 significant digits). */
function gammaFunction(z: number): number {
  if (z < 0.5) return Math.PI / (Math.sin(Math.PI * z) * gammaFunction(1 - z));
  const g = 7;
  const p = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  z -= 1;
  let x = p[0]!;
  for (let i = 1; i < g + 2; i++) x += p[i]! / (z + i);
  const t = z + g + 0.5;
  return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * x;
}

/** Expected value, for summaries and for sizing generated workloads. */
export function distributionMean(d: Distribution): number {
  switch (d.kind) {
    case 'fixed': return d.value;
    case 'exponential': return d.mean;
    case 'lognormal': return Math.exp(d.mu + (d.sigma * d.sigma) / 2);
    case 'uniform': return (d.min + d.max) / 2;
    case 'weibull': return d.scale * gammaFunction(1 + 1 / d.shape);
    case 'gamma': return d.shape * d.scale;
    case 'empirical': return d.values.reduce((a, b) => a + b, 0) / d.values.length;
    case 'choice': {
      if (!d.weights) return d.values.reduce((a, b) => a + b, 0) / d.values.length;
      const total = d.weights.reduce((a, b) => a + b, 0);
      return d.values.reduce((a, v, i) => a + v * d.weights![i]!, 0) / total;
    }
  }
}
