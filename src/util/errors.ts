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
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

export function formatIssue(i: InputIssue): string {
  const pos = i.line !== undefined ? `${i.file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : i.file;
  const at = i.path.length > 0 ? ` (at ${formatPath(i.path)})` : '';
  return `${pos}: ${i.message}${at}`;
}

/** One or more problems with an input file; thrown by readers and validators. */
export class InputError extends Error {
  readonly issues: readonly InputIssue[];
  constructor(issues: InputIssue | readonly InputIssue[]) {
    const list = Array.isArray(issues) ? (issues as readonly InputIssue[]) : [issues as InputIssue];
    super(list.map(formatIssue).join('\n'));
    this.name = 'InputError';
    this.issues = list;
  }
}
