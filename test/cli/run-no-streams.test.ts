import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.js';

/**
 * `orchsim run` asks whether standard error is a terminal (its progress bar) without building
 * process.stderr where descriptor 2 is a pipe or file (src/cli/stdio.ts stderrIsTerminal): the
 * stream loads Node's stream and net modules, some twenty of them, for a bar it does not draw.
 * ORCHSIM_NO_DIRECT_WRITE=1 goes through the streams as before; both ways write the same bytes.
 */
const dir = mkdtempSync(join(tmpdir(), 'orchsim-run-no-streams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('orchsim run with its output piped', () => {
  it('loads no stream module for the progress bar, and writes what the streams write', async () => {
    const preload = join(dir, 'loaded.cjs');
    writeFileSync(preload, "process.on('exit', () => require('fs').writeSync(2, `\\nnet loaded: ${process.moduleLoadList.includes('NativeModule net')}\\n`));\n");
    const scenario = join(dir, 'tiny.yaml');
    writeFileSync(scenario, 'name: tiny\nseed: 3\nhorizon: 1h\ncluster:\n  pools:\n    - { name: n, count: 2, resources: { cpu: 1, memory: 1Gi } }\nworkloads:\n  - type: batch\n    name: jobs\n    count: 20\n    arrival: { poisson: { rate: 0.02/s } }\n    duration: { exponential: { mean: 60s } }\n    requests: { cpu: 1, memory: 1Gi }\n');
    const go = (direct: boolean) => run(process.execPath, ['--require', preload, 'dist/cli/main.js', 'run', scenario, '--json'], { env: { ...process.env, ORCHSIM_DEBUG: '', ORCHSIM_NO_DIRECT_WRITE: direct ? '' : '1' } });
    const [on, off] = await Promise.all([go(true), go(false)]);
    expect(on.code).toBe(0);
    expect(on.stderr).toContain('net loaded: false');
    expect(off.stderr).toContain('net loaded: true');
    expect(on.stdout).toBe(off.stdout);
    expect(JSON.parse(on.stdout).metrics.pods.submitted).toBe(20);
  });
});
