import type { RandomDraws } from '../api/distribution.js';
import type { ArrivalProcess } from '../api/workload.js';

/**
 * Poisson arrivals: exponential inter-arrival times with mean 1/rate, from `start` until `end`.
 * One uniform draw per arrival, so the stream is aligned whatever the scheduler does.
 */
export function poissonArrivals(ratePerSecond: number, start: number, end: number): ArrivalProcess {
  if (!(ratePerSecond > 0)) throw new RangeError(`Poisson rate must be > 0, got ${ratePerSecond}`);
  const mean = 1 / ratePerSecond;
  return {
    next(previous: number, rng: RandomDraws): number {
      const from = previous === -Infinity ? start : previous;
      const t = from + rng.exponential(mean);
      return t <= end ? t : Infinity;
    },
  };
}

/** Fixed-rate arrivals: one at `start`, then every `interval` seconds until `end`. */
export function fixedIntervalArrivals(interval: number, start: number, end: number): ArrivalProcess {
  if (!(interval > 0)) throw new RangeError(`arrival interval must be > 0, got ${interval}`);
  return {
    next(previous: number): number {
      const t = previous === -Infinity ? start : previous + interval;
      return t <= end ? t : Infinity;
    },
  };
}

/** Arrivals at the given times (sorted ascending), e.g. from a trace. */
export function listedArrivals(times: readonly number[]): ArrivalProcess {
  let i = 0;
  return {
    next(): number {
      return i < times.length ? times[i++]! : Infinity;
    },
  };
}
