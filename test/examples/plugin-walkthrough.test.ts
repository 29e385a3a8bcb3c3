import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchsim } from '../helpers/cli.js';

/**
 * The README's plugin author's path ("Your own plugin, from the first line to the cluster"):
 * every command it shows is run here as written (an --out directory goes to a temporary folder).
 */
const readme = readFileSync('README.md', 'utf8');
const out = mkdtempSync(join(tmpdir(), 'orchsim-walkthrough-'));
/** The README command, checked to be in the README, as orchsim arguments. */
const command = (line: string): string[] => {
  expect(readme, `README shows: ${line}`).toContain(`   ${line}\n`);
  return line.replace(/^npx orchsim /, '').match(/'[^']*'|\S+/g)!.map((a) => a.replace(/^'(.*)'$/, '$1')).map((a) => (a === 'reports/my-plugins' ? join(out, 'my-plugins') : a));
};

describe('README: your own plugin, from the first line to the cluster', () => {
  it('validate, compare and plan run with the example modules, and show what the README says', async () => {
    const [validate, compare, plan] = await Promise.all([
      orchsim(...command('npx orchsim validate examples/plugins/scenario.yaml')),
      orchsim(...command('npx orchsim compare examples/plugins/scenario.yaml --profiles default,mine --seeds 5 --out reports/my-plugins')),
      orchsim(...command("npx orchsim plan examples/plugins/scenario.yaml --pool a100 --slo 'pendingMean<=60s' --seeds 3")),
    ]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/valid \(20 nodes, 3 workloads, profile mine/);
    expect(compare.code, compare.stderr).toBe(0);
    // What step 2 says: mine makes training jobs wait longer and takes the API below its minimum in the outage.
    const results = JSON.parse(readFileSync(join(out, 'my-plugins', 'results.json'), 'utf8')) as { groups: { metrics: { key: string; arms: { arm: string; mean: number }[] }[] }[] };
    const mean = (key: string, arm: string) => results.groups[0]!.metrics.find((m) => m.key === key)!.arms.find((a) => a.arm === arm)!.mean;
    expect(mean('pending.mean', 'mine')).toBeGreaterThan(mean('pending.mean', 'default'));
    expect(mean('availability.minAvailable', 'mine')).toBeLessThan(mean('availability.minAvailable', 'default'));
    const recorded = JSON.parse(readFileSync(join(out, 'my-plugins', 'plan.json'), 'utf8')) as { modules: { file: string }[] };
    expect(recorded.modules.map((m) => m.file.replace(/.*examples/, 'examples'))).toEqual(['examples/plugins/prefer-zone.mjs', 'examples/plugins/gpu-model.ts']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/a100 = \d+/);
  });

  it('serve --plugin answers with the example profile', async () => {
    const args = command('npx orchsim serve --plugin examples/plugins/prefer-zone.mjs --profile zone-a-first');
    const child = spawn(process.execPath, ['dist/cli/main.js', ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = / on (http:\/\/[\d.]+:\d+)/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
