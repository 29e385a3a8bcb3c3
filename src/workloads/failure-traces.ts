/**
 * Readers for two real failure traces (../shared/data/failures, see PROVENANCE.md and
 * ../shared/docs/FAILURES.md), and their conversion into node outages a replay can schedule.
 * They are pure: no engine state, no clock, no randomness.
 *
 * LANL (LA-UR-05-7318): one failure record per row, 26 columns, with the problem start and fix
 * times as local wall-clock "M/D/YYYY H:MM" and the down time in minutes. 79 Software causes are
 * quoted because they contain a comma ("MPI, PVM, Array services", "Disk IO, firmware and
 * storage"), so rows are split as RFC 4180 CSV, one record per line.
 *
 * Cloud Uptime Archive (OpenDC failure format): rows of failure_interval (ms), failure_duration
 * (ms) and failure_intensity (fraction of hosts). failure_interval is the gap between the END of
 * the previous failure and the start of this one, not between starts: OpenDC's
 * TraceBasedFailureModel waits `failure_interval`, then applies the fault, and StartStopHostFault
 * only returns after waiting `failure_duration` and recovering the hosts, so the next interval is
 * counted from the recovery. The data agrees: read end-to-start, the nine traces with 200 or more
 * outages all end 551-567 days after their first outage (one common ~18-month observation
 * window), while read start-to-start they would end anywhere from 334 to 559 days, the busiest
 * earliest, with up to 1,722 outages of one service starting while its previous one is still on.
 * All times are multiples of 20 minutes, and no gap after the first row is below one 20-minute
 * bin, as expected when adjacent outage bins merge into one outage and gaps are counted between
 * outages. (The three sparse traces, Apple, Github and Skype, end at 535, 433 and 508 days under
 * either reading, so they do not discriminate.)
 *
 * Malformed rows become InputIssues with the file, the 1-based line, the column and a path
 * ["row", line, column name]; the issues of one file are thrown together (at most
 * MAX_ISSUES_PER_FILE listed), as in the other trace readers.
 */
import { excerpt, InputError } from '../util/errors.js';
import { fieldCount, MAX_FIELDS, nextNonBlank, textLines, TraceIssues, truncationHint, type TextLine } from './trace-lines.js';
import { daysFromCivil, daysInMonth } from '../util/dates.js';

// ---------------------------------------------------------------------------------------------
// CSV rows with quoting.

/** The columns of the LANL file, in order (its README lists the same 26 fields). */
export const LANL_COLUMNS = [
  'System', 'machine type', 'nodes', 'procstot', 'procsinnode', 'nodenum', 'nodenumz', 'node install', 'node prod', 'node decom',
  'fru type', 'mem', 'cputype', 'memtype', 'num intercon', 'purpose', 'Prob Started', 'Prob Fixed', 'Down Time',
  'Facilities', 'Hardware', 'Human Error', 'Network', 'Undetermined', 'Software', 'Same Event',
] as const;

/** The root-cause columns of the LANL file; exactly one is filled when the cause is known. */
export const LANL_CAUSES = ['Facilities', 'Hardware', 'Human Error', 'Network', 'Undetermined', 'Software'] as const;
export type LanlCause = (typeof LANL_CAUSES)[number] | 'unknown';

/** The columns of the Cloud Uptime Archive failure traces (quoted in the header of every file). */
export const UPTIME_COLUMNS = ['failure_interval', 'failure_duration', 'failure_intensity'] as const;

interface Row {
  readonly line: number;
  readonly fields: readonly string[];
  /** 1-based character column where each field starts. */
  readonly columns: readonly number[];
}

/**
 * Splits one line as RFC 4180 CSV: a field that starts with a quote runs to the matching quote,
 * with "" standing for one quote. Unquoted fields are trimmed; quoted ones are kept as written.
 * A quoted field cannot span lines: neither file has one, and supporting it would make the line
 * numbers of the issues lie. Returns the problem instead of the row when the quoting is broken.
 */
