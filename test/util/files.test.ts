import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFilesAtomically } from '../../src/util/files.js';
import { orchsim, orchsimSteps, SMALL_SCENARIO } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchsim-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file below `d`, relative, sorted. */
function listAll(d: string, prefix = ''): string[] {
  return readdirSync(join(d, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listAll(d, join(prefix, e.name)) : [join(prefix, e.name)]))
    .sort();
}

describe('writeFilesAtomically', () => {
  it('writes a set of files, subfolders included, and leaves no temporary file', () => {
    const out = join(dir, 'set');
    writeFilesAtomically(out, { 'a.json': '{"a":1}\n', 'charts/b.png': new Uint8Array([137, 80, 78, 71]) });
    expect(listAll(out)).toEqual(['a.json', join('charts', 'b.png')]);
    expect(readFileSync(join(out, 'charts', 'b.png'))).toEqual(Buffer.from([137, 80, 78, 71]));
  });

  it('a failure before the renames leaves the previous set as it was, with no temporary file', () => {
    const out = join(dir, 'keep');
    writeFilesAtomically(out, { 'result.json': 'old result\n', 'report.md': 'old report\n' });
    writeFileSync(join(out, 'blocker'), 'a file where the next set wants a folder');
    expect(() => writeFilesAtomically(out, { 'result.json': 'new result\n', 'report.md': 'new report\n', 'blocker/chart.svg': '<svg/>' })).toThrow();
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe('old result\n');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe('old report\n');
    expect(listAll(out)).toEqual(['blocker', 'report.md', 'result.json']);
  });
});

describe('no loss when a run is killed', () => {
  it('run --out killed at any step of its writes leaves each file either the previous complete one or the new one', async () => {
    const scenario = join(dir, 'small.yaml');
    writeFileSync(scenario, SMALL_SCENARIO);
    const out = join(dir, 'run-out');
    const first = await orchsim('run', scenario, '--out', out);
    expect(first.code).toBe(0);
    const good = Object.fromEntries(listAll(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    // The run the kills interrupt, with another seed so its files differ; run once to the end
    // elsewhere to know its complete files and the steps it writes them in.
    const other = join(dir, 'run-other');
    const whole = await orchsimSteps(undefined, 'run', scenario, '--seed', '99', '--out', other);
    expect(whole.code).toBe(0);
    const next = Object.fromEntries(listAll(other).map((f) => [f, readFileSync(join(other, f), 'utf8')]));
    expect(Object.keys(next)).toEqual(Object.keys(good));
    expect(next['result.json']).not.toBe(good['result.json']);
    // Every file to a temporary name first, then the renames: the steps a kill can fall between.
    const n = Object.keys(good).length;
    expect(whole.steps.map((s) => s.op)).toEqual([...Array<string>(n).fill('write'), ...Array<string>(n).fill('rename')]);
    const renamed = whole.steps.slice(n).map((s) => relative(other, s.file)).sort();
    expect(renamed).toEqual(Object.keys(good));

    // Kill a run over the previous files (each in its own copy) at every point that leaves a
    // different set behind: before its first write, among the temporary writes, and before each
    // rename.
    const kills = [1, n, ...whole.steps.slice(n).map((_, i) => n + 1 + i)];
    const results = new Map<number, Awaited<ReturnType<typeof orchsimSteps>>>();
    const queue = [...kills];
    const worker = async () => {
      for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
        const target = join(dir, `kill-${k}`);
        cpSync(out, target, { recursive: true });
        results.set(k, await orchsimSteps(k, 'run', scenario, '--seed', '99', '--out', target));
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    for (const k of kills) {
      const r = results.get(k)!;
      const target = join(dir, `kill-${k}`);
      expect(r.signal, `the kill before step ${k}: ${r.stderr}`).toBe('SIGKILL');
      expect(r.steps).toHaveLength(k - 1);
      // The files renamed before the kill are the new ones; every other is the previous one.
      const done = new Set(r.steps.filter((s) => s.op === 'rename').map((s) => relative(target, s.file)));
      for (const f of listAll(target)) {
        if (f.startsWith('.') || f.includes(`${join('/')}.`)) {
          // A temporary file of the killed process may remain; it is hidden and never the report.
          expect(f).toMatch(/\.tmp$/);
          continue;
        }
        // Each file is the previous complete one or the new complete one, never a part.
        expect(readFileSync(join(target, f), 'utf8'), `${f} after the kill before step ${k}`).toBe(done.has(f) ? next[f] : good[f]);
      }
      expect(Object.keys(good).every((f) => existsSync(join(target, f)))).toBe(true);
    }
  });
});
