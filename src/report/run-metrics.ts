import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { runLabels, runOpenMetrics } from './openmetrics.js';
import type { RunOutput } from '../scenario/runner.js';
import { writeFilesAtomically } from '../util/files.js';

/**
 * compare / sweep --openmetrics: each run's metrics.om, written as the run comes back from its
 * worker (runExperiment's onRunOutput; the record that goes to runs.jsonl stays small), as
 * `metrics/VARIANT/ARM/seed-SEED.om` in the results folder. Every sample is labelled with the run's variant and arm besides its scenario,
 * profile and seed, so all the files of an experiment load into one TSDB.
 */
export const RUN_METRICS_DIR = 'metrics';

/** Where the files go and where simulated time 0 falls. */
export interface RunMetricsTarget {
  /** The results folder. */
  readonly outDir: string;
  /** Seconds since the epoch at simulated time 0. */
  readonly start: number;
}

/**
 * A variant or arm name as one folder name: kept as it is when it is a plain name, else made of
 * its safe characters and a hash of the whole name, so two names never share a folder and none
 * climbs out of the results folder ("..", "a/b").
 */
export function pathSegment(name: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) return name;
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, 60);
  return `${safe}${safe ? '-' : ''}${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

/** The file of one run, relative to the results folder. */
export function runMetricsFile(variant: string, arm: string, seed: number): string {
  return join(RUN_METRICS_DIR, pathSegment(variant), pathSegment(arm), `seed-${seed}.om`);
}

/** Writes a finished run's metrics.om (atomically: temporary name, then rename). */
export function writeRunMetrics(target: RunMetricsTarget, key: { readonly variant: string; readonly arm: string; readonly seed: number }, out: RunOutput): void {
  const text = runOpenMetrics(out, { start: target.start, labels: runLabels(out.result, [['variant', key.variant], ['arm', key.arm]]) });
  writeFilesAtomically(target.outDir, { [runMetricsFile(key.variant, key.arm, key.seed)]: text });
}
