import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { yamlDocProblems } from '../../src/workloads/input-limits.js';
import { subsetYamlValue } from '../../src/workloads/yaml-subset.js';
import { parseYaml } from '../../src/scenario/load.js';
import type { InputError } from '../../src/util/errors.js';

/**
 * src/workloads/yaml-subset.ts reads texts written in a small subset of YAML without yaml's parser
 * (start-up time); ORCHSIM_NO_YAML_SUBSET=1 parses every text with yaml. The properties, over
 * random documents of the subset's shapes (block mappings and sequences, one-line flow
 * collections, plain and quoted scalars of every core-schema kind, comments), the same with random
 * characters of YAML's syntax put in or taken out, and pieces of the example scenarios: where the
 * subset gives a value, yaml reads the text without errors, warnings or problems
 * (yamlDocProblems: a key twice, `__proto__`) to the same value; and parseYaml gives the same
 * value, positions and errors with the subset and without.
 */

let yamlOnly: typeof parseYaml;

beforeAll(async () => {
  vi.stubEnv('ORCHSIM_NO_YAML_SUBSET', '1');
  vi.resetModules();
  yamlOnly = (await import('../../src/scenario/load.js')).parseYaml;
  vi.unstubAllEnvs();
});
afterAll(() => vi.unstubAllEnvs());

/** What yaml makes of a text, as parseYaml's yaml path reads it: its value, or that it has errors or problems. */
function yamlRead(text: string): { value: unknown } | 'problems' {
  const doc = parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false, merge: true });
  if (doc.errors.length > 0 || yamlDocProblems(doc, { merge: true }).length > 0) return 'problems';
  return { value: doc.toJS({ maxAliasCount: -1 }) };
}

/** Scalars of every kind yaml's core schema tells apart, and some that look like one kind and are another. */
const SCALARS = [
  'web', 'zone-a', '64Gi', '1500/h', '20m', 'nvidia.com/gpu', 'a b', 'a  b', 'a:b', 'http://x/y', "it's", 'a, b', 'a [b]', 'a#b', 'a :b', 'x-', '-x', '-', '--', '---', '...', '.', '+', '~', '~x',
  'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'FALSE', 'yes', 'no', 'on', 'y', 'n',
  '0', '-0', '+0', '7', '007', '-12', '+5', '123456789012345678901', '0o17', '0o8', '0x1F', '0xg', '0b101', '1_000',
  '1.5', '-1.5', '1.', '.5', '+.5', '-.5e3', '1e3', '1E-3', '1.e3', '2.50', '.inf', '-.inf', '+.Inf', '.INF', '.nan', '.NaN', '-.nan', 'NaN', 'inf', '1e', 'e3', '1.2.3',
  '"quoted"', '"with \'single\'"', '"a # b"', '"esc\\n"', '""', "'single'", "'it''s'", "''", "'a # b'", "'unclosed", '"unclosed', '&a x', '*a', '!t x', '|', '>-', '@x', '`x', '%x', '?x', ': x', '[a]', '{a: 1}', 'key: v',
];
const KEYS = ['name', 'count', 'zones', 'cpu', 'memory', 'nvidia.com/gpu', 'a', 'b', 'x_y', 'a-b', 'true', 'null', 'Null', '1', '__proto__', 'constructor', 'on', '<<', '"quoted"', 'a b', '_'];

