import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { fileSchema, SCHEMA_KINDS } from '../../src/commands.js';
import { defaultScenarioText } from '../../src/scenario/default.js';
import { fileJsonSchema, jsonSchemaText, knownKeysAt } from '../../src/scenario/json-schema.js';
import { parseYaml } from '../../src/scenario/load.js';
import { scenarioSchema } from '../../src/scenario/schema.js';
import { bytesSchema, durationSchema, gpuRequestSchema, gpuSchema, milliCPUSchema, rateSchema } from '../../src/scenario/units.js';
import { didYouMean, editDistance, similarNames } from '../../src/util/suggest.js';
import { orchsimAll } from '../helpers/cli.js';

/**
 * The JSON Schemas `orchsim schema` emits for editors (issue 22): every example file validates
 * against them with a JSON Schema validator (ajv, strict mode: no keyword it does not know), the
 * schema-level cases of the bad-input corpus are refused by both ajv and the loader, and the
 * schema never refuses what the loader accepts. The copies in schema/ are what the command prints.
 */

const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
const validators = new Map(SCHEMA_KINDS.map((k) => [k, ajv.compile(fileSchema(k))]));
const validate = (kind: 'scenario' | 'sweep'): ValidateFunction => validators.get(kind)!;
const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
const valueOf = (file: string): unknown => parseYaml(readFileSync(file, 'utf8'), file).value;
const errorsOf = (v: ValidateFunction) => JSON.stringify(v.errors?.slice(0, 5), null, 1);

/** Scenario files: scenarios/ and scenarios/traces/ (not manifests/ or stacks/, which scenarios read), the plugin example. */
const SCENARIO_FILES = [...yamlFiles('scenarios'), ...yamlFiles('scenarios/traces'), 'examples/plugins/scenario.yaml'];
const SWEEP_FILES = yamlFiles('sweeps');

describe('the emitted JSON Schemas accept every example file', () => {
  it('the lists of examples are not empty', () => {
    expect(SCENARIO_FILES.length).toBeGreaterThanOrEqual(25);
    expect(SWEEP_FILES.length).toBeGreaterThanOrEqual(1);
  });

  it.each(SCENARIO_FILES)('%s', (file) => {
    const v = validate('scenario');
    expect(v(valueOf(file)), `${file}: ${errorsOf(v)}`).toBe(true);
  });

  it.each(SWEEP_FILES)('%s (sweep)', (file) => {
    const v = validate('sweep');
    expect(v(valueOf(file)), `${file}: ${errorsOf(v)}`).toBe(true);
  });

  it('the built-in default scenario', () => {
    const v = validate('scenario');
    expect(v(parseYaml(defaultScenarioText(), 'default').value), errorsOf(v)).toBe(true);
  });
});

const BAD = 'test/fixtures/bad-input';
/**
 * The corpus cases whose mistake a JSON Schema can state: a wrong type, an unknown key, a missing
 * required key, a value outside an enum, a unit or name that does not match its pattern, a bound.
 * The others are checked in code (a horizon > 0, min <= max, weights not all 0, files and
 * references), or are not YAML at all.
 */
const SCHEMA_LEVEL = [
  'empty.yaml', 'binary-garbage.yaml', 'not-a-mapping.yaml', 'truncated-block.yaml', 'unknown-top-key.yaml', 'unknown-resource-key.yaml',
  'json-wrong-type.json', 'cpu-unknown-unit.yaml', 'memory-unknown-unit.yaml', 'memory-negative.yaml', 'cpu-1e400.yaml', 'count-negative.yaml',
  'count-string.yaml', 'count-20-digits.yaml', 'count-1e400.yaml', 'count-over-limit.yaml', 'horizon-bad-unit.yaml', 'seed-fraction.yaml',
  'pool-name-uppercase.yaml', 'taint-effect-typo.yaml', 'workload-unknown-type.yaml', 'service-replicas-huge.yaml', 'distribution-unknown.yaml',
];
const { cases } = JSON.parse(readFileSync(join(BAD, 'cases.json'), 'utf8')) as { cases: { file: string }[] };
/** The corpus's scenario values that are YAML (the rest fail before any schema). */
const corpusValues = cases.flatMap((c) => {
  try {
    return [{ file: c.file, value: valueOf(join(BAD, c.file)) }];
  } catch {
    return [];
  }
});

describe('the bad-input corpus', () => {
  it.each(SCHEMA_LEVEL)('%s: refused by the emitted schema and by the loader', (file) => {
    expect(existsSync(join(BAD, file)), file).toBe(true);
    const value = valueOf(join(BAD, file));
    expect(validate('scenario')(value)).toBe(false);
    expect(scenarioSchema.safeParse(value).success).toBe(false);
  });

  it('no case is refused by the emitted schema and accepted by the loader', () => {
    expect(corpusValues.length).toBeGreaterThan(50);
    for (const { file, value } of corpusValues) {
      if (scenarioSchema.safeParse(value).success) expect(validate('scenario')(value), `${file}: ${errorsOf(validate('scenario'))}`).toBe(true);
    }
  });
});

