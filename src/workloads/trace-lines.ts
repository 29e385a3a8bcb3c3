/**
 * @internal Line splitting and issue collection shared by the trace readers (openb.ts, swf.ts).
 * Trace files are long and machine-written, so one bad file usually has one systematic problem:
 * a reader reports the first MAX_ISSUES_PER_FILE issues with their positions, then how many more
 * there were, instead of stopping at the first or printing thousands.
 */
import { InputError, type InputIssue } from '../util/errors.js';
import { formatCount, MAX_TRACE_ROWS } from './input-limits.js';

/** How many issues of one file are listed before the rest are only counted. */
export const MAX_ISSUES_PER_FILE = 20;

/** One physical line of a text file, without its line terminator. */
export interface TextLine {
  /** 1-based line number. */
  readonly line: number;
  readonly text: string;
  /** False only for a last line that has no terminating newline (a sign of a cut-off download). */
  readonly terminated: boolean;
}

/**
 * The lines of a text, one at a time (a file of millions of blank lines never becomes an array
 * of them), accepting LF and CRLF and ignoring a leading byte-order mark. The empty string after
 * a final newline is not a line.
 */
export function* textLines(text: string): Generator<TextLine, void, undefined> {
  const start0 = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let start = start0;
  let line = 1;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const raw = text.slice(start, end);
    yield { line, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, terminated: nl >= 0 };
    line++;
    start = end + 1;
  }
}

/** The next line of `lines` that is not blank (a header), or undefined at the end. */
export function nextNonBlank(lines: Iterator<TextLine>): TextLine | undefined {
  for (let r = lines.next(); !r.done; r = lines.next()) if (r.value.text.trim() !== '') return r.value;
  return undefined;
}

/** Fields of one line that are split and counted; a line with more is said to have "more than" this many. */
export const MAX_FIELDS = 1000;

/**
 * `text` split on `separator` into at most MAX_FIELDS + 1 fields: enough to say how many a line
 * has, without splitting a line of millions of separators into millions of strings.
 */
export function splitFields(text: string, separator: string | RegExp): string[] {
  return text.split(separator as string, MAX_FIELDS + 1);
}

/** The number of fields splitFields found, as a message says it: "7", or "more than 1000". */
export function fieldCount(fields: readonly string[]): string {
  return fields.length > MAX_FIELDS ? `more than ${MAX_FIELDS}` : String(fields.length);
}

/** Hint appended to a field-count issue on an unterminated last line. */
export function truncationHint(l: TextLine): string {
  return l.terminated ? '' : ' (this is the last line and it has no newline: the file looks truncated)';
}

/** Collects the issues of one file, keeping the first MAX_ISSUES_PER_FILE. */
export class TraceIssues {
  private readonly kept: InputIssue[] = [];
  private dropped = 0;
  constructor(readonly file: string) {}

  get count(): number {
    return this.kept.length + this.dropped;
  }

  private rows = 0;

  /** Counts a data row (each becomes a pod, an arrival or an outage); past MAX_TRACE_ROWS the file is refused. */
  row(l: TextLine): void {
    if (++this.rows > MAX_TRACE_ROWS) {
      throw new InputError({ file: this.file, line: l.line, column: 1, path: ['row', l.line], message: `more than ${formatCount(MAX_TRACE_ROWS)} rows (the limit for one trace file)` });
    }
  }

  add(line: number | undefined, column: number | undefined, path: readonly (string | number)[], message: string): void {
    if (this.kept.length >= MAX_ISSUES_PER_FILE) {
      this.dropped++;
      return;
    }
    this.kept.push({ file: this.file, line, column, path, message });
  }

  /** Throws everything collected so far as one InputError; does nothing when there is none. */
  throwIfAny(): void {
    if (this.count === 0) return;
    const issues = this.dropped === 0 ? this.kept : [
      ...this.kept,
      { file: this.file, path: [], message: `${this.dropped} more issue(s) not listed (only the first ${MAX_ISSUES_PER_FILE} are)` },
    ];
    throw new InputError(issues);
  }
}