const key = fc.constantFrom(...KEYS);
const scalar = fc.constantFrom(...SCALARS);
const flowValue = fc.letrec<{ value: string; seq: string; map: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar.filter((s) => !/^[[{]/.test(s)), tie('seq'), tie('map')),
  seq: fc.array(tie('value') as fc.Arbitrary<string>, { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
  map: fc.array(fc.tuple(key, tie('value') as fc.Arbitrary<string>), { maxLength: 4 }).map((ps) => `{ ${ps.map(([k, v]) => `${k}: ${v}`).join(', ')} }`),
})).value;
const inline = fc.oneof(scalar, flowValue, scalar.map((s) => `${s} # comment`), fc.constant(''));
const indentStep = fc.constantFrom(2, 2, 4, 1, 3);

/** A block document of the subset's shapes (sometimes with a misstep), as lines. */
function block(depth: number): fc.Arbitrary<string[]> {
  const leaf = inline.map((v) => [v]);
  if (depth <= 0) return leaf.map((l) => l.map((v) => `x: ${v}`));
  const child = fc.oneof(leaf, fc.constant(null).chain(() => block(depth - 1)));
  const mapping = fc.array(fc.tuple(key, child, indentStep, fc.boolean()), { minLength: 1, maxLength: 4 }).map((pairs) => pairs.flatMap(([k, c, step, sameColumnSeq]) => {
    if (c.length === 1 && !/^[- ]|:/.test(c[0]!) && c[0] !== undefined && !c[0].includes('\n')) return [`${k}: ${c[0]}`];
    const pad = sameColumnSeq && c[0]?.startsWith('- ') ? '' : ' '.repeat(step);
    return [`${k}:`, ...c.map((l) => `${pad}${l}`)];
  }));
  const sequence = fc.array(fc.tuple(child, fc.constantFrom(1, 1, 3)), { minLength: 1, maxLength: 4 }).map((items) => items.flatMap(([c, spaces]) => {
    const [first, ...rest] = c;
    return [`-${' '.repeat(spaces)}${first ?? ''}`, ...rest.map((l) => `${' '.repeat(1 + spaces)}${l}`)];
  }));
  return fc.oneof(mapping, sequence);
}

const SYNTAX = ['- ', ':', ': ', ' ', '  ', '\n', '#', ' #', '[', ']', '{', '}', ',', '"', "'", '&', '*', '!', '|', '\t', '\r', '---\n', '?', '\\', 'é'];
/** A document, then maybe some of YAML's syntax characters put in or taken out at random places. */
const document = fc.tuple(
  fc.integer({ min: 0, max: 3 }).chain((d) => block(d)),
  fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...SYNTAX), fc.constant(null))), { maxLength: 3 }),
  fc.constantFrom('', '# a comment\n', '\n'),
).map(([lines, edits, head]) => {
  let text = head + lines.join('\n') + '\n';
  for (const [at, piece] of edits) {
    const i = at % (text.length + 1);
    text = piece === null ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + piece + text.slice(i);
  }
  return text;
});

const sources = readdirSync('scenarios').filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => readFileSync(join('scenarios', f), 'utf8'));
const LINES = sources.flatMap((t) => t.split('\n'));
/** Runs of lines of the example scenarios, with their indentation: often a valid document, often not. */
const pieces = fc.array(fc.tuple(fc.nat({ max: LINES.length - 1 }), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 4 })
  .map((runs) => runs.map(([at, n]) => LINES.slice(at, at + n).join('\n')).join('\n') + '\n');

/** What parseYaml gives: the value and the positions of some paths, or the issues it throws. */
function outcome(parse: typeof parseYaml, text: string, paths: (string | number)[][]): unknown {
  try {
    const { value, locate } = parse(text, 'f.yaml');
    return { value, at: paths.map((p) => [locate(p), locate(p, { key: true })]) };
  } catch (e) {
    // The module loaded with the switch has its own InputError class.
    if (e instanceof Error && e.name === 'InputError') return { issues: (e as InputError).issues };
    throw e;
  }
}
const somePaths = fc.array(fc.array(fc.oneof(key, fc.nat({ max: 3 })), { maxLength: 4 }), { maxLength: 4 });

describe('the YAML subset read without yaml (ORCHSIM_NO_YAML_SUBSET)', () => {
  it('where the subset gives a value, yaml reads the text without problems to the same value', () => {
    let read = 0;
    let refused = 0;
    fc.assert(fc.property(fc.oneof(document, pieces), (text) => {
      const mine = subsetYamlValue(text);
      if (mine === undefined) {
        refused++;
        return;
      }
      read++;
      const theirs = yamlRead(text);
      expect(theirs).not.toBe('problems');
      expect(isDeepStrictEqual((theirs as { value: unknown }).value, mine.value), `${JSON.stringify(text)}: ${JSON.stringify(mine.value)}`).toBe(true);
    }), { numRuns: 6000 });
    // Both ways answered often: texts the subset reads, and texts it leaves to yaml.
    expect(read).toBeGreaterThan(600);
    expect(refused).toBeGreaterThan(1000);
  });

  it('parseYaml gives the same value, positions and errors with the subset and without', () => {
    fc.assert(fc.property(fc.oneof(document, pieces), somePaths, (text, paths) => {
      expect(outcome(parseYaml, text, paths)).toEqual(outcome(yamlOnly, text, paths));
    }), { numRuns: 1500 });
  });

  it('reads most example scenarios, each to the value yaml gives', () => {
    const read = sources.filter((t) => subsetYamlValue(t) !== undefined);
    expect(read.length).toBeGreaterThan(sources.length / 2);
    for (const t of read) expect(isDeepStrictEqual(subsetYamlValue(t)!.value, (yamlRead(t) as { value: unknown }).value)).toBe(true);
    // The default scenario, which `orchsim validate` and `run` read with no argument, is among them.
    expect(subsetYamlValue(readFileSync('scenarios/default.yaml', 'utf8'))).toBeDefined();
  });
});
