/**
 * Readers for the Alibaba "openb" GPU cluster trace used by the FGD paper (../shared/data/openb,
 * see PROVENANCE.md): a node list and pod lists, as CSV. They turn rows into NodeSpecs and pod
 * specs following docs/FGD.md section 1, which restates what the paper's simulator
 * (hkust-adsl/kubernetes-scheduler-simulator, data/prepare_input.sh and pod_csv_to_yaml.py) does.
 *
 * The CSV is the simple kind these files use: one record per line, no quoting. A quote character
 * is rejected rather than guessed at. Every malformed row becomes an InputIssue with the file,
 * the 1-based line, the column and a path ["row", line, column name]; the issues of one file are
 * thrown together (at most MAX_ISSUES_PER_FILE listed).
 */
import { GPU_MODEL_LABEL } from '../api/gpu.js';
import type { Labels } from '../api/labels.js';
import { WellKnownLabel } from '../api/node.js';
import type { PodSpec } from '../api/pod.js';
import { resources } from '../api/resources.js';
import { MILLI_PER_GPU } from '../api/units.js';
import type { NodeSpec } from '../api/node.js';
import type { PodListWorkload } from '../api/workload.js';
import type { Distribution } from '../api/distribution.js';
import { excerpt, InputError } from '../util/errors.js';
import { fieldCount, nextNonBlank, splitFields, textLines, TraceIssues, truncationHint, type TextLine } from './trace-lines.js';
import { MAX_GPUS_PER_NODE, MAX_QUANTITY } from './input-limits.js';

/** Columns of openb_node_list_*.csv. */
export const OPENB_NODE_COLUMNS = ['sn', 'cpu_milli', 'memory_mib', 'gpu', 'model'] as const;
/** Columns of openb_pod_list_*.csv (all but the multigpu files). */
export const OPENB_POD_COLUMNS = [
  'name', 'cpu_milli', 'memory_mib', 'num_gpu', 'gpu_milli', 'gpu_spec', 'qos', 'pod_phase', 'creation_time', 'deletion_time', 'scheduled_time',
] as const;
/** The multigpu pod lists carry only the first five columns (FGD.md section 1). */
export const OPENB_MULTIGPU_POD_COLUMNS: readonly (typeof OPENB_POD_COLUMNS)[number][] = OPENB_POD_COLUMNS.slice(0, 5);

/**
 * Pod limit given to every openb node. The FGD simulator sets no pod-count limit (its nodes are
 * built from the CSV with cpu, memory and GPUs only), so the limit must never bind: the largest
 * node could hold at most cpu_milli pods of 1 milli-CPU, far below a million.
 */
export const OPENB_MAX_PODS = 1_000_000;

const MIB = 2 ** 20;

/** One row of a pod list, after the FGD.md section 1 rules. */
export interface OpenbPod {
  readonly name: string;
  readonly cpuMilli: number;
  readonly memoryMib: number;
  /** GPU count k (`num_gpu`). */
  readonly numGpu: number;
  /** Per-GPU share m: `gpu_milli` clamped to [0, 1000]; 0 when num_gpu is 0, whatever gpu_milli says. */
  readonly gpuMilli: number;
  /** The raw `gpu_spec` field; '' when blank or absent (multigpu files). */
  readonly gpuSpec: string;
  /** Accepted GPU models: gpu_spec split on '|'; empty when blank or when num_gpu is 0 (no GPU, no model constraint). */
  readonly models: readonly string[];
  /** Seconds, as in the file; absent in the multigpu files. The FGD protocol does not use them. */
  readonly creationTime?: number | undefined;
  readonly deletionTime?: number | undefined;
  readonly scheduledTime?: number | undefined;
}

// ---------------------------------------------------------------------------------------------
// Row splitting and field readers.

interface Row {
  readonly line: number;
  readonly fields: readonly string[];
  /** 1-based character column where each field starts. */
  readonly columns: readonly number[];
}

function columnList(cols: readonly string[]): string {
  return cols.join(',');
}

/** Splits a data line into trimmed fields, or records why it cannot be read. */
function splitRow(l: TextLine, expected: readonly string[], issues: TraceIssues, what: string): Row | undefined {
  const quote = l.text.indexOf('"');
  if (quote >= 0) {
    issues.add(l.line, quote + 1, ['row', l.line], `found a quote character: quoted CSV fields are not supported (openb files have none, and splitting on commas would mis-read them)`);
    return undefined;
  }
  const raw = splitFields(l.text, ',');
  if (raw.length !== expected.length) {
    issues.add(l.line, undefined, ['row', l.line], `expected ${expected.length} columns (${columnList(expected)}) as in the ${what} header, got ${fieldCount(raw)}${truncationHint(l)}`);
    return undefined;
  }
  const columns: number[] = [];
  let at = 1;
  for (const f of raw) {
    columns.push(at);
    at += f.length + 1;
  }
  return { line: l.line, fields: raw.map((f) => f.trim()), columns };
}

