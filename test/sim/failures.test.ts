import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runPrepared, type RunResult } from '../../src/scenario/index.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'orchsim-failures-'));
let n = 0;
function run(yaml: string, seed?: number): { result: RunResult; incidents: ReturnType<typeof runPrepared>['incidents'] } {
  const f = join(dir, `f${n++}.yaml`);
  writeFileSync(f, yaml);
  const out = runPrepared(prepareScenario(f, { seed }));
  return { result: out.result, incidents: out.incidents };
}

/** Three nodes in zones a, b, c with a small service: the base for the bad failure specs. */
const BAD_SPEC_BASE = (failures: string) => `
horizon: 1d
cluster:
  pools:
    - { name: n, count: 3, zones: [a, b, c], resources: { cpu: 8, memory: 32Gi } }
workloads:
  - type: service
    name: web
    replicas: 2
    requests: { cpu: 1, memory: 1Gi }
    startup: 10s
    nodeSelector: { topology.kubernetes.io/zone: a }
failures:
${failures}
`;

describe('detection and recovery with Kubernetes timings (KUBERNETES.md section 3)', () => {
  const zoneA = (extra = '', failuresExtra = '') => `
horizon: 1d
cluster:
  pools:
    - { name: n, count: 6, zones: [a, b], resources: { cpu: 8, memory: 32Gi } }
workloads:
  - type: service
    name: web
    replicas: 3
    requests: { cpu: 1, memory: 1Gi }
    startup: 10s
    nodeSelector: { topology.kubernetes.io/zone: a }
${extra}
failures:
${failuresExtra}
  outages:
    - { at: 6h, node: n-0, duration: 2h }
`;
  it('a node failure recovers a stateless replica in grace period + 300 s + scheduling + startup, to the second', () => {
    const { result, incidents } = run(zoneA());
    const i = incidents[0]!;
    // 50 s (v1.32+) + 300 s (default toleration) + 0 s scheduling (room on n-2/n-4) + 10 s start-up
    expect(i.affectedReplicas).toBeGreaterThan(0);
    expect([i.detected - i.onset, i.evicted - i.detected, i.lastBound - i.evicted, i.recovered - i.lastBound]).toEqual([50, 300, 0, 10]);
    expect(i.recovered - i.onset).toBe(360);
    expect(i.path).toBe('rescheduled');
    expect(i.hostsBack - i.onset).toBe(7200);
    expect(result.metrics.incidents.mttrSeconds.mean).toBe(360);
    expect(result.metrics.incidents.mttdSeconds.mean).toBe(50);
  });
  it('the grace period follows the Kubernetes version, and a workload may tolerate less', () => {
    expect(run(zoneA('', '  kubernetesVersion: "1.31"')).incidents[0]!.recovered - 21600).toBe(40 + 300 + 10);
    expect(run(zoneA('    tolerationSeconds: 60s')).incidents[0]!.recovered - 21600).toBe(50 + 60 + 10);
  });
  it('a node back before detection: pods resume, nothing is detected or evicted', () => {
    const { incidents, result } = run(zoneA().replace('duration: 2h', 'duration: 30s'));
    const i = incidents[0]!;
    expect(Number.isNaN(i.detected)).toBe(true);
    expect(Number.isNaN(i.evicted)).toBe(true);
    expect(i.recovered - i.onset).toBe(30);
    expect(i.path).toBe('resumed');
    expect(result.metrics.pods.failed).toBe(0);
  });
  it('a node back after detection but before eviction: detected, pods resume', () => {
    const i = run(zoneA().replace('duration: 2h', 'duration: 120s')).incidents[0]!;
    expect(i.detected - i.onset).toBe(50);
    expect(Number.isNaN(i.evicted)).toBe(true);
    expect(i.recovered - i.onset).toBe(120);
  });
  it('a drain cordons the node and evicts at once: no detection, no toleration wait', () => {
    const i = run(zoneA().replace('duration: 2h }', 'duration: 2h, drain: true }')).incidents[0]!;
    expect([i.detected - i.onset, i.evicted - i.onset, i.recovered - i.onset]).toEqual([0, 0, 10]);
  });
  it('an outage still going at the horizon leaves an open incident, never counted as recovered', () => {
    const { result, incidents } = run(zoneA().replace('duration: 2h', 'duration: 30d').replace('nodeSelector: { topology.kubernetes.io/zone: a }', 'nodeSelector: { kubernetes.io/hostname: n-0 }'));
    expect(Number.isNaN(incidents[0]!.recovered)).toBe(true);
    expect(result.metrics.incidents.open).toBe(1);
    expect(result.metrics.incidents.mttrSeconds.count).toBe(0);
  });
});

