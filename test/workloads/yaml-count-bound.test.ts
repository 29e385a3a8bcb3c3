import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_YAML_DEPTH, MAX_YAML_VALUES, yamlDepthIssue, yamlShape, yamlWithinLimitsByCount } from '../../src/workloads/input-limits.js';

/**
 * Before a YAML text is parsed, a pass of yaml's lexer checks its nesting, values and lengths
 * (yamlShape); yamlDepthIssue skips that pass where counting characters shows no limit can be
 * passed (yamlWithinLimitsByCount, start-up time); ORCHSIM_NO_YAML_COUNT_BOUND=1 lexes every
 * text. The properties, over texts made of YAML's indicators, indentation, line breaks and
 * scalars with small limits (so that the limits are passed often): where the count says a text
 * is within the limits, the lexer finds no problem; and yamlDepthIssue answers the same with the
 * shortcut and without.
 */

let lexEvery: typeof yamlDepthIssue;

beforeAll(async () => {
  vi.stubEnv('ORCHSIM_NO_YAML_COUNT_BOUND', '1');
  vi.resetModules();
  lexEvery = (await import('../../src/workloads/input-limits.js')).yamlDepthIssue;
  vi.unstubAllEnvs();
});
afterAll(() => vi.unstubAllEnvs());

const sources = readdirSync('scenarios').filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => readFileSync(join('scenarios', f), 'utf8'));
const LINES = sources.flatMap((t) => t.split('\n')).filter((l) => l.trim() !== '');
const PIECES = ['- ', '-', '-\n', '? ', ': ', ':', '[', ']', '{', '}', ', ', '\n', '\n', '  ', ' ', '    ', '\t', 'a', 'key', '0', '"q"', "'s'", '"multi\n  line"', '# c', '|\n', '>-\n', '&x ', '*x', '!t ', '--- ', '---\n', '...\n', '\r\n', '\uFEFF', '%YAML 1.2\n', '.', '?', '- - - ', '[[', '{a: [', 'x: |\n  body\n', '... ', '-\t', '?\t', '--- a: '];
const text = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.constantFrom(...LINES).map((l) => `${l}\n`)), { maxLength: 40 }).map((ps) => ps.join(''));
const limits = fc.record({ depth: fc.integer({ min: 1, max: 16 }), values: fc.integer({ min: 1, max: 600 }) });

describe('the count bound before the YAML lexer pass (ORCHSIM_NO_YAML_COUNT_BOUND)', () => {
  it('where characters show a text within the limits, the lexer finds no problem', () => {
    let within = 0;
    fc.assert(fc.property(text, limits, (t, { depth, values }) => {
      if (!yamlWithinLimitsByCount(t, depth, values)) return;
      within++;
      expect(yamlShape(t, 'f.yaml', depth, values)).not.toHaveProperty('issue');
    }), { numRuns: 3000 });
    // The bound answered for a good share of the texts, not only for none.
    expect(within).toBeGreaterThan(100);
  });

  it('yamlDepthIssue answers the same with the bound and lexing every text', () => {
    let issues = 0;
    fc.assert(fc.property(text, limits, (t, { depth, values }) => {
      const a = yamlDepthIssue(t, 'f.yaml', depth, values);
      if (a) issues++;
      expect(a).toEqual(lexEvery(t, 'f.yaml', depth, values));
    }), { numRuns: 2000 });
    expect(issues).toBeGreaterThan(100);
  });

  it('answers for the example scenarios under the real limits (what it is for)', () => {
    const answered = sources.filter((t) => yamlWithinLimitsByCount(t, MAX_YAML_DEPTH, MAX_YAML_VALUES));
    expect(answered.length).toBeGreaterThan(sources.length / 2);
    for (const t of sources) expect(yamlDepthIssue(t, 'f.yaml')).toEqual(lexEvery(t, 'f.yaml'));
  });
});