/** A non-negative integer field; undefined (and an issue) otherwise, or when blank and `optional`. */
function intField(row: Row, index: number, name: string, issues: TraceIssues, optional = false): number | undefined {
  const v = row.fields[index] ?? '';
  const add = (message: string) => issues.add(row.line, row.columns[index], ['row', row.line, name], message);
  if (v === '') {
    if (!optional) add(`expected ${name} to be a non-negative integer, got an empty field`);
    return undefined;
  }
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
    add(`expected ${name} to be an integer below 2^53, got ${v}`);
    return undefined;
  }
  if (/^-\d+(\.\d+)?$/.test(v)) add(`${name} must not be negative, got ${v}`);
  else add(`expected ${name} to be a non-negative integer, got ${excerpt(v)}`);
  return undefined;
}

/** memory_mib within 2^53 bytes (8 PiB), where byte counts stop being exact; undefined (and an issue) above. */
function mebibytes(row: Row, mib: number | undefined, issues: TraceIssues): number | undefined {
  if (mib === undefined || mib * MIB <= MAX_QUANTITY) return mib;
  issues.add(row.line, row.columns[2], ['row', row.line, 'memory_mib'], `memory_mib is too large: at most ${Math.floor(MAX_QUANTITY / MIB)} (2^53 bytes), got ${mib}`);
  return undefined;
}

/** A node's GPU count, at most MAX_GPUS_PER_NODE (each has a table entry); undefined (and an issue) above. */
function gpus(row: Row, n: number | undefined, issues: TraceIssues): number | undefined {
  if (n === undefined || n <= MAX_GPUS_PER_NODE) return n;
  issues.add(row.line, row.columns[3], ['row', row.line, 'gpu'], `gpu is too large: at most ${MAX_GPUS_PER_NODE} GPUs per node, got ${n}`);
  return undefined;
}

/** Reads the header line; throws when the file is empty or the header is not one of `known`. */
function readHeader(lines: Iterator<TextLine>, file: string, known: readonly (readonly string[])[], expectation: string, otherKind: { columns: readonly string[]; hint: string }): { header: readonly string[] } {
  const l = nextNonBlank(lines);
  if (l === undefined) throw new InputError({ file, line: 1, path: [], message: `empty file: expected ${expectation}` });
  const names = splitFields(l.text, ',').map((s) => s.trim());
  const header = known.find((k) => k.length === names.length && k.every((c, i) => c === names[i]));
  if (header) return { header };
  const same = otherKind.columns.length === names.length && otherKind.columns.every((c, i) => c === names[i]);
  const count = fieldCount(names);
  throw new InputError({
    file, line: l.line, column: 1, path: ['header'],
    message: `expected ${expectation}, got ${excerpt(l.text)} (${count} columns)${same ? `; ${otherKind.hint}` : ''}`,
  });
}

const NODE_EXPECTATION = `the node-list header "${columnList(OPENB_NODE_COLUMNS)}"`;
const POD_EXPECTATION = `a pod-list header: ${OPENB_POD_COLUMNS.length} columns "${columnList(OPENB_POD_COLUMNS)}" or ${OPENB_MULTIGPU_POD_COLUMNS.length} columns "${columnList(OPENB_MULTIGPU_POD_COLUMNS)}" (multigpu files)`;

// ---------------------------------------------------------------------------------------------
// Nodes.

/**
 * Reads openb_node_list_*.csv: one node per row with cpu_milli, memory_mib (MiB -> bytes) and
 * `gpu` whole devices of 1000 milli-GPU each (FGD.md section 1). A GPU node gets its model as
 * `gpuModel` and as the nvidia.com/gpu.product label; every node is labelled with its hostname.
 * `model` is ignored on nodes without GPUs (the all-node list leaves it blank there).
 */
