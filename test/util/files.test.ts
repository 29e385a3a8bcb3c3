import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFilesAtomically } from '../../src/util/files.js';
import { orchsim, SMALL_SCENARIO } from '../helpers/cli.js';

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
  it('run --out killed at any moment leaves each file either the previous complete one or the new one', async () => {
    const scenario = join(dir, 'small.yaml');
    writeFileSync(scenario, SMALL_SCENARIO);
    const out = join(dir, 'run-out');
    const first = orchsim('run', scenario, '--out', out);
    expect(first.code).toBe(0);
    const good = Object.fromEntries(listAll(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    // The run the kills interrupt, with another seed so its files differ; run once to the end
    // elsewhere to know its complete files.
    const other = join(dir, 'run-other');
    const t0 = performance.now();
    expect(orchsim('run', scenario, '--seed', '99', '--out', other).code).toBe(0);
    const runMs = performance.now() - t0;
    const next = Object.fromEntries(listAll(other).map((f) => [f, readFileSync(join(other, f), 'utf8')]));
    expect(next['result.json']).not.toBe(good['result.json']);
    // Kills spread over the run's own duration on this machine, the last ones near its end,
    // where the files are written.
    const kills = [0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95].map((f) => Math.round(f * runMs));
    let killed = 0;
    for (const ms of kills) {
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, ['dist/cli/main.js', 'run', scenario, '--seed', '99', '--out', out], { stdio: 'ignore' });
        const timer = setTimeout(() => child.kill('SIGKILL'), ms);
        child.on('exit', (_code, signal) => {
          clearTimeout(timer);
          if (signal === 'SIGKILL') killed++;
          resolve();
        });
      });
      for (const f of listAll(out)) {
        if (f.startsWith('.') || f.includes(`${join('/')}.`)) {
          // A temporary file of the killed process may remain; it is hidden and never the report.
          expect(f).toMatch(/\.tmp$/);
          continue;
        }
        // Each file is the previous complete one or the new complete one, never a part.
        const text = readFileSync(join(out, f), 'utf8');
        expect([good[f], next[f]], `${f} after a kill at ${ms} ms`).toContain(text);
      }
      expect(Object.keys(good).every((f) => existsSync(join(out, f)))).toBe(true);
    }
    // Most runs were cut short (the rest finished first): the check saw interrupted runs.
    expect(killed).toBeGreaterThanOrEqual(kills.length / 2);
  });
});
