import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planResultsJSON, runCapacityPlan, type CapacityPlanOptions } from '../../src/experiments/capacity.js';
import { parseSlo } from '../../src/experiments/slo.js';
import { InputError } from '../../src/util/errors.js';
import { queueScenarioText } from '../helpers/queue.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-plan-'));

function queueScenario(name: string, rate: number, pools: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, queueScenarioText({ name, rate, pools: pools.split('\n'), horizon: '20d' }));
  return file;
}

/** Erlang C: the probability that an arrival waits, with c servers and offered load a = lambda / mu. */
function erlangC(c: number, a: number): number {
  let term = 1;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const last = (term * c) / (c - a);
  return last / (sum + last);
}

/** The smallest c whose M/M/c mean wait (Wq = C / (c mu - lambda)) or wait p99 meets `seconds`. */
function formulaServers(lambda: number, mu: number, seconds: number, what: 'mean' | 'p99'): number {
  for (let c = Math.floor(lambda / mu) + 1; ; c++) {
    const C = erlangC(c, lambda / mu);
    // P(W > t) = C exp(-(c mu - lambda) t): the p99 is 0 when C <= 1%.
    const wait = what === 'mean' ? C / (c * mu - lambda) : C <= 0.01 ? 0 : Math.log(C / 0.01) / (c * mu - lambda);
    if (wait * 3600 <= seconds) return c;
  }
}

const plan = (o: Partial<CapacityPlanOptions> & Pick<CapacityPlanOptions, 'scenarioFile' | 'pools' | 'slos'>) =>
  runCapacityPlan({ seeds: 5, confidence: 0.95, workers: 1, ...o });

