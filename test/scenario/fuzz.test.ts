import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareScenarioValue } from '../../src/scenario/index.js';
import { parseYaml } from '../../src/scenario/load.js';
import { formatIssue, InputError } from '../../src/util/errors.js';
import { SMALL_SCENARIO } from '../helpers/cli.js';

/** ORCHSIM_PROPERTY_SCALE=20 multiplies numRuns, for a longer hunt than CI affords. */
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });
const TIMEOUT = 60_000 * Math.max(1, SCALE);

/**
 * Fuzzing the scenario reader: the example scenarios, mutated the way files get broken (a line
 * lost or doubled, a cut-off download, a stray character, a number that is not one, bad
 * indentation, a key that does not belong), go through what `orchsim validate` does: parse,
 * validate, resolve (reading referenced manifests) and build the scheduler profile. Each must
 * either be accepted or rejected with an InputError whose issues name the file and say what is
 * wrong, with a line for anything in the scenario itself; never any other exception.
 * (scenarios/traces/ is left out: its scenarios read large data files that are not in the repository.)
 */

const SCENARIO_DIR = 'scenarios';
const sources: { file: string; text: string }[] = [
  ...readdirSync(SCENARIO_DIR).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ file: join(SCENARIO_DIR, f), text: readFileSync(join(SCENARIO_DIR, f), 'utf8') })),
  // As if it sat next to the examples, so that relative paths resolve the same way.
  { file: join(SCENARIO_DIR, 'small.yaml'), text: SMALL_SCENARIO },
];

// ---- mutations -------------------------------------------------------------------------------

type Mutation = (text: string) => string;

const lines = (t: string) => t.split('\n');
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

const STRANGE_CHARS = [':', '-', '{', '}', '[', ']', '"', "'", '&', '*', '!', '|', '>', '#', '\t', ' ', ',', '?', '%', '@', '`', '<', '\n', '\u0000', '\u00ff', '\ufeff', 'x', '0', '9', '.'];
const STRANGE_NUMBERS = ['"abc"', 'abc', '-1', '-5', '-0.5', '0', '99999999999999999999', '1e400', '-1e400', '1e-400', '1e20', '.nan', '.inf', '-.inf', 'null', '~', 'true', '[]', '{}', '0x10', '0o17', '1_000', '1.5', '2 cores', '4GB', '3e', '*a', '&a'];
const KEYS = ['foo', 'count', 'cpu', 'memory', 'name', 'type', 'replicas', 'workloads', 'cluster', 'horizon', 'pools', 'profile', 'manifests', 'file', 'arrival', 'duration', 'zones', '<<', 'nvidia.com/gpu', 'autoscaling', 'load', 'failures'];
const VALUES = ['1', '-1', 'x', '[]', '{}', 'null', '', '"', '[1, 2', '{ a: 1 }', '*nope', '&a 3', '1e400', '99999999999999999999', 'manifests/small-cluster.yaml', '/dev/null', '0s', '1h', 'service', 'batch', 'trace', '[a, b]'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Delete a line.
  fc.nat().map((i): Mutation => (t) => {
    const ls = lines(t);
    ls.splice(i % ls.length, 1);
    return ls.join('\n');
  }),
  // Duplicate a line.
  fc.nat().map((i): Mutation => (t) => {
    const ls = lines(t);
    const k = i % ls.length;
    ls.splice(k, 0, ls[k]!);
    return ls.join('\n');
  }),
  // Truncate at a random offset (a cut-off download).
  fc.nat().map((i): Mutation => (t) => t.slice(0, i % (t.length + 1))),
  // Replace a random character.
  fc.tuple(fc.nat(), fc.nat()).map(([i, c]): Mutation => (t) => {
    if (t.length === 0) return t;
    const k = i % t.length;
    return t.slice(0, k) + pick(STRANGE_CHARS, c) + t.slice(k + 1);
  }),
  // Swap a number for a string, a negative, a huge or a non-finite number.
  fc.tuple(fc.nat(), fc.nat()).map(([i, v]): Mutation => (t) => {
    const numbers = [...t.matchAll(/(?<![\w.-])\d+(\.\d+)?(?![\w.])/g)];
    if (numbers.length === 0) return t;
    const m = pick(numbers, i);
    return t.slice(0, m.index) + pick(STRANGE_NUMBERS, v) + t.slice(m.index! + m[0].length);
  }),
  // Change the indentation of a line.
  fc.tuple(fc.nat(), fc.integer({ min: -6, max: 6 })).map(([i, d]): Mutation => (t) => {
    const ls = lines(t);
    const k = i % ls.length;
    const line = ls[k]!;
    ls[k] = d >= 0 ? ' '.repeat(d) + line : line.replace(new RegExp(`^ {0,${-d}}`), '');
    return ls.join('\n');
  }),
  // Insert a key at a random line, indented like that line.
  fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([i, k, v]): Mutation => (t) => {
    const ls = lines(t);
    const at = i % (ls.length + 1);
    const indent = /^\s*(- )?/.exec(ls[Math.min(at, ls.length - 1)] ?? '')![0].replace('- ', '  ');
    ls.splice(at, 0, `${indent}${pick(KEYS, k)}: ${pick(VALUES, v)}`);
    return ls.join('\n');
  }),
);

