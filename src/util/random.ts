import seedrandom from 'seedrandom';
import type { RandomSource } from '../api/framework.js';

/**
 * A named, seeded random stream. Every concern (arrivals, durations, tie-breaks, ...) draws
 * from its own stream derived from the scenario seed and the stream name, so changing how
 * often one concern draws never shifts another's numbers (common random numbers across
 * policies). Alea is used for speed; its period (~2^116) is far beyond any run.
 */
export class RandomStream implements RandomSource {
  /**
   * Alea's state - the carry c and the last three values s0, s1, s2 - as seedrandom's seeding
   * leaves it, stepped here (`next`) exactly as seedrandom's Alea steps it. seedrandom's
   * generator is a closure over an object of double fields: every draw (two or three a pod in an
   * M/M/c) went through the closure's context and the fields' boxes; here it is four numbers of
   * one typed array read and written in place.
   */
  private readonly alea: Float64Array;
  constructor(readonly seed: number | string, readonly name: string) {
    const { c, s0, s1, s2 } = seedrandom.alea(`orchsim/${String(seed)}/${name}`, { state: true }).state();
    this.alea = Float64Array.of(c, s0, s1, s2);
  }
  /** Uniform in [0, 1): Alea's step (seedrandom/lib/alea.js, Baagøe's algorithm), the same doubles in the same order. */
  next(): number {
    const s = this.alea;
    const t = 2091639 * s[1]! + s[0]! * 2.3283064365386963e-10; // c * 2^-32
    s[1] = s[2]!;
    s[2] = s[3]!;
    const c = t | 0;
    s[0] = c;
    return (s[3] = t - c);
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Exponential with the given mean. */
  exponential(mean: number): number {
    // 1 - u is in (0, 1], so the log is finite.
    return -Math.log(1 - this.next()) * mean;
  }
  /** Standard normal, Box-Muller (one value per call; the twin is discarded to keep draws per call fixed). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
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
