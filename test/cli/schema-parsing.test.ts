import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { config } from 'zod';
import { interpretSchemaParsing } from '../../src/cli/schema-parsing.js';
import { validateOutcome } from '../helpers/validate-outcome.mjs';

/**
 * The CLI has zod parse objects interpreted rather than through the parsers it compiles with
 * `new Function` (src/cli/schema-parsing.ts, start-up time); ORCHSIM_NO_JITLESS_SCHEMA=1
 * keeps them compiled. The property: the example scenarios, mutated the way files get broken,
 * give the same document or the same errors through schemas built either way. zod reads the
 * setting when each object schema is built, so each way has its own copy of the scenario modules.
 */

type Validator = Parameters<typeof validateOutcome>[0];

async function scenarioModules(): Promise<Validator> {
  vi.resetModules();
  const [load, prepare, errors] = await Promise.all([import('../../src/scenario/load.js'), import('../../src/scenario/prepare.js'), import('../../src/util/errors.js')]);
  return { parseYaml: load.parseYaml, prepareScenarioValue: prepare.prepareScenarioValue, InputError: errors.InputError, formatIssue: errors.formatIssue };
}

/** `f`'s result, and how many functions zod compiled (`new Function`) meanwhile. */
function counting<T>(f: () => T): { result: T; compiled: number } {
  const real = globalThis.Function;
  let compiled = 0;
  globalThis.Function = new Proxy(real, { construct: (target, args) => (compiled++, Reflect.construct(target, args)) });
  try {
    return { result: f(), compiled };
  } finally {
    globalThis.Function = real;
  }
}

let compiled: Validator;
let interpreted: Validator;

beforeAll(async () => {
  // The compiled ones first: zod decides once per process, on the first object schema it builds,
  // whether it may compile at all, and says no for good if the setting is on at that moment.
  compiled = await scenarioModules();
  expect(interpretSchemaParsing({})).toBe(true);
  interpreted = await scenarioModules();
});
afterAll(() => {
  config({ jitless: false });
});

const sources = readdirSync('scenarios').filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ file: join('scenarios', f), text: readFileSync(join('scenarios', f), 'utf8') }));
const VALUES = ['1', '-1', 'x', '[]', '{}', 'null', '0s', '1h', 'batch', 'yes', '{ a: 1 }', '"10m"', '[a, b]'];
const KEYS = ['foo', 'count', 'cpu', 'replicas', 'horizon', 'profile', 'arrival', 'duration'];
/** A scenario with up to three lines dropped, values replaced or keys added. */
const mutated = fc.record({
  source: fc.constantFrom(...sources),
  edits: fc.array(fc.record({ at: fc.nat(), how: fc.integer({ min: 0, max: 2 }), pick: fc.nat() }), { maxLength: 3 }),
}).map(({ source, edits }) => {
  const lines = source.text.split('\n');
  for (const { at, how, pick } of edits) {
    const i = at % lines.length;
    const line = lines[i]!;
    if (how === 0) lines.splice(i, 1);
    else if (how === 1 && line.includes(': ')) lines[i] = `${line.slice(0, line.indexOf(': ') + 2)}${VALUES[pick % VALUES.length]}`;
    else lines.splice(i, 0, `${/^\s*/.exec(line)![0]}${KEYS[pick % KEYS.length]}: ${VALUES[pick % VALUES.length]}`);
  }
  return { file: source.file, text: lines.join('\n') };
});

describe('zod parsing interpreted (ORCHSIM_NO_JITLESS_SCHEMA)', () => {
  it('mutated example scenarios give the same document or errors through compiled and interpreted parsers', () => {
    const cases = [...sources, ...fc.sample(mutated, { numRuns: Math.round(120 * Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1')), seed: 23 })];
    const a = counting(() => cases.map((c) => validateOutcome(compiled, c.text, c.file)));
    const b = counting(() => cases.map((c) => validateOutcome(interpreted, c.text, c.file)));
    const differing = cases.findIndex((_, i) => a.result[i] !== b.result[i]);
    if (differing >= 0) expect({ case: cases[differing], interpreted: b.result[differing] }).toEqual({ case: cases[differing], interpreted: a.result[differing] });
    // The two ways were really taken: zod compiled parsers for the one and none for the other.
    expect(a.compiled).toBeGreaterThan(0);
    expect(b.compiled).toBe(0);
    // Both kinds were compared: valid files and bad input.
    expect(a.result.some((o) => o.startsWith('{'))).toBe(true);
    expect(a.result.filter((o) => o.startsWith('invalid:')).length).toBeGreaterThan(10);
  }, 120_000);

  it('the switch leaves zod as it is', () => {
    expect(interpretSchemaParsing({ ORCHSIM_NO_JITLESS_SCHEMA: '1' })).toBe(false);
    expect(interpretSchemaParsing({ ORCHSIM_NO_JITLESS_SCHEMA: '0' })).toBe(true);
  });
});