/** Values of other shapes, for a field that expects something else (plugin args, autoscaler options, units). */
const OTHER_VALUES = [...VALUES, '[1, { a: b }]', '{ type: x }', '{ name: x, weight: 1 }', '[[[]]]', '{ resources: 3 }', '[{ name: cpu, weight: -1 }]', '{ shape: [] }', '"10m"', '-1s', '1e400s', 'yes', "'0'"];

const valueMutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Replace the value of a random `key: value` with a value of another shape.
  fc.tuple(fc.nat(), fc.nat()).map(([i, v]): Mutation => (t) => {
    const values = [...t.matchAll(/:[ ]+([^\s,{}[\]#][^,{}[\]#\n]*)/g)];
    if (values.length === 0) return t;
    const m = pick(values, i);
    const start = m.index! + m[0].length - m[1]!.length;
    return t.slice(0, start) + pick(OTHER_VALUES, v) + t.slice(start + m[1]!.length);
  }),
  // Rename a random key to another known key.
  fc.tuple(fc.nat(), fc.nat()).map(([i, k]): Mutation => (t) => {
    const keys = [...t.matchAll(/([A-Za-z][\w./-]*):(?=\s)/g)];
    if (keys.length === 0) return t;
    const m = pick(keys, i);
    return t.slice(0, m.index) + pick(KEYS, k) + t.slice(m.index! + m[1]!.length);
  }),
);

const mutated = fc.record({
  source: fc.constantFrom(...sources),
  mutations: fc.array(fc.oneof(mutation, valueMutation), { minLength: 1, maxLength: 3 }),
}).map(({ source, mutations }) => ({ file: source.file, text: mutations.reduce((t, m) => m(t), source.text) }));

// ---- the property ----------------------------------------------------------------------------

/** What `orchsim validate FILE` does after reading the file. */
function validate(text: string, file: string): void {
  const { value, locate } = parseYaml(text, file);
  prepareScenarioValue(value, file, locate);
}

/** Undefined when `error` is an acceptable rejection of `file`; otherwise what is wrong with it. */
function badRejection(error: unknown, file: string): string | undefined {
  if (!(error instanceof InputError)) return `not an InputError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`;
  if (error.issues.length === 0) return 'an InputError without issues';
  for (const i of error.issues) {
    if (typeof i.file !== 'string' || i.file === '') return `an issue without a file: ${JSON.stringify(i)}`;
    if (typeof i.message !== 'string' || i.message.trim() === '') return `an issue without a message: ${JSON.stringify(i)}`;
    // Anything in the scenario itself has a position; so has anything at a path inside another file.
    if ((i.file === file || i.path.length > 0) && !(typeof i.line === 'number' && i.line >= 1)) return `an issue without a line: ${formatIssue(i)}`;
    if (/\n\s+at /.test(i.message)) return `a stack trace in a message: ${formatIssue(i)}`;
  }
  return undefined;
}

describe('fuzzed scenario files', () => {
  it('the unmutated sources are valid', () => {
    for (const s of sources) expect(() => validate(s.text, s.file), s.file).not.toThrow();
  });

  it('a mutated scenario is accepted or rejected with positioned InputErrors, never anything else', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(mutated, ({ file, text }) => {
        try {
          validate(text, file);
          accepted++;
        } catch (e) {
          rejected++;
          const problem = badRejection(e, file);
          if (problem) throw new Error(`${problem}\n--- ${file}, mutated:\n${text}`);
        }
      }),
      { ...runs(300), seed: process.env.ORCHSIM_FUZZ_SEED ? Number(process.env.ORCHSIM_FUZZ_SEED) : undefined },
    );
    // Both outcomes occur: the mutations neither always break the file nor never do.
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  }, TIMEOUT);
});
