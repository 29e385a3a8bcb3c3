/**
 * Reader for the Azure LLM inference traces of 2023 (../shared/data/arrivals/azure-llm, see
 * PROVENANCE.md; Patel et al., "Splitwise", ISCA 2024): one request per row under the header
 * `TIMESTAMP,ContextTokens,GeneratedTokens`, e.g. `2023-11-16 18:15:46.6805900,374,44`.
 * The conversation trace is an hour of bursty arrivals, which the service load model replays as
 * a rate curve (rateBins() -> a `trace` base in load.ts).
 * Timestamps are read field by field, not with Date: Date keeps milliseconds, and the trace has
 * 100 ns ticks (7 fractional digits). They are taken as UTC; only differences are kept.
 * Malformed rows become InputIssues with file, line, column and a path ["row", line, column name];
 * the issues of one file are thrown together.
 */
import { clip, excerpt, InputError, MAX_EXCERPT_CHARS } from '../util/errors.js';
import { readTextFile } from '../util/files.js';
import type { RateBins } from './load.js';
import { fieldCount, nextNonBlank, splitFields, textLines, TraceIssues, truncationHint, type TextLine } from './trace-lines.js';
import { formatCount, MAX_RATE_BINS } from './input-limits.js';
import { daysFromCivil, daysInMonth } from '../util/dates.js';

export const AZURE_LLM_COLUMNS = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const;

/**
 * Rows may be out of order by up to this many seconds; they are sorted into place. A row further
 * back than this is an error: it suggests concatenated or corrupted files rather than log jitter.
 * (The conversation trace of ../shared/data is sorted: nothing is reordered.)
 */
export const AZURE_LLM_REORDER_TOLERANCE_SECONDS = 1;

export interface AzureLlmTrace {
  /** Arrival of each request, seconds from the first request, ascending (the first is 0). */
  readonly arrivals: Float64Array;
  readonly contextTokens: Uint32Array;
  readonly generatedTokens: Uint32Array;
  /** TIMESTAMP of the first request as written (UTC): the time origin of `arrivals`. */
  readonly start: string;
  /** Rows that came before an earlier row's time (within the tolerance) and were sorted. */
  readonly reordered: number;
}

const TICKS_PER_SECOND = 10_000_000;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;
const TIMESTAMP_FORMAT = 'YYYY-MM-DD hh:mm:ss with up to 7 fractional digits';

/**
 * A timestamp as whole seconds since 1970 (UTC) and 100 ns ticks within the second, kept apart
 * because their sum in ticks (~1.7e16) is past 2^53; or the reason it is not one.
 */
export function parseAzureTimestamp(s: string): { seconds: number; ticks: number } | string {
  const m = TIMESTAMP.exec(s);
  if (!m) return `expected TIMESTAMP as ${TIMESTAMP_FORMAT}, got ${excerpt(s)}`;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12) return `month ${mo} out of range 1-12 in TIMESTAMP ${excerpt(s)}`;
  if (d < 1 || d > daysInMonth(y, mo)) return `day ${d} out of range 1-${daysInMonth(y, mo)} in TIMESTAMP ${excerpt(s)}`;
  if (h > 23 || mi > 59 || se > 59) return `time of day out of range 00:00:00-23:59:59 in TIMESTAMP ${excerpt(s)}`;
  const ticks = m[7] === undefined ? 0 : Number(m[7].padEnd(7, '0'));
  return { seconds: daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se, ticks };
}

/** Reads the header line; throws when the file is empty or the header is another one. */
function readHeader(lines: Iterator<TextLine>, file: string): void {
  const l = nextNonBlank(lines);
  const expected = `the header "${AZURE_LLM_COLUMNS.join(',')}"`;
  if (l === undefined) throw new InputError({ file, line: 1, path: [], message: `empty file: expected ${expected}` });
  const names = splitFields(l.text, ',').map((s) => s.trim());
  if (names.length === AZURE_LLM_COLUMNS.length && AZURE_LLM_COLUMNS.every((c, i) => c === names[i])) return;
  throw new InputError({ file, line: l.line, column: 1, path: ['header'], message: `expected ${expected}, got ${excerpt(l.text)}` });
}

