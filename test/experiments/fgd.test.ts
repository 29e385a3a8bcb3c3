import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketCurve, prepareExperiment, roundHalfEven, runFgdExperiment, summarize, tunedOrder } from '../../src/experiments/fgd.js';
import type { RandomStream } from '../../src/util/random.js';
import { readOpenbNodes, readOpenbPods } from '../../src/workloads/openb.js';
import { orchsimAll } from '../helpers/cli.js';
import { OPENB_NODES, OPENB_PODS } from '../helpers/openb.js';

/** A stream that returns the given values in turn (then 0). */
const scripted = (values: number[]): RandomStream => {
  let i = 0;
  return { next: () => values[i++] ?? 0 } as unknown as RandomStream;
};

// D: share 500, one whole GPU 1000, CPU-only 0, share 300 with a model constraint.
const NODES = OPENB_NODES;
const PODS = OPENB_PODS;

const experiment = () => prepareExperiment(readOpenbNodes(NODES, 'nodes.csv'), readOpenbPods(PODS, 'pods.csv'));

describe('FGD protocol (FGD.md section 2)', () => {
  it('sorts by name and computes capacity', () => {
    const e = experiment();
    expect(e.orig.map((p) => p.name)).toEqual(['p-1', 'p-2', 'p-3', 'p-4']);
    expect(e.totalGpuMilli).toBe(4000);
  });

  it('tunes up by appending draws from orig, stopping at the first whose per-GPU share overshoots', () => {
    const e = experiment();
    // Shuffle draws 0 (j = 0 each step) reverse-rotate the list; S = 1800 < T = 1.3 x 4000 = 5200.
    // Draws: 0.3 -> p-2 (+1000: 2800), 0.6 -> p-3 (m = 0, +0), 0.3 -> p-2 (3800), 0.3 -> p-2 (4800),
    // 0.0 -> p-1 (m 500: 4800 + 500 > 5200 -> stop, discarded).
    const order = tunedOrder(e, 1.3, scripted([0, 0, 0]), scripted([0.3, 0.6, 0.3, 0.3, 0.0]));
    expect(order.slice(4).map((p) => p.name)).toEqual(['p-2', 'p-3', 'p-2', 'p-2']);
    expect(order.slice(0, 4).map((p) => p.name).sort()).toEqual(['p-1', 'p-2', 'p-3', 'p-4']);
  });

  it('tunes down by removing random positions until demand <= target', () => {
    const e = experiment();
    // T = 0.25 x 4000 = 1000 < S = 1800: remove position floor(0 * 4) = 0 first (after the shuffle).
    const order = tunedOrder(e, 0.25, scripted([0.99, 0.99, 0.99]), scripted([0, 0, 0, 0]));
    expect(order.reduce((s, p) => s + p.spec.requests.milliGPU, 0)).toBeLessThanOrEqual(1000);
  });

  it('rounds half to even like Python', () => {
    expect([0.5, 1.5, 2.5, 2.4, 2.6, 99.5, 100.5].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3, 100, 100]);
  });

  it('buckets: the mean of a bucket, else of its neighbours, else NaN; rounded to 2 decimals', () => {
    const sum = new Float64Array(132);
    const count = new Float64Array(132);
    sum[5] = 10 + 11; count[5] = 2; // bucket 5: rows 10 and 11 -> 10.5
    sum[7] = 3.333; count[7] = 1; // bucket 6 is empty: rows of 5..7 -> (21 + 3.333) / 3 = 8.111
    const curve = bucketCurve(sum, count, (m) => m);
    expect(curve[5]).toBe(10.5);
    expect(curve[6]).toBe(8.11);
    expect(curve[4]).toBe(10.5); // empty: neighbour 5 only
    expect(curve[0]).toBeNaN();
    expect(curve).toHaveLength(131);
  });

  it('a run places pods, fills buckets up to the tune target, and is deterministic', () => {
    const e = experiment();
    const a = runFgdExperiment(e, 'FGD', 7, 1.3);
    const b = runFgdExperiment(e, 'FGD', 7, 1.3);
    expect(a).toEqual(b);
    expect(a.allocation).toHaveLength(131);
    expect(a.placed).toBeGreaterThan(0);
    // Allocation never exceeds what arrived (an empty bucket borrows rows from X-1..X+1, whose
    // arrived demand is below X + 1.5 %), nor 100 % of capacity.
    a.allocation.forEach((y, x) => { if (!Number.isNaN(y)) expect(y).toBeLessThanOrEqual(Math.min(100, x + 1.5)); });
    expect(a.final.gpu).toBeLessThanOrEqual(1);
    const s = summarize([a, runFgdExperiment(e, 'BestFit', 7, 1.3)]);
    expect(Object.keys(s)).toEqual(['BestFit', 'FGD']);
  });
});

describe('orchsim experiment fgd (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orchsim-fgd-'));
  writeFileSync(join(dir, 'nodes.csv'), NODES);
  writeFileSync(join(dir, 'pods.csv'), PODS);
  const fgd = (...args: string[]) => ['experiment', 'fgd', '--nodes', join(dir, 'nodes.csv'), '--pods', join(dir, 'pods.csv'), ...args];

  it('gives byte-identical JSON with 1 and 2 workers, and writes curves and a chart', async () => {
    const [one, two] = await orchsimAll([fgd('--seeds', '1-4', '--workers', '1', '--json'), fgd('--seeds', '1-4', '--workers', '2', '--json', '--out', join(dir, 'out'))]);
    expect(one!.code).toBe(0);
    expect(two!.stdout).toBe(one!.stdout);
    const json = JSON.parse(one!.stdout);
    for (const p of ['Random', 'DotProd', 'GpuClustering', 'GpuPacking', 'BestFit', 'FGD']) {
      expect(typeof json.policies[p].allocation['100']).toBe('number');
      expect(json.policies[p].fragmentation).toHaveProperty('130');
    }
    expect(readFileSync(join(dir, 'out', 'result.json'), 'utf8')).toBe(one!.stdout);
    expect(readFileSync(join(dir, 'out', 'curves-per-seed.csv'), 'utf8').split('\n')[0]).toBe('policy,seed,arrived_pct,allocation_pct,fragmentation_pct');
    expect(readFileSync(join(dir, 'out', 'allocation.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('bad input: a malformed row, an unknown policy, a bad seed range -> exit 2, no stack', async () => {
    writeFileSync(join(dir, 'bad.csv'), NODES + 'node-c,abc,1,1,A10\n');
    const [bad, policy, seeds] = await orchsimAll([
      ['experiment', 'fgd', '--nodes', join(dir, 'bad.csv'), '--pods', join(dir, 'pods.csv')],
      fgd('--policies', 'Best'),
      fgd('--seeds', '9-3'),
    ]);
    expect(bad!.code).toBe(2);
    expect(bad!.stderr).toMatch(/bad\.csv:4/);
    expect(bad!.stderr).not.toMatch(/\n\s+at /);
    expect(policy!.code).toBe(2);
    expect(seeds!.code).toBe(2);
  });
});
