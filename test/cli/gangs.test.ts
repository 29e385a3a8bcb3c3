import { describe, expect, it } from 'vitest';
import { orchsimAll } from '../helpers/cli.js';

/** The gang example through the built CLI: the summary's gangs lines, with and without Coscheduling. */
describe('orchsim run scenarios/gangs.yaml', () => {
  it('reports gangs under the default and the gang profile', async () => {
    const [plain, gang] = await orchsimAll([['run', 'scenarios/gangs.yaml'], ['run', 'scenarios/gangs.yaml', '--profile', 'gang', '--json']]);
    expect(plain!.code, plain!.stderr).toBe(0);
    expect(plain!.stdout).toMatch(/^gangs {8}33 submitted, \d+ scheduled, 0 timed out at Permit \(0 pods rejected\); wait mean /m);
    expect(plain!.stdout).toMatch(/held idle [\d.]+ GPU-hours \(\d+\.\d% of allocatable\).*reserved at Permit 0\.0 GPU-hours/);
    expect(gang!.code, gang!.stderr).toBe(0);
    const { gangs } = (JSON.parse(gang!.stdout) as { metrics: { gangs: { submitted: number; rejectedPods: number; heldIdle: { gpuSeconds: number; reservedGpuSeconds: number } } } }).metrics;
    expect(gangs.submitted).toBe(33);
    expect(gangs.rejectedPods).toBeGreaterThan(0);
    expect(gangs.heldIdle.gpuSeconds).toBe(gangs.heldIdle.reservedGpuSeconds);
  }, 120_000);
});