export function readOpenbNodes(text: string, file: string): NodeSpec[] {
  const lines = textLines(text);
  readHeader(lines, file, [OPENB_NODE_COLUMNS], NODE_EXPECTATION, {
    columns: OPENB_POD_COLUMNS, hint: 'this is a pod list, read it with readOpenbPods',
  });
  const issues = new TraceIssues(file);
  const nodes: NodeSpec[] = [];
  const seen = new Map<string, number>();
  for (const l of lines) {
    if (l.text.trim() === '') continue;
    issues.row(l);
    const row = splitRow(l, OPENB_NODE_COLUMNS, issues, 'node-list');
    if (!row) continue;
    const [sn = '', , , , model = ''] = row.fields;
    if (sn === '') issues.add(row.line, row.columns[0], ['row', row.line, 'sn'], 'expected a node name in sn, got an empty field');
    const firstLine = seen.get(sn);
    if (sn !== '' && firstLine !== undefined) issues.add(row.line, row.columns[0], ['row', row.line, 'sn'], `duplicate node name ${excerpt(sn)} (first on line ${firstLine})`);
    else seen.set(sn, row.line);
    const cpu = intField(row, 1, 'cpu_milli', issues);
    const mem = mebibytes(row, intField(row, 2, 'memory_mib', issues), issues);
    const gpu = gpus(row, intField(row, 3, 'gpu', issues), issues);
    if (sn === '' || cpu === undefined || mem === undefined || gpu === undefined) continue;
    const gpuModel = gpu > 0 && model !== '' ? model : undefined;
    const labels: Labels = gpuModel !== undefined ? { [WellKnownLabel.hostname]: sn, [GPU_MODEL_LABEL]: gpuModel } : { [WellKnownLabel.hostname]: sn };
    nodes.push({
      name: sn,
      labels,
      taints: [],
      unschedulable: false,
      allocatable: resources({ milliCPU: cpu, memory: mem * MIB, milliGPU: gpu * MILLI_PER_GPU }),
      allowedPodNumber: OPENB_MAX_PODS,
      gpuModel,
    });
  }
  issues.throwIfAny();
  if (nodes.length === 0) throw new InputError({ file, path: [], message: 'no node rows after the header' });
  return nodes;
}

// ---------------------------------------------------------------------------------------------
// Pods.

/** Whether (m, k) breaks FGD.md section 1: "Multi-GPU pods always have m = 1000". */
function isSplitMultiGpu(m: number, k: number): boolean {
  return k > 1 && m > 0 && m < MILLI_PER_GPU;
}

function multiGpuMessage(k: number, m: number): string {
  return `a pod with num_gpu ${k} must have gpu_milli 1000 (multi-GPU pods take whole GPUs; a share below 1000 is of one GPU, FGD.md section 1), got ${m}`;
}

/**
 * Reads openb_pod_list_*.csv, with the 11-column header or the 5-column one of the multigpu files.
 * Applies FGD.md section 1: with num_gpu > 0, m = gpu_milli clamped to [0, 1000] and the model
 * constraint is gpu_spec split on '|'; with num_gpu = 0, m = 0 and no constraint. qos and
 * pod_phase are not read (the FGD protocol ignores them); blank time fields are left undefined.
 */
export function readOpenbPods(text: string, file: string): OpenbPod[] {
  const lines = textLines(text);
  const { header } = readHeader(lines, file, [OPENB_POD_COLUMNS, OPENB_MULTIGPU_POD_COLUMNS], POD_EXPECTATION, {
    columns: OPENB_NODE_COLUMNS, hint: 'this is a node list, read it with readOpenbNodes',
  });
  const full = header.length === OPENB_POD_COLUMNS.length;
  const issues = new TraceIssues(file);
  const pods: OpenbPod[] = [];
  const seen = new Map<string, number>();
  for (const l of lines) {
    if (l.text.trim() === '') continue;
    issues.row(l);
    const row = splitRow(l, header, issues, full ? 'pod-list' : 'multigpu pod-list');
    if (!row) continue;
    const name = row.fields[0] ?? '';
    if (name === '') issues.add(row.line, row.columns[0], ['row', row.line, 'name'], 'expected a pod name, got an empty field');
    const firstLine = seen.get(name);
    if (name !== '' && firstLine !== undefined) issues.add(row.line, row.columns[0], ['row', row.line, 'name'], `duplicate pod name ${excerpt(name)} (first on line ${firstLine})`);
    else seen.set(name, row.line);
    const cpuMilli = intField(row, 1, 'cpu_milli', issues);
    const memoryMib = mebibytes(row, intField(row, 2, 'memory_mib', issues), issues);
    const numGpu = intField(row, 3, 'num_gpu', issues);
    const rawGpuMilli = intField(row, 4, 'gpu_milli', issues);
    const gpuSpec = full ? row.fields[5] ?? '' : '';
    const creationTime = full ? intField(row, 8, 'creation_time', issues, true) : undefined;
    const deletionTime = full ? intField(row, 9, 'deletion_time', issues, true) : undefined;
    const scheduledTime = full ? intField(row, 10, 'scheduled_time', issues, true) : undefined;
    if (name === '' || cpuMilli === undefined || memoryMib === undefined || numGpu === undefined || rawGpuMilli === undefined) continue;
    // FGD.md section 1: values above 1000 become 1000; CPU-only rows have no share whatever gpu_milli says.
    const gpuMilli = numGpu > 0 ? Math.min(rawGpuMilli, MILLI_PER_GPU) : 0;
    if (isSplitMultiGpu(gpuMilli, numGpu)) {
      issues.add(row.line, row.columns[4], ['row', row.line, 'gpu_milli'], multiGpuMessage(numGpu, rawGpuMilli));
      continue;
    }
    const models = numGpu > 0 && gpuSpec !== '' ? gpuSpec.split('|').map((s) => s.trim()) : [];
    if (models.some((m) => m === '')) {
      issues.add(row.line, row.columns[5], ['row', row.line, 'gpu_spec'], `expected GPU models separated by '|', got an empty model name in ${excerpt(gpuSpec)}`);
      continue;
    }
    if (creationTime !== undefined && deletionTime !== undefined && deletionTime < creationTime) {
      issues.add(row.line, row.columns[9], ['row', row.line, 'deletion_time'], `deletion_time ${deletionTime} is before creation_time ${creationTime}`);
      continue;
    }
    pods.push({ name, cpuMilli, memoryMib, numGpu, gpuMilli, gpuSpec, models, creationTime, deletionTime, scheduledTime });
  }
  issues.throwIfAny();
  if (pods.length === 0) throw new InputError({ file, path: [], message: 'no pod rows after the header' });
  return pods;
}

