import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { etaSeconds, planProgress, planProgressLine, runProgress, runProgressLine } from '../../src/cli/progress.js';
import { orchsimAll } from '../helpers/cli.js';
import { OPENB_NODES, OPENB_PODS } from '../helpers/openb.js';
import { queueScenarioText } from '../helpers/queue.js';

/** A stand-in for stderr that records what was written, and a clock the test moves. */
function terminal(isTTY: boolean) {
  const written: string[] = [];
  let ms = 0;
  return { sink: { isTTY, write: (t: string) => written.push(t) }, written, now: () => ms, advance: (s: number) => (ms += s * 1000) };
}

describe('progress lines', () => {
  it('runProgressLine: a bar, runs done of total and the ETA, none before it is known', () => {
    expect(runProgressLine(31, 60, 130)).toBe(`[${'#'.repeat(16)}${'.'.repeat(14)}] 31/60 runs, ETA 2m10s`);
    expect(runProgressLine(0, 60, undefined)).toBe(`[${'.'.repeat(30)}] 0/60 runs`);
    expect(runProgressLine(60, 60, undefined)).toBe(`[${'#'.repeat(30)}] 60/60 runs`);
  });

  it('etaSeconds: runs left at the pace of the runs done in this session only', () => {
    // 10 runs found on resume, then 5 more in 50 s: 10 s a run, 45 left.
    expect(etaSeconds(15, 60, 10, 50)).toBe(450);
    expect(etaSeconds(10, 60, 10, 50)).toBeUndefined();
    expect(etaSeconds(60, 60, 0, 50)).toBeUndefined();
    expect(etaSeconds(3, 60, 0, 0)).toBeUndefined();
  });

  it('planProgressLine: the candidate, its seeds and their ETA, the runs so far; control characters escaped', () => {
    expect(planProgressLine({ candidate: 'web=12', seedsDone: 3, seeds: 10, runs: 14, eta: 84 })).toBe(`[${'#'.repeat(9)}${'.'.repeat(21)}] web=12: seed 3 of 10, ETA 1m24s for this candidate (14 runs so far)`);
    expect(planProgressLine({ candidate: 'web=1', seedsDone: 10, seeds: 10, runs: 1, eta: 0 })).toMatch(/web=1: seed 10 of 10 \(1 run so far\)$/);
    expect(planProgressLine({ candidate: 'a\x1b[2Jb=1', seedsDone: 1, seeds: 2, runs: 1, eta: 5 })).not.toContain('\x1b');
  });
});

describe('runProgress and planProgress', () => {
  it('write nothing when stderr is not a terminal, or when turned off (--json)', () => {
    for (const [tty, enabled] of [[false, true], [true, false]] as const) {
      const t = terminal(tty);
      const p = runProgress(enabled, t.sink, t.now);
      expect(p.onRun).toBeUndefined();
      p.clear();
      const q = planProgress(enabled, t.sink, t.now);
      expect(q.onRun).toBeUndefined();
      expect(q.onCandidate).toBeUndefined();
      q.clear();
      expect(t.written).toEqual([]);
    }
  });

  it('on a terminal: redraw one line with the ETA from the pace so far, erase it at the end', () => {
    const t = terminal(true);
    const p = runProgress(true, t.sink, t.now);
    t.advance(20);
    p.onRun!(1, 5);
    t.advance(20);
    p.onRun!(2, 5);
    p.clear();
    // 20 s a run: 4 left after the first, 3 after the second.
    expect(t.written).toEqual([`\r\x1b[K${runProgressLine(1, 5, 80)}`, `\r\x1b[K${runProgressLine(2, 5, 60)}`, '\r\x1b[K']);
  });

  it('plan: the ETA of the candidate\'s remaining seeds, and each verdict kept on its own line', () => {
    const t = terminal(true);
    const p = planProgress(true, t.sink, t.now);
    t.advance(8);
    p.onRun!('web=3', 1, 5);
    p.onCandidate!('web=3: fail after 1 seeds (1 runs so far)');
    expect(t.written).toEqual([`\r\x1b[K${planProgressLine({ candidate: 'web=3', seedsDone: 1, seeds: 5, runs: 1, eta: 32 })}`, '\r\x1b[Kweb=3: fail after 1 seeds (1 runs so far)\n']);
  });
});

describe('experiment fgd and plan print no progress when stderr is not a terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-progress-'));
  writeFileSync(join(dir, 'nodes.csv'), OPENB_NODES);
  writeFileSync(join(dir, 'pods.csv'), OPENB_PODS);
  writeFileSync(join(dir, 'mmc.yaml'), queueScenarioText({ name: 'mmc', rate: 4, horizon: '2d', pools: ['{ name: server, count: 5, resources: { cpu: 1, memory: 1Gi } }'] }));

  it('(the tests run with stderr piped)', async () => {
    const [fgd, plan] = await orchsimAll([
      ['experiment', 'fgd', '--nodes', join(dir, 'nodes.csv'), '--pods', join(dir, 'pods.csv'), '--policies', 'BestFit,FGD', '--seeds', '1-3'],
      ['plan', join(dir, 'mmc.yaml'), '--pool', 'server', '--slo', 'pendingMean<=5m', '--seeds', '2'],
    ]);
    expect(fgd!.code).toBe(0);
    expect(plan!.code).toBe(0);
    for (const r of [fgd!, plan!]) {
      expect(r.stderr).not.toContain('\r');
      expect(r.stderr).not.toMatch(/ETA|\[#*\.*\]|seed \d+ of \d+/);
    }
    expect(fgd!.stdout).toMatch(/6 runs in/);
  });
});