// ---- never stricter than the loader -----------------------------------------------------------

/** Values that sit where files go wrong: units written oddly, numbers YAML reads its own way, wrong types. */
const ODD_VALUES = ['-1', '-0', '0', '-0.5', '"-0.5"', '+2', '"+2"', '1.', '".5"', '"1e3"', '"2E"', '1e400', '.nan', '.inf', 'null', '~', 'true', '[]', '{}',
  '0x10', '1_000', '"1_000"', '1.5', '0.5', '"250m"', '"-100u"', '" 4Gi "', '"4GB"', '"2 cores"', '"1h30m"', '"1.5h"', '".5s"', '"90"', '"90s "', '"5 m"',
  '"120/h"', '"2 / m"', '"0.5/min"', '"3/x"', '7d', '"7d2w"', '"500ms"', '"1000n"', '{ fixed: 3 }', '{ exponential: { mean: 1h } }', '{ exponential: { mean: 1h, x: 1 } }',
  '{ uniform: { min: 1, max: 2 } }', '{ choice: [1, 2], weights: [0, 1] }', '{ empirical: [] }', '{ poisson: { rate: 1/m } }', '{ interval: 30s }', 'abc', '""'];
const oddValues = ODD_VALUES.map((t) => parseYaml(`v: ${t}\n`, 'odd').value as { v: unknown }).map((o) => o.v);

/** Every path to a leaf (a scalar, or an empty list or mapping) of a value, and every path to a mapping. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [at];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return [at, ...entries.flatMap(([k, v]) => paths(v, [...at, k]))];
}

/** `value` with the thing at `path` replaced (or, for a mapping, a key added). */
function changed(value: unknown, path: readonly (string | number)[], replacement: unknown, addKey?: string): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  if (path.length === 0) return addKey === undefined ? replacement : { ...copy, [addKey]: replacement };
  let parent = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (addKey !== undefined && parent[last] !== null && typeof parent[last] === 'object' && !Array.isArray(parent[last])) (parent[last] as Record<string, unknown>)[addKey] = replacement;
  else parent[last] = replacement;
  return copy;
}

