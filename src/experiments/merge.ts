import { join } from 'node:path';
import { summarizeComparison, type ComparisonResults } from './comparison.js';
import { InputError } from '../util/errors.js';
import { orderRecords, PLAN_FILE, planJSON, planTasks, readPlan, readRuns, RUNS_FILE, type ExperimentPlan } from './compare.js';
import { checkRunsAgainstPlan } from './results-files.js';
import type { RunRecord } from './records.js';

/**
 * Joins shard directories (each with plan.json and runs.jsonl) into one result: the shards must
 * share one plan and together hold every run of it. Records come out in plan order and are
 * summarized as a single-machine run's, so the merged files are byte-identical to it.
 */
export function mergeShards(dirs: readonly string[]): { plan: ExperimentPlan; records: RunRecord[]; results: ComparisonResults } {
  if (dirs.length === 0) throw new InputError({ file: '(merge)', path: [], message: 'expected at least one shard directory' });
  const plan = readPlan(dirs[0]!);
  const text = planJSON(plan);
  const all: RunRecord[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    if (planJSON(readPlan(dir)) !== text) {
      throw new InputError({ file: join(dir, PLAN_FILE), path: [], message: `its plan differs from ${join(dirs[0]!, PLAN_FILE)}: the shards are not of one sweep` });
    }
    const file = join(dir, RUNS_FILE);
    const { records, lines, truncated } = readRuns(file);
    if (truncated) throw new InputError({ file, path: [], message: 'its last line is cut short (the shard was interrupted): rerun that shard to finish it' });
    checkRunsAgainstPlan(plan, file, records, lines);
    for (const r of records) {
      const other = seen.get(r.id);
      // The same run in two shards is fine only if it is the same (a rerun gives identical lines).
      if (other !== undefined) {
        if (other !== JSON.stringify(r)) throw new InputError({ file, path: [], message: `run ${r.id} is also in another shard with a different result` });
        continue;
      }
      seen.set(r.id, JSON.stringify(r));
      all.push(r);
    }
  }
  const missing = planTasks(plan).filter((t) => !seen.has(`${t.variant.name}|${t.arm.name}|${t.seed}`));
  if (missing.length > 0) {
    const first = missing.slice(0, 3).map((t) => `${t.variant.name}|${t.arm.name}|${t.seed}`).join(', ');
    throw new InputError({ file: dirs.join(', '), path: [], message: `${missing.length} run(s) of the plan are in no shard (e.g. ${first}): run the missing shards first` });
  }
  const records = orderRecords(plan, all);
  return { plan, records, results: summarizeComparison(plan, records) };
}
