import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isMap, parseDocument, visit, type YAMLMap } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareScenarioValue } from '../../src/scenario/index.js';
import { parseYaml } from '../../src/scenario/load.js';
import { formatIssue, InputError } from '../../src/util/errors.js';

/**
 * Keys every JavaScript object inherits (toString, constructor, __proto__, ...) written as keys of
 * the example scenarios, stack files and manifests. A reader that looks a user's key up in a
 * plain object with `in` or `obj[key]` finds Object.prototype's member instead of nothing: a
 * "function toString() { [native code] }" message, a crash, or a key taken as known. Each
 * mapping of each file gets one such key in turn; the file must then be accepted or rejected with
 * positioned InputErrors that never print a function or "[object ...]", and no prototype may be
 * changed.
 */

const INHERITED = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__'];
const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');

const SCENARIO_DIR = 'scenarios';
const tmp = mkdtempSync(join(tmpdir(), 'orchsim-inherited-'));
// A copy of scenarios/ (less the traces, which read data files not in the repository), so that a
// stack file or manifest can be replaced by its mutated text and read through its scenario.
cpSync(SCENARIO_DIR, tmp, { recursive: true, filter: (src) => !src.includes(join(SCENARIO_DIR, 'traces')) });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Source {
  /** The file that gets the key, relative to scenarios/. */
  readonly file: string;
  /** The scenario that reads it (the file itself for a scenario). */
  readonly scenario: string;
}

const scenarios = readdirSync(SCENARIO_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
/** Each stack file and manifest under scenarios/, read through the first scenario naming it. */
const referenced = ['stacks', 'manifests'].flatMap((dir) => readdirSync(join(SCENARIO_DIR, dir)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f): Source => {
  const scenario = scenarios.find((s) => readFileSync(join(SCENARIO_DIR, s), 'utf8').includes(`${dir}/${f}`));
  if (scenario === undefined) throw new Error(`no scenario in ${SCENARIO_DIR}/ reads ${dir}/${f}`);
  return { file: join(dir, f), scenario };
}));
const sources: Source[] = [...scenarios.map((f) => ({ file: f, scenario: f })), ...referenced];

/** The number of mappings in `text` (every document of it). */
function mapCount(text: string): number {
  let n = 0;
  for (const doc of parseAllDocs(text)) visit(doc, { Map: () => void n++ });
  return n;
}

function parseAllDocs(text: string) {
  // Manifests hold several documents separated by `---`.
  return text.split(/^---[ \t]*$/m).map((t) => parseDocument(t));
}

/** `text` with `key: 1` added to its `at`-th mapping (in document order), re-serialised. */
function withKey(text: string, at: number, key: string): string {
  let n = 0;
  const docs = parseAllDocs(text);
  for (const doc of docs) {
    visit(doc, {
      Map: (_k, node: YAMLMap) => {
        if (n++ !== at || !isMap(node)) return undefined;
        node.add(doc.createPair(key, 1));
        return visit.BREAK;
      },
    });
  }
  return docs.map((d) => String(d)).join('---\n');
}

/** What `orchsim validate` does with scenario `file` (under the copy). */
function validate(file: string): void {
  const path = join(tmp, file);
  const { value, locate } = parseYaml(readFileSync(path, 'utf8'), path);
  prepareScenarioValue(value, path, locate);
}

/** Undefined when `error` is an acceptable rejection; otherwise what is wrong with it. */
function badRejection(error: unknown): string | undefined {
  if (!(error instanceof InputError)) return `not an InputError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`;
  if (error.issues.length === 0) return 'an InputError without issues';
  for (const i of error.issues) {
    const text = formatIssue(i);
    if (/native code|\[object |=>|function\s*\w*\s*\(/.test(i.message)) return `a message that prints an inherited member: ${text}`;
    if (i.path.length > 0 && !(typeof i.line === 'number' && i.line >= 1)) return `an issue without a line: ${text}`;
  }
  return undefined;
}

describe('keys every object inherits, in every mapping of the examples', () => {
  const cases = sources.flatMap((s) => {
    const text = readFileSync(join(SCENARIO_DIR, s.file), 'utf8');
    return Array.from({ length: mapCount(text) }, (_, at) => ({ ...s, text, at }));
  });

  it('finds the mappings (the walk is not empty)', () => {
    expect(sources.length).toBeGreaterThan(20);
    expect(referenced.map((s) => s.file)).toEqual(expect.arrayContaining([join('stacks', 'web-stack.yml'), join('manifests', 'small-cluster.yaml')]));
    expect(cases.length).toBeGreaterThan(200);
    // The added key is really there: the unknown-key check of the scenario schema names it.
    const s = cases.find((c) => c.file === 'default.yaml' && c.at === 0)!;
    writeFileSync(join(tmp, s.file), withKey(s.text, 0, 'notAKey'));
    try {
      expect(() => validate(s.scenario)).toThrow(/notAKey/);
    } finally {
      writeFileSync(join(tmp, s.file), s.text);
    }
  });

  it('each mapping with an inherited key is accepted or rejected with positioned, readable issues', () => {
    const protos = [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join());
    fc.assert(
      fc.property(fc.nat({ max: cases.length - 1 }), fc.constantFrom(...INHERITED), (n, key) => {
        const c = cases[n]!;
        const mutated = withKey(c.text, c.at, key);
        writeFileSync(join(tmp, c.file), mutated);
        try {
          validate(c.scenario);
        } catch (e) {
          const problem = badRejection(e);
          if (problem) throw new Error(`${problem}\n--- ${c.file}, mapping ${c.at} given "${key}":\n${mutated}`);
        } finally {
          writeFileSync(join(tmp, c.file), c.text);
        }
      }),
      { numRuns: Math.max(1, Math.round(200 * SCALE)), seed: process.env.ORCHSIM_FUZZ_SEED ? Number(process.env.ORCHSIM_FUZZ_SEED) : undefined },
    );
    expect([Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join())).toEqual(protos);
  }, 120_000 * Math.max(1, SCALE));
});
