import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { run, type Exited } from '../helpers/cli.js';

/**
 * The CLI writes its output with fs.writeSync to descriptors 1 and 2 rather than through
 * process.stdout / process.stderr (src/cli/stdio.ts; start-up time: no stream modules loaded);
 * ORCHSIM_NO_DIRECT_WRITE=1 writes through the streams. The property: the built CLI, on example
 * scenarios with random lines broken or dropped, exits with the same code and writes the same
 * bytes to both either way.
 */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-direct-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sources = readdirSync('scenarios').filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ name: f, text: readFileSync(join('scenarios', f), 'utf8') }));

function cli(args: readonly string[], direct: boolean, extraEnv: Record<string, string> = {}): Promise<Exited> {
  const env = { ...process.env, ORCHSIM_DEBUG: '', ORCHSIM_NO_DIRECT_WRITE: direct ? '' : '1', ...extraEnv };
  return run(process.execPath, ['dist/cli/main.js', ...args], { env });
}

async function bothWays(args: readonly string[], env: Record<string, string> = {}): Promise<Exited> {
  const [on, off] = await Promise.all([cli(args, true, env), cli(args, false, env)]);
  expect(on).toEqual(off);
  return on;
}

describe('output written straight to the descriptors (ORCHSIM_NO_DIRECT_WRITE)', () => {
  it('validate of example scenarios, some lines broken or dropped, writes the same either way', async () => {
    const codes = new Set<number>();
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.constantFrom(...sources), fc.array(fc.tuple(fc.nat(), fc.constantFrom('', 'x: 1', '  bogus: [', 'name: "\u001b[31mred"')), { maxLength: 2 }), fc.boolean(), async (source, edits, json) => {
      const lines = source.text.split('\n');
      for (const [k, line] of edits) lines[k % lines.length] = line;
      const file = join(dir, `${n++}-${source.name}`);
      writeFileSync(file, lines.join('\n'));
      const r = await bothWays(['validate', file, ...(json ? ['--json'] : [])]);
      codes.add(r.code);
    }), { numRuns: 8, examples: [[sources[0]!, [], false], [sources[0]!, [[0, '  bogus: [']], true]] });
    // A valid file and an invalid one were among them (the two examples, at least).
    expect([...codes].sort()).toEqual(expect.arrayContaining([0, 2]));
  });

  it('the larger outputs, the help text and an unknown command write the same either way', async () => {
    const profiles = await bothWays(['profiles', '--json']);
    expect(profiles.code).toBe(0);
    expect(profiles.stdout.length).toBeGreaterThan(1000);
    const bad = await bothWays(['validate', join(dir, 'missing.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/missing\.yaml/);
    expect((await bothWays(['--help'])).stdout).toMatch(/Usage: orchsim/);
    expect((await bothWays(['no-such-command'])).code).not.toBe(0);
    // commander's help and usage errors, whose colours the environment may force (src/cli/stdio.ts commanderOutput).
    for (const env of [{ FORCE_COLOR: '1' }, { NO_COLOR: '1' }, { CLICOLOR_FORCE: '' }] as Record<string, string>[]) {
      expect((await bothWays(['run', '--help'], env)).stdout).toMatch(/Usage: orchsim run/);
      expect((await bothWays(['run', '--no-such-option'], env)).code).not.toBe(0);
    }
  });

  it('a reader that has gone (`orchsim --help | head -1`): no stack trace, the command finishes, either way', async () => {
    for (const direct of [true, false]) {
      for (const args of [['--help'], ['profiles', '--json'], ['run', '--json']]) {
        const r = await readerGone(args, direct);
        expect(r.stderr, `${args.join(' ')} (direct ${direct})`).toBe('');
        expect(r.code, `${args.join(' ')} (direct ${direct})`).toBe(0);
      }
    }
  });
});

/**
 * Runs the CLI with its standard output a pipe whose reading end is closed before the CLI starts
 * (spawn returns before the child runs Node's start-up, ~100 ms): every write to it fails with
 * EPIPE, as when `head` has read what it wanted and exited.
 */
function readerGone(args: readonly string[], direct: boolean): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ORCHSIM_DEBUG: '', ORCHSIM_NO_DIRECT_WRITE: direct ? '' : '1' };
    const child = spawn(process.execPath, ['dist/cli/main.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}
