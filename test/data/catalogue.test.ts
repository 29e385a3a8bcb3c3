/**
 * The dataset catalogue, the data directory and `data:` names: the pinned files are sane (and,
 * where the project's mirror ../shared/data is present, are exactly its files), a data path can
 * never leave the directory, and the directory is chosen --dir > ORCHSIM_DATA > XDG > home.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATASETS, datasetOf, isDataPath } from '../../src/data/catalogue.js';
import { dataDir, locateTrace, resolveDataRef } from '../../src/data/dir.js';
import { isIntact, selectDatasets } from '../../src/data/pull.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SHARED = resolve(ROOT, '../shared/data');

describe('the built-in catalogue', () => {
  it('names each dataset once; every file lies in its dataset folder, once, with a SHA-256', () => {
    expect(DATASETS.map((d) => d.name)).toEqual(['openb', 'swf', 'lanl', 'uptime', 'azure-llm', 'bitbrains']);
    const paths = DATASETS.flatMap((d) => d.files.map((f) => f.path));
    expect(new Set(paths).size).toBe(paths.length);
    for (const d of DATASETS) {
      for (const f of d.files) {
        expect(isDataPath(f.path), f.path).toBe(true);
        expect(datasetOf(DATASETS, f.path)).toBe(d);
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(f.bytes).toBeGreaterThan(0);
      }
      // A dataset that needs a mirror says why.
      expect(d.files.some((f) => !f.upstream)).toBe(d.mirrorOnly !== undefined);
    }
  });

  it('upstream URLs are raw GitHub files at full commit ids (a branch name could move)', () => {
    for (const f of DATASETS.flatMap((d) => d.files)) {
      if (!f.upstream) continue;
      expect(f.upstream.url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[0-9a-f]{40}\/[\w./-]+$/);
      expect(f.upstream.url.endsWith('.xz')).toBe(f.upstream.xz === true);
    }
  });

  it('the trace files orchsim reads come with their licence or notice files where upstream has them', () => {
    const has = (name: string, re: RegExp) => DATASETS.find((d) => d.name === name)!.files.some((f) => re.test(f.path));
    expect(has('openb', /LICENSE-simulator-Apache-2\.0$/) && has('openb', /LICENSE-alibaba/)).toBe(true);
    expect(has('azure-llm', /LICENSE-data$/)).toBe(true);
    expect(has('lanl', /README$/)).toBe(true);
  });

  it.skipIf(!existsSync(SHARED))('pins exactly the files of the project mirror ../shared/data, by size and SHA-256', () => {
    const mirrored = readdirSync(SHARED, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name !== 'PROVENANCE.md')
      .map((e) => join(e.parentPath, e.name).slice(SHARED.length + 1).split(sep).join('/'))
      .sort();
    expect(DATASETS.flatMap((d) => d.files.map((f) => f.path)).sort()).toEqual(mirrored);
    for (const f of DATASETS.flatMap((d) => d.files)) expect(isIntact(join(SHARED, f.path), f), f.path).toBe(true);
  });
});

describe('data paths and the data directory', () => {
  it('a data path never resolves outside the data directory', () => {
    const dir = resolve('/data/dir');
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b.csv', '.', '..', '', '/', '\\', '...', '.x', 'c d'), { maxLength: 6 }).map((parts) => parts.join('/')), (p) => {
        if (isDataPath(p)) expect(resolve(dir, p).startsWith(`${dir}${sep}`)).toBe(true);
      }),
    );
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a//b', './a', 'a\\..\\b']) expect(isDataPath(bad), bad).toBe(false);
    expect(isDataPath('openb/openb_pod_list_default.csv')).toBe(true);
  });

  it('is --dir, else ORCHSIM_DATA, else $XDG_CACHE_HOME/orchsim (absolute only), else ~/.cache/orchsim', () => {
    const env = { ORCHSIM_DATA: '/d/env', XDG_CACHE_HOME: '/d/xdg' };
    expect(dataDir('/d/flag', env)).toBe(resolve('/d/flag'));
    expect(dataDir(undefined, env)).toBe(resolve('/d/env'));
    expect(dataDir(undefined, { XDG_CACHE_HOME: '/d/xdg' })).toBe(join('/d/xdg', 'orchsim'));
    expect(dataDir(undefined, { XDG_CACHE_HOME: 'relative/cache' })).toBe(join(homedir(), '.cache', 'orchsim'));
    expect(dataDir(undefined, {})).toBe(join(homedir(), '.cache', 'orchsim'));
  });

  it('a data: name resolves against the data directory, and a missing file says the exact pull command', () => {
    const env = { ORCHSIM_DATA: '/nowhere/data' };
    const r = resolveDataRef('data:openb/openb_pod_list_default.csv', env);
    expect(r).toEqual({ abs: join('/nowhere/data', 'openb', 'openb_pod_list_default.csv'), missing: 'is not in the data directory /nowhere/data (ORCHSIM_DATA): fetch it with `orchsim data pull openb`' });
    expect(resolveDataRef('data:failures/uptime/Github_user_reported.csv', env)).toMatchObject({ missing: expect.stringContaining('`orchsim data pull uptime --from MIRROR` (only a mirror has this file') });
    expect(resolveDataRef('data:openb/nope.csv', env)).toMatchObject({ missing: expect.stringContaining('dataset openb has no such file (it has openb_node_list_all_node.csv, ') });
    expect(resolveDataRef('data:../etc/passwd', env)).toMatchObject({ error: expect.stringContaining('no leading "/", no "." or ".." parts') });
    expect(locateTrace('data:swf/SDSC-SP2-1998-4.2-cln.swf', env)).toEqual({ error: 'data:swf/SDSC-SP2-1998-4.2-cln.swf is not in the data directory /nowhere/data (ORCHSIM_DATA): fetch it with `orchsim data pull swf`' });
    // A plain path is the user's, from the working directory.
    expect(locateTrace('traces/x.csv', env)).toEqual({ abs: resolve('traces/x.csv') });
  });

  it('selects datasets by name; a mirror-only dataset needs --from unless `all` leaves it out', () => {
    expect(selectDatasets(['openb', 'swf'], DATASETS, undefined).datasets.map((d) => d.name)).toEqual(['openb', 'swf']);
    const all = selectDatasets(['all'], DATASETS, undefined);
    expect(all.skipped.map((d) => d.name)).toEqual(['uptime', 'bitbrains']);
    expect(selectDatasets(['all'], DATASETS, { kind: 'dir', path: '/m' }).datasets).toHaveLength(DATASETS.length);
    expect(() => selectDatasets(['uptime'], DATASETS, undefined)).toThrow(/orchsim data pull uptime --from MIRROR/);
    expect(() => selectDatasets([], DATASETS, undefined)).toThrow(/name a dataset: openb, swf, lanl, uptime, azure-llm, bitbrains, or all/);
  });
});