/**
 * Specs already built, by (cpu, memory, m, k, model constraint). Pods with equal requests share
 * one frozen spec object (PodSpec's contract), so a trace of 8,000 pods holds a few hundred specs.
 * The key space is bounded by the distinct request shapes of the traces read, which is small.
 */
const specCache = new Map<string, PodSpec>();

/**
 * The pod spec of an openb pod: cpu, memory and milliGPU = m * k (a share m < 1000 of one GPU,
 * or k whole GPUs), its model constraint when it has one and asks for a GPU, namespace
 * 'default', no labels, priority 0. Throws an InputError for a split multi-GPU request
 * (0 < m < 1000 with k > 1), which FGD.md section 1 rules out; readOpenbPods never returns one.
 */
export function openbPodSpec(p: OpenbPod): PodSpec {
  const m = p.numGpu > 0 ? Math.min(Math.max(p.gpuMilli, 0), MILLI_PER_GPU) : 0;
  if (isSplitMultiGpu(m, p.numGpu)) {
    throw new InputError({ file: `openb pod ${p.name}`, path: ['gpu_milli'], message: multiGpuMessage(p.numGpu, p.gpuMilli) });
  }
  const milliGPU = m * p.numGpu;
  // A model constraint only matters to a pod that uses a GPU (FGD.md section 3: "if m > 0").
  const models = milliGPU > 0 && p.models.length > 0 ? p.models : undefined;
  const key = `${p.cpuMilli}|${p.memoryMib}|${m}|${p.numGpu}|${models?.join('|') ?? ''}`;
  const cached = specCache.get(key);
  if (cached) return cached;
  const spec: PodSpec = Object.freeze({
    namespace: 'default',
    labels: Object.freeze({}),
    requests: Object.freeze(resources({ milliCPU: p.cpuMilli, memory: p.memoryMib * MIB, milliGPU })),
    priority: 0,
    ...(models ? { gpuModels: Object.freeze([...models]) } : {}),
  });
  specCache.set(key, spec);
  return spec;
}

export interface OpenbPodListOptions {
  /**
   * Replay the trace's times: arrive at creation_time, run for deletion_time - creation_time
   * seconds (until the horizon when deletion_time is blank). Default false: the FGD protocol
   * (FGD.md section 1, "no pod is ever deleted"), every pod at time 0 running forever, in list order.
   */
  readonly useTimes?: boolean | undefined;
  /** Delay from bind to Running; default none. */
  readonly startup?: Distribution | undefined;
}

const NO_STARTUP: Distribution = { kind: 'fixed', value: 0 };

/**
 * A pod-list workload of openb pods, in the given order, named after the rows. With useTimes, a
 * pod without creation_time (the multigpu files have no time columns) is an error rather than
 * being put at time 0 among timed pods.
 */
export function openbPodList(pods: readonly OpenbPod[], name: string, options: OpenbPodListOptions = {}): PodListWorkload {
  const useTimes = options.useTimes ?? false;
  const entries = pods.map((p) => {
    const spec = openbPodSpec(p);
    if (!useTimes) return { at: 0, name: p.name, spec, duration: Infinity };
    if (p.creationTime === undefined) {
      throw new Error(`openbPodList ${name}: pod ${p.name} has no creation_time, so useTimes cannot place it (the multigpu pod lists carry no time columns)`);
    }
    const duration = p.deletionTime !== undefined ? p.deletionTime - p.creationTime : Infinity;
    return { at: p.creationTime, name: p.name, spec, duration };
  });
  return { kind: 'pods', name, pods: entries, startup: options.startup ?? NO_STARTUP };
}
