/**
 * `orchsim data pull`: which files of which datasets to fetch, from where, and fetching them one
 * after the other (each one atomically, see download.ts). A file already in the data directory
 * with the pinned size and SHA-256 is left as it is.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../util/errors.js';
import type { DataFile, Dataset } from './catalogue.js';
import { pullCommand } from './dir.js';
import { fetchFile, isHttpUrl, type FileSource } from './download.js';

/** Where `--from` points: a directory laid out like the data directory, or the URL of one. */
export type Mirror = { readonly kind: 'dir'; readonly path: string } | { readonly kind: 'url'; readonly base: string };

/** Reads `--from`: an http(s) or file: URL, or a directory that exists. */
export function parseMirror(from: string): Mirror {
  const bad = (message: string) => new InputError({ file: '--from', path: [], message: `${JSON.stringify(from)} ${message}` });
  if (isHttpUrl(from)) {
    try {
      const u = new URL(from);
      return { kind: 'url', base: u.href.endsWith('/') ? u.href : `${u.href}/` };
    } catch {
      throw bad('is not a valid URL');
    }
  }
  let path = from;
  if (/^file:/i.test(from)) {
    try {
      path = fileURLToPath(from);
    } catch {
      throw bad('is not a valid file: URL');
    }
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(from)) throw bad('is neither a directory nor an http(s) URL');
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw bad('is not there: expected a directory laid out like the data directory, or an http(s) URL of one');
  }
  if (!isDir) throw bad('is a file: expected a directory laid out like the data directory, or an http(s) URL of one');
  return { kind: 'dir', path: resolve(path) };
}

/** Where one file comes from: the mirror if there is one (its files are stored unpacked), else upstream. */
export function sourceOf(file: DataFile, mirror: Mirror | undefined): FileSource | undefined {
  if (mirror?.kind === 'dir') return { location: join(mirror.path, ...file.path.split('/')) };
  if (mirror?.kind === 'url') return { location: new URL(file.path, mirror.base).href };
  return file.upstream ? { location: file.upstream.url, xz: file.upstream.xz } : undefined;
}

export interface Selection {
  readonly datasets: readonly Dataset[];
  /** Datasets `all` left out: only a mirror has their files, and there is none. */
  readonly skipped: readonly Dataset[];
}

/**
 * The datasets `names` ask for ("all" for every one). Unknown names, and a dataset named
 * explicitly that only a mirror has when there is no mirror, are bad input; "all" without a
 * mirror leaves such datasets out (and says so).
 */
export function selectDatasets(names: readonly string[], datasets: readonly Dataset[], mirror: Mirror | undefined): Selection {
  const known = datasets.map((d) => d.name);
  if (names.length === 0) throw new InputError({ file: 'orchsim data pull', path: [], message: `name a dataset: ${known.join(', ')}, or all` });
  const unknown = names.filter((n) => n !== 'all' && !known.includes(n));
  if (unknown.length > 0) throw new InputError({ file: 'orchsim data pull', path: [], message: `unknown dataset ${unknown.map((n) => JSON.stringify(n)).join(', ')}: expected ${known.join(', ')}, or all` });
  const needsMirror = (d: Dataset) => mirror === undefined && d.files.some((f) => f.upstream === undefined);
  const chosen = names.includes('all') ? datasets : datasets.filter((d) => names.includes(d.name));
  if (!names.includes('all')) {
    const issues = chosen.filter(needsMirror).map((d) => ({ file: 'orchsim data pull', path: [], message: `${d.name}: ${d.mirrorOnly ?? 'only a mirror has some of its files'}: \`${pullCommand(d.name, true)}\` (MIRROR: a directory or http(s) URL laid out like the data directory)` }));
    if (issues.length > 0) throw new InputError(issues);
  }
  return { datasets: chosen.filter((d) => !needsMirror(d)), skipped: chosen.filter(needsMirror) };
}

/** Whether `path` holds exactly `file` (size, then SHA-256). */
export function isIntact(path: string, file: DataFile): boolean {
  try {
    if (statSync(path).size !== file.bytes) return false;
    return createHash('sha256').update(readFileSync(path)).digest('hex') === file.sha256;
  } catch {
    return false;
  }
}

export interface PullProgress {
  readonly file: DataFile;
  /** 1-based position of the file among those fetched, and their number. */
  readonly index: number;
  readonly count: number;
  readonly written: number;
}

export interface PullResult {
  readonly fetched: readonly DataFile[];
  /** Files that were already there, intact. */
  readonly present: readonly DataFile[];
}

/** The data directory must be a directory (or not exist yet). */
function checkDataDir(dir: string, origin: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new InputError({ file: dir, path: [], message: `is a file, expected the data directory (${origin} names a folder)` });
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new InputError({ file: dir, path: [], message: `cannot be the data directory (${origin}): ${code === 'ENOTDIR' ? 'a part of its path is a file' : code ?? String(e)}` });
  }
}

/**
 * Fetches the files of `datasets` that are not in `dir` yet, one at a time, stopping at the
 * first failure (files fetched before it stay: each was checked and written whole).
 */
export async function pull(datasets: readonly Dataset[], dir: string, options: { mirror?: Mirror | undefined; dirOrigin?: string; onProgress?: (p: PullProgress) => void } = {}): Promise<PullResult> {
  checkDataDir(dir, options.dirOrigin ?? '--dir');
  const present: DataFile[] = [];
  const todo: { file: DataFile; source: FileSource }[] = [];
  for (const d of datasets) {
    for (const file of d.files) {
      const source = sourceOf(file, options.mirror);
      // selectDatasets keeps only datasets whose every file has a source.
      if (!source) throw new Error(`no source for ${file.path}`);
      if (isIntact(join(dir, ...file.path.split('/')), file)) present.push(file);
      else todo.push({ file, source });
    }
  }
  const fetched: DataFile[] = [];
  for (const [i, { file, source }] of todo.entries()) {
    const target = join(dir, ...file.path.split('/'));
    options.onProgress?.({ file, index: i + 1, count: todo.length, written: 0 });
    await fetchFile(file, source, target, (written) => options.onProgress?.({ file, index: i + 1, count: todo.length, written }));
    fetched.push(file);
  }
  return { fetched, present };
}
