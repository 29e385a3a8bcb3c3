import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareScenario } from '../../src/scenario/index.js';
import { createSimulation } from '../../src/scenario/runner.js';
import type { SimulationResult } from '../../src/sim/results.js';
import { hpaInPlaceFromEnv, hpaSteadySyncFromEnv, hpaTallyFromEnv } from '../../src/sim/controllers/hpa.js';

/**
 * The HPA controller's running tally (src/sim/controllers/hpa.ts: pods kept as counts by state,
 * only the young ones walked at a sync) is invisible: random scenarios with HPAs run with it on
 * and off (ORCHSIM_NO_HPA_TALLY=1) give byte-identical results (issue 23). The scenarios vary
 * what the tally's rule depends on: pods that wait (Pending), crash (Running, not ready),
 * pass a readiness probe late or never, the cpu initialization period and readiness delay, the
 * metric (cpu or memory utilization, cpu average value, a Pods metric, an External one, two at
 * once), the sync period.
 *
 * The same scenarios check the controller's in-place syncs (HorizontalAutoscaler.syncInPlace: a
 * reused decision whose reason is built only when an action is recorded) against plain syncs
 * (ORCHSIM_NO_HPA_IN_PLACE=1), and the HPA objects' stabilization windows as monotonic deques
 * (hpa-behavior.ts StabilizationWindows) against the recommendation history
 * (ORCHSIM_NO_HPA_WINDOW_DEQUE=1), and the controller's steady syncs (HorizontalAutoscaler.syncIfSteady
 * for a sync whose pods are all counted) against the whole reconcile (ORCHSIM_NO_HPA_STEADY_SYNC=1).
 */

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });
const TIMEOUT = 120_000 * Math.max(1, SCALE);

const SWITCHES = ['ORCHSIM_NO_HPA_TALLY', 'ORCHSIM_NO_HPA_IN_PLACE', 'ORCHSIM_NO_HPA_WINDOW_DEQUE', 'ORCHSIM_NO_HPA_STEADY_SYNC'] as const;
type Switch = (typeof SWITCHES)[number];
const saved = SWITCHES.map((k) => process.env[k]);
afterEach(() => {
  SWITCHES.forEach((k, i) => {
    const v = saved[i];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  });
});

const METRICS = {
  cpu: (target: number) => `{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: ${target} } } }`,
  cpuValue: (target: number) => `{ type: Resource, resource: { name: cpu, target: { type: AverageValue, averageValue: ${target / 100} } } }`,
  memory: (target: number) => `{ type: Resource, resource: { name: memory, target: { type: Utilization, averageUtilization: ${target} } } }`,
  rps: (target: number) => `{ type: Pods, pods: { metric: { name: requests_per_second }, target: { type: AverageValue, averageValue: ${target} } } }`,
  external: (target: number) => `{ type: External, external: { metric: { name: requests_per_second }, target: { type: Value, value: ${target * 10} } } }`,
} as const;
type MetricKind = keyof typeof METRICS;

interface ServiceDesc {
  readonly milliCPU: number;
  readonly startup: number;
  readonly rps: number;
  readonly spike: { readonly at: number; readonly factor: number; readonly duration: number } | null;
  readonly crashEvery: number | null;
  readonly probe: { readonly delay: number; readonly neverReady: number } | null;
  readonly metrics: readonly MetricKind[];
  readonly target: number;
  readonly min: number;
  readonly extra: number;
  readonly syncPeriod: number;
  readonly initialization: number | null;
  readonly readinessDelay: number | null;
}

interface Desc {
  readonly seed: number;
  readonly nodes: number;
  readonly services: readonly ServiceDesc[];
}

const serviceArb: fc.Arbitrary<ServiceDesc> = fc.record({
  milliCPU: fc.constantFrom(250, 500, 1000, 2000),
  startup: fc.constantFrom(0, 5, 30, 90),
  rps: fc.integer({ min: 20, max: 2000 }),
  spike: fc.option(fc.record({ at: fc.integer({ min: 0, max: 3600 }), factor: fc.constantFrom(0.3, 2, 4), duration: fc.integer({ min: 60, max: 1800 }) }), { nil: null }),
  crashEvery: fc.option(fc.constantFrom(300, 900, 3600), { nil: null }),
  probe: fc.option(fc.record({ delay: fc.constantFrom(0, 10, 45), neverReady: fc.constantFrom(0, 0.2) }), { nil: null }),
  metrics: fc.oneof(
    { weight: 4, arbitrary: fc.constant(['cpu'] as MetricKind[]) },
    { weight: 3, arbitrary: fc.array(fc.constantFrom<MetricKind>('cpu', 'cpuValue', 'memory', 'rps', 'external'), { minLength: 1, maxLength: 2 }) },
  ),
  target: fc.integer({ min: 30, max: 95 }),
  min: fc.integer({ min: 1, max: 3 }),
  extra: fc.integer({ min: 0, max: 12 }),
  syncPeriod: fc.constantFrom(5, 15, 30),
  initialization: fc.option(fc.constantFrom(0, 30, 300), { nil: null }),
  readinessDelay: fc.option(fc.constantFrom(0, 20, 60), { nil: null }),
});

