import { accessSync, constants, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchsim, run } from '../helpers/cli.js';

/**
 * The promise of metrics.om: Prometheus' own tool turns it into TSDB blocks. promtool comes with
 * Debian's `prometheus` package, which .ci/run installs, so in CI this runs for real; elsewhere
 * it is skipped when promtool is not on the PATH (install it: apt-get install prometheus).
 */
const promtool = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'promtool')).find((p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
if (!promtool) console.warn('skipping the promtool tests: promtool is not on the PATH (Debian package prometheus)');

/** Samples in the blocks promtool made, from `promtool tsdb list` (its NUM SAMPLES column). */
async function samplesInBlocks(tsdb: string): Promise<number> {
  const list = await run(promtool!, ['tsdb', 'list', tsdb]);
  expect(list.code, list.stderr).toBe(0);
  const [header, ...rows] = list.stdout.trim().split('\n');
  const col = header!.split(/\s{2,}/).indexOf('NUM SAMPLES');
  expect(col).toBeGreaterThan(0);
  return rows.reduce((n, r) => n + Number(r.trim().split(/\s{2,}/)[col]), 0);
}

/** Creates blocks from a file; every sample line must land in them (promtool drops a sample that goes back in time without failing). */
async function expectBlocks(file: string): Promise<void> {
  const tsdb = mkdtempSync(join(tmpdir(), 'orchsim-tsdb-'));
  const made = await run(promtool!, ['tsdb', 'create-blocks-from', 'openmetrics', file, tsdb]);
  expect(made.code, `${made.stdout}\n${made.stderr}`).toBe(0);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  expect(lines.length).toBeGreaterThan(0);
  expect(await samplesInBlocks(tsdb)).toBe(lines.length);
}

describe.skipIf(!promtool)(`promtool tsdb create-blocks-from openmetrics (needs promtool, Debian package prometheus)`, () => {
  it('accepts metrics.om of the default scenario, every sample in its blocks', async () => {
    const out = mkdtempSync(join(tmpdir(), 'orchsim-om-'));
    const r = await orchsim('run', '--out', out, '--metrics-start', '2026-03-01T00:00:00Z');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('metrics.om');
    await expectBlocks(join(out, 'metrics.om'));
  });

  it('accepts each run file of compare --openmetrics (a scenario with failures and autoscaling)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'orchsim-om-compare-'));
    const r = await orchsim('compare', 'scenarios/web-tier.yaml', '--profiles', 'default,binpack', '--seeds', '1', '--out', out, '--openmetrics');
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(join(out, 'metrics'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.om'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) await expectBlocks(join(out, 'metrics', f));
  });
});
