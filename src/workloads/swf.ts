/**
 * Reader for HPC job logs in the Standard Workload Format of the Parallel Workloads Archive
 * (../shared/data/swf, see PROVENANCE.md): `;` header comments, then one job per line with 18
 * whitespace-separated numbers, -1 meaning unknown. The columns (SWF definition):
 *   1 job number, 2 submit time (s), 3 wait time (s), 4 run time (s), 5 allocated processors,
 *   6 average CPU time (s), 7 used memory (KB per processor), 8 requested processors,
 *   9 requested time (s), 10 requested memory (KB per processor), 11 status, 12 user, 13 group,
 *   14 executable, 15 queue, 16 partition, 17 preceding job, 18 think time (s).
 * Malformed lines become InputIssues with file, line, column and a path ["job", line, field];
 * the issues of one file are thrown together (at most MAX_ISSUES_PER_FILE listed).
 */
import type { PodSpec } from '../api/pod.js';
import { resources } from '../api/resources.js';
import type { PodListWorkload } from '../api/workload.js';
import type { Distribution } from '../api/distribution.js';
import { clip, excerpt, InputError, MAX_EXCERPT_CHARS } from '../util/errors.js';
import { fieldCount, splitFields, textLines, TraceIssues, truncationHint } from './trace-lines.js';
import { MAX_QUANTITY } from './input-limits.js';

/** One job of an SWF log; every field is -1 when the log does not know it. */
export interface SwfJob {
  readonly id: number;
  /** Seconds from the start of the log. */
  readonly submit: number;
  readonly wait: number;
  readonly runTime: number;
  /** Allocated processors (column 5). */
  readonly processors: number;
  readonly requestedProcessors: number;
  readonly requestedTime: number;
  /** Average used memory per processor, KB. */
  readonly usedMemoryKb: number;
  /** Requested memory per processor, KB. */
  readonly requestedMemoryKb: number;
  /** 1 completed, 0 failed, 5 cancelled (SWF; -1 unknown). */
  readonly status: number;
  readonly user: number;
  readonly queue: number;
  readonly partition: number;
}

/** Field names by SWF column (1-based column = index + 1), as used in issue paths. */
export const SWF_FIELDS = [
  'job', 'submit', 'wait', 'run_time', 'processors', 'avg_cpu_time', 'used_memory', 'requested_processors',
  'requested_time', 'requested_memory', 'status', 'user', 'group', 'executable', 'queue', 'partition', 'preceding_job', 'think_time',
] as const;

/**
 * Columns that are counts or identifiers and so must be integers. Times and memory may carry
 * decimals: SDSC-SP2 has fractional average CPU times (e.g. 39.75).
 */
const INTEGER_COLUMNS = new Set([0, 4, 7, 10, 11, 12, 13, 14, 15, 16]);

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Reads the jobs of an SWF log, skipping `;` comment lines and blank lines. Values are kept as
 * written (-1 stays -1). Each job line must have 18 numbers, none negative except -1, and job
 * numbers must be unique; an SWF text without any job line is an error.
 */
