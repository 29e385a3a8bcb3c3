/**
 * The shape of a catalogue file (ORCHSIM_DATA_CATALOGUE) is built when a file is first read, not
 * when src/data/catalogue.ts loads (start-up time: every CLI command loads the module);
 * ORCHSIM_NO_LAZY_SCHEMA=1 builds it on load. The property: random catalogue files, well made
 * or broken the ways such a file breaks, give the same datasets or the same errors either way,
 * one after another through one module instance each.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as lazy from '../../src/data/catalogue.js';
import { InputError } from '../../src/util/errors.js';

let eager: typeof lazy;
let dir: string;

beforeAll(async () => {
  vi.stubEnv('ORCHSIM_NO_LAZY_SCHEMA', '1');
  vi.resetModules();
  eager = await import('../../src/data/catalogue.js');
  vi.unstubAllEnvs();
  dir = mkdtempSync(join(tmpdir(), 'orchsim-catalogue-'));
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

/** What catalogue() gives for the file: the datasets, or the issues of its InputError. */
function outcome(catalogue: typeof lazy.catalogue, file: string): unknown {
  try {
    return { datasets: catalogue({ ORCHSIM_DATA_CATALOGUE: file }) };
  } catch (e) {
    // The two module instances share util/errors.js only when vitest resolves it once: compare by shape.
    if (e instanceof Error && 'issues' in e) return { error: e.constructor.name, issues: (e as InputError).issues };
    throw e;
  }
}

const text = fc.oneof(fc.constantFrom('', 'openb', 'a-b', 'Bad Name', '../x', 'x/y.csv', 'x//y', '0'.repeat(64), 'https://example.com/f.csv', 'not a url'), fc.string({ maxLength: 8 }));
const anyValue: fc.Arbitrary<unknown> = fc.oneof(text, fc.integer({ min: -2, max: 1e6 }), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const file = fc.record(
  { path: fc.oneof(text, anyValue), bytes: fc.oneof(fc.integer({ min: -1, max: 1e6 }), anyValue), sha256: fc.oneof(fc.constant('a'.repeat(64)), text), upstream: fc.oneof(fc.record({ url: text, xz: fc.oneof(fc.boolean(), anyValue) }, { requiredKeys: ['url'] }), anyValue) },
  { requiredKeys: ['path', 'bytes', 'sha256'] },
);
const dataset = fc.record(
  { name: text, folder: text, description: text, source: text, terms: text, mirrorOnly: fc.oneof(text, anyValue), files: fc.oneof(fc.array(file, { maxLength: 3 }), anyValue) },
  { requiredKeys: ['name', 'folder', 'description', 'source', 'terms', 'files'] },
);
/** A catalogue file's text: JSON of a list of datasets (or of something else), or not JSON at all. */
const catalogueText = fc.oneof(
  { weight: 6, arbitrary: fc.array(dataset, { maxLength: 3 }).map((d) => JSON.stringify(d)) },
  { weight: 1, arbitrary: anyValue.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.constantFrom('[', '{"a":', 'not json') },
);

describe('the catalogue file schema, built on first use or on load', () => {
  it('gives the same datasets or the same errors either way', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.array(catalogueText, { minLength: 1, maxLength: 4 }), (texts) => {
        for (const t of texts) {
          const path = join(dir, `catalogue-${n++}.json`);
          writeFileSync(path, t);
          expect(outcome(lazy.catalogue, path)).toEqual(outcome(eager.catalogue, path));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('accepts a well-made file both ways (the property is not only about errors)', () => {
    const path = join(dir, 'good.json');
    const good = [{ name: 'alpha', folder: 'alpha', description: 'd', source: 's', terms: 't', files: [{ path: 'alpha/a.csv', bytes: 3, sha256: 'a'.repeat(64) }] }];
    writeFileSync(path, JSON.stringify(good));
    expect(outcome(lazy.catalogue, path)).toEqual({ datasets: good });
    expect(outcome(eager.catalogue, path)).toEqual({ datasets: good });
  });
});