function splitCsv(text: string, max = MAX_FIELDS): { fields: string[]; columns: number[] } | { column: number; message: string } {
  const fields: string[] = [];
  const columns: number[] = [];
  let i = 0;
  for (;;) {
    // More than `max` fields is all a caller needs to know (a line of a million commas).
    if (fields.length > max) return { fields, columns };
    columns.push(i + 1);
    if (text[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return { column: i + 1, message: 'unterminated quoted field (a quoted field must close on the same line)' };
        value += text.slice(from, q);
        if (text[q + 1] === '"') {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return { fields, columns };
      if (text[i] !== ',') return { column: i + 1, message: `expected a comma after the closing quote, got ${excerpt(text[i]!)}` };
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      const raw = text.slice(i, end);
      const quote = raw.indexOf('"');
      if (quote >= 0) return { column: i + quote + 1, message: 'a quote inside an unquoted field (quote the whole field and double the quote)' };
      fields.push(raw.trim());
      if (comma < 0) return { fields, columns };
      i = comma + 1;
    }
  }
}

/** A data row with the expected number of fields, or undefined (and an issue). */
function splitRow(l: TextLine, expected: readonly string[], issues: TraceIssues, what: string): Row | undefined {
  const split = splitCsv(l.text);
  if ('message' in split) {
    issues.add(l.line, split.column, ['row', l.line], split.message);
    return undefined;
  }
  if (split.fields.length !== expected.length) {
    issues.add(l.line, undefined, ['row', l.line], `expected ${expected.length} columns as in the ${what} header, got ${fieldCount(split.fields)}${truncationHint(l)}`);
    return undefined;
  }
  return { line: l.line, fields: split.fields, columns: split.columns };
}

/** Reads the header line; throws when the file is empty or the header is not `expected`. */
function readHeader(lines: Iterator<TextLine>, file: string, expected: readonly string[], what: string, other: { columns: readonly string[]; hint: string }): void {
  const l = nextNonBlank(lines);
  const expectation = `the ${what} header ${expected.map((c) => `"${c}"`).join(',')}`;
  if (l === undefined) throw new InputError({ file, line: 1, path: [], message: `empty file: expected ${expectation}` });
  const split = splitCsv(l.text);
  if ('message' in split) throw new InputError({ file, line: l.line, column: split.column, path: ['header'], message: split.message });
  const names = split.fields.map((s) => s.trim());
  const same = (cols: readonly string[]) => cols.length === names.length && cols.every((c, i) => c === names[i]);
  if (same(expected)) return;
  const wrong = expected.findIndex((c, i) => c !== names[i]);
  const column = wrong >= 0 && wrong < split.columns.length ? split.columns[wrong] : 1;
  throw new InputError({
    file, line: l.line, column, path: ['header'],
    message: `expected ${expectation}, got ${excerpt(l.text)} (${fieldCount(names)} columns)${same(other.columns) ? `; ${other.hint}` : ''}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Field readers.

type AddIssue = (message: string) => void;

function adder(row: Row, index: number, name: string, issues: TraceIssues): AddIssue {
  return (message) => issues.add(row.line, row.columns[index], ['row', row.line, name], message);
}

/**
 * A decimal number field at least `min` (an integer when `integer`); undefined when blank and
 * `optional`, or (with an issue) when malformed.
 */
function numField(row: Row, index: number, name: string, issues: TraceIssues, o: { integer: boolean; min: number; optional?: boolean }): number | undefined {
  const v = row.fields[index] ?? '';
  const add = adder(row, index, name, issues);
  const kind = o.integer ? (o.min > 0 ? 'a positive integer' : 'a non-negative integer') : 'a non-negative number';
  if (v === '') {
    if (!o.optional) add(`expected ${name} to be ${kind}, got an empty field`);
    return undefined;
  }
  if (!/^-?\d+(\.\d+)?$/.test(v)) {
    add(`expected ${name} to be ${kind}, got ${excerpt(v)}`);
    return undefined;
  }
  const n = Number(v);
  if (n < 0) add(`${name} must not be negative, got ${v}`);
  else if (o.integer && (!Number.isSafeInteger(n) || v.includes('.'))) add(`expected ${name} to be ${kind}, got ${v}`);
  else if (n < o.min) add(`expected ${name} to be ${kind}, got ${v}`);
  else return n;
  return undefined;
}

const LANL_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2})$/;

/**
 * Seconds since the Unix epoch of a LANL time "M/D/YYYY H:MM" (24-hour clock), read as if it
 * were UTC, or a message saying what is wrong. The file's times are LANL's local wall clock, so
 * the epoch values are shifted by the local offset, which cancels out in every difference except
 * across a daylight-saving change (the 24 records whose clock difference and Down Time disagree
 * by exactly 60 minutes all straddle one). The README says "mm/dd/yy"; every row has 4-digit
 * years, and a 2-digit one is rejected rather than guessed at.
 */
export function parseLanlTime(s: string): number | string {
  const m = LANL_DATE.exec(s);
  if (!m) return `expected a time "M/D/YYYY H:MM", got ${excerpt(s)}`;
  const [month, day, year, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12) return `month ${month} is out of range 1-12 in "${s}"`;
  if (day < 1 || day > daysInMonth(year, month)) return `day ${day} does not exist in ${year}-${String(month).padStart(2, '0')} in "${s}"`;
  if (hour > 23) return `hour ${hour} is out of range 0-23 in "${s}"`;
  if (minute > 59) return `minute ${minute} is out of range 0-59 in "${s}"`;
  return daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60;
}

function timeField(row: Row, index: number, name: string, issues: TraceIssues, optional: boolean): number | undefined {
  const v = row.fields[index] ?? '';
  const add = adder(row, index, name, issues);
  if (v === '') {
    if (!optional) add(`expected ${name} to be a time "M/D/YYYY H:MM", got an empty field`);
    return undefined;
  }
  const t = parseLanlTime(v);
  if (typeof t === 'number') return t;
  add(`${name}: ${t}`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// LANL.

/** One LANL failure record, with the columns a replay needs. */
export interface LanlRecord {
  /** `System`: the system number (2-24 in the 1996-2005 file). */
  readonly system: number;
  /** `nodes`: the system's node count as the row states it; undefined when blank (all of system 17). */
  readonly systemNodes: number | undefined;
  /**
   * `nodenumz`, the node number counted from zero (the README's "node number starting with
   * zero"), rather than `nodenum`, whose base differs between systems (system 19 starts at 1024).
   * Undefined when blank: system 17's records name no node.
   */
  readonly nodeNum: number | undefined;
  /** `Prob Started`, seconds since the epoch of the local wall-clock time read as UTC (parseLanlTime). */
  readonly start: number;
  /** `Prob Fixed`, the same way; undefined when blank (never in the 1996-2005 file). */
  readonly fixed: number | undefined;
  /** `Down Time`, minutes. */
  readonly downMinutes: number;
  /** The root-cause column that is filled; 'unknown' when none is (453 rows of the file). */
  readonly cause: LanlCause;
  /** What that column says, e.g. "Memory Dimm" under Hardware; '' for 'unknown'. */
  readonly causeDetail: string;
  /** `Same Event` (related events): Yes/Y or No/N. */
  readonly sameEvent: boolean;
}

const col = (name: (typeof LANL_COLUMNS)[number]): number => LANL_COLUMNS.indexOf(name);
const C_SYSTEM = col('System');
const C_NODES = col('nodes');
const C_NODENUMZ = col('nodenumz');
const C_STARTED = col('Prob Started');
const C_FIXED = col('Prob Fixed');
const C_DOWN = col('Down Time');
const C_SAME = col('Same Event');
const C_CAUSES = LANL_CAUSES.map((c) => col(c));

/**
 * Reads the LANL failure file. Only the columns of LanlRecord are checked; the hardware
 * description columns (machine type, procs, dates of install, memory, ...) are not read. A row is
 * rejected for a wrong column count, a malformed or impossible time, Prob Fixed before Prob
 * Started, a negative or non-numeric Down Time, more than one root-cause column filled, or a Same
 * Event other than Yes/No. Records keep the file's order.
 */
export function readLanl(text: string, file: string): LanlRecord[] {
  const lines = textLines(text);
  readHeader(lines, file, LANL_COLUMNS, 'LANL failure', { columns: UPTIME_COLUMNS, hint: 'this is an uptime failure trace, read it with readUptime' });
  const issues = new TraceIssues(file);
  const records: LanlRecord[] = [];
  for (const l of lines) {
    if (l.text.trim() === '') continue;
    issues.row(l);
    const row = splitRow(l, LANL_COLUMNS, issues, 'LANL');
    if (!row) continue;
    const before = issues.count;
    const system = numField(row, C_SYSTEM, 'System', issues, { integer: true, min: 1 });
    const systemNodes = numField(row, C_NODES, 'nodes', issues, { integer: true, min: 1, optional: true });
    const nodeNum = numField(row, C_NODENUMZ, 'nodenumz', issues, { integer: true, min: 0, optional: true });
    const start = timeField(row, C_STARTED, 'Prob Started', issues, false);
    const fixed = timeField(row, C_FIXED, 'Prob Fixed', issues, true);
    const downMinutes = numField(row, C_DOWN, 'Down Time', issues, { integer: false, min: 0 });
    if (start !== undefined && fixed !== undefined && fixed < start) {
      issues.add(row.line, row.columns[C_FIXED], ['row', row.line, 'Prob Fixed'], `Prob Fixed ${row.fields[C_FIXED]} is before Prob Started ${row.fields[C_STARTED]}`);
    }
    let cause: LanlCause = 'unknown';
    let causeDetail = '';
    for (let k = 0; k < LANL_CAUSES.length; k++) {
      const index = C_CAUSES[k]!;
      const v = row.fields[index] ?? '';
      if (v === '') continue;
      // One row is one failure with one root cause; two filled columns would have to be guessed between.
      if (cause !== 'unknown') {
        issues.add(row.line, row.columns[index], ['row', row.line, LANL_CAUSES[k]!], `more than one root-cause column is filled: ${cause} ${excerpt(causeDetail)} and ${LANL_CAUSES[k]} ${excerpt(v)}`);
        break;
      }
      cause = LANL_CAUSES[k]!;
      causeDetail = v;
    }
    const sameRaw = (row.fields[C_SAME] ?? '').toLowerCase();
    const sameEvent = sameRaw === 'yes' || sameRaw === 'y' ? true : sameRaw === 'no' || sameRaw === 'n' ? false : undefined;
    if (sameEvent === undefined) issues.add(row.line, row.columns[C_SAME], ['row', row.line, 'Same Event'], `expected Same Event to be Yes or No, got ${excerpt(row.fields[C_SAME] ?? '')}`);
    if (issues.count !== before || system === undefined || start === undefined || downMinutes === undefined || sameEvent === undefined) continue;
    records.push({ system, systemNodes, nodeNum, start, fixed, downMinutes, cause, causeDetail, sameEvent });
  }
  issues.throwIfAny();
  if (records.length === 0) throw new InputError({ file, path: [], message: 'no failure records after the header' });
  return records;
}

/** What the records say about one system. */
export interface LanlSystem {
  readonly system: number;
  /** Distinct node numbers among its records (nodes that failed at least once). */
  readonly nodesSeen: number;
  /** The largest `nodes` value of its records; undefined when every one is blank. */
  readonly declaredNodes: number | undefined;
  readonly records: number;
  /** Records without a node number; lanlFailures cannot place them. */
  readonly withoutNode: number;
  /** Earliest and latest Prob Started (seconds, see LanlRecord.start). */
  readonly firstStart: number;
  readonly lastStart: number;
}

/** One summary per system, by system number. */
export function lanlSystems(records: readonly LanlRecord[]): LanlSystem[] {
  const by = new Map<number, { nodes: Set<number>; declared: number | undefined; records: number; withoutNode: number; first: number; last: number }>();
  for (const r of records) {
    let s = by.get(r.system);
    if (!s) by.set(r.system, (s = { nodes: new Set(), declared: undefined, records: 0, withoutNode: 0, first: r.start, last: r.start }));
    s.records++;
    if (r.nodeNum === undefined) s.withoutNode++;
    else s.nodes.add(r.nodeNum);
    if (r.systemNodes !== undefined) s.declared = Math.max(s.declared ?? 0, r.systemNodes);
    s.first = Math.min(s.first, r.start);
    s.last = Math.max(s.last, r.start);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a - b)
    .map(([system, s]) => ({ system, nodesSeen: s.nodes.size, declaredNodes: s.declared, records: s.records, withoutNode: s.withoutNode, firstStart: s.first, lastStart: s.last }));
}

export interface LanlFailureOptions {
  readonly system: number;
  /** Cluster nodes to map the system's nodes onto (indexes 0..nodes-1). */
  readonly nodes: number;
  /**
   * 'modulo' (default): node number mod `nodes`, so a cluster as large as the system replays it
   * node for node. 'sequential': the k-th distinct node to fail (in time order) goes to k mod
   * `nodes`, which uses every cluster node even when the failing node numbers are sparse or share
   * a residue.
   */
  readonly mapping?: 'modulo' | 'sequential' | undefined;
  /**
   * 'clock' (default): Prob Fixed - Prob Started, or Down Time when Prob Fixed is blank.
   * 'downTime': Down Time always. Down Time looks like the more exact of the two: it equals the
   * clock difference in 23,316 rows, is one minute shorter in 399 (consistent with times stored
   * with seconds and shown truncated to the minute) and off by an hour in the 24 rows across a
   * daylight-saving change.
   */
  readonly duration?: 'clock' | 'downTime' | undefined;
}

/** One node outage of a replay: cluster node index, onset and length in seconds. */
export interface LanlFailure {
  readonly node: number;
  readonly at: number;
  readonly duration: number;
}

/**
 * The failures of one system as outages of cluster nodes, times relative to the system's first
 * record (so the replay starts at 0), sorted by onset with ties in file order. Outages of one
 * node can overlap: 91 pairs of records of the same node do in the file, and folding many nodes
 * onto few makes more; the consumer decides what a second failure of a down node means. Filter
 * `records` first to replay a subset (one cause, a time window). Throws an Error for a bad node
 * count, a system with no records, or records without a node number (system 17), which cannot be
 * placed on a node.
 */
export function lanlFailures(records: readonly LanlRecord[], options: LanlFailureOptions): LanlFailure[] {
  const { system, nodes } = options;
  if (!Number.isSafeInteger(nodes) || nodes < 1) throw new Error(`lanlFailures: nodes must be a positive integer, got ${nodes}`);
  const mine = records.filter((r) => r.system === system);
  if (mine.length === 0) {
    const known = [...new Set(records.map((r) => r.system))].sort((a, b) => a - b);
    throw new Error(`lanlFailures: no records of system ${system} (systems present: ${known.join(', ') || 'none'})`);
  }
  const unplaced = mine.filter((r) => r.nodeNum === undefined).length;
  if (unplaced > 0) throw new Error(`lanlFailures: ${unplaced} of the ${mine.length} records of system ${system} have no node number (blank nodenumz), so they cannot be placed on a node`);
  // Array.prototype.sort is stable (ES2019), so equal starts keep the file's order.
  const sorted = [...mine].sort((a, b) => a.start - b.start);
  const origin = sorted[0]!.start;
  const sequential = new Map<number, number>();
  const place = (nodeNum: number): number => {
    if (options.mapping !== 'sequential') return nodeNum % nodes;
    let k = sequential.get(nodeNum);
    if (k === undefined) sequential.set(nodeNum, (k = sequential.size));
    return k % nodes;
  };
  return sorted.map((r) => ({
    node: place(r.nodeNum!),
    at: r.start - origin,
    duration: options.duration === 'downTime' || r.fixed === undefined ? r.downMinutes * 60 : r.fixed - r.start,
  }));
}

// ---------------------------------------------------------------------------------------------
// Cloud Uptime Archive.

/** One row of an uptime failure trace. */
export interface UptimeRecord {
  /** Milliseconds from the end of the previous failure (the trace start for the first row) to this one's start. */
  readonly intervalMs: number;
  readonly durationMs: number;
  /** Fraction of hosts affected, in (0, 1]. */
  readonly intensity: number;
}

/**
 * Reads an uptime failure trace (CSV converted from OpenDC's parquet). Interval and duration must
 * be non-negative numbers, intensity in (0, 1] (OpenDC's own Failure class requires the same).
 */
export function readUptime(text: string, file: string): UptimeRecord[] {
  const lines = textLines(text);
  readHeader(lines, file, UPTIME_COLUMNS, 'uptime failure', { columns: LANL_COLUMNS, hint: 'this is the LANL failure file, read it with readLanl' });
  const issues = new TraceIssues(file);
  const records: UptimeRecord[] = [];
  for (const l of lines) {
    if (l.text.trim() === '') continue;
    issues.row(l);
    const row = splitRow(l, UPTIME_COLUMNS, issues, 'uptime');
    if (!row) continue;
    const intervalMs = numField(row, 0, 'failure_interval', issues, { integer: false, min: 0 });
    const durationMs = numField(row, 1, 'failure_duration', issues, { integer: false, min: 0 });
    const v = row.fields[2] ?? '';
    const intensity = /^\d+(\.\d+)?([eE]-?\d+)?$/.test(v) ? Number(v) : NaN;
    if (!(intensity > 0 && intensity <= 1)) {
      issues.add(row.line, row.columns[2], ['row', row.line, 'failure_intensity'], `expected failure_intensity to be a fraction of hosts in (0, 1], got ${v === '' ? 'an empty field' : excerpt(v)}`);
      continue;
    }
    if (intervalMs === undefined || durationMs === undefined) continue;
    records.push({ intervalMs, durationMs, intensity });
  }
  issues.throwIfAny();
  if (records.length === 0) throw new InputError({ file, path: [], message: 'no failure rows after the header' });
  return records;
}

/** One outage of an uptime replay: onset and length in seconds, and the cluster nodes it takes down. */
export interface UptimeFailure {
  readonly at: number;
  readonly duration: number;
  /** failure_intensity as in the trace. */
  readonly fraction: number;
  /** Indexes of the nodes taken down (see uptimeFailures). */
  readonly nodes: readonly number[];
}

export interface UptimeFailureOptions {
  /** Cluster size the fractions apply to. */
  readonly nodes: number;
}

/**
 * Absolute outages from an uptime trace, one pass (OpenDC loops the trace; repeat the records to
 * do the same): the first starts at its interval, each next one `intervalMs` after the previous
 * one ENDS (see the file comment), so outages never overlap. Times are summed in integer
 * milliseconds before converting to seconds, so long traces do not drift.
 *
 * Each outage takes floor(fraction x nodes) nodes, as OpenDC's victim selector does, but at
 * least one, because every row is an observed outage and a small cluster would otherwise lose
 * most of them. The victims are chosen without randomness: consecutive indexes continuing
 * round-robin from where the previous outage stopped, so a replay is the same on every run and
 * partial outages do not always hit the same nodes. Callers that want random victims draw them
 * from their own seeded stream using nodes.length as the count.
 */
export function uptimeFailures(records: readonly UptimeRecord[], options: UptimeFailureOptions): UptimeFailure[] {
  const { nodes } = options;
  if (!Number.isSafeInteger(nodes) || nodes < 1) throw new Error(`uptimeFailures: nodes must be a positive integer, got ${nodes}`);
  const out: UptimeFailure[] = [];
  let clockMs = 0;
  let cursor = 0;
  for (const r of records) {
    clockMs += r.intervalMs;
    // The epsilon keeps products that are integers in exact arithmetic (0.57 x 100) from flooring one below.
    const count = Math.min(nodes, Math.max(1, Math.floor(r.intensity * nodes + 1e-9)));
    const hit: number[] = [];
    for (let k = 0; k < count; k++) hit.push((cursor + k) % nodes);
    cursor = (cursor + count) % nodes;
    out.push({ at: clockMs / 1000, duration: r.durationMs / 1000, fraction: r.intensity, nodes: hit });
    clockMs += r.durationMs;
  }
  return out;
}
