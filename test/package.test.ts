import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the package entry point', () => {
  it('imports as `orchsim` and runs a scenario through the public API', () => {
    // Self-reference through package.json "exports" (dist is built by the global setup).
    const script = `
      import { prepareScenario, runPrepared, builtinPlugins, Framework } from 'orchsim';
      const out = runPrepared(prepareScenario('scenarios/zone-spread.yaml'));
      console.log(out.result.scenario, typeof Framework, builtinPlugins().list().length);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^zone-spread function \d+$/);
  });

  it('the bin runs as a program (npx orchsim), also after a test run rebuilt it', () => {
    // Run as npx runs it: the file itself, through its #! line, which needs the executable bit.
    const r = spawnSync('dist/cli/main.js', ['--version'], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
