import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchsim, orchsimAll, type Exited } from '../helpers/cli.js';
import { queueScenarioText } from '../helpers/queue.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-plan-cli-'));
const MMC = join(dir, 'mmc.yaml');
writeFileSync(MMC, queueScenarioText({ name: 'mmc', rate: 4, horizon: '10d', pools: ['{ name: server, count: 5, resources: { cpu: 1, memory: 1Gi }, pricePerHour: 0.5 }'] }));
const read = (f: string) => readFileSync(f, 'utf8');

describe('orchsim plan (CLI)', () => {
  it('prints the answer, its margin and the candidates; --json gives results.json', async () => {
    const args = ['plan', MMC, '--pool', 'server', '--slo', 'pendingMean<=5m', '--seeds', '3'];
    const [text, json] = (await orchsimAll([args, [...args, '--json']])) as [Exited, Exited];
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/answer\n {2}server = 7: 7 nodes, 3\.50\/h\./);
    expect(text.stdout).toMatch(/pendingMean<=5m: mean .*, bound .* \(margin \+/);
    expect(text.stdout).toMatch(/One fewer \(server = 6\) fails pendingMean<=5m/);
    expect(text.stdout).toMatch(/\d+ runs \(bisection.*the full grid over server 0\.\.\d+ with 3 seeds would take \d+/);
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout) as { answer: { sizes: Record<string, number>; cost: number }; runs: number; gridRuns: number };
    expect(r.answer).toMatchObject({ sizes: { server: 7 }, cost: 3.5 });
    expect(r.runs).toBeLessThan(r.gridRuns);
  });

  it('--out: the same files with 1 and 2 workers, a report with charts, and a rerun that runs nothing', async () => {
    const args = ['plan', MMC, '--pool', 'server', '--slo', 'pendingMean<=5m', '--slo', 'pendingP99<=75m', '--seeds', '4'];
    const [one, two] = await Promise.all([orchsim(...args, '--workers', '1', '--out', join(dir, 'w1')), orchsim(...args, '--workers', '2', '--out', join(dir, 'w2'))]);
    expect([one.code, two.code]).toEqual([0, 0]);
    for (const f of ['results.json', 'runs.jsonl', 'plan.json', 'report.md']) expect(read(join(dir, 'w2', f)), f).toBe(read(join(dir, 'w1', f)));
    for (const f of ['report.html', 'charts/slo-1.png', 'charts/slo-2.svg', 'charts/cost.vl.json']) expect(existsSync(join(dir, 'w1', f)), f).toBe(true);
    expect(read(join(dir, 'w1', 'report.md'))).toMatch(/## Answer\n\n- server = 7: 7 nodes, 3\.50\/h\./);
    const spec = JSON.parse(read(join(dir, 'w1', 'charts/slo-1.vl.json'))) as { layer: { mark: { type: string } }[] };
    expect(spec.layer.map((l) => l.mark.type)).toEqual(['area', 'line', 'point', 'rule', 'rule']);
    // A rerun in w1 and, in w2, `orchsim report`, which rebuilds the same results and report from
    // the saved runs, running none.
    const [again, report] = await Promise.all([orchsim(...args, '--out', join(dir, 'w1')), orchsim('report', join(dir, 'w2'))]);
    expect(again.stderr).toMatch(/^0 runs in .*; \d+ finished runs reused/m);
    expect(read(join(dir, 'w1', 'results.json'))).toBe(read(join(dir, 'w2', 'results.json')));
    expect(report.code).toBe(0);
    for (const f of ['results.json', 'runs.jsonl', 'report.md']) expect(read(join(dir, 'w2', f)), f).toBe(read(join(dir, 'w1', f)));
    // With a run missing (an interrupted plan), report says so instead of running it.
    const lines = read(join(dir, 'w2', 'runs.jsonl')).split('\n');
    writeFileSync(join(dir, 'w2', 'runs.jsonl'), lines.slice(0, 3).join('\n') + '\n');
    const partial = await orchsim('report', join(dir, 'w2'));
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/runs\.jsonl: the plan needs run server=\d+\|scenario\|\d+, which is not there \(an interrupted plan\): rerun `orchsim plan`/);
  });

  it('the README\'s web-tier walk-through prints what the README shows', async () => {
    const readme = read('README.md');
    const command = /```sh\nnpx orchsim (plan scenarios\/web-tier\.yaml [^\n]*?) --out \S+\n```\n\n```\n([\s\S]*?)```/.exec(readme);
    expect(command, 'the README\'s plan example').not.toBeNull();
    const args = command![1]!.match(/'[^']*'|\S+/g)!.map((a) => a.replace(/^'|'$/g, ''));
    const r = await orchsim(...args);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(command![2]);
  });

  it('no candidate in the range: exit 1 with what to change; bad input: exit 2 without a stack', async () => {
    const cases: [string[], RegExp][] = [
      [['--pool', 'server', '--slo', 'avail>=0.9'], /--slo: "avail>=0\.9": unknown metric "avail"/],
      [['--pool', 'web', '--slo', 'pendingMean<=5m'], /--pool: no pool "web"/],
      [['--pool', 'server=5..2', '--slo', 'pendingMean<=5m'], /the range 5\.\.2 is empty/],
      [['--pool', 'server', '--slo', 'served>=0.99'], /no run of mmc has a value for requests\.served/],
      [['--pool', 'server', '--slo', 'pendingMean<=5m', '--confidence', '0.4'], /expected a level between 0\.5 and 1/],
      [['--slo', 'pendingMean<=5m'], /required option '--pool <names>'/],
    ];
    const [none, help, ...results] = await orchsimAll([
      ['plan', MMC, '--pool', 'server=1..4', '--slo', 'pendingMean<=5m', '--seeds', '2'],
      ['plan', '--help'],
      ...cases.map(([args]) => ['plan', MMC, ...args]),
    ]);
    expect(none!.code).toBe(1);
    expect(none!.stdout).toMatch(/No candidate within the ranges meets every SLO\. Widen --pool NAME=LO\.\.HI/);
    cases.forEach(([args, message], i) => {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
    expect(help!.stdout).toMatch(/SLO metrics: availability/);
  });
});