describe('orchsim plan against queueing theory', () => {
  const MMC = queueScenario('mmc', 4, '{ name: server, count: 5, resources: { cpu: 1, memory: 1Gi } }');

  it('finds the Erlang-C number of servers for a mean-wait and a p99-wait SLO', async () => {
    for (const [slo, seconds, what] of [['pendingMean<=5m', 300, 'mean'], ['pendingMean<=100s', 100, 'mean'], ['pendingP99<=75m', 4500, 'p99']] as const) {
      const expected = formulaServers(4, 1, seconds, what);
      const { results } = await plan({ scenarioFile: MMC, pools: [{ name: 'server' }], slos: [parseSlo(slo)] });
      expect(results.answer?.sizes, slo).toEqual({ server: expected });
      // One fewer was asked about, and failed: the answer is the smallest.
      expect(results.fewer.map((c) => [c.name, c.verdict])).toEqual([[`server=${expected - 1}`, 'fail']]);
      expect(results.answer!.checks[0]!.margin).toBeGreaterThanOrEqual(0);
    }
    // The formula's answers for these SLOs differ, so the test tells them apart.
    expect([formulaServers(4, 1, 300, 'mean'), formulaServers(4, 1, 100, 'mean'), formulaServers(4, 1, 4500, 'p99')]).toEqual([7, 8, 7]);
  });

  it('bisection gives the grid\'s answer with fewer runs: one pool', async () => {
    const slos = [parseSlo('pendingMean<=100s')];
    const search = await plan({ scenarioFile: MMC, pools: [{ name: 'server', lo: 3, hi: 20 }], slos, seeds: 3 });
    const grid = await plan({ scenarioFile: MMC, pools: [{ name: 'server', lo: 3, hi: 20 }], slos, seeds: 3, grid: true });
    expect(search.results.answer?.name).toBe(grid.results.answer?.name);
    expect(grid.results.runs).toBe(18 * 3);
    expect(grid.results.candidates.every((c) => c.seedsRun === 3)).toBe(true);
    expect(search.results.runs).toBeLessThan(grid.results.runs / 2);
    expect(search.results.gridRuns).toBe(grid.results.runs);
    // Every candidate both decided agrees.
    for (const c of search.results.candidates) expect(c.verdict).toBe(grid.results.candidates.find((g) => g.name === c.name)!.verdict);
  });

  it('the cheapest mix of two priced pools is the grid\'s, with fewer runs', async () => {
    // Two-cpu nodes at 1.5/h hold two pods: cheaper per pod than one-cpu nodes at 1/h.
    const file = queueScenario('two-pools', 4, [
      '{ name: small, count: 2, resources: { cpu: 1, memory: 1Gi }, pricePerHour: 1 }',
      '{ name: large, count: 2, resources: { cpu: 2, memory: 2Gi }, pricePerHour: 1.5 }',
    ].join('\n'));
    const slos = [parseSlo('pendingMean<=5m')];
    const pools = [{ name: 'small', lo: 0, hi: 5 }, { name: 'large', lo: 0, hi: 4 }];
    const search = await plan({ scenarioFile: file, pools, slos, seeds: 3 });
    const grid = await plan({ scenarioFile: file, pools, slos, seeds: 3, grid: true });
    expect(grid.results.runs).toBe(6 * 5 * 3);
    expect(search.results.answer?.name).toBe(grid.results.answer?.name);
    expect(search.results.runs).toBeLessThan(grid.results.runs / 2);
    // 7 slots (Erlang C above) at the least cost: 3 large and 1 small (5.5/h).
    expect(search.results.answer).toMatchObject({ sizes: { small: 1, large: 3 }, cost: 5.5 });
    // Within a budget below that, nothing passes.
    const poor = await plan({ scenarioFile: file, pools, slos, seeds: 3, budget: 5 });
    expect(poor.results.answer).toBeNull();
    expect(poor.results.candidates.every((c) => c.cost! <= 5)).toBe(true);
  });

  it('sizes an autoscaled pool by its node groups\' maximum, as the grid does; stops doubling when more nodes change nothing', async () => {
    // The flash crowd: 3 zones, one node group each; the HPA's replicas need nodes the cluster
    // autoscaler brings up within its groups' maximum.
    const file = 'scenarios/flash-crowd.yaml';
    const slos = [parseSlo('served>=0.985')];
    const search = await plan({ scenarioFile: file, pools: [{ name: 'web', hi: 8 }], slos });
    const grid = await plan({ scenarioFile: file, pools: [{ name: 'web', hi: 8 }], slos, grid: true });
    expect(search.results.pools[0]).toMatchObject({ autoscaled: true, groups: 3, lo: 2, size: 20 });
    expect(search.results.answer?.name).toBe(grid.results.answer?.name);
    expect(search.results.answer).toMatchObject({ sizes: { web: 3 }, nodes: 9 });
    expect(search.results.answer!.cost).toBeCloseTo(9 * 0.384, 10);
    expect(grid.results.runs).toBe(7 * 5);
    expect(search.results.runs).toBeLessThan(grid.results.runs);
    // 99% is out of reach at any size (new nodes take minutes to provision): the search stops
    // after one doubling that changed nothing, instead of growing to the node limit.
    const out = await plan({ scenarioFile: file, pools: [{ name: 'web' }], slos: [parseSlo('served>=0.99')] });
    expect(out.results.answer).toBeNull();
    expect(out.results.saturated).toEqual({ smaller: 'web=20', larger: 'web=40' });
    expect(out.results.candidates).toHaveLength(2);
  });

  it('is deterministic, resumes from its directory, and reuses runs for other SLOs', async () => {
    const out = join(dir, 'resume');
    const options = { scenarioFile: MMC, pools: [{ name: 'server' }], slos: [parseSlo('pendingMean<=5m')], outDir: out };
    const first = await plan(options);
    expect(first.ran).toBeGreaterThan(0);
    const again = await plan(options);
    expect(again.ran).toBe(0);
    expect(again.reused).toBe(first.results.runs);
    expect(planResultsJSON(again.results)).toBe(planResultsJSON(first.results));
    // Another SLO over the same pools: the candidates already run cost nothing.
    const other = await plan({ ...options, slos: [parseSlo('pendingMean<=100s')] });
    expect(other.reused).toBeGreaterThan(0);
    expect(other.results.answer?.sizes).toEqual({ server: 8 });
    expect(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'))).toMatchObject({ kind: 'plan', pools: [{ name: 'server', index: 0 }], slos: ['pendingMean<=100s'] });
    // Another scenario in the same directory is refused.
    const moved = queueScenario('moved', 3, '{ name: server, count: 5, resources: { cpu: 1, memory: 1Gi } }');
    await expect(plan({ ...options, scenarioFile: moved })).rejects.toThrow(/holds the runs of another plan/);
  });

  it('an SLO value that stays put while pods still wait is not taken for "more nodes change nothing"', async () => {
    // 12 replicas of 4 cpu on 8-cpu nodes: availability (all 12 needed) is 0 below 6 nodes.
    const file = join(dir, 'threshold.yaml');
    writeFileSync(file, `
name: threshold
seed: 1
horizon: 2h
cluster:
  pools:
    - { name: node, count: 1, resources: { cpu: 8, memory: 32Gi } }
workloads:
  - { type: service, name: web, replicas: 12, minAvailable: 12, requests: { cpu: 4, memory: 1Gi } }
`);
    const { results } = await plan({ scenarioFile: file, pools: [{ name: 'node' }], slos: [parseSlo('availability>=0.99')], seeds: 3 });
    expect(results.saturated).toBeNull();
    expect(results.answer?.sizes).toEqual({ node: 6 });
  });

  it('refuses SLOs that more nodes make harder, unless every size is decided (--grid)', async () => {
    const slos = [parseSlo('pendingMean<=5m'), parseSlo('utilization.cpu>=0.5')];
    await expect(plan({ scenarioFile: MMC, pools: [{ name: 'server' }], slos })).rejects.toThrow(/utilization\.cpu>=0\.5: utilization\.cpu gets harder to meet with more nodes.*--grid/);
    // On the grid, the sizes that pass form an interval (enough servers for the waits, few
    // enough for the utilization): the answer is its cheapest end.
    const { results } = await plan({ scenarioFile: MMC, pools: [{ name: 'server', lo: 5, hi: 9 }], slos, seeds: 3, grid: true });
    expect(results.answer?.sizes).toEqual({ server: 7 });
    expect(results.candidates.find((c) => c.name === 'server=9')?.checks[1]?.verdict).toBe('fail');
  });

  it('does not reuse runs once a file the scenario reads has changed', async () => {
    const manifest = join(dir, 'web.yaml');
    const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: c, image: web, resources: { requests: { cpu: "2", memory: 1Gi } } }] }
`;
    writeFileSync(manifest, deployment(6));
    const file = join(dir, 'from-manifest.yaml');
    writeFileSync(file, `
name: from-manifest
seed: 1
horizon: 1h
cluster:
  pools:
    - { name: node, count: 2, resources: { cpu: 4, memory: 16Gi } }
workloads:
  - manifests: web.yaml
`);
    const out = join(dir, 'manifest-plan');
    // All six replicas placed (at minAvailable 1, one node is enough: two replicas ready all along).
    const options = { scenarioFile: file, pools: [{ name: 'node' }], slos: [parseSlo('availabilityAll>=0.99')], seeds: 2, outDir: out };
    expect((await plan(options)).results.answer?.sizes).toEqual({ node: 3 });
    writeFileSync(manifest, deployment(8));
    await expect(plan(options)).rejects.toThrow(/the scenario .*from-manifest\.yaml \(or a file it reads\) changed since the runs/);
  });

  it('bad input is an InputError naming the option or the file', async () => {
    const slos = [parseSlo('pendingMean<=5m')];
    await expect(plan({ scenarioFile: MMC, pools: [{ name: 'web' }], slos })).rejects.toThrow(/--pool: no pool "web" in .*mmc\.yaml \(its pools: server\)/);
    await expect(plan({ scenarioFile: MMC, pools: [{ name: 'server' }], slos, seeds: 1 })).rejects.toThrow(/at least 2 seeds/);
    await expect(plan({ scenarioFile: MMC, pools: [{ name: 'server' }], slos, budget: 10 })).rejects.toThrow(/a budget needs prices/);
    await expect(plan({ scenarioFile: MMC, pools: [{ name: 'server' }], slos: [parseSlo('served>=0.99')] })).rejects.toThrow(/no run of mmc has a value for requests.served .*load/);
    await expect(plan({ scenarioFile: MMC, pools: [{ name: 'server' }], slos: [] })).rejects.toBeInstanceOf(InputError);
  });
});
