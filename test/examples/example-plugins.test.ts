// The README's plugin author's path, step 4: the example modules under orchsim/testing.
import { describe, expect, it } from 'vitest';
import type { PluginEntry, ProfileConfig } from 'orchsim';
import { checkPlacementInvariants } from 'orchsim/testing';
import { readYamlFile } from '../../src/scenario/load.js';
import * as gpuModel from '../../examples/plugins/gpu-model.js';
// @ts-expect-error: a plain JavaScript module without type declarations
import * as preferZone from '../../examples/plugins/prefer-zone.mjs';

const plugins = [...(preferZone.plugins as PluginEntry[]), ...gpuModel.plugins];
// The profile `mine` exactly as examples/plugins/scenario.yaml writes it.
const scenario = readYamlFile('examples/plugins/scenario.yaml').value as { scheduler: { profiles: ProfileConfig[] } };
const mine = scenario.scheduler.profiles.find((p) => p.name === 'mine')!;

describe('the example plugins under orchsim/testing', () => {
  it('the profile mine keeps every placement invariant over random clusters', () => {
    const report = checkPlacementInvariants(mine, { plugins, numRuns: 200, gpuShare: 0.5 });
    expect(report.ok, report.text).toBe(true);
  });

  it('each plugin alone scores in range, decides deterministically and never throws', () => {
    for (const p of plugins) {
      const args = p.name === 'PreferZone' ? { zone: 'zone-a' } : { models: ['A100'] };
      const report = checkPlacementInvariants({ name: p.name, plugins: [{ name: p.name, args }] }, { plugins: [p], invariants: ['scoresInRange', 'deterministic', 'noThrow'] });
      expect(report.ok, `${p.name}: ${report.text}`).toBe(true);
    }
  });
});

describe('the TypeScript example through the CLI', () => {
  it('bad arguments to a plugin of a .ts module (loaded by tsx, which imports orchsim afresh) are bad input at the scenario key: exit 2', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join, resolve } = await import('node:path');
    const { orchsim } = await import('../helpers/cli.js');
    const dir = mkdtempSync(join(tmpdir(), 'orchsim-ts-args-'));
    const file = join(dir, 'bad-args.yaml');
    const text = readFileSync('examples/plugins/scenario.yaml', 'utf8')
      .replace('plugins: [./prefer-zone.mjs, ./gpu-model.ts]', `plugins: [${resolve('examples/plugins/prefer-zone.mjs')}, ${resolve('examples/plugins/gpu-model.ts')}]`)
      .replace('models: [A100]', 'models: []');
    writeFileSync(file, text);
    const r = await orchsim('validate', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-args\.yaml:\d+:\d+: GpuModelAllowList args\.models: expected a non-empty list of GPU models/);
  });
});