describe('availability against analytic values (FAILURES.md)', () => {
  // One host, exponential failures (mean 10 h) and repairs (mean 1 h): A = MTBF / (MTBF + MTTR) = 10/11.
  // n = 3 hosts, one replica on each, at least 2 needed: P = A^3 + 3 A^2 (1 - A).
  const A = 10 / 11;
  const scenario = (hosts: number) => `
horizon: 2000h
sampleInterval: 0
cluster:
  pools:
    - { name: h, count: ${hosts}, resources: { cpu: 4, memory: 8Gi } }
workloads:
  - type: service
    name: app
    replicas: ${hosts}
    minAvailable: ${hosts === 1 ? 1 : 2}
    requests: { cpu: 1, memory: 1Gi }
    affinity:
      podAntiAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          - { labelSelector: { matchLabels: { app: app } }, topologyKey: kubernetes.io/hostname }
failures:
  processes:
    - { name: hosts, domain: node, timeBetweenFailures: { exponential: { mean: 10h } }, repairTime: { exponential: { mean: 1h } } }
`;
  /** Mean and 95 % half-width (t quantile for 11 degrees of freedom: 2.201) over 12 seeds. */
  function estimate(hosts: number, pick: (r: RunResult) => number): { mean: number; half: number } {
    const xs = Array.from({ length: 12 }, (_, s) => pick(run(scenario(hosts), s + 1).result));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    return { mean, half: (2.201 * sd) / Math.sqrt(xs.length) };
  }
  it('a single repairable host converges to MTBF / (MTBF + MTTR)', () => {
    const e = estimate(1, (r) => r.metrics.availability[0]!.availability);
    expect(e.half).toBeLessThan(0.01);
    expect(Math.abs(e.mean - A)).toBeLessThanOrEqual(e.half);
  });
  it('2 of 3 hosts follow the binomial formula', () => {
    const P = A ** 3 + 3 * A ** 2 * (1 - A);
    const e = estimate(3, (r) => r.metrics.availability[0]!.availabilityMin);
    expect(e.half).toBeLessThan(0.01);
    expect(Math.abs(e.mean - P)).toBeLessThanOrEqual(e.half);
  });
});

describe('bad failure specs: clear errors with positions', () => {
  const bad = (failures: string) => {
    const f = join(dir, `bad${n++}.yaml`);
    writeFileSync(f, BAD_SPEC_BASE(failures));
    try {
      prepareScenario(f);
    } catch (e) {
      if (e instanceof InputError) return e.issues.map((i) => `${i.line}:${i.path.join('.')}: ${i.message}`);
      throw e;
    }
    throw new Error('expected an InputError');
  };
  it('unknown domain, negative duration, bad distribution parameters, two domains at once', () => {
    expect(bad('  outages:\n    - { at: 1h, zone: mars, duration: 1h }')[0]).toMatch(/failures\.outages\.0\.zone: unknown zone "mars" \(known: a, b, c\)/);
    expect(bad('  outages:\n    - { at: 1h, zone: a, duration: -5m }')[0]).toMatch(/duration/);
    expect(bad('  processes:\n    - { name: p, domain: node, timeBetweenFailures: { weibull: { shape: 0, scale: 1d } }, repairTime: 1h }')[0]).toMatch(/timeBetweenFailures\.weibull\.shape/);
    expect(bad('  processes:\n    - { name: p, domain: galaxy, timeBetweenFailures: 1d, repairTime: 1h }')[0]).toMatch(/domain/);
    expect(bad('  outages:\n    - { at: 1h, zone: a, node: n-0, duration: 1h }')[0]).toMatch(/exactly one domain/);
  });
});