export function readSwf(text: string, file: string): SwfJob[] {
  const issues = new TraceIssues(file);
  const jobs: SwfJob[] = [];
  const seen = new Map<number, number>();
  let anyJobLine = false;
  for (const l of textLines(text)) {
    const t = l.text.trim();
    if (t === '' || t.startsWith(';')) continue;
    anyJobLine = true;
    issues.row(l);
    const fields = splitFields(t, /\s+/);
    if (fields.length !== SWF_FIELDS.length) {
      issues.add(l.line, undefined, ['job', l.line], `expected ${SWF_FIELDS.length} whitespace-separated numbers (SWF: ${SWF_FIELDS.join(' ')}), got ${fieldCount(fields)}${truncationHint(l)}`);
      continue;
    }
    // Character column of each field, for the issue position.
    const columns: number[] = [];
    let from = 0;
    for (const f of fields) {
      const at = l.text.indexOf(f, from);
      columns.push(at + 1);
      from = at + f.length;
    }
    const v: number[] = [];
    let ok = true;
    fields.forEach((f, i) => {
      const name = SWF_FIELDS[i]!;
      const add = (message: string) => {
        issues.add(l.line, columns[i], ['job', l.line, name], message);
        ok = false;
      };
      if (!NUMBER.test(f)) return add(`expected ${name} (column ${i + 1}) to be a number, got ${excerpt(f)}`);
      const n = Number(f);
      if (n < 0 && n !== -1) return add(`${name} (column ${i + 1}) must be -1 (unknown) or not negative, got ${clip(f, MAX_EXCERPT_CHARS)}`);
      if (n > MAX_QUANTITY) return add(`${name} (column ${i + 1}) is too large: expected a number below 2^53, got ${clip(f, MAX_EXCERPT_CHARS)}`);
      if (INTEGER_COLUMNS.has(i) && !Number.isInteger(n)) return add(`expected ${name} (column ${i + 1}) to be an integer, got ${clip(f, MAX_EXCERPT_CHARS)}`);
      v.push(n);
    });
    if (!ok) continue;
    const id = v[0]!;
    const firstLine = seen.get(id);
    if (firstLine !== undefined) {
      issues.add(l.line, columns[0], ['job', l.line, 'job'], `duplicate job number ${id} (first on line ${firstLine})`);
      continue;
    }
    seen.set(id, l.line);
    jobs.push({
      id,
      submit: v[1]!,
      wait: v[2]!,
      runTime: v[3]!,
      processors: v[4]!,
      usedMemoryKb: v[6]!,
      requestedProcessors: v[7]!,
      requestedTime: v[8]!,
      requestedMemoryKb: v[9]!,
      status: v[10]!,
      user: v[11]!,
      queue: v[14]!,
      partition: v[15]!,
    });
  }
  issues.throwIfAny();
  if (!anyJobLine) {
    throw new InputError({ file, line: 1, path: [], message: `${text.trim() === '' ? 'empty file' : 'only comments'}: expected SWF job lines of ${SWF_FIELDS.length} whitespace-separated numbers` });
  }
  return jobs;
}

/** The comment header of an SWF log. */
export interface SwfHeader {
  /**
   * The `;` lines before the first job, as written. PROVENANCE.md asks reports that use a log
   * to keep this notice (it carries the copyright and acknowledgement lines).
   */
  readonly lines: readonly string[];
  /**
   * "Key: value" comments by key. Indented comment lines continue the previous value (joined
   * with '\n'); a key that repeats (Queue, Note) keeps every occurrence in order.
   */
  readonly fields: ReadonlyMap<string, readonly string[]>;
  readonly maxNodes?: number | undefined;
  readonly maxProcs?: number | undefined;
  readonly maxJobs?: number | undefined;
  readonly maxRecords?: number | undefined;
  /** Epoch second of submit time 0. */
  readonly unixStartTime?: number | undefined;
}

/** Reads the header comments of an SWF log (the text may be the whole file). */
export function readSwfHeader(text: string): SwfHeader {
  const lines: string[] = [];
  const fields = new Map<string, string[]>();
  let current: { values: string[]; index: number } | undefined;
  for (const l of textLines(text)) {
    const t = l.text.trim();
    if (t === '') continue;
    if (!t.startsWith(';')) break;
    lines.push(l.text);
    const body = t.slice(1);
    const kv = /^\s?([A-Za-z][\w-]*):\s*(.*?)\s*$/.exec(body);
    if (kv) {
      const key = kv[1]!;
      const values = fields.get(key) ?? [];
      values.push(kv[2]!);
      fields.set(key, values);
      current = { values, index: values.length - 1 };
    } else if (/^\s{2,}\S/.test(body) && current) {
      current.values[current.index] = `${current.values[current.index]!}\n${body.trim()}`;
    } else {
      current = undefined;
    }
  }
  const num = (key: string): number | undefined => {
    const s = fields.get(key)?.[0];
    return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined;
  };
  return {
    lines,
    fields,
    maxNodes: num('MaxNodes'),
    maxProcs: num('MaxProcs'),
    maxJobs: num('MaxJobs'),
    maxRecords: num('MaxRecords'),
    unixStartTime: num('UnixStartTime'),
  };
}

export interface SwfWorkloadOptions {
  /** CPU of one processor, milli-CPU; default 1000 (one core). */
  readonly milliCpuPerProcessor?: number | undefined;
  /** Memory of one processor, bytes; default none (the pods request no memory). */
  readonly memoryPerProcessor?: number | undefined;
  /**
   * Shift arrivals so that the first kept job arrives at time 0. Default false: arrival = submit
   * time as logged (SDSC-SP2's cleaned log starts at 566,129 s because its first jobs were removed).
   */
  readonly startAtZero?: boolean | undefined;
  /** Delay from bind to Running; default none. */
  readonly startup?: Distribution | undefined;
}

