import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareScenarioValue } from '../../src/scenario/prepare.js';
import { parseYaml } from '../../src/scenario/load.js';
import { formatIssue, InputError } from '../../src/util/errors.js';
import { run } from '../helpers/cli.js';
import { validateOutcome } from '../helpers/validate-outcome.mjs';

/**
 * The build bundles zod, yaml, commander and seedrandom into dist/vendor/, with a V8 code cache
 * for each, and points dist/ at those files (scripts/vendor-bundles.mjs, for start-up time);
 * src/, which these tests import, uses the packages. The property: what `orchsim validate` does with a file - parse
 * the YAML, check it against the schema, resolve it and build its scheduler - gives the same
 * document or the same error messages through dist/ (the bundles, with their code caches and with
 * ORCHSIM_NO_CODE_CACHE=1) as through src/ (the packages), for the example scenarios mutated the
 * way files get broken. Skipped where dist/ was built with ORCHSIM_NO_VENDOR_BUNDLES=1 (it then
 * imports the packages).
 */

const VENDORED = existsSync('dist/vendor/zod.js');
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

const sources = readdirSync('scenarios').filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ file: join('scenarios', f), text: readFileSync(join('scenarios', f), 'utf8') }));

type Mutation = (text: string) => string;
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
const STRANGE = [':', '-', '{', '[', '"', '&', '*', '!', '|', '#', '\t', ' ', ',', '?', '\n', 'x', '0', '.'];
const VALUES = ['1', '-1', 'x', '[]', '{}', 'null', '1e400', '99999999999999999999', '0s', '1h', 'batch', '"10m"', 'yes', '[a, b]', '{ a: 1 }'];
const KEYS = ['foo', 'count', 'cpu', 'memory', 'name', 'replicas', 'horizon', 'profile', 'arrival', 'duration', 'zones'];
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i): Mutation => (t) => t.split('\n').filter((_, k, ls) => k !== i % ls.length).join('\n')),
  fc.tuple(fc.nat(), fc.nat()).map(([i, c]): Mutation => (t) => (t.length === 0 ? t : t.slice(0, i % t.length) + pick(STRANGE, c) + t.slice((i % t.length) + 1))),
  fc.tuple(fc.nat(), fc.nat()).map(([i, v]): Mutation => (t) => {
    const values = [...t.matchAll(/:[ ]+([^\s,{}[\]#][^,{}[\]#\n]*)/g)];
    if (values.length === 0) return t;
    const m = pick(values, i);
    const start = m.index! + m[0].length - m[1]!.length;
    return t.slice(0, start) + pick(VALUES, v) + t.slice(start + m[1]!.length);
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([i, k, v]): Mutation => (t) => {
    const ls = t.split('\n');
    const at = i % (ls.length + 1);
    const indent = /^\s*/.exec(ls[Math.min(at, ls.length - 1)] ?? '')![0];
    ls.splice(at, 0, `${indent}${pick(KEYS, k)}: ${pick(VALUES, v)}`);
    return ls.join('\n');
  }),
);
const mutated = fc.record({ source: fc.constantFrom(...sources), mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }) })
  .map(({ source, mutations }) => ({ file: source.file, text: mutations.reduce((t, m) => m(t), source.text) }));

/** Files each check meets at least once: zod's own messages (too small, wrong type, a bad enum), YAML's, orchsim's. */
const DEFAULT = sources.find((s) => s.file.endsWith('default.yaml'))!;
const EXAMPLES = [
  { file: DEFAULT.file, text: DEFAULT.text.replace('count: 240', 'count: -1') },
  { file: DEFAULT.file, text: DEFAULT.text.replace('count: 240', 'count: many') },
  { file: DEFAULT.file, text: DEFAULT.text.replace('queue: kubernetes', 'queue: lifo') },
  { file: DEFAULT.file, text: DEFAULT.text.replace('racksPerZone: 4', 'racksPerZone: [4') },
  { file: DEFAULT.file, text: `${DEFAULT.text}\nbogus: 1\n` },
];

/**
 * The outcomes through dist/, in a process of their own: two copies of zod in one process share
 * its global configuration (the first one loaded supplies every message), which would hide a
 * difference in the bundle's.
 */
async function distOutcomes(cases: readonly { file: string; text: string }[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-vendor-'));
  try {
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const script = `
      import { readFileSync } from 'node:fs';
      import { validateOutcome } from ${JSON.stringify(new URL('../helpers/validate-outcome.mjs', import.meta.url).href)};
      const dist = (p) => import(new URL(p, ${JSON.stringify(pathToFileURL(resolve('dist')).href + '/')}).href);
      const [{ parseYaml }, { prepareScenarioValue }, { InputError, formatIssue }] = await Promise.all([dist('scenario/load.js'), dist('scenario/prepare.js'), dist('util/errors.js')]);
      const cases = JSON.parse(readFileSync(${JSON.stringify(join(dir, 'cases.json'))}, 'utf8'));
      process.stdout.write(JSON.stringify(cases.map((c) => validateOutcome({ parseYaml, prepareScenarioValue, InputError, formatIssue }, c.text, c.file))));`;
    const r = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env } });
    if (r.code !== 0) throw new Error(`the dist/ side failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!VENDORED)('dist/vendor bundles (scripts/vendor-bundles.mjs)', () => {
  it('validating a scenario through dist/ (the bundles) and through src/ (the packages) gives the same document or the same errors', async () => {
    const cases = [...EXAMPLES, ...fc.sample(mutated, { numRuns: Math.max(1, Math.round(150 * SCALE)) })];
    const src = { parseYaml, prepareScenarioValue, InputError, formatIssue };
    const expected = cases.map((c) => validateOutcome(src, c.text, c.file));
    // With the bundles' code caches (dist/vendor/*.v8cache) and without them (compiled from source).
    for (const env of [{}, { ORCHSIM_NO_CODE_CACHE: '1' }]) {
      const actual = await distOutcomes(cases, env);
      const differing = cases.findIndex((_, i) => actual[i] !== expected[i]);
      if (differing >= 0) expect({ env, case: cases[differing], dist: actual[differing] }).toEqual({ env, case: cases[differing], dist: expected[differing] });
      expect(actual).toHaveLength(cases.length);
    }
    // Both kinds were compared: unmutated sources are valid, most mutations are not.
    expect(expected.some((o) => o.startsWith('{'))).toBe(true);
    expect(expected.filter((o) => o.startsWith('invalid:')).length).toBeGreaterThan(EXAMPLES.length);
  }, 180_000);

  it('orchsim validate loads the bundles, not the packages', async () => {
    const r = await run(process.execPath, ['--import', new URL('../helpers/list-modules.mjs', import.meta.url).href, 'dist/cli/main.js', 'validate', 'scenarios/default.yaml'], { env: { ...process.env, ORCHSIM_DEBUG: '' } });
    expect(r.code).toBe(0);
    // What the ES module loader loaded (not the modules dist/orchsim.cjs ran: "orchsim-test ran").
    const urls = [...r.stderr.matchAll(/^orchsim-test module (.*)$/gm)].map((m) => m[1]!);
    // With dist/orchsim.cjs (scripts/core-bundle.mjs) the packages are in that script, and the
    // bundles here serve tsc's other files only (benchmarks importing modules by path).
    expect(urls.filter((u) => /\/dist\/vendor\/(zod|yaml|commander|seedrandom)\.js$/.test(u))).toHaveLength(existsSync('dist/orchsim.cjs') ? 0 : 4);
    expect(urls.filter((u) => /\/node_modules\/(zod|yaml|commander|seedrandom)\//.test(u))).toEqual([]);
  });
});