describe('container crashes: kubelet restart back-off and liveness probes (KUBERNETES.md section 3)', () => {
  const crash = (every: string, hangFraction: number) => `
horizon: 2h
cluster:
  pools:
    - { name: n, count: 2, resources: { cpu: 8, memory: 32Gi } }
workloads:
  - type: service
    name: app
    replicas: 1
    requests: { cpu: 1, memory: 1Gi }
    startup: 5s
    crashes: { every: ${every}, hangFraction: ${hangFraction} }
`;
  it('a hang is found after 3 x 10 s; restarts back off 10 s doubling to 5 min while crashes come within 10 min', () => {
    const inc = run(crash('120s', 1)).incidents;
    // onset = previous ready + 120 s; ready = onset + 30 s (liveness) + back-off + 5 s (start-up)
    expect(inc.slice(0, 7).map((i) => [i.detected - i.onset, i.recovered - i.onset])).toEqual([
      [30, 45], [30, 55], [30, 75], [30, 115], [30, 195], [30, 335], [30, 335],
    ]);
    expect(inc.every((i) => i.path === 'restarted' || Number.isNaN(i.recovered))).toBe(true);
  });
  it('an exit is seen at once, and 10 minutes of clean running resets the back-off', () => {
    const { incidents, result } = run(crash('1h', 0));
    expect(incidents.map((i) => [i.detected - i.onset, i.recovered - i.onset])).toEqual([[0, 15]]);
    expect(result.metrics.incidents.containerCrashes).toBe(1);
  });
});

describe('failure traces in scenarios', () => {
  const lanl = join(dir, 'lanl.csv');
  const header = 'System,machine type,nodes,procstot,procsinnode,nodenum,nodenumz,node install,node prod,node decom,fru type,mem,cputype,memtype,num intercon,purpose,Prob Started,Prob Fixed,Down Time,Facilities,Hardware,Human Error,Network,Undetermined,Software,Same Event';
  const row = (node: number, start: string, fixed: string, minutes: number) => `20,cluster,4,16,4,${node},${node},,,,part,4,1,1,0,compute,${start},${fixed},${minutes},,Memory,,,,,No`;
  writeFileSync(lanl, [header, row(1, '1/1/2004 0:00', '1/1/2004 2:00', 120), row(6, '1/2/2004 0:00', '1/2/2004 0:30', 30)].join('\n') + '\n');
  const uptime = join(dir, 'uptime.csv');
  writeFileSync(uptime, '"failure_interval","failure_duration","failure_intensity"\n3600000,1200000,0.5\n0,600000,1\n');
  const scenario = (traces: string) => `
horizon: 3d
cluster:
  pools:
    - { name: n, count: 4, resources: { cpu: 8, memory: 32Gi } }
workloads:
  - { type: service, name: web, replicas: 2, requests: { cpu: 1, memory: 1Gi } }
failures:
  traces:
${traces}
`;
  it('LANL records become node outages (node number mod cluster size), times from the first record', () => {
    const { incidents } = run(scenario(`    - { format: lanl, file: ${lanl}, system: 20 }`));
    // node 1 -> n-1 at 0 for 2 h; node 6 -> 6 mod 4 = n-2 at 24 h for 30 min
    expect(incidents.map((i) => [i.domain, i.onset, i.hostsBack - i.onset])).toEqual([['n-1', 0, 7200], ['n-2', 86400, 1800]]);
  });
  it('uptime rows take a fraction of the hosts down, each next one an interval after the previous ends', () => {
    const { incidents } = run(scenario(`    - { format: uptime, file: ${uptime} }`));
    // 1 h, then 20 min down (half of 4 hosts); the next starts 0 ms after that ends, all 4 hosts, 10 min
    expect(incidents.map((i) => [i.onset, i.nodes, i.hostsBack - i.onset])).toEqual([[3600, 2, 1200], [4800, 4, 600]]);
  });
  it('a malformed trace row is bad input with the trace file and line; a lanl trace needs a system', () => {
    const bad = join(dir, 'bad-lanl.csv');
    writeFileSync(bad, [header, row(1, '13/45/2004 0:00', '1/1/2004 2:00', 120)].join('\n') + '\n');
    const f = join(dir, `t${n++}.yaml`);
    writeFileSync(f, scenario(`    - { format: lanl, file: ${bad}, system: 20 }`));
    expect(() => prepareScenario(f)).toThrow(/bad-lanl\.csv:2/);
    writeFileSync(f, scenario(`    - { format: lanl, file: ${lanl} }`));
    expect(() => prepareScenario(f)).toThrow(/needs `system`/);
    writeFileSync(f, scenario(`    - { format: lanl, file: ${lanl}, system: 99 }`));
    expect(() => prepareScenario(f)).toThrow(/no records of system 99/);
  });
});

