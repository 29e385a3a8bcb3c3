import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { runScenario } from '../../src/scenario/runner.js';
import type { PodInfo } from '../../src/api/pod.js';
import type { ClusterState } from '../../src/sim/cluster.js';
import { formatSummary } from '../../src/report/summary.js';

/** Several schedulers in one cluster: pods pick their profile by schedulerName (issue 18, item 6). */

const dir = mkdtempSync(join(tmpdir(), 'orchsim-schedulers-'));
let n = 0;
function write(text: string): string {
  const f = join(dir, `s${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

const scenario = (extra = '') => `horizon: 1h
sampleInterval: 0
cluster:
  pools:
    - { name: n, count: 4, resources: { cpu: 16, memory: 64Gi } }
scheduler:
  profile: default
workloads:
  - { type: job, name: spread, parallelism: 3, completions: 3, duration: 2h, requests: { cpu: 1, memory: 1Gi } }
  - { type: job, name: packed, schedulerName: binpack, startAt: 10s, parallelism: 4, completions: 4, duration: 2h, requests: { cpu: 1, memory: 1Gi } }
${extra}`;

function runWithBinds(file: string) {
  const p = prepareScenario(file);
  const nodesOf = new Map<string, string[]>();
  const onBind = (pod: PodInfo, node: number, cluster: ClusterState) => {
    const w = pod.name.replace(/-\d+$/, '');
    nodesOf.set(w, [...(nodesOf.get(w) ?? []), cluster.nodes[node]!.name]);
  };
  const out = runScenario(p.resolved, { ...p.runOptions, onBind });
  return { p, out, nodesOf };
}

describe('several scheduler profiles', () => {
  it('each profile places its own pods by its own rules: LeastAllocated spreads, MostAllocated packs', () => {
    const { p, out, nodesOf } = runWithBinds(write(scenario()));
    expect(p.resolved.schedulers?.map((s) => [s.schedulerName, s.profile.name])).toEqual([['binpack', 'binpack']]);
    const spread = nodesOf.get('spread')!;
    const packed = nodesOf.get('packed')!;
    expect(new Set(spread).size).toBe(3);
    // MostAllocated: the first packed pod joins a node with a spread pod, the others follow it.
    expect(packed.length).toBe(4);
    expect(new Set(packed).size).toBe(1);
    expect(spread).toContain(packed[0]);
    const per = out.result.metrics.schedulers!;
    expect(per.map((e) => [e.schedulerName, e.profile, e.pods, e.scheduled, e.pending, e.attempts])).toEqual([
      ['default-scheduler', 'default', 3, 3, 0, 3],
      ['binpack', 'binpack', 4, 4, 0, 4],
    ]);
    expect(per[1]!.pendingSeconds.count).toBe(4);
    expect(formatSummary(out.result)).toContain('binpack (profile binpack): 4 pods, 4 scheduled, 0 pending at end; 4 attempts, 0 failed');
  });

  it('is deterministic: the same seed gives the same result', () => {
    const f = write(scenario());
    expect(JSON.stringify(runWithBinds(f).out.result)).toBe(JSON.stringify(runWithBinds(f).out.result));
  });

  it('the default profile\'s own name selects it, whether or not another profile is in use', () => {
    const alone = runWithBinds(write(scenario().replace('schedulerName: binpack', 'schedulerName: default'))).out.result.metrics;
    expect(alone.pods.pending).toBe(0);
    expect(alone.schedulers).toBeUndefined();
    const f = write(`${scenario()}  - { type: job, name: named, schedulerName: default, parallelism: 1, completions: 1, duration: 2h, requests: { cpu: 1, memory: 1Gi } }
`);
    const both = runWithBinds(f).out.result.metrics;
    expect(both.pods.pending).toBe(0);
    expect(both.schedulers!.map((e) => [e.schedulerName, e.pods, e.scheduled])).toEqual([['default-scheduler', 4, 4], ['binpack', 4, 4]]);
  });

  it('a scenario profile can be named, and "default-scheduler" is the default profile', () => {
    const f = write(`${scenario()}  - { type: job, name: plain, schedulerName: default-scheduler, parallelism: 1, completions: 1, duration: 2h, requests: { cpu: 1, memory: 1Gi } }
`.replace('scheduler:\n  profile: default\n', 'scheduler:\n  profile: default\n  profiles:\n    - name: mine\n      plugins: [{ name: NodeResourcesFit, args: { scoringStrategy: { type: MostAllocated } } }]\n').replace('schedulerName: binpack', 'schedulerName: mine'));
    const { p, out } = runWithBinds(f);
    expect(p.resolved.schedulers?.map((s) => s.schedulerName)).toEqual(['mine']);
    const plain = p.resolved.workloads.find((w) => w.name === 'plain');
    expect(plain?.kind === 'job' && 'schedulerName' in plain.spec).toBe(false);
    expect(out.result.metrics.schedulers!.map((e) => [e.schedulerName, e.profile, e.scheduled])).toEqual([['default-scheduler', 'default', 4], ['mine', 'mine', 4]]);
  });

  it('a schedulerName no profile has: a warning naming the workload, and its pods stay Pending', () => {
    const f = write(scenario().replace('schedulerName: binpack', 'schedulerName: volcano'));
    const { p, out, nodesOf } = runWithBinds(f);
    expect(p.resolved.schedulers).toBeUndefined();
    expect(p.resolved.warnings?.map((w) => [w.line, w.path.join('.'), w.message.replace(/ \(known.*\)/, '')])).toEqual([
      [10, 'workloads.1.schedulerName', 'workload "packed": schedulerName "volcano" matches no profile; its pods stay Pending, as no scheduler takes them'],
    ]);
    expect(nodesOf.get('packed')).toBeUndefined();
    expect(out.result.metrics.pods.pending).toBe(4);
    // One profile in use: no per-profile section (results of single-profile runs keep their shape).
    expect(out.result.metrics.schedulers).toBeUndefined();
  });

  it('single-profile scenarios have no per-profile section', () => {
    const { out } = runWithBinds(write(scenario().replace('schedulerName: binpack, ', '')));
    expect(out.result.metrics.schedulers).toBeUndefined();
  });

  it('preemption follows the pod\'s profile: a pod of a profile with DefaultPreemption preempts, the default one without it waits', () => {
    const text = (name: string) => `horizon: 10m
sampleInterval: 0
cluster:
  pools:
    - { name: n, count: 1, resources: { cpu: 4, memory: 16Gi } }
scheduler:
  profile: plain
  profiles:
    - name: plain
      plugins: [{ name: NodeResourcesFit }]
workloads:
  - { type: job, name: low, parallelism: 4, completions: 4, duration: 1h, requests: { cpu: 1, memory: 1Gi } }
  - { type: job, name: high, ${name}priority: 1000, startAt: 10s, duration: 1h, requests: { cpu: 1, memory: 1Gi } }
`;
    const viaDefault = runWithBinds(write(text('schedulerName: default, '))).out.result.metrics;
    expect(viaDefault.preemption?.victims).toBe(1);
    expect(viaDefault.schedulers!.find((e) => e.schedulerName === 'default')).toMatchObject({ profile: 'default', scheduled: 1, pending: 0 });
    const viaPlain = runWithBinds(write(text(''))).out.result.metrics;
    expect(viaPlain.preemption).toBeUndefined();
    expect(viaPlain.pods.pending).toBe(1);
  });
});