/**
 * Parses an Azure LLM inference trace. Blank lines are skipped; every other row needs a
 * timestamp and two non-negative integer token counts. Rows up to
 * AZURE_LLM_REORDER_TOLERANCE_SECONDS out of order are sorted into place (stably).
 */
export function parseAzureLlmTrace(text: string, file: string): AzureLlmTrace {
  const lines = textLines(text);
  readHeader(lines, file);
  const issues = new TraceIssues(file);
  const stamps: string[] = [];
  const seconds: number[] = [];
  const ticks: number[] = [];
  const context: number[] = [];
  const generated: number[] = [];
  // The latest time seen so far, to tell jitter (sorted) from a jump back (rejected).
  let latest = { seconds: -Infinity, ticks: 0, line: 0, text: '' };
  let reordered = 0;
  for (const l of lines) {
    if (l.text.trim() === '') continue;
    issues.row(l);
    const fields = splitFields(l.text, ',');
    if (fields.length !== AZURE_LLM_COLUMNS.length) {
      issues.add(l.line, undefined, ['row', l.line], `expected ${AZURE_LLM_COLUMNS.length} columns (${AZURE_LLM_COLUMNS.join(',')}), got ${fieldCount(fields)}${truncationHint(l)}`);
      continue;
    }
    const columns = [1, fields[0]!.length + 2, fields[0]!.length + fields[1]!.length + 3];
    const add = (c: number, message: string) => issues.add(l.line, columns[c], ['row', l.line, AZURE_LLM_COLUMNS[c]!], message);
    const stamp = fields[0]!.trim();
    const time = parseAzureTimestamp(stamp);
    if (typeof time === 'string') add(0, time);
    const tokens = [1, 2].map((c) => {
      const v = fields[c]!.trim();
      const name = AZURE_LLM_COLUMNS[c]!;
      if (/^\d+$/.test(v)) {
        const n = Number(v);
        if (n <= 0xffff_ffff) return n;
        add(c, `expected ${name} below 2^32, got ${clip(v, MAX_EXCERPT_CHARS)}`);
      } else if (/^-\d+(\.\d+)?$/.test(v)) add(c, `${name} must not be negative, got ${clip(v, MAX_EXCERPT_CHARS)}`);
      else add(c, `expected ${name} to be a non-negative integer, got ${excerpt(v)}`);
      return undefined;
    });
    if (typeof time === 'string' || tokens[0] === undefined || tokens[1] === undefined) continue;
    const back = (latest.seconds - time.seconds) + (latest.ticks - time.ticks) / TICKS_PER_SECOND;
    if (back > AZURE_LLM_REORDER_TOLERANCE_SECONDS) {
      add(0, `expected ascending timestamps (rows at most ${AZURE_LLM_REORDER_TOLERANCE_SECONDS} s out of order are sorted), got ${stamp}, ${back} s before ${latest.text} on line ${latest.line}`);
      continue;
    }
    if (back > 0) reordered++;
    else latest = { seconds: time.seconds, ticks: time.ticks, line: l.line, text: stamp };
    stamps.push(stamp);
    seconds.push(time.seconds);
    ticks.push(time.ticks);
    context.push(tokens[0]);
    generated.push(tokens[1]);
  }
  issues.throwIfAny();
  const n = seconds.length;
  if (n === 0) throw new InputError({ file, path: [], message: 'no request rows after the header' });
  const order = Array.from({ length: n }, (_, i) => i);
  // Array.prototype.sort is stable, so requests logged at the same tick keep the file's order.
  if (reordered > 0) order.sort((a, b) => seconds[a]! - seconds[b]! || ticks[a]! - ticks[b]!);
  const o = order[0]!;
  const arrivals = new Float64Array(n);
  const contextTokens = new Uint32Array(n);
  const generatedTokens = new Uint32Array(n);
  order.forEach((r, i) => {
    // Whole seconds and ticks are subtracted apart, then joined: exact up to 28 years of trace.
    arrivals[i] = ((seconds[r]! - seconds[o]!) * TICKS_PER_SECOND + (ticks[r]! - ticks[o]!)) / TICKS_PER_SECOND;
    contextTokens[i] = context[r]!;
    generatedTokens[i] = generated[r]!;
  });
  return { arrivals, contextTokens, generatedTokens, start: stamps[o]!, reordered };
}