/** Why jobs were left out of a workload; each skipped job is counted under its first reason. */
export interface SwfSkipped {
  /** Submit time unknown (-1). */
  readonly submit: number;
  /** Run time unknown or not positive (cancelled before start, or 0 s). */
  readonly runTime: number;
  /** Allocated processors unknown with no requested count to fall back on, or not positive. */
  readonly processors: number;
}

export interface SwfWorkload {
  readonly workload: PodListWorkload;
  /** Total jobs skipped, = submit + runTime + processors of `skippedBy`. */
  readonly skipped: number;
  readonly skippedBy: SwfSkipped;
}

const NO_STARTUP: Distribution = { kind: 'fixed', value: 0 };

/**
 * One pod per job, named `<name>-<job number>`: it arrives at the submit time and runs for the
 * logged run time, requesting processors x milliCpuPerProcessor (allocated processors, or the
 * requested count when the allocated one is unknown) and processors x memoryPerProcessor.
 * Jobs it cannot place in time or size are skipped and counted (the result says how many and
 * why), never given made-up values. Jobs with the same processor count share one spec object.
 */
export function swfWorkload(jobs: readonly SwfJob[], name: string, options: SwfWorkloadOptions = {}): SwfWorkload {
  const cpuPerProc = options.milliCpuPerProcessor ?? 1000;
  const memPerProc = options.memoryPerProcessor ?? 0;
  if (!(Number.isFinite(cpuPerProc) && cpuPerProc > 0)) throw new RangeError(`swfWorkload ${name}: milliCpuPerProcessor must be a positive number, got ${cpuPerProc}`);
  if (!(Number.isFinite(memPerProc) && memPerProc >= 0)) throw new RangeError(`swfWorkload ${name}: memoryPerProcessor must be a non-negative number of bytes, got ${memPerProc}`);
  const skippedBy = { submit: 0, runTime: 0, processors: 0 };
  const kept: { job: SwfJob; processors: number }[] = [];
  for (const job of jobs) {
    const processors = job.processors !== -1 ? job.processors : job.requestedProcessors;
    if (job.submit < 0) skippedBy.submit++;
    else if (!(job.runTime > 0)) skippedBy.runTime++;
    else if (!(processors > 0)) skippedBy.processors++;
    else kept.push({ job, processors });
  }
  let origin = 0;
  // A loop, not Math.min(...): logs have tens of thousands of jobs, past the argument limit.
  if (options.startAtZero && kept.length > 0) {
    origin = Infinity;
    for (const k of kept) origin = Math.min(origin, k.job.submit);
  }
  const specs = new Map<number, PodSpec>();
  const specFor = (processors: number): PodSpec => {
    let spec = specs.get(processors);
    if (!spec) {
      spec = Object.freeze({
        namespace: 'default',
        labels: Object.freeze({}),
        requests: Object.freeze(resources({ milliCPU: processors * cpuPerProc, memory: processors * memPerProc })),
        priority: 0,
      });
      specs.set(processors, spec);
    }
    return spec;
  };
  const pods = kept.map(({ job, processors }) => ({ at: job.submit - origin, name: `${name}-${job.id}`, spec: specFor(processors), duration: job.runTime }));
  return {
    workload: { kind: 'pods', name, pods, startup: options.startup ?? NO_STARTUP },
    skipped: skippedBy.submit + skippedBy.runTime + skippedBy.processors,
    skippedBy,
  };
}

/**
 * Why an SWF log gave no pod (every job skipped: run time -1, no processors...), for the caller
 * to report at the trace's reference: a workload of nothing is a mistake, as a trace without rows is.
 */
export function swfNoPodsMessage(file: string, w: SwfWorkload): string {
  const b = w.skippedBy;
  const reasons = [b.submit > 0 ? `${b.submit} without a submit time` : '', b.runTime > 0 ? `${b.runTime} with run time unknown (-1) or 0` : '', b.processors > 0 ? `${b.processors} without processors` : '']
    .filter(Boolean).join(', ');
  return `the SWF log ${file} yields no pods: all ${w.skipped} jobs are skipped (${reasons})`;
}
