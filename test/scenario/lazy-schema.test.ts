import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as lazyUnits from '../../src/scenario/units.js';
import * as lazyLoad from '../../src/scenario/load.js';
import * as lazyPrepare from '../../src/scenario/prepare.js';
import * as lazyErrors from '../../src/util/errors.js';
import { validateOutcome } from '../helpers/validate-outcome.mjs';

/**
 * A distribution's object forms ({exponential: {mean}}, {choice: [...]}, ...) are built when a
 * field first meets one, and each workload kind's schema when a file first has one
 * (src/scenario/units.ts, schema.ts; start-up time); ORCHSIM_NO_LAZY_SCHEMA=1 builds them with
 * the schema. The property: the same values, one after another through one schema, and whole
 * scenarios with random distributions in their distribution fields or workloads of another
 * kind, give the same data or the same errors either way.
 */

let eager: { units: typeof lazyUnits; v: Parameters<typeof validateOutcome>[0] };

beforeAll(async () => {
  vi.stubEnv('ORCHSIM_NO_LAZY_SCHEMA', '1');
  vi.resetModules();
  const [units, load, prepare, errors] = await Promise.all([import('../../src/scenario/units.js'), import('../../src/scenario/load.js'), import('../../src/scenario/prepare.js'), import('../../src/util/errors.js')]);
  eager = { units, v: { parseYaml: load.parseYaml, prepareScenarioValue: prepare.prepareScenarioValue, InputError: errors.InputError, formatIssue: errors.formatIssue } };
  vi.unstubAllEnvs();
});
afterAll(() => vi.unstubAllEnvs());

const lazy = { parseYaml: lazyLoad.parseYaml, prepareScenarioValue: lazyPrepare.prepareScenarioValue, InputError: lazyErrors.InputError, formatIssue: lazyErrors.formatIssue };

const unitValue = fc.oneof(fc.constantFrom('10s', '5m', '1h', '0s', '-1s', 'x', '250m', '2Gi', '1.5', '') as fc.Arbitrary<unknown>, fc.double({ noNaN: false }), fc.integer({ min: -5, max: 1000 }), fc.constant(null), fc.constant([]));
const FORMS = ['fixed', 'exponential', 'lognormal', 'uniform', 'weibull', 'gamma', 'empirical', 'choice'];
const INNER = ['mean', 'median', 'sigma', 'min', 'max', 'shape', 'scale'];
/** A distribution as a file gives it: a plain value, a form (well or badly made), or an unknown or inherited key. */
const distributionValue: fc.Arbitrary<unknown> = fc.oneof(
  unitValue,
  fc.record({ form: fc.constantFrom(...FORMS), inner: fc.dictionary(fc.constantFrom(...INNER), unitValue, { maxKeys: 3 }), list: fc.array(unitValue, { maxLength: 3 }) })
    .map(({ form, inner, list }) => (form === 'fixed' ? { fixed: list[0] ?? inner.mean } : form === 'empirical' ? { empirical: list } : form === 'choice' ? { choice: list, ...(list.length % 2 ? { weights: list.map(() => 1) } : {}) } : { [form]: inner })),
  fc.dictionary(fc.constantFrom('foo', 'exponential', 'mean', 'toString', 'hasOwnProperty'), unitValue, { maxKeys: 2 }),
);

