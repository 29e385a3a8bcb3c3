import seedrandom from 'seedrandom';
import type { RandomSource } from '../api/framework.js';

/**
 * A named, seeded random stream. Every concern (arrivals, durations, tie-breaks, ...) draws
 * from its own stream derived from the scenario seed and the stream name, so changing how
 * often one concern draws never shifts another's numbers (common random numbers across
 * policies). Alea is used for speed; its period (~2^116) is far beyond any run.
 */
export class RandomStream implements RandomSource {
  private readonly prng: seedrandom.PRNG;
  constructor(readonly seed: number | string, readonly name: string) {
    this.prng = seedrandom.alea(`orchsim/${String(seed)}/${name}`);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }
  /** Exponential with the given mean. */
  exponential(mean: number): number {
    // 1 - u is in (0, 1], so the log is finite.
    return -Math.log(1 - this.prng()) * mean;
  }
  /** Standard normal, Box-Muller (one value per call; the twin is discarded to keep draws per call fixed). */
  normal(): number {
    const u = 1 - this.prng();
    const v = this.prng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Creates the streams of one run on demand; the same name always yields the same stream. */
export class RandomStreams {
  private readonly streams = new Map<string, RandomStream>();
  constructor(readonly seed: number | string) {}
  get(name: string): RandomStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new RandomStream(this.seed, name);
      this.streams.set(name, s);
    }
    return s;
  }
}
