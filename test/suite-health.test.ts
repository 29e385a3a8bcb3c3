import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every .ts and .mjs file below `dir`. */
const sources = (dir: string) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));

describe('the test suites themselves', () => {
  it('no test blocks its worker on a child process (spawnSync, execFileSync, execSync)', () => {
    // A worker frozen for a minute in all (a few synchronous CLI runs under load) misses vitest's
    // RPC timeout, and the run exits 1 with every test passed. Use run()/orchsim() from
    // test/helpers/cli.ts. The global setup runs in vitest's main process, before any worker.
    const sync = new RegExp(['spawn', 'execFile', 'exec'].map((f) => `\\b${f}Sync\\s*\\(`).join('|'));
    const offenders = [...sources('test'), ...sources('test-validation')].filter((f) => sync.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
