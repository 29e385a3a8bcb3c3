import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript without types
import { buildInputsDigest, distMadeFrom, INPUTS_FILE } from '../../scripts/build-inputs.mjs';

const digest = buildInputsDigest as (root?: string, env?: Record<string, string | undefined>) => string;
const madeFrom = distMadeFrom as (digest: string, root?: string) => boolean;

/** A project folder with one file of each input kind the build reads. */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'orchsim-build-inputs-'));
  mkdirSync(join(root, 'src/sim'), { recursive: true });
  mkdirSync(join(root, 'scripts'));
  mkdirSync(join(root, 'scenarios'));
  writeFileSync(join(root, 'src/sim/engine.ts'), 'export const x = 1;\n');
  writeFileSync(join(root, 'scripts/build.mjs'), '// build\n');
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) writeFileSync(join(root, f), '{}\n');
  writeFileSync(join(root, 'scenarios/default.yaml'), 'name: default\n');
  return root;
}

describe('npm run build: dist/ left as it is when made from the same inputs (scripts/build-inputs.mjs)', () => {
  const roots: string[] = [];
  const fresh = () => {
    const r = project();
    roots.push(r);
    return r;
  };
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  it('the digest is the same for the same files and environment, and changes with any input', () => {
    const root = fresh();
    const env = { ORCHSIM_NO_CORE_BUNDLE: undefined, HOME: '/home/a' };
    const base = digest(root, env);
    expect(digest(root, { ...env, HOME: '/home/b' })).toBe(base); // not a build input
    const changed: [string, () => void][] = [
      ['a source file edited', () => writeFileSync(join(root, 'src/sim/engine.ts'), 'export const x = 2;\n')],
      ['a source file added', () => writeFileSync(join(root, 'src/sim/queue.ts'), '')],
      ['a build script edited', () => writeFileSync(join(root, 'scripts/build.mjs'), '// build, changed\n')],
      ['the lock file', () => writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion": 3}\n')],
      ['the scenario the code caches are trained on', () => writeFileSync(join(root, 'scenarios/default.yaml'), 'name: other\n')],
    ];
    const seen = new Set([base]);
    for (const [what, change] of changed) {
      change();
      const d = digest(root, env);
      expect(seen.has(d), what).toBe(false);
      seen.add(d);
    }
    const last = digest(root, env);
    expect(digest(root, { ...env, ORCHSIM_NO_CORE_BUNDLE: '1' }), 'a build switch').not.toBe(last);
  });

  it('dist/ counts as made from the inputs only with its bin and the same digest', () => {
    const root = fresh();
    const d = digest(root, {});
    expect(madeFrom(d, root)).toBe(false); // no dist/
    mkdirSync(join(root, 'dist/cli'), { recursive: true });
    writeFileSync(join(root, INPUTS_FILE as string), d);
    expect(madeFrom(d, root)).toBe(false); // no bin: a failed build removes it
    writeFileSync(join(root, 'dist/cli/main.js'), '');
    expect(madeFrom(d, root)).toBe(true);
    writeFileSync(join(root, 'src/sim/engine.ts'), 'export const x = 3;\n');
    expect(madeFrom(digest(root, {}), root)).toBe(false);
  });
});