/** Defects found by review, each reproduced here first (they all failed before the fix). */
describe('regressions', () => {
  const base = (body: string, horizon = 3000) => `
seed: 1
horizon: ${horizon}
sampleInterval: 0
${body}`;
  it('a drain of a node already down does not count the replica down twice', () => {
    const { result } = run(base(`cluster:
  pools: [{ name: n, count: 1, resources: { cpu: 4, memory: 8Gi } }]
workloads:
  - { type: service, name: web, replicas: 1, requests: { cpu: 1, memory: 1Gi }, startup: 5s }
failures:
  outages:
    - { name: down, at: 1000, node: n-0, duration: 1000 }
    - { name: drain, at: 1010, node: n-0, duration: 100, drain: true }`));
    // Down from 1000 until the replacement starts at 2000 + 5 s: 1005 s of the 2995 s window.
    expect(result.metrics.availability[0]!.availability).toBeCloseTo(1 - 1005 / 2995, 9);
    expect(result.metrics.pods.running).toBe(1);
  });
  it('a Job does not over-create pods when one finishes while a retry waits out its back-off', () => {
    const { result } = run(base(`cluster:
  pools: [{ name: n, count: 2, resources: { cpu: 4, memory: 8Gi } }]
workloads:
  - { type: job, name: j, completions: 2, parallelism: 2, duration: 100s, requests: { cpu: 3, memory: 1Gi }, startup: 5s }
failures:
  outages: [{ name: blip, at: 95, node: n-0, duration: 1 }]`));
    expect(result.metrics.workloads[0]).toMatchObject({ submitted: 3, completed: 2 });
  });
  it('a Job past its backoffLimit fails: no new pods, active ones terminated', () => {
    const { result } = run(base(`cluster:
  pools: [{ name: n, count: 2, resources: { cpu: 4, memory: 8Gi } }]
workloads:
  - { type: job, name: j, completions: 4, parallelism: 2, backoffLimit: 0, duration: 100s, requests: { cpu: 3, memory: 1Gi }, startup: 5s }
failures:
  outages: [{ name: blip, at: 50, node: n-0, duration: 1 }]`));
    expect(result.metrics.workloads[0]).toMatchObject({ submitted: 2, completed: 0 });
    const p = result.metrics.pods;
    expect(p.submitted).toBe(p.pending + p.bound + p.running + p.completed + p.failed + p.deleted);
  });
  it('a resumed container keeps crashing on schedule after a short node outage', () => {
    const yaml = (outage: string) => base(`cluster:
  pools: [{ name: n, count: 1, resources: { cpu: 4, memory: 8Gi } }]
workloads:
  - { type: service, name: web, replicas: 1, requests: { cpu: 1, memory: 1Gi }, startup: 5s, crashes: { every: 1000s } }
failures:
  outages: ${outage}`, 20000);
    expect(run(yaml('[{ name: blip, at: 500, node: n-0, duration: 10 }]')).result.metrics.incidents.containerCrashes).toBeGreaterThan(15);
  });
  it('overlapping faults of one GPU never over-commit it', () => {
    const { result } = run(base(`cluster:
  pools: [{ name: g, count: 1, resources: { cpu: 8, memory: 8Gi, nvidia.com/gpu: 1 } }]
workloads:
  - { type: service, name: inf, replicas: 2, requests: { cpu: 1, memory: 1Gi, nvidia.com/gpu: 1 }, startup: 5s }
failures:
  processes:
    - { name: p1, domain: gpu, timeBetweenFailures: 1000s, repairTime: 1000s }
    - { name: p2, domain: gpu, timeBetweenFailures: 1500s, repairTime: 1000s }`, 2900));
    expect(result.metrics.utilization.gpu).toBeLessThanOrEqual(1);
    expect(result.metrics.pods.running + result.metrics.pods.bound).toBeLessThanOrEqual(1);
  });
  it('the end of a drain keeps a node declared unschedulable cordoned', () => {
    const { result } = run(base(`cluster:
  pools:
    - { name: c, count: 1, unschedulable: true, resources: { cpu: 4, memory: 8Gi } }
    - { name: n, count: 1, resources: { cpu: 4, memory: 8Gi } }
workloads:
  - { type: service, name: web, replicas: 2, requests: { cpu: 3, memory: 1Gi }, startup: 5s }
failures:
  outages: [{ name: maint, at: 100, node: c-0, duration: 100, drain: true }]`));
    expect(result.metrics.pods.running).toBe(1); // the second replica never lands on c-0
  });
  it('a container in its restart back-off waits it out even if its node blinks meanwhile', () => {
    const { incidents } = run(base(`cluster:
  pools: [{ name: n, count: 1, resources: { cpu: 4, memory: 8Gi } }]
workloads:
  - { type: service, name: web, replicas: 1, requests: { cpu: 1, memory: 1Gi }, startup: 5s, crashes: { every: 100s } }
failures:
  outages: [{ name: blip, at: 108, node: n-0, duration: 2 }]`, 130));
    // Ready at 5, exits at 105, back-off 10 s -> restart at 115 (not at the node's return, 110), ready at 120.
    const crash = incidents.find((i) => i.domainKind === 'container')!;
    expect([crash.onset, crash.recovered]).toEqual([105, 120]);
  });
  it('a pod bound to a NotReady node is evicted after its toleration too', () => {
    const { result } = run(base(`cluster:
  pools: [{ name: n, count: 1, resources: { cpu: 4, memory: 8Gi } }]
workloads:
  - type: service
    name: web
    replicas: 1
    requests: { cpu: 1, memory: 1Gi }
    startup: 5s
    tolerations: [{ key: node.kubernetes.io/unreachable, operator: Exists, tolerationSeconds: 60 }]
failures:
  outages: [{ name: down, at: 100, node: n-0, duration: 2800 }]`));
    // Each replacement lands on the NotReady node again (it tolerates the taint) and is evicted 60 s later.
    expect(result.metrics.pods.failed).toBeGreaterThan(40);
  });
  it('a node that fails while its replica starts and returns before eviction: the incident is resumed, and the run keeps its MTTR parts', () => {
    const { result, incidents } = run(base(`cluster:
  pools: [{ name: n, count: 2, resources: { cpu: 4, memory: 8Gi } }]
workloads:
  - { type: service, name: starting, replicas: 1, requests: { cpu: 1, memory: 1Gi }, startup: 60s, nodeSelector: { kubernetes.io/hostname: n-0 } }
  - { type: service, name: steady, replicas: 1, requests: { cpu: 1, memory: 1Gi }, startup: 10s, nodeSelector: { kubernetes.io/hostname: n-1 }, tolerations: [{ key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 60 }] }
failures:
  outages:
    - { name: blip, at: 30, node: n-0, duration: 20 }
    - { name: long, at: 1000, node: n-1, duration: 500 }`));
    // The replica on n-0 was still starting at 30; n-0 is back at 50 before detection: it starts
    // there again (60 s), without eviction or a new binding.
    const blip = incidents.find((i) => i.source === 'blip')!;
    expect(blip.path).toBe('resumed');
    expect([blip.onset, blip.recovered]).toEqual([30, 110]);
    expect(Number.isNaN(blip.evicted)).toBe(true);
    // n-1's replica is evicted and rescheduled (to n-1 again once it is back, as only n-1 fits it).
    const long = incidents.find((i) => i.source === 'long')!;
    expect(long.path).toBe('rescheduled');
    // The parts come from the incidents that have them: not NaN because of the resumed one.
    const parts = result.metrics.incidents.mttrSeconds.parts;
    expect(parts.incidents).toBe(1);
    expect([parts.detection, parts.evictionWait]).toEqual([50, 60]);
    for (const v of Object.values(parts)) expect(Number.isFinite(v)).toBe(true);
  });
  it('a rescheduled incident always has the times that define it, also when a job pod dies at its node\'s return', () => {
    const { incidents, result } = run(base(`cluster:
  pools: [{ name: n, count: 2, resources: { cpu: 4, memory: 8Gi } }]
workloads:
  - { type: job, name: j, completions: 1, parallelism: 1, duration: 500s, requests: { cpu: 3, memory: 1Gi }, startup: 5s, nodeSelector: { kubernetes.io/hostname: n-0 } }
failures:
  outages: [{ name: blip, at: 100, node: n-0, duration: 20 }]`));
    const i = incidents[0]!;
    expect(i.path).toBe('rescheduled');
    for (const t of [i.evicted, i.lastBound, i.recovered]) expect(Number.isFinite(t)).toBe(true);
    expect(i.evicted).toBe(120); // the pod failed when its node came back
    expect(Number.isFinite(result.metrics.incidents.mttrSeconds.parts.pending)).toBe(true);
  });
});