describe('the emitted schema never refuses what the loader accepts', () => {
  const examples = SCENARIO_FILES.map((f) => ({ file: f, value: valueOf(f) }));

  it('example scenarios with one value replaced by an odd one, or a key added: loader accepts => schema accepts', () => {
    const v = validate('scenario');
    let acceptedByLoader = 0;
    fc.assert(fc.property(fc.nat(), fc.nat(), fc.nat(), fc.option(fc.constantFrom('name', 'count', 'cpu', 'memory', 'mean', 'x', 'labels', 'rate')), (e, p, o, key) => {
      const { file, value } = examples[e % examples.length]!;
      const all = paths(value);
      const path = all[p % all.length]!;
      const next = changed(value, path, oddValues[o % oddValues.length], key ?? undefined);
      if (!scenarioSchema.safeParse(next).success) return;
      acceptedByLoader++;
      expect(v(next), `${file} at ${path.join('.')}${key ? ` + ${key}` : ''}: ${JSON.stringify(oddValues[o % oddValues.length])}\n${errorsOf(v)}`).toBe(true);
    }), { numRuns: 600 });
    // The property must have been exercised, not vacuous.
    expect(acceptedByLoader).toBeGreaterThan(50);
  });

  /** Strings in the alphabet of units: digits, signs, points, exponents, suffixes, slashes, spaces. */
  const unitText = fc.array(fc.constantFrom('0', '1', '5', '9', '.', '+', '-', 'e', 'E', 'm', 'Ki', 'Mi', 'Gi', 'k', 'M', 'n', 'u', 's', 'ms', 'h', 'd', 'w', 'min', '/', ' ', 'x'), { maxLength: 8 }).map((xs) => xs.join(''));
  const units = { milliCPUSchema, bytesSchema, durationSchema, gpuSchema, gpuRequestSchema, rateSchema };

  it.each(Object.entries(units))('%s: every string and number it accepts matches its JSON shape', (_name, unit) => {
    // Emitted as a field of a file, so the same path through json-schema.ts runs.
    const shape = ajv.compile(fileJsonSchema(z.strictObject({ v: unit }), { title: 't', description: 'd' }));
    let accepted = 0;
    fc.assert(fc.property(fc.oneof(unitText, fc.double({ min: -10, max: 2000, noNaN: true }), fc.integer({ min: -5, max: 2000 })), (input) => {
      if (!unit.safeParse(input).success) return;
      accepted++;
      expect(shape({ v: input }), `${JSON.stringify(input)}: ${errorsOf(shape)}`).toBe(true);
    }), { numRuns: 3000 });
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('schema/ holds what `orchsim schema` prints', () => {
  it.each(SCHEMA_KINDS)('schema/%s.schema.json', (kind) => {
    const file = join('schema', `${kind}.schema.json`);
    // On a mismatch: orchsim schema KIND --out schema/KIND.schema.json, and commit it.
    expect(readFileSync(file, 'utf8'), `${file} is stale: run \`orchsim schema ${kind} --out ${file}\``).toBe(jsonSchemaText(fileSchema(kind)));
  });

  it('the example scenarios point editors at it', () => {
    for (const file of SCENARIO_FILES) {
      const rel = file.startsWith('scenarios/traces/') ? '../../schema/scenario.schema.json' : file.startsWith('examples/plugins/') ? '../../schema/scenario.schema.json' : '../schema/scenario.schema.json';
      expect(readFileSync(file, 'utf8').split('\n')[0], file).toBe(`# yaml-language-server: $schema=${rel}`);
    }
    for (const file of SWEEP_FILES) expect(readFileSync(file, 'utf8').split('\n')[0], file).toBe('# yaml-language-server: $schema=../schema/sweep.schema.json');
  });
});

describe('orchsim schema', () => {
  it('prints the scenario schema (default) and the sweep schema; --out writes it; a bad kind or a folder is bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchsim-schema-'));
    const out = join(dir, 'nested', 'scenario.schema.json');
    const [scenario, sweep, written, bad, folder] = await orchsimAll([['schema'], ['schema', 'sweep'], ['schema', '--out', out], ['schema', 'compose'], ['schema', '--out', dir]]);
    expect(scenario!.code).toBe(0);
    expect(scenario!.stdout).toBe(jsonSchemaText(fileSchema('scenario')));
    expect(sweep!.stdout).toBe(jsonSchemaText(fileSchema('sweep')));
    expect(written!.code).toBe(0);
    expect(written!.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(scenario!.stdout);
    expect(bad!.code).toBe(2);
    expect(bad!.stderr).toMatch(/expected scenario or sweep/);
    expect(folder!.code).toBe(2);
    expect(folder!.stderr).toMatch(/is a directory: --out names the schema file/);
    expect(folder!.stderr).not.toMatch(/\n\s+at /);
  });
});

// ---- did you mean ------------------------------------------------------------------------------

describe('misspelled keys: did you mean', () => {
  it('editDistance counts a swap of neighbours as one edit; similarNames keeps the nearest, within 3 edits', () => {
    expect(editDistance('maen', 'mean')).toBe(1);
    expect(editDistance('pols', 'pools')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(similarNames('replica', ['replicas', 'minReadySeconds', 'requests'])).toEqual(['replicas']);
    expect(similarNames('banana', ['cluster', 'horizon'])).toEqual([]);
    // Too different for its length (less than 40% kept) is no suggestion.
    expect(similarNames('ab', ['xy'])).toEqual([]);
    expect(didYouMean('cpus', ['cpu', 'memory'])).toBe(' (did you mean "cpu"?)');
    expect(didYouMean('seed', ['seeds', 'speed'])).toBe(' (did you mean "seeds" or "speed"?)');
  });

  it('knownKeysAt follows the document into lists, shared definitions and the workload type it names', () => {
    const schema = fileSchema('scenario');
    const doc = { cluster: { pools: [{ name: 'p' }] }, workloads: [{ type: 'job', name: 'j', duration: { exponential: { maen: 1 } } }] };
    expect(knownKeysAt(schema, doc, [])).toContain('horizon');
    expect(knownKeysAt(schema, doc, ['cluster', 'pools', 0])).toContain('resources');
    expect(knownKeysAt(schema, doc, ['workloads', 0])).toContain('completions');
    expect(knownKeysAt(schema, doc, ['workloads', 0])).not.toContain('replicas');
    expect(knownKeysAt(schema, doc, ['workloads', 0, 'duration', 'exponential'])).toEqual(['mean']);
    expect(knownKeysAt(schema, doc, ['no', 'such', 'path'])).toEqual([]);
  });

  it('through the CLI: the nearest key, with file and line, exit 2; in sweep files too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchsim-typo-'));
    const scenario = join(dir, 'typo.yaml');
    writeFileSync(scenario, 'horizon: 2h\ncluster:\n  pols:\n    - { name: n, count: 2, resources: { cpu: 8, memory: 32Gi } }\nworkloads:\n  - { type: service, name: web, replica: 4 }\n');
    const sweep = join(dir, 'sweep.yaml');
    writeFileSync(sweep, `scenario: typo.yaml\nseeds: 2\ngird:\n  seed: [1, 2]\n`);
    const [r, s] = await orchsimAll([['validate', scenario], ['sweep', sweep, '--out', join(dir, 'out')]]);
    expect(r!.code).toBe(2);
    expect(r!.stderr).toContain(`${scenario}:3:3: unknown key "pols" (did you mean "pools"?) (at cluster.pols)`);
    expect(r!.stderr).toContain(`${scenario}:6:33: unknown key "replica" (did you mean "replicas"?) (at workloads[0].replica)`);
    expect(r!.stderr).not.toMatch(/\n\s+at /);
    expect(s!.code).toBe(2);
    expect(s!.stderr).toContain(`${sweep}:3:1: unknown key "gird" (did you mean "grid"?) (at gird)`);
  });
});
