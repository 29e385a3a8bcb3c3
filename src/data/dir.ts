/**
 * Where pulled traces live, and how scenario files and command-line options name them:
 * `data:openb/openb_pod_list_default.csv` is that file of the data directory, wherever the
 * command runs and wherever the scenario file is.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { catalogue, datasetOf, isDataPath } from './catalogue.js';

/** The prefix of a trace named by its path in the data directory. */
export const DATA_PREFIX = 'data:';

/**
 * The data directory: `explicit` (--dir), else $ORCHSIM_DATA, else $XDG_CACHE_HOME/orchsim,
 * else ~/.cache/orchsim (the XDG Base Directory default; a relative XDG_CACHE_HOME is invalid
 * under that specification and is ignored).
 */
export function dataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.ORCHSIM_DATA) return resolve(env.ORCHSIM_DATA);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'orchsim');
  return join(homedir(), '.cache', 'orchsim');
}

/** Where dataDir() came from, for messages. */
export function dataDirOrigin(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return '--dir';
  if (env.ORCHSIM_DATA) return 'ORCHSIM_DATA';
  return env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? 'default: $XDG_CACHE_HOME/orchsim; ORCHSIM_DATA chooses another' : 'default; ORCHSIM_DATA chooses another';
}

export function isDataRef(name: string): boolean {
  return name.startsWith(DATA_PREFIX);
}

/** The command that fetches dataset `name` (with --from when only a mirror has some of its files). */
export function pullCommand(name: string, mirrorOnly: boolean): string {
  return `orchsim data pull ${name}${mirrorOnly ? ' --from MIRROR' : ''}`;
}

/** A `data:` reference resolved: the file's absolute path, and what to say when it is not there. */
export interface DataFileRef {
  readonly abs: string;
  /** What to say after the reference when the file is missing ("is not in the data directory ...: fetch it with `...`"). */
  readonly missing: string;
}

/**
 * Resolves `ref` ("data:openb/openb_pod_list_default.csv") against the data directory. Returns
 * an error message instead when the part after "data:" is not a path inside the directory.
 */
export function resolveDataRef(ref: string, env: NodeJS.ProcessEnv = process.env): DataFileRef | { error: string } {
  const path = ref.slice(DATA_PREFIX.length);
  if (!isDataPath(path)) return { error: `${DATA_PREFIX} names a file by its path inside the data directory, e.g. ${DATA_PREFIX}openb/openb_pod_list_default.csv (no leading "/", no "." or ".." parts)` };
  const dir = dataDir(undefined, env);
  const abs = join(dir, ...path.split('/'));
  const datasets = catalogue(env);
  const ds = datasetOf(datasets, path);
  const where = `is not in the data directory ${dir} (${dataDirOrigin(undefined, env)})`;
  let missing: string;
  if (!ds) missing = `${where}, and no dataset orchsim can pull has it (their folders: ${datasets.map((d) => d.folder).join(', ')})`;
  else {
    const file = ds.files.find((f) => f.path === path);
    if (!file) missing = `${where}, and dataset ${ds.name} has no such file (it has ${ds.files.map((f) => f.path.slice(ds.folder.length + 1)).join(', ')})`;
    else missing = `${where}: fetch it with \`${pullCommand(ds.name, file.upstream === undefined)}\`${file.upstream === undefined ? ' (only a mirror has this file; see orchsim data list)' : ''}`;
  }
  return { abs, missing };
}

/**
 * A trace a command-line option names: a `data:` reference (resolved as above) or a path
 * (relative to the working directory, as a user typing it means). Returns the path to read, or
 * the message for a `data:` file that is not there.
 */
export function locateTrace(name: string, env: NodeJS.ProcessEnv = process.env): { abs: string } | { error: string } {
  if (!isDataRef(name)) return { abs: resolve(name) };
  const r = resolveDataRef(name, env);
  if ('error' in r) return r;
  return existsSync(r.abs) ? { abs: r.abs } : { error: `${name} ${r.missing}` };
}
