import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run, type Exited } from '../helpers/cli.js';

/**
 * The build bundles dist/'s entries (the CLI, the library, orchsim/testing, the worker scripts)
 * with their modules into one script run with a code cache (scripts/core-bundle.mjs) or, with
 * ORCHSIM_NO_CORE_BUNDLE=1, in shared chunks (scripts/entry-bundles.mjs), for start-up time. The
 * property: the bundled CLI prints the same, byte for byte, and exits with the same code as the
 * CLI run from src/ module by module (tsx), for the example scenarios mutated the way files get
 * broken, runs with random seeds (results, and of a user's plugin modules, which import 'orchsim':
 * the bundle's own classes and registries must be theirs) and the listing commands. Skipped
 * where dist/ was built with ORCHSIM_NO_CORE_BUNDLE=1 ORCHSIM_NO_BUNDLE=1 (it is then tsc's files).
 */

const BUNDLED = existsSync('dist/chunks/modules.json');
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const env = { ...process.env, ORCHSIM_DEBUG: '' };

const viaDist = (args: readonly string[], more: NodeJS.ProcessEnv = {}): Promise<Exited> => run(process.execPath, ['dist/cli/main.js', ...args], { env: { ...env, ...more } });
const viaSrc = (args: readonly string[]): Promise<Exited> => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env });

const sources = readdirSync('scenarios').filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ file: join('scenarios', f), text: readFileSync(join('scenarios', f), 'utf8') }));
const VALUES = ['1', '-1', 'x', '[]', '{}', 'null', '0s', '1h', 'batch', 'yes', '{ a: 1 }'];
/** A scenario with one line dropped or one value replaced (or unchanged). */
const mutated = fc.record({ source: fc.constantFrom(...sources), at: fc.nat(), how: fc.integer({ min: 0, max: VALUES.length + 1 }) }).map(({ source, at, how }) => {
  const lines = source.text.split('\n');
  const i = at % lines.length;
  if (how === 0) return source;
  if (how === 1) return { file: source.file, text: lines.filter((_, k) => k !== i).join('\n') };
  const line = lines[i]!;
  const colon = line.indexOf(': ');
  if (colon >= 0) lines[i] = `${line.slice(0, colon + 2)}${VALUES[how - 2]}`;
  return { file: source.file, text: lines.join('\n') };
});

/**
 * Both CLIs, a command at a time (each src/ start compiles the sources: seconds of CPU). With
 * user plugins, src/ runs them in its own thread (--plugin-timeout 0: the watched thread's script
 * is a .js file only dist/ has), dist/ as asked (on its worker thread, a bundled entry of its own,
 * unless the arguments say --plugin-timeout 0).
 */
async function expectSameOutput(args: readonly string[], plugins = false, distEnvs: readonly NodeJS.ProcessEnv[] = [{}]): Promise<number> {
  const src = await viaSrc(plugins && !args.includes('--plugin-timeout') ? [...args, '--plugin-timeout', '0'] : args);
  let code = src.code;
  for (const more of distEnvs) {
    const dist = await viaDist(args, more);
    expect({ args, more, code: dist.code, stdout: dist.stdout, stderr: dist.stderr }).toEqual({ args, more, code: src.code, stdout: src.stdout, stderr: src.stderr });
    code = dist.code;
  }
  return code;
}

/**
 * Where dist/'s modules are one script with a code cache (dist/orchsim.cjs, scripts/core-bundle.mjs):
 * with the cache and compiled from source (ORCHSIM_NO_CODE_CACHE=1), both as src/.
 */
const CACHE_BOTH_WAYS: readonly NodeJS.ProcessEnv[] = existsSync('dist/orchsim.cjs') ? [{}, { ORCHSIM_NO_CODE_CACHE: '1' }] : [{}];

describe.skipIf(!BUNDLED)('dist/ bundled entries (scripts/core-bundle.mjs, entry-bundles.mjs)', () => {
  it('validate prints the same through the bundles and through src/, for valid and broken scenarios', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchsim-bundles-'));
    try {
      const cases = fc.sample(mutated, { numRuns: Math.max(2, Math.round(4 * SCALE)), seed: 23 });
      const codes = new Set<number>();
      for (const [i, c] of cases.entries()) {
        // Paths relative to the scenario (manifests, stacks) no longer resolve from here: the same
        // error both ways. The originals themselves are valid (fc.sample draws some unchanged).
        const file = join(dir, `${i}-${c.file.split('/').pop()}`);
        writeFileSync(file, c.text);
        codes.add(await expectSameOutput(['validate', file], false, CACHE_BOTH_WAYS));
      }
      codes.add(await expectSameOutput(['validate', 'scenarios/from-manifests.yaml']));
      // Both kinds were compared: valid files (0) and bad input (2).
      expect([...codes].sort()).toEqual([0, 2]);
      await expectSameOutput(['validate', '--json', 'examples/plugins/scenario.yaml'], true, CACHE_BOTH_WAYS);
      await expectSameOutput(['validate', 'examples/plugins/scenario.yaml', '--plugin-timeout', '0'], true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('run gives byte-identical results through the bundles and through src/, with and without user plugins', async () => {
    const [seed, other] = fc.sample(fc.integer({ min: 1, max: 1_000_000 }), { numRuns: 2, seed: 23 });
    await expectSameOutput(['run', 'scenarios/zone-spread.yaml', '--json', '--seed', String(seed)]);
    await expectSameOutput(['run', 'scenarios/priority.yaml', '--json', '--seed', String(other)]);
    // The plugins' run takes 10 s or so: one seed.
    await expectSameOutput(['run', 'examples/plugins/scenario.yaml', '--json', '--seed', String(seed)], true);
  }, 600_000);

  it('the listing commands print the same', async () => {
    for (const args of [['--help'], ['profiles', '--json'], ['schema']]) await expectSameOutput(args);
  }, 300_000);
});