const descArb: fc.Arbitrary<Desc> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  // Few nodes now and then, so that some pods wait (Pending).
  nodes: fc.constantFrom(1, 2, 4, 8),
  services: fc.array(serviceArb, { minLength: 1, maxLength: 3 }),
});

function yamlOf(d: Desc): string {
  const lines = ['name: hpa-tally-property', `seed: ${d.seed}`, 'horizon: 90m', 'sampleInterval: 1m', 'cluster:', '  pools:',
    `    - { name: n, count: ${d.nodes}, resources: { cpu: 8, memory: 32Gi } }`, 'workloads:'];
  d.services.forEach((s, i) => {
    lines.push(
      '  - type: service',
      `    name: svc${i}`,
      `    replicas: ${s.min}`,
      `    requests: { cpu: ${s.milliCPU}m, memory: 512Mi }`,
      `    startup: ${s.startup}s`,
      ...(s.crashEvery !== null ? [`    crashes: { every: { exponential: { mean: ${s.crashEvery}s } }, hangFraction: 0.3 }`] : []),
      ...(s.probe !== null ? [`    readinessProbe: { initialDelaySeconds: ${s.probe.delay}, periodSeconds: 5, neverReadyFraction: ${s.probe.neverReady} }`] : []),
      '    load:',
      `      constant: ${s.rps}`,
      ...(s.spike ? [`      spikes: [{ at: ${s.spike.at}s, factor: ${s.spike.factor}, duration: ${s.spike.duration}s }]`] : []),
      '      capacityPerReplica: 100',
      '    autoscaling:',
      `      minReplicas: ${s.min}`,
      `      maxReplicas: ${s.min + s.extra}`,
      `      syncPeriod: ${s.syncPeriod}s`,
      ...(s.initialization !== null ? [`      cpuInitializationPeriod: ${s.initialization}s`] : []),
      ...(s.readinessDelay !== null ? [`      initialReadinessDelay: ${s.readinessDelay}s`] : []),
      `      metrics: [${s.metrics.map((m) => METRICS[m](s.target)).join(', ')}]`,
    );
  });
  return `${lines.join('\n')}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'orchsim-hpa-tally-'));
let fileNo = 0;

/** The whole result as JSON, with one shortcut on or off (the switch is read when the run is wired). */
function resultWith(on: boolean, file: string, off: Switch = 'ORCHSIM_NO_HPA_TALLY'): string {
  if (on) delete process.env[off];
  else process.env[off] = '1';
  return JSON.stringify(createSimulation(prepareScenario(file).resolved).run());
}

describe('HPA running tally is invisible (property-based)', () => {
  it('reads ORCHSIM_NO_HPA_TALLY=1 as off, and unset, empty or 0 as on', () => {
    expect(hpaTallyFromEnv({})).toBe(true);
    expect(hpaTallyFromEnv({ ORCHSIM_NO_HPA_TALLY: '1' })).toBe(false);
    expect(hpaTallyFromEnv({ ORCHSIM_NO_HPA_TALLY: 'yes' })).toBe(false);
    expect(hpaTallyFromEnv({ ORCHSIM_NO_HPA_TALLY: '0' })).toBe(true);
    expect(hpaTallyFromEnv({ ORCHSIM_NO_HPA_TALLY: '' })).toBe(true);
  });

  it('random services under HPAs: byte-identical results with the tally on and off', () => {
    let scaled = 0;
    fc.assert(
      fc.property(descArb, (d) => {
        const file = join(dir, `t${fileNo++}.yaml`);
        writeFileSync(file, yamlOf(d));
        const on = resultWith(true, file);
        const off = resultWith(false, file);
        expect(on).toBe(off);
        if ((JSON.parse(on) as SimulationResult).autoscaling?.actions.some((a) => a.scaler.startsWith('hpa/')) === true) scaled++;
      }),
      runs(25),
    );
    // Not vacuous: HPAs acted in some runs.
    expect(scaled).toBeGreaterThan(0);
  }, TIMEOUT);
});

describe('HPA in-place syncs and stabilization deques are invisible (property-based)', () => {
  it('reads ORCHSIM_NO_HPA_IN_PLACE=1 as off, and unset, empty or 0 as on', () => {
    expect(hpaInPlaceFromEnv({})).toBe(true);
    expect(hpaInPlaceFromEnv({ ORCHSIM_NO_HPA_IN_PLACE: '1' })).toBe(false);
    expect(hpaInPlaceFromEnv({ ORCHSIM_NO_HPA_IN_PLACE: '0' })).toBe(true);
    expect(hpaInPlaceFromEnv({ ORCHSIM_NO_HPA_IN_PLACE: '' })).toBe(true);
  });

  it('random services under HPAs: byte-identical results with in-place syncs on and off', () => {
    let scaled = 0;
    fc.assert(
      fc.property(descArb, (d) => {
        const file = join(dir, `p${fileNo++}.yaml`);
        writeFileSync(file, yamlOf(d));
        const on = resultWith(true, file, 'ORCHSIM_NO_HPA_IN_PLACE');
        const off = resultWith(false, file, 'ORCHSIM_NO_HPA_IN_PLACE');
        expect(on).toBe(off);
        if ((JSON.parse(on) as SimulationResult).autoscaling?.actions.some((a) => a.scaler.startsWith('hpa/')) === true) scaled++;
      }),
      runs(25),
    );
    // Not vacuous: HPAs acted (and so recorded reasons) in some runs.
    expect(scaled).toBeGreaterThan(0);
  }, TIMEOUT);

    it('random services under HPAs: byte-identical results with stabilization deques on and off', () => {
    let scaled = 0;
    fc.assert(
      fc.property(descArb, (d) => {
        const file = join(dir, `w${fileNo++}.yaml`);
        writeFileSync(file, yamlOf(d));
        const on = resultWith(true, file, 'ORCHSIM_NO_HPA_WINDOW_DEQUE');
        const off = resultWith(false, file, 'ORCHSIM_NO_HPA_WINDOW_DEQUE');
        expect(on).toBe(off);
        if ((JSON.parse(on) as SimulationResult).autoscaling?.actions.some((a) => a.scaler.startsWith('hpa/')) === true) scaled++;
      }),
      runs(25),
    );
    // Not vacuous: HPAs acted in some runs.
    expect(scaled).toBeGreaterThan(0);
  }, TIMEOUT);
});

/**
 * Services most of whose syncs are steady (no crashes, no probes, room on the nodes, one cpu
 * metric), so that the stabilization windows hold long runs of steady recommendations when a
 * spike comes and goes; half the time the general mix instead.
 */
const steadyDescArb: fc.Arbitrary<Desc> = fc.oneof(
  descArb,
  descArb.map((d) => ({ ...d, nodes: 8, services: d.services.map((s) => ({ ...s, crashEvery: null, probe: null, metrics: ['cpu'] as MetricKind[] })) })),
);

describe('HPA steady syncs are invisible (property-based)', () => {
  it('reads ORCHSIM_NO_HPA_STEADY_SYNC=1 as off, and unset, empty or 0 as on', () => {
    expect(hpaSteadySyncFromEnv({})).toBe(true);
    expect(hpaSteadySyncFromEnv({ ORCHSIM_NO_HPA_STEADY_SYNC: '1' })).toBe(false);
    expect(hpaSteadySyncFromEnv({ ORCHSIM_NO_HPA_STEADY_SYNC: '0' })).toBe(true);
    expect(hpaSteadySyncFromEnv({ ORCHSIM_NO_HPA_STEADY_SYNC: '' })).toBe(true);
  });

  it('random services under HPAs: byte-identical results with steady syncs on and off', () => {
    let scaled = 0;
    fc.assert(
      fc.property(steadyDescArb, (d) => {
        const file = join(dir, `s${fileNo++}.yaml`);
        writeFileSync(file, yamlOf(d));
        const on = resultWith(true, file, 'ORCHSIM_NO_HPA_STEADY_SYNC');
        const off = resultWith(false, file, 'ORCHSIM_NO_HPA_STEADY_SYNC');
        expect(on).toBe(off);
        if ((JSON.parse(on) as SimulationResult).autoscaling?.actions.some((a) => a.scaler.startsWith('hpa/')) === true) scaled++;
      }),
      runs(40),
    );
    // Not vacuous: HPAs acted in some runs.
    expect(scaled).toBeGreaterThan(0);
  }, TIMEOUT);
});
