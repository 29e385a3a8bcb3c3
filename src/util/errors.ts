/**
 * Errors about user input are data: where (file, line, column, path inside the document) and
 * what was expected. The CLI renders them and exits with code 2; they never show a stack.
 * Shape after zod's issues: a code-free message, a path, then "-> at" the position.
 */
export interface InputIssue {
  readonly file: string;
  /** 1-based; undefined when the position is unknown (e.g. a missing key of the whole file). */
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  /** Path inside the document, e.g. ["workloads", 2, "requests", "cpu"]. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Where a path inside a document is: its 1-based line and column, or undefined when unknown. */
export type Locate = (path: readonly (string | number)[]) => { readonly line: number; readonly column: number } | undefined;

/**
 * The issue `message` at `path` inside `file`, positioned by `locate` (a path that is not in the
 * document, e.g. a missing key, is shown at its nearest ancestor by the scenario locator).
 * Without a locator the issue has no line, e.g. for a command-line option.
 */
export function issueAt(file: string, locate: Locate | undefined, path: readonly (string | number)[], message: string): InputIssue {
  const pos = locate?.(path);
  return { file, line: pos?.line, column: pos?.column, path: [...path], message };
}

/** issueAt as an error to throw. */
export function inputErrorAt(file: string, locate: Locate | undefined, path: readonly (string | number)[], message: string): InputError {
  return new InputError(issueAt(file, locate, path, message));
}

export function formatPath(path: readonly (string | number)[]): string {
  let s = '';
  // A key from the input is cut like any excerpt of it; the path's length is bounded by the nesting limit.
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? clip(p, MAX_EXCERPT_CHARS) : `.${clip(p, MAX_EXCERPT_CHARS)}`;
  return s;
}

/**
 * The longest message of one issue, in characters; past it the message is cut (see clip). A
 * message quotes at most an excerpt of the input (see excerpt), so only a reader that forgot to
 * reaches this; it keeps a file's whole content from being printed back.
 */
export const MAX_MESSAGE_CHARS = 400;
/** The longest excerpt of input quoted in a message. */
export const MAX_EXCERPT_CHARS = 60;

/**
 * Control characters (C0 but tab and newline, DEL, C1) written visibly, as `\u001b`: text from an
 * input file printed to a terminal must not move the cursor, clear the screen or set the title.
 * The same escape is valid inside a JSON string, so JSON output can go through it too (where
 * JSON.stringify leaves DEL and C1 raw).
 */
export function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `s` cut to `max` characters, saying how much was left out. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length - max} more characters)`;
}

/**
 * A piece of input quoted in a message: JSON-quoted (so control characters and newlines are
 * escaped), and cut after MAX_EXCERPT_CHARS with the count of the rest: never a whole line or
 * scalar of the file, whatever its size.
 */
export function excerpt(s: string, max = MAX_EXCERPT_CHARS): string {
  if (s.length <= max) return escapeControls(JSON.stringify(s));
  return `${escapeControls(JSON.stringify(s.slice(0, max)).slice(0, -1))}..." (${s.length - max} more characters)`;
}

export function formatIssue(i: InputIssue): string {
  const pos = i.line !== undefined ? `${i.file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : i.file;
  const at = i.path.length > 0 ? ` (at ${formatPath(i.path)})` : '';
  return escapeControls(`${pos}: ${clip(i.message, MAX_MESSAGE_CHARS)}${at}`);
}

/** The most issues one InputError holds; past them it counts. */
const MAX_ISSUES = 100;

/** One or more problems with an input file; thrown by readers and validators. */
export class InputError extends Error {
  readonly issues: readonly InputIssue[];
  constructor(issues: InputIssue | readonly InputIssue[]) {
    const all = Array.isArray(issues) ? (issues as readonly InputIssue[]) : [issues as InputIssue];
    // Readers list a few issues per file and count the rest; this bounds the rest of them.
    const list = all.length <= MAX_ISSUES ? all : [...all.slice(0, MAX_ISSUES), { ...all[MAX_ISSUES]!, message: `${all.length - MAX_ISSUES} more issue(s) not listed (only the first ${MAX_ISSUES} are)` }];
    super(list.map(formatIssue).join('\n'));
    this.name = 'InputError';
    this.issues = list;
  }
}
