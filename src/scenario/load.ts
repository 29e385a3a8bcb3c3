import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import type * as z from 'zod';
import { excerpt, InputError, issueAt, type InputIssue } from '../util/errors.js';
import { formatCount, MAX_SCENARIO_BYTES, readLimitedText, yamlDepthIssue, yamlDocProblems, yamlErrorText, yamlValue } from '../workloads/input-limits.js';
import { didYouMean } from '../util/suggest.js';
import { switchedOn } from '../util/switches.js';
import { subsetYamlValue } from '../workloads/yaml-subset.js';
import { knownKeysAt, scenarioFileSchema } from './json-schema.js';
import { scenarioSchema, type ScenarioDoc } from './schema.js';

export { MAX_SCENARIO_BYTES } from '../workloads/input-limits.js';

/** Maps a path inside a parsed YAML document to its 1-based line and column. */
export type Locator = (path: readonly (string | number)[], options?: { key?: boolean }) => { line: number; column: number } | undefined;

export interface ParsedYaml {
  readonly value: unknown;
  readonly locate: Locator;
}

/**
 * ORCHSIM_NO_YAML_SUBSET=1 parses every text with yaml, also those src/workloads/yaml-subset.ts
 * reads (start-up time); read once, at load.
 */
const YAML_SUBSET = switchedOn('ORCHSIM_NO_YAML_SUBSET');

/** Parses one YAML (or JSON) document, keeping positions; syntax errors become InputErrors. */
export function parseYaml(text: string, file: string): ParsedYaml {
  // Before the real parse, whose composer recurses once per nesting level and keeps every value.
  const deep = yamlDepthIssue(text, file);
  if (deep) throw new InputError(deep);
  const subset = YAML_SUBSET ? subsetYamlValue(text) : undefined;
  if (subset === undefined) return parseWithYaml(text, file);
  // The same value yaml gives, and yaml would have found no problem: its document, with the
  // positions, is built only if something asks where a path is (an issue or a warning to show).
  let located: Locator | undefined;
  return { value: subset.value, locate: (path, options) => (located ??= parseWithYaml(text, file).locate)(path, options) };
}

function parseWithYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // merge: YAML merge keys (`<<: *base`), common in Kubernetes configuration. uniqueKeys off:
  // yamlDocProblems checks them in linear time.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, merge: true });
  if (doc.errors.length > 0) {
    const issues: InputIssue[] = [];
    const seen = new Set<string>();
    for (const e of doc.errors) {
      const message = `invalid YAML: ${yamlErrorText(e.message.split('\n')[0]!).replace(/ at line \d+, column \d+:?$/, '')}`;
      const issue = { file, line: e.linePos?.[0].line, column: e.linePos?.[0].col, path: [], message };
      // The parser can report one problem twice (e.g. a flow map cut off at the end of the file).
      const key = `${issue.line}:${issue.column}:${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
    }
    throw new InputError(issues);
  }
  const problems = yamlDocProblems(doc, { merge: true });
  if (problems.length > 0) {
    throw new InputError(problems.map((p) => {
      const pos = lineCounter.linePos(p.offset);
      return { file, line: pos.line, column: pos.col, path: [], message: `invalid YAML: ${p.message}` };
    }));
  }
  const r = yamlValue(doc, lineCounter, file);
  if ('issue' in r) throw new InputError(r.issue);
  if ('error' in r) throw new InputError({ file, line: 1, path: [], message: `invalid YAML: ${r.error}` });
  return { value: r.value, locate: locator(doc, lineCounter) };
}

function locator(doc: Document, lc: LineCounter): Locator {
  return (path, options) => {
    // An unknown key is best shown at the key itself, not at its value.
    if (options?.key && path.length > 0) {
      const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
        if (pair && isNode(pair.key) && pair.key.range) {
          const pos = lc.linePos(pair.key.range[0]);
          return { line: pos.line, column: pos.col };
        }
      }
    }
    for (let k = path.length; k >= 0; k--) {
      const node = k === 0 ? doc.contents : doc.getIn(path.slice(0, k), true);
      if (isNode(node) && node.range) {
        const pos = lc.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
}

/** The keys a mapping at a path of the document may have (for "did you mean" on an unknown key). */
export type KnownKeys = (path: readonly (string | number)[]) => readonly string[];

/**
 * Zod issues to positioned input issues; an unknown key points at the key itself, with the
 * nearest known key when `knownKeys` is given and one is near.
 */
export function zodIssues(issues: readonly z.core.$ZodIssue[], file: string, locate: Locator, prefix: readonly (string | number)[] = [], knownKeys?: KnownKeys): InputIssue[] {
  // The first MAX_ISSUES_LISTED, then a count: each is located by a walk of the document, and a
  // mapping of a million bad entries would otherwise be walked a million times.
  const listed = issues.slice(0, MAX_ISSUES_LISTED).map((i) => {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [];
    const path = [...prefix, ...(i.path as (string | number)[]), ...keys.slice(0, 1)];
    const unknownKey = i.code === 'unrecognized_keys' || (i.code === 'custom' && /^unknown keys? /.test(i.message));
    let message = i.message;
    if (i.code === 'unrecognized_keys') {
      const known = knownKeys?.([...prefix, ...(i.path as (string | number)[])]) ?? [];
      message = `unknown key${keys.length > 1 ? 's' : ''} ${unknownKeyList(keys, known)}`;
    } else if (i.code === 'invalid_type' && /received undefined/.test(i.message)) message = `missing required field (expected ${i.expected})`;
    return issueAt(file, (p) => locate(p, { key: unknownKey }), path, message);
  });
  const more = issues.length - listed.length;
  if (more === 0) return listed;
  // Positioned at the first one not listed.
  const next = issues[MAX_ISSUES_LISTED]!;
  const at = issueAt(file, locate, [...prefix, ...(next.path as (string | number)[])], '');
  return [...listed, { ...at, message: `${formatCount(more)} more issue(s) not listed (only the first ${MAX_ISSUES_LISTED} are)` }];
}
const MAX_ISSUES_LISTED = 20;

/**
 * Unknown keys listed in a message: the first MAX_KEYS_LISTED, each cut short and followed by
 * the nearest of `known` if one is near, then how many more.
 */
export function unknownKeyList(keys: readonly string[], known: readonly string[] = []): string {
  const shown = keys.slice(0, MAX_KEYS_LISTED).map((k) => `${excerpt(k, 40)}${didYouMean(k, known)}`).join(', ');
  return keys.length > MAX_KEYS_LISTED ? `${shown} and ${formatCount(keys.length - MAX_KEYS_LISTED)} more` : shown;
}
const MAX_KEYS_LISTED = 5;

export interface LoadedScenario {
  readonly file: string;
  readonly doc: ScenarioDoc;
  readonly locate: Locator;
}

/** Validates an already-parsed scenario value. */
export function validateScenario(value: unknown, file: string, locate: Locator): ScenarioDoc {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError({ file, line: 1, path: [], message: 'expected a scenario: a mapping with at least `cluster:`' });
  }
  const r = scenarioSchema.safeParse(value);
  if (!r.success) throw new InputError(zodIssues(r.error.issues, file, locate, [], (path) => knownKeysAt(scenarioFileSchema(), value, path)));
  return r.data;
}

/** Reads, parses and validates a scenario file. */
export function loadScenarioFile(file: string): LoadedScenario {
  const { value, locate } = readYamlFile(file);
  return { file, doc: validateScenario(value, file, locate), locate };
}

/** Reads and parses a YAML file (scenario or sweep): a missing, unreadable or oversized file is an InputError. */
export function readYamlFile(file: string): ParsedYaml {
  const r = readLimitedText(file, MAX_SCENARIO_BYTES, 'scenario and sweep files');
  if ('error' in r) throw new InputError({ file, path: [], message: r.error === 'is a directory, expected a file' ? 'is a directory, expected a scenario file' : r.error });
  return parseYaml(r.text, file);
}
