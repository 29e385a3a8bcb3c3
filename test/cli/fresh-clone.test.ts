/**
 * Issue 22: a fresh clone with no sibling folder pulls the openb trace from a mirror and runs the
 * README's FGD command, from a working directory other than the project's. The clone is of the
 * committed HEAD, built with its own tsc (node_modules linked from this checkout); the data
 * directory is the default one ($XDG_CACHE_HOME/orchsim). The mirror is the project's
 * ../shared/data; skipped, with a message, when it is absent.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const MIRROR = resolve(ROOT, '../shared/data');
const have = existsSync(join(MIRROR, 'openb'));
if (!have) console.warn(`test/cli/fresh-clone: ${MIRROR} not found, skipping the fresh-clone check (it pulls openb from that mirror)`);

describe.skipIf(!have)('a fresh clone without ../shared', () => {
  const work = mkdtempSync(join(tmpdir(), 'orchsim-clone-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('`orchsim data pull openb --from MIRROR`, then `orchsim experiment fgd` as README shows, from any directory', async () => {
    const clone = join(work, 'orchsim');
    const git = await run('git', ['clone', '-q', ROOT, clone]);
    expect(git.code, git.stderr).toBe(0);
    expect(existsSync(join(work, 'shared'))).toBe(false);
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const build = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: clone });
    expect(build.code, build.stdout + build.stderr).toBe(0);

    const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), ORCHSIM_DEBUG: '' };
    delete env.ORCHSIM_DATA;
    delete env.ORCHSIM_DATA_CATALOGUE;
    const orchsim = (cwd: string, ...args: string[]) => run(process.execPath, [join(clone, 'dist/cli/main.js'), ...args], { cwd, env });
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);

    // Before the pull: the FGD command names the command that fetches its trace.
    const before = await orchsim(clone, 'experiment', 'fgd', '--policies', 'BestFit', '--seeds', '42');
    expect(before.code).toBe(2);
    expect(before.stderr).toContain(`is not in the data directory ${join(work, 'cache', 'orchsim')} (default`);
    expect(before.stderr).toContain('fetch it with `orchsim data pull openb`');

    const pull = await orchsim(clone, 'data', 'pull', 'openb', '--from', MIRROR);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toBe(`pulled openb into ${join(work, 'cache', 'orchsim')}: 9 file(s) fetched (2.5 MiB) from ${MIRROR}, 0 already there\n`);

    const fgd = await orchsim(elsewhere, 'experiment', 'fgd', '--policies', 'BestFit', '--seeds', '42', '--json');
    expect(fgd.code, fgd.stderr).toBe(0);
    const result = JSON.parse(fgd.stdout) as { trace: { nodes: string; nodeCount: number; gpuCount: number; podCount: number }; policies: Record<string, unknown> };
    expect(result.trace).toEqual({ nodes: 'data:openb/openb_node_list_gpu_node.csv', pods: 'data:openb/openb_pod_list_default.csv', nodeCount: 1213, gpuCount: 6212, podCount: 8152 });
    expect(Object.keys(result.policies)).toEqual(['BestFit']);

    const list = await orchsim(elsewhere, 'data', 'list');
    expect(list.stdout).toMatch(/^openb +ready /m);
  });
});