/** What a schema makes of a value: its data, its issues, or what it threw. */
function outcome(schema: { safeParse: (v: unknown) => { success: boolean; data?: unknown; error?: { issues: unknown } } }, value: unknown): string {
  try {
    const r = schema.safeParse(value);
    return JSON.stringify(r.success ? { data: r.data } : { issues: r.error!.issues });
  } catch (e) {
    return `threw: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const sources = readdirSync('scenarios').filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ file: join('scenarios', f), text: readFileSync(join('scenarios', f), 'utf8') }));
/** The lines of the example scenarios that set a distribution field. */
const DISTRIBUTION_LINE = /^(\s*(?:- )?(?:startup|duration|every|factor|timeBetweenFailures|repairTime|provisioningDelay|cpu|memory): ).*$/;
const withDistributions = sources.filter((s) => s.text.split('\n').some((l) => DISTRIBUTION_LINE.test(l)));

describe('lazily built schemas (ORCHSIM_NO_LAZY_SCHEMA)', () => {
  it('the same values, in turn through one schema, give the same data or errors lazily and eagerly', () => {
    // Two copies of the module, one read the switch on.
    expect(eager.units.distributionSchema).not.toBe(lazyUnits.distributionSchema);
    fc.assert(fc.property(fc.constantFrom('durationSchema', 'milliCPUSchema', 'bytesSchema', 'numberSchema', 'gpuRequestSchema'), fc.array(distributionValue, { minLength: 1, maxLength: 6 }), (unit, values) => {
      // Fresh schemas each time: the lazy one builds its forms at the first object it meets.
      const a = lazyUnits.distributionSchema(lazyUnits[unit]);
      const b = eager.units.distributionSchema(eager.units[unit]);
      expect(values.map((v) => outcome(a, v))).toEqual(values.map((v) => outcome(b, v)));
    }), { numRuns: 300 });
  });

  it('scenarios with random distributions validate the same lazily and eagerly', () => {
    expect(withDistributions.length).toBeGreaterThan(3);
    const outcomes = new Set<string>();
    fc.assert(fc.property(fc.constantFrom(...withDistributions), fc.array(fc.tuple(fc.nat(), distributionValue), { minLength: 1, maxLength: 3 }), (source, edits) => {
      const lines = source.text.split('\n');
      const at = lines.flatMap((l, i) => (DISTRIBUTION_LINE.test(l) ? [i] : []));
      for (const [k, value] of edits) {
        const i = at[k % at.length]!;
        lines[i] = lines[i]!.replace(DISTRIBUTION_LINE, `$1${JSON.stringify(value)}`);
      }
      const text = lines.join('\n');
      const got = validateOutcome(lazy, text, source.file);
      outcomes.add(got.slice(0, 2));
      expect(got).toEqual(validateOutcome(eager.v, text, source.file));
    }), { numRuns: 60 });
    // Both kinds were compared: valid documents and errors.
    expect([...outcomes].sort()).toEqual(expect.arrayContaining(['in', '{"']));
  });

  it('scenarios whose workloads change kind validate the same lazily and eagerly (each kind built on first use)', () => {
    const KINDS = ['service', 'job', 'batch', 'daemonset', 'trace', 'cronjob', ''];
    const TYPE_LINE = /^(\s*(?:- )?type: )\S+$/;
    const withTypes = sources.filter((s) => s.text.split('\n').some((l) => TYPE_LINE.test(l)));
    expect(withTypes.length).toBeGreaterThan(3);
    const outcomes = new Set<string>();
    fc.assert(fc.property(fc.constantFrom(...withTypes), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...KINDS)), { maxLength: 2 }), (source, edits) => {
      const lines = source.text.split('\n');
      const at = lines.flatMap((l, i) => (TYPE_LINE.test(l) ? [i] : []));
      for (const [k, kind] of edits) {
        const i = at[k % at.length]!;
        lines[i] = lines[i]!.replace(TYPE_LINE, `$1${kind}`);
      }
      const text = lines.join('\n');
      const got = validateOutcome(lazy, text, source.file);
      outcomes.add(got.slice(0, 2));
      expect(got).toEqual(validateOutcome(eager.v, text, source.file));
    }), { numRuns: 60 });
    expect([...outcomes].sort()).toEqual(expect.arrayContaining(['in', '{"']));
  });

  it('scenarios with random values in the sections built on first use validate the same lazily and eagerly', () => {
    // The sections schema.ts builds when a file first has them (lazySection): top-level ones and
    // parts of a pool or a pod template. A line of one of them set to another value, or dropped.
    const SECTION = /^(\s*)(?:- )?(?:failures|queueing|rollouts|disruptionBudgets|resourceQuotas|clusterAutoscaler|compare|swarm|autoscaling|platform|crashes|readinessProbe|startupProbe|livenessProbe):/;
    const SCALAR_LINE = /^(\s*(?:- )?[\w./-]+: )(\S.*)$/;
    const inSections = (lines: readonly string[]): number[] => {
      const at = new Set<number>();
      lines.forEach((l, i) => {
        const m = SECTION.exec(l);
        if (!m) return;
        if (SCALAR_LINE.test(l)) at.add(i);
        for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > m[1]!.length); j++) if (SCALAR_LINE.test(lines[j]!)) at.add(j);
      });
      return [...at];
    };
    const withSections = sources.filter((s) => inSections(s.text.split('\n')).length > 0);
    expect(withSections.length).toBeGreaterThan(5);
    const value = fc.oneof(unitValue, fc.constantFrom('true', 'node', 'zone', 'Never', '{}', '[]', '{ a: 1 }', '[x]', '25%', '101%', 'drain') as fc.Arbitrary<unknown>);
    const outcomes = new Set<string>();
    // An edit: a new value, the line dropped, or its key misspelt (an unknown key in a strict object).
    const edit = fc.oneof(value.map((v) => ({ v })), fc.constant('drop' as const), fc.constant('misspell' as const));
    fc.assert(fc.property(fc.constantFrom(...withSections), fc.array(fc.tuple(fc.nat(), edit), { minLength: 1, maxLength: 3 }), (source, edits) => {
      const lines = source.text.split('\n');
      const at = inSections(lines);
      for (const [k, e] of edits) {
        const i = at[k % at.length]!;
        lines[i] = e === 'drop' ? '' : e === 'misspell' ? lines[i]!.replace(/([\w./-]+): /, '$1x: ') : lines[i]!.replace(SCALAR_LINE, `$1${typeof e.v === 'string' ? e.v : JSON.stringify(e.v)}`);
      }
      const text = lines.join('\n');
      const got = validateOutcome(lazy, text, source.file);
      outcomes.add(got.slice(0, 2));
      expect(got).toEqual(validateOutcome(eager.v, text, source.file));
    }), { numRuns: 80 });
    expect([...outcomes].sort()).toEqual(expect.arrayContaining(['in', '{"']));
  });
});