/** Reads and parses a trace file (a missing file, or one over MAX_TRACE_BYTES, is an InputError too). */
export function readAzureLlmTrace(path: string): AzureLlmTrace {
  return parseAzureLlmTrace(readTextFile(path), path);
}

/**
 * How many bins rateBins(arrivals, binSeconds) would have: the last arrival's bin + 1. Checked
 * against MAX_RATE_BINS before anything is allocated (a trace of two requests 20 years apart in
 * bins of 1 s would ask for 631 million); see rateBinsIssue.
 */
export function rateBinCount(arrivals: Float64Array, binSeconds: number): number {
  let last = 0;
  for (const a of arrivals) if (a > last) last = a;
  return arrivals.length === 0 ? 0 : Math.floor(last / binSeconds) + 1;
}

/** Why a trace cannot be binned by `binSeconds` (too many bins), for the caller to report at binSeconds; undefined when it can. */
export function rateBinsIssue(arrivals: Float64Array, binSeconds: number): string | undefined {
  const bins = rateBinCount(arrivals, binSeconds);
  if (bins <= MAX_RATE_BINS) return undefined;
  const span = arrivals.length === 0 ? 0 : arrivals[arrivals.length - 1]! - arrivals[0]!;
  return `the trace spans ${span} s: bins of ${binSeconds} s make ${formatCount(bins)} of them, more than ${formatCount(MAX_RATE_BINS)} (the limit); use larger bins or a shorter trace`;
}

/**
 * Requests per second in bins of `binSeconds` from time 0: bin i counts the arrivals in
 * [i * binSeconds, (i + 1) * binSeconds) and divides by binSeconds, so the bins integrate back
 * to the number of arrivals. The last bin is the one holding the last arrival; it is divided by a
 * full bin even when the trace ends inside it. Arrivals must be >= 0 (any order).
 */
export function rateBins(arrivals: Float64Array, binSeconds: number): RateBins {
  if (!(Number.isFinite(binSeconds) && binSeconds > 0)) throw new RangeError(`rateBins: expected binSeconds > 0, got ${binSeconds}`);
  let last = 0;
  for (const a of arrivals) {
    if (!(a >= 0 && Number.isFinite(a))) throw new RangeError(`rateBins: expected arrivals >= 0 seconds, got ${a}`);
    if (a > last) last = a;
  }
  const bins = rateBinCount(arrivals, binSeconds);
  if (bins > MAX_RATE_BINS) throw new RangeError(`rateBins: ${bins} bins, more than MAX_RATE_BINS (${MAX_RATE_BINS}); check with rateBinCount first`);
  const rates = new Float64Array(bins);
  for (const a of arrivals) rates[Math.floor(a / binSeconds)]! += 1;
  for (let i = 0; i < rates.length; i++) rates[i]! /= binSeconds;
  return { binSeconds, rates };
}

/** The figures that describe an arrival trace in a report. */
export interface ArrivalSummary {
  readonly requests: number;
  /** First to last arrival, seconds. */
  readonly spanSeconds: number;
  /** requests / spanSeconds (Infinity when every request has the same time). */
  readonly meanRate: number;
  readonly binSeconds: number;
  /** Highest requests per second over one bin of rateBins(arrivals, binSeconds). */
  readonly peakBinRate: number;
  /** Start of that bin, seconds (the first such bin). */
  readonly peakBinStart: number;
}

/** Summary of sorted arrivals (as readAzureLlmTrace returns them); binSeconds default 60. */
export function summarizeArrivals(arrivals: Float64Array, binSeconds = 60): ArrivalSummary {
  const n = arrivals.length;
  const span = n === 0 ? 0 : arrivals[n - 1]! - arrivals[0]!;
  const bins = rateBins(arrivals, binSeconds).rates;
  let peak = 0;
  for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[peak]!) peak = i;
  return {
    requests: n,
    spanSeconds: span,
    meanRate: n === 0 ? 0 : n / span,
    binSeconds,
    peakBinRate: bins[peak] ?? 0,
    peakBinStart: peak * binSeconds,
  };
}
