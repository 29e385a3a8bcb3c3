/**
 * @internal Line splitting and issue collection shared by the trace readers (openb.ts, swf.ts).
 * Trace files are long and machine-written, so one bad file usually has one systematic problem:
 * a reader reports the first MAX_ISSUES_PER_FILE issues with their positions, then how many more
 * there were, instead of stopping at the first or printing thousands.
 */
import { InputError, type InputIssue } from '../util/errors.js';

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
 * Splits text into lines, accepting LF and CRLF and ignoring a leading byte-order mark. The
 * empty string after a final newline is not a line.
 */
export function textLines(text: string): TextLine[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: TextLine[] = [];
  let start = 0;
  let line = 1;
  while (start < body.length) {
    const nl = body.indexOf('\n', start);
    const end = nl < 0 ? body.length : nl;
    const raw = body.slice(start, end);
    out.push({ line, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, terminated: nl >= 0 });
    line++;
    start = end + 1;
  }
  return out;
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
