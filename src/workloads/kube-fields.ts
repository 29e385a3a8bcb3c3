import { excerpt, InputError, issueAt, type InputIssue } from '../util/errors.js';
import { parseDuration } from '../util/quantity.js';

/**
 * Reading a Kubernetes object's fields: the conversion context (file, positions, priority
 * classes), the issue list, and typed readers that record an issue and return undefined on bad
 * input, so one pass reports every problem of an object.
 */

export type Path = readonly (string | number)[];

/** Maps a path inside the document to a 1-based position; undefined when unknown. */
export type Locate = (path: Path) => { readonly line: number; readonly column: number } | undefined;

export interface KubeContext {
  /** File (or request) name put on every issue. */
  readonly file: string;
  readonly locate?: Locate | undefined;
  /**
   * Path of the given object inside its document (e.g. ["items", 3] in a List); issue paths are
   * prefixed with it. Empty by default, so issues are relative to the object.
   */
  readonly path?: Path | undefined;
  /** PriorityClass name -> value, from PriorityClass documents. The system classes are always known. */
  readonly priorityClasses?: ReadonlyMap<string, number> | undefined;
  /** Value of the PriorityClass with globalDefault: true, for pods that name none (else 0). */
  readonly defaultPriority?: number | undefined;
}

// input, so one pass reports every problem of an object.

/** @internal Collects the issues of one file or object. */
export class IssueList {
  readonly issues: InputIssue[] = [];
  private readonly seen = new Set<string>();
  constructor(readonly file: string, private readonly locate?: Locate | undefined) {}

  add(path: Path, message: string): void {
    // A field read by two converters (metadata of a pod template) must not be reported twice.
    const key = `${path.join('\u0000')}\u0001${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.issues.push(issueAt(this.file, this.locate, path, message));
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new InputError(this.issues);
  }
}

/** @internal A short description of a value for "got ..." in messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return excerpt(v);
  return String(v);
}

/**
 * @internal A duration written as text (an annotation or a label: orchsim.io/duration,
 * orchsim.io/start-at) in seconds: `positive` for run times (> 0), else a start time (>= 0).
 * undefined (and an issue at `path`) when it is not one.
 */
export function durationText(raw: string, path: Path, out: IssueList, positive: boolean): number | undefined {
  const seconds = parseDuration(raw);
  if (seconds === undefined) {
    out.add(path, `expected a duration such as "90s", "10m" or "1h30m", got ${describe(raw)}`);
    return undefined;
  }
  if (positive ? !(seconds > 0) : !(seconds >= 0)) {
    out.add(path, `must be ${positive ? 'greater than 0' : 'at least 0'}, got ${describe(raw)}`);
    return undefined;
  }
  return seconds;
}

export type Obj = Readonly<Record<string, unknown>>;

/** metadata.namespace when a manifest gives none. */
export const DEFAULT_NAMESPACE = 'default';

/** @internal An object's metadata.name (required) and metadata.namespace (default `default`). */
export function readObjectName(m: Obj, path: Path, out: IssueList): { name: string | undefined; namespace: string } {
  const meta = readMap(m['metadata'], [...path, 'metadata'], out);
  const name = required(readString(meta?.['name'], [...path, 'metadata', 'name'], out), meta?.['name'], [...path, 'metadata', 'name'], out, 'metadata.name');
  return { name, namespace: readString(meta?.['namespace'], [...path, 'metadata', 'namespace'], out) || DEFAULT_NAMESPACE };
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @internal A mapping, or undefined when absent (null counts as absent, as in Go's JSON decoding). */
export function readMap(v: unknown, path: Path, out: IssueList): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObj(v)) return v;
  out.add(path, `expected a mapping, got ${describe(v)}`);
  return undefined;
}

/** @internal A list; absent reads as empty. */
export function readList(v: unknown, path: Path, out: IssueList): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  out.add(path, `expected a list, got ${describe(v)}`);
  return [];
}

/** @internal A mapping that must be present (a whole object, a pod template). */
export function readObject(v: unknown, path: Path, out: IssueList, what: string): Obj | undefined {
  if (v === undefined || v === null) {
    out.add(path, `expected ${what}`);
    return undefined;
  }
  if (isObj(v)) return v;
  out.add(path, `expected ${what}, got ${describe(v)}`);
  return undefined;
}

/** @internal */
export function readString(v: unknown, path: Path, out: IssueList): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  out.add(path, `expected a string, got ${describe(v)}${typeof v === 'number' || typeof v === 'boolean' ? ' (quote it in YAML)' : ''}`);
  return undefined;
}

/** @internal */
export function readBool(v: unknown, path: Path, out: IssueList): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  out.add(path, `expected true or false, got ${describe(v)}`);
  return undefined;
}

/** @internal An integer within [min, max]. */
export function readInt(v: unknown, path: Path, out: IssueList, min = -Infinity, max = Infinity): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    out.add(path, `expected an integer, got ${describe(v)}`);
    return undefined;
  }
  if (v < min || v > max) {
    out.add(path, max === Infinity ? `must be at least ${min}, got ${v}` : `must be between ${min} and ${max}, got ${v}`);
    return undefined;
  }
  return v;
}

/** @internal A string -> string map (labels, annotations, nodeSelector); Kubernetes rejects non-string values. */
export function readStringMap(v: unknown, path: Path, out: IssueList): Record<string, string> | undefined {
  const m = readMap(v, path, out);
  if (!m) return undefined;
  const result: Record<string, string> = {};
  for (const [k, value] of Object.entries(m)) {
    const s = readString(value, [...path, k], out);
    if (s !== undefined) result[k] = s;
    else if (value === null) result[k] = ''; // a YAML `key:` with no value is the empty string in Kubernetes
  }
  return result;
}

export function required<T>(value: T | undefined, raw: unknown, path: Path, out: IssueList, what: string): T | undefined {
  if (raw === undefined || raw === null) out.add(path, `expected ${what}`);
  return value;
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: Path, out: IssueList): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  out.add(path, `expected one of ${allowed.join(', ')}, got ${describe(v)}`);
  return undefined;
}

export function listAt<T>(v: unknown, path: Path, out: IssueList, item: (x: unknown, p: Path) => T | undefined): T[] | undefined {
  if (v === undefined || v === null) return undefined;
  const result: T[] = [];
  readList(v, path, out).forEach((x, i) => {
    const r = item(x, [...path, i]);
    if (r !== undefined) result.push(r);
  });
  return result;
}
