import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { formatIssue, InputError } from '../../src/util/errors.js';
import { MAX_YAML_ALIAS_VALUES, readLimitedText, yamlAliasIssue } from '../../src/workloads/input-limits.js';
import { orchsim, orchsimAll } from '../helpers/cli.js';

/**
 * The bad-input corpus (test/fixtures/bad-input, issue 8): malformed scenarios, manifests and
 * traces, each with the file, line and message it must be reported with (cases.json). Every case
 * is checked in-process through prepareScenario (what `validate` and `run` do before running);
 * the ones marked `cli` also through the built CLI, for the exit code and the absence of a stack.
 */

const DIR = 'test/fixtures/bad-input';

interface Case {
  readonly file: string;
  readonly command: 'validate' | 'run';
  /** The file the message must name (the scenario, or the trace or manifest it reads). */
  readonly messageFile: string;
  readonly line: number;
  /** Regex the issue line must match (message and "(at path)"). */
  readonly match: string;
  readonly cli?: boolean;
  readonly what?: string;
}

const { cases } = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { cases: Case[] };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Some line of `text` names the case's file at its line and matches its message. */
function expectReported(text: string, c: Case): void {
  const at = new RegExp(`(^|[\\s/])${escape(c.messageFile)}:${c.line}(:\\d+)?: `);
  const message = new RegExp(c.match);
  const hit = text.split('\n').some((l) => at.test(l) && message.test(l));
  expect(hit, `${c.file}: expected "${c.messageFile}:${c.line}" and /${c.match}/ in:\n${text}`).toBe(true);
}

describe('bad-input corpus', () => {
  it('has at least 45 cases, each entry point listed once', () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
    expect(new Set(cases.map((c) => c.file)).size).toBe(cases.length);
    for (const c of cases) expect(existsSync(join(DIR, c.file)), c.file).toBe(true);
    expect(cases.filter((c) => c.cli).length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s: an InputError with file, line and field (in-process)', (_name, c) => {
    let error: unknown;
    try {
      prepareScenario(join(DIR, c.file));
    } catch (e) {
      error = e;
    }
    expect(error, `${c.file} was accepted`).toBeInstanceOf(InputError);
    const issues = (error as InputError).issues;
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(i.file).toMatch(/\S/);
      expect(i.message).toMatch(/\S/);
    }
    expectReported(issues.map(formatIssue).join('\n'), c);
  });

  it('through the CLI: exit 2, the position, no stack trace, nothing on stdout', async () => {
    const chosen = cases.filter((c) => c.cli);
    const all = await orchsimAll(chosen.map((c) => [c.command, join(DIR, c.file)]));
    const results = new Map(chosen.map((c, i) => [c, all[i]!]));
    for (const c of chosen) {
      const r = results.get(c)!;
      expect(r.code, `${c.file}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error: invalid input\n/);
      expect(r.stderr, c.file).not.toMatch(/\n\s+at /);
      expect(r.stdout, c.file).toBe('');
      expectReported(r.stderr, c);
    }
  });
});

describe('input size limits', () => {
  it('a device that never ends is refused as not a regular file (before it is opened), a directory as not a file', async () => {
    if (existsSync('/dev/zero')) {
      const r = await orchsim('validate', '/dev/zero');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\/dev\/zero: is a character device, expected a regular file/);
    }
    const r = await orchsim('run', DIR);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a directory, expected a scenario file/);
    expect(r.stdout).toBe('');
  });

  it('readLimitedText reads up to the limit and no further', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchsim-limits-'));
    const f = join(dir, 'ten.txt');
    writeFileSync(f, '0123456789');
    expect(readLimitedText(f, 10, 'test files')).toEqual({ text: '0123456789' });
    expect(readLimitedText(f, 9, 'test files')).toEqual({ error: 'is larger than the limit of 9 bytes for test files' });
    expect(readLimitedText(join(dir, 'nope'), 9, 'test files')).toEqual({ error: 'file not found' });
    if (existsSync('/dev/zero')) expect(readLimitedText('/dev/zero', 3 << 20, 'test files')).toEqual({ error: 'is a character device, expected a regular file' });
  });

  it('YAML aliases: counted before expansion, recursive and dangling ones refused at their position', () => {
    const check = (text: string, limit?: number) => {
      const lc = new LineCounter();
      return yamlAliasIssue(parseDocument(text, { lineCounter: lc, merge: true }), lc, 'x.yaml', limit);
    };
    // Ordinary anchors and merge keys are fine.
    expect(check('base: &b { cpu: 1, memory: 1Gi }\na: { <<: *b, cpu: 2 }\nb: *b\n')).toBeUndefined();
    // Exactly at the limit passes; one more value does not.
    expect(check('a: &a [1, 2, 3]\nb: [*a, *a]\n', 8)).toBeUndefined();
    expect(check('a: &a [1, 2, 3]\nb: [*a, *a]\n', 7)).toMatchObject({ line: 2, column: 9, path: ['b', 1] });
    expect(check('a: &a [1, *a]\n')).toMatchObject({ line: 1, path: ['a', 1], message: expect.stringMatching(/recursive data/) });
    expect(MAX_YAML_ALIAS_VALUES).toBe(1_000_000);
  });
});
