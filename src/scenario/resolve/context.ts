import { existsSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { isDataRef, resolveDataRef } from '../../data/dir.js';
import { BUILTIN_AUTOSCALERS, type AutoscalerRegistries } from '../plugin-module.js';
import { InputError, inputErrorAt, issueAt, type InputIssue } from '../../util/errors.js';
import { formatBytes, formatCount, MAX_MANIFEST_BYTES, MAX_REFERENCED_BYTES, MAX_STACK_BYTES, MAX_TRACE_BYTES, MAX_YAML_QUOTED_CHARS, MAX_YAML_VALUES, readLimitedText, yamlShape } from '../../workloads/input-limits.js';
import type { Locator } from '../load.js';

/** A path inside the scenario document, e.g. ["cluster", "pools", 0, "count"]. */
export type DocPath = (string | number)[];

/**
 * What every section of a scenario is resolved against: the file, positions in it, the folder
 * its relative paths start from, and the issues found so far (reported together).
 */
export interface ResolveContext {
  readonly file: string;
  /** The autoscaler policies scenarios may name: the built-ins and the users' modules'. */
  readonly autoscalers: AutoscalerRegistries;
  readonly locate: Locator;
  /** The scenario file's folder (the working directory for the built-in scenario). */
  readonly base: string;
  readonly issues: InputIssue[];
  /** Things that run but probably not as meant (a field not modelled, a pod no scheduler takes). */
  readonly warnings: InputIssue[];
}

export function resolveContext(file: string, locate: Locator, autoscalers: AutoscalerRegistries = BUILTIN_AUTOSCALERS): ResolveContext {
  return { file, locate, autoscalers, base: file === '<built-in>' ? process.cwd() : dirname(resolvePath(file)), issues: [], warnings: [] };
}

/** Records an issue at `path`; resolving goes on, so that one report names every mistake. */
export function addIssue(ctx: ResolveContext, path: DocPath, message: string): void {
  ctx.issues.push(issueAt(ctx.file, ctx.locate, path, message));
}

/** An error at `path`, for a mistake that stops resolving at once. */
export function issueError(ctx: ResolveContext, path: DocPath, message: string): InputError {
  return inputErrorAt(ctx.file, ctx.locate, path, message);
}

export function throwIfAny(ctx: ResolveContext): void {
  if (ctx.issues.length > 0) throw new InputError(ctx.issues);
}

/**
 * Reads a file the scenario points at (a manifest, a stack file or a trace; relative paths from the scenario's
 * folder, `data:PATH` from the data directory), within its size limit; a missing, unreadable or oversized file is reported at the
 * scenario's reference to it. Returns the absolute path and the text.
 */
export function readReferencedFile(ctx: ResolveContext, name: string, path: DocPath, kind: 'manifest' | 'stack' | 'trace'): { abs: string; text: string } {
  // `data:openb/...` is a file of the data directory (orchsim data pull), not of the scenario's folder.
  const data = isDataRef(name) ? resolveDataRef(name) : undefined;
  if (data && 'error' in data) throw issueError(ctx, path, data.error);
  const abs = data ? data.abs : resolvePath(ctx.base, name);
  if (data && !existsSync(abs)) throw issueError(ctx, path, `${kind} file ${name} ${data.missing}`);
  const r = kind === 'manifest' ? readLimitedText(abs, MAX_MANIFEST_BYTES, 'manifest files')
    : kind === 'stack' ? readLimitedText(abs, MAX_STACK_BYTES, 'stack files')
    : readLimitedText(abs, MAX_TRACE_BYTES, 'trace files');
  if ('error' in r) throw issueError(ctx, path, `cannot read ${kind} file ${abs}: ${r.error}`);
  const over = chargeBudget(ctx, r.text, kind, abs);
  if (over) throw issueError(ctx, path, over);
  return { abs, text: r.text };
}

/** What one scenario has read so far, against MAX_REFERENCED_BYTES and MAX_YAML_VALUES. */
const budgets = new WeakMap<ResolveContext, { bytes: number; values: number; quoted: number }>();

/**
 * Counts a file the scenario read against the budgets of one scenario (each file is bounded on
 * its own, but a scenario may name many, or one many times); says why when it is over.
 */
function chargeBudget(ctx: ResolveContext, text: string, kind: 'manifest' | 'stack' | 'trace', abs: string): string | undefined {
  let b = budgets.get(ctx);
  if (!b) budgets.set(ctx, (b = { bytes: 0, values: 0, quoted: 0 }));
  b.bytes += Buffer.byteLength(text);
  if (b.bytes > MAX_REFERENCED_BYTES) return `the files this scenario reads are larger than ${formatBytes(MAX_REFERENCED_BYTES)} together (the limit; each counted every time it is named), with ${kind} file ${abs}`;
  if (kind === 'trace') return undefined;
  // The values of each YAML file are counted again by its reader (which also refuses one file
  // over the limit, at its own line); here they add up over the files.
  const shape = yamlShape(text, abs);
  if ('issue' in shape) return undefined;
  b.values += shape.values;
  b.quoted += shape.quoted;
  if (b.values > MAX_YAML_VALUES) return `the manifest and stack files of this scenario hold more than ${formatCount(MAX_YAML_VALUES)} values together (the limit), with ${kind} file ${abs}`;
  if (b.quoted > MAX_YAML_QUOTED_CHARS) return `the manifest and stack files of this scenario hold more than ${formatCount(MAX_YAML_QUOTED_CHARS)} characters in long double-quoted strings together (the limit), with ${kind} file ${abs}`;
  return undefined;
}

/**
 * Names must be unique: they key the random streams and the reports. A clash is reported at
 * the second source, once per pair of sources (two pools of one name clash on every node).
 */
export function checkUniqueNames(ctx: ResolveContext, kind: string, names: readonly string[], sources: readonly DocPath[]): void {
  const first = new Map<string, number>();
  const reported = new Set<string>();
  names.forEach((name, k) => {
    const j = first.get(name);
    if (j === undefined) {
      first.set(name, k);
      return;
    }
    const pair = `${sources[j]!.join('.')}|${sources[k]!.join('.')}`;
    if (reported.has(pair)) return;
    reported.add(pair);
    const firstPos = ctx.locate(sources[j]!);
    addIssue(ctx, sources[k]!, `duplicate ${kind} name "${name}"${firstPos && sources[j] !== sources[k] ? ` (first from line ${firstPos.line})` : ''}`);
  });
}
