import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES,
  type HPAScalingRules, type ScaledPod,
} from '../../src/api/autoscaling.js';
import {
  INITIAL_HPA_STATE, reconcile, horizontalPodAutoscaler, REASON_FAILED_COMPUTE, REASON_SCALING_DISABLED, type HpaDecision,
} from '../../src/autoscalers/hpa.js';
import {
  limitScaleRate, REASON_DESIRED_WITHIN_RANGE, REASON_SCALE_DOWN_LIMIT, REASON_SCALE_UP_LIMIT, REASON_TOO_FEW_REPLICAS, REASON_TOO_MANY_REPLICAS,
  replicasChangePerPeriod, scaleDownLimit, scaleUpLimit, stabilize, storeScaleEvent,
} from '../../src/autoscalers/hpa-behavior.js';
import {
  externalAverageValueReplicas, externalValueReplicas, groupPods, milliValue, plainMetricReplicas, resourceUtilizationReplicas,
} from '../../src/autoscalers/hpa-replica-calculator.js';
import { DEFAULT_METRIC, hpaSpec } from '../../src/autoscalers/hpa-spec.js';
import { cpuAt, cpuPods, Gi, pod, podsMetric, target } from '../helpers/hpa-pods.js';

/*
 * Cases come from the Kubernetes documentation ("Horizontal Pod Autoscaling", "HPA walkthrough")
 * and from the shape of upstream's replica_calculator_test.go / horizontal_test.go. Each asserts
 * concrete replica counts worked out by hand in the comments. Properties of the HPA object are
 * in hpa-properties.test.ts.
 */

/** Upstream's test calculator flags are the production defaults here. */
const CALC = { tolerance: 0.1, cpuInitializationPeriod: 300, initialReadinessDelay: 30 };

/** Scale-downs take effect at once: isolates the metric math from the 300 s stabilization. */
const NO_DOWN_WINDOW = { scaleDown: { stabilizationWindowSeconds: 0 } };

// ---- spec ------------------------------------------------------------------------------------

describe('hpaSpec: autoscaling/v2 defaulting and validation', () => {
  it('defaults minReplicas 1, cpu at 80% (kubectl autoscale), default behavior and controller flags', () => {
    const spec = hpaSpec({ maxReplicas: 10 });
    expect(spec.minReplicas).toBe(1);
    expect(spec.metrics).toEqual([DEFAULT_METRIC]);
    expect(spec.metrics[0]!.target).toEqual({ type: 'Utilization', averageUtilization: 80 });
    expect(spec.behavior.scaleUp).toEqual(DEFAULT_SCALE_UP_RULES);
    expect(spec.behavior.scaleDown).toEqual(DEFAULT_SCALE_DOWN_RULES);
    expect(spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect([spec.tolerance, spec.cpuInitializationPeriod, spec.initialReadinessDelay]).toEqual([0.1, 300, 30]);
  });

  it('fills the unset fields of a partly given rule set field by field (copyHPAScalingRules)', () => {
    const spec = hpaSpec({ maxReplicas: 10, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    expect(spec.behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(spec.behavior.scaleUp).toEqual(DEFAULT_SCALE_UP_RULES);
    // Given policies replace the default list as a whole.
    const up = hpaSpec({ maxReplicas: 10, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } } }).behavior.scaleUp;
    expect(up).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] });
    // An empty metric list is defaulted too, as upstream does.
    expect(hpaSpec({ maxReplicas: 3, metrics: [] }).metrics).toEqual([DEFAULT_METRIC]);
  });

  it('accepts a Disabled direction without policies', () => {
    const spec = hpaSpec({ maxReplicas: 5, behavior: { scaleDown: { selectPolicy: 'Disabled', policies: [] } } });
    expect(spec.behavior.scaleDown.policies).toEqual([]);
  });

  const bad: readonly [string, Parameters<typeof hpaSpec>[0], RegExp][] = [
    ['maxReplicas missing', {}, /maxReplicas is required/],
    ['minReplicas 0', { minReplicas: 0, maxReplicas: 3 }, /minReplicas must be an integer >= 1 \(got 0\)/],
    ['min above max', { minReplicas: 5, maxReplicas: 3 }, /maxReplicas must be >= minReplicas/],
    ['empty policies', { maxReplicas: 3, behavior: { scaleUp: { policies: [] } } }, /behavior\.scaleUp\.policies must have at least one policy/],
    ['policy value 0', { maxReplicas: 3, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 0, periodSeconds: 60 }] } } }, /behavior\.scaleDown\.policies\[0\]\.value must be an integer > 0 \(got 0\)/],
    ['period 0', { maxReplicas: 3, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 0 }] } } }, /periodSeconds must be an integer in 1\.\.1800 \(got 0\)/],
    ['period 1801', { maxReplicas: 3, behavior: { scaleUp: { policies: [{ type: 'Percent', value: 1, periodSeconds: 1801 }] } } }, /periodSeconds must be an integer in 1\.\.1800 \(got 1801\)/],
    ['window 3601', { maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } }, /stabilizationWindowSeconds must be an integer in 0\.\.3600 \(got 3601\)/],
    ['window -1', { maxReplicas: 3, behavior: { scaleUp: { stabilizationWindowSeconds: -1 } } }, /behavior\.scaleUp\.stabilizationWindowSeconds/],
    ['Utilization on a Pods metric', { maxReplicas: 3, metrics: [{ type: 'Pods', name: 'qps', target: { type: 'Utilization', averageUtilization: 50 } }] }, /metrics\[0\]\.target\.type must be AverageValue/],
    ['Value on a Resource metric', { maxReplicas: 3, metrics: [{ type: 'Resource', name: 'cpu', target: { type: 'Value', value: 5 } }] }, /metrics\[0\]\.target\.type must be Utilization or AverageValue/],
    ['zero target', { maxReplicas: 3, metrics: [cpuAt(0)] }, /metrics\[0\]\.target\.averageUtilization must be > 0/],
  ];
  it.each(bad)('rejects %s with a RangeError naming the field', (_, input, message) => {
    expect(() => hpaSpec(input)).toThrow(RangeError);
    expect(() => hpaSpec(input)).toThrow(message);
  });

  it('the factory validates hand-built specs too', () => {
    const spec = { ...hpaSpec({ maxReplicas: 3 }), minReplicas: 4 };
    expect(() => horizontalPodAutoscaler(spec)).toThrow(/maxReplicas must be >= minReplicas/);
  });
});

// ---- per-metric replica calculation ------------------------------------------------------------

describe('replica calculation (replica_calculator.go)', () => {
  it('docs: current metric 200m, desired 100m -> replicas double (200.0 / 100.0 == 2.0)', () => {
    // A Pods metric of 200m per pod on 3 pods against an average target of 100m.
    const pods = [0, 1, 2].map((i) => pod(`p${i}`, { samples: { packets: 0.2 } }));
    expect(plainMetricReplicas(3, 'Pods', 'packets', 0.1, pods, 0, CALC)).toEqual({ ok: true, replicas: 6, usage: 0.2 });
    // The same with a cpu AverageValue target (milli-CPU).
    expect(plainMetricReplicas(3, 'Resource', 'cpu', 100, cpuPods(3, 200), 0, CALC)).toMatchObject({ ok: true, replicas: 6 });
  });

  it('docs: current 50m, desired 100m -> replicas halve (50.0 / 100.0 == 0.5)', () => {
    expect(plainMetricReplicas(4, 'Resource', 'cpu', 100, cpuPods(4, 50), 0, CALC)).toMatchObject({ ok: true, replicas: 2 });
    const hpa = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 10, metrics: [{ type: 'Resource', name: 'cpu', target: { type: 'AverageValue', averageValue: 100 } }], behavior: NO_DOWN_WINDOW }));
    expect(hpa.sync(target(4, cpuPods(4, 50)), 0).desiredReplicas).toBe(2);
  });

  it('utilization: desired = ceil(current * currentUtilization / target)', () => {
    // 4 pods at 900m of 1000m = 90% against 60% -> ratio 1.5 -> 6.
    expect(resourceUtilizationReplicas(4, 'cpu', 60, cpuPods(4, 900), 0, CALC)).toEqual({ ok: true, replicas: 6, usage: 90 });
    // 5 pods at 100m = 10% against 50% -> ratio 0.2 -> 1.
    expect(resourceUtilizationReplicas(5, 'cpu', 50, cpuPods(5, 100), 0, CALC)).toMatchObject({ replicas: 1, usage: 10 });
  });

  it('tolerance 0.1: ratio 1.05 keeps the count, 1.11 scales', () => {
    expect(resourceUtilizationReplicas(4, 'cpu', 100, cpuPods(4, 1050), 0, CALC)).toMatchObject({ replicas: 4, usage: 105 });
    expect(resourceUtilizationReplicas(4, 'cpu', 100, cpuPods(4, 950), 0, CALC)).toMatchObject({ replicas: 4 });
    // 111% -> ceil(4 * 1.11) = ceil(4.44) = 5
    expect(resourceUtilizationReplicas(4, 'cpu', 100, cpuPods(4, 1110), 0, CALC)).toMatchObject({ replicas: 5 });
    // 89% -> ceil(4 * 0.89) = ceil(3.56) = 4: outside tolerance but the ceiling keeps 4.
    expect(resourceUtilizationReplicas(4, 'cpu', 100, cpuPods(4, 890), 0, CALC)).toMatchObject({ replicas: 4 });
    // 80% -> ceil(3.2) = 4 as well; 70% -> ceil(2.8) = 3.
    expect(resourceUtilizationReplicas(4, 'cpu', 100, cpuPods(4, 700), 0, CALC)).toMatchObject({ replicas: 3 });
    // A wider tolerance keeps 111%.
    expect(resourceUtilizationReplicas(4, 'cpu', 100, cpuPods(4, 1110), 0, { ...CALC, tolerance: 0.2 })).toMatchObject({ replicas: 4 });
  });

  it('utilization is an integer percentage, as upstream computes it', () => {
    // 3 pods at 1049m of 1000m: 104.9% truncates to 104 -> ratio 1.04, within tolerance.
    expect(resourceUtilizationReplicas(3, 'cpu', 100, cpuPods(3, 1049), 0, CALC)).toMatchObject({ replicas: 3, usage: 104 });
  });

  it('missing metrics count as 100% of request on a scale-down', () => {
    // 4 pods (1000m requests, target 50%); 3 report 100m, 1 has no sample.
    // First pass: 300 / 3000 = 10% -> 0.2 (scale down). Missing pod as 1000m:
    // (300 + 1000) / 4000 = 32.5% -> 32% -> 0.64 -> ceil(0.64 * 4) = ceil(2.56) = 3 (not ceil(0.2 * 3) = 1).
    const pods = [...cpuPods(3, 100), pod('missing')];
    expect(resourceUtilizationReplicas(4, 'cpu', 50, pods, 0, CALC)).toMatchObject({ ok: true, replicas: 3, usage: 10 });
  });

  it('missing metrics count as the target when it is above 100% (fallbackUtilization)', () => {
    // Target 150%: missing pod as 1500m -> (300 + 1500) / 4000 = 45% -> 0.3 -> ceil(1.2) = 2
    // (at 100% it would be 32% -> 0.2133 -> ceil(0.853) = 1).
    const pods = [...cpuPods(3, 100), pod('missing')];
    expect(resourceUtilizationReplicas(4, 'cpu', 150, pods, 0, CALC)).toMatchObject({ replicas: 2 });
  });

  it('missing metrics count as 0% on a scale-up, and a re-average inside tolerance keeps the count', () => {
    // 3 pods at 700m of 1000m against 50%: 70% -> 1.4 (scale up). Missing pod as 0:
    // 2100 / 4000 = 52.5% -> 52% -> 1.04, within tolerance -> keep 4 (not ceil(1.4 * 3) = 5).
    const pods = [...cpuPods(3, 700), pod('missing')];
    expect(resourceUtilizationReplicas(4, 'cpu', 50, pods, 0, CALC)).toMatchObject({ replicas: 4 });
  });

  it('unready pods count as 0% on a scale-up, which dampens it', () => {
    // 2 ready pods at 800m of 1000m (80% vs 50% -> ratio 1.6) and 1 Pending pod.
    // Re-average: 1600 / 3000 = 53% -> 1.06, within tolerance -> keep 3 (ready pods alone: ceil(1.6 * 2) = 4).
    const pods = [...cpuPods(2, 800), pod('pending', { phase: 'Pending' })];
    expect(resourceUtilizationReplicas(3, 'cpu', 50, pods, 0, CALC)).toEqual({ ok: true, replicas: 3, usage: 80 });
    // 2 ready at 2000m (200% -> 4) and 1 Pending: 4000 / 3000 = 133% -> 2.66 -> ceil(2.66 * 3) = ceil(7.98) = 8.
    const busy = [...cpuPods(2, 2000), pod('pending', { phase: 'Pending' })];
    expect(resourceUtilizationReplicas(3, 'cpu', 50, busy, 0, CALC)).toMatchObject({ replicas: 8, usage: 200 });
  });

  it('no change when counting unready pods as 0% flips the direction', () => {
    // 2 ready pods at 600m (60% vs 50% -> 1.2, scale up) and 2 Pending: 1200 / 4000 = 30% -> 0.6 < 1.
    // (The ready pods alone would give ceil(1.2 * 2) = 3: a scale-down on a scale-up signal.)
    const pods = [...cpuPods(2, 600), pod('u0', { phase: 'Pending' }), pod('u1', { phase: 'Pending' })];
    expect(resourceUtilizationReplicas(4, 'cpu', 50, pods, 0, CALC)).toMatchObject({ replicas: 4, usage: 60 });
  });

  it('unready pods are left out of a scale-down', () => {
    // 2 ready pods at 100m (10% -> 0.2) and 2 Pending: ceil(0.2 * 2) = 1.
    const pods = [...cpuPods(2, 100), pod('u0', { phase: 'Pending' }), pod('u1', { phase: 'Pending' })];
    expect(resourceUtilizationReplicas(4, 'cpu', 50, pods, 0, CALC)).toMatchObject({ replicas: 1 });
  });

  it('deleting and Failed pods are ignored', () => {
    const pods = [...cpuPods(2, 1000), pod('gone', { deleting: true, samples: { cpu: 0 } }), pod('dead', { phase: 'Failed' })];
    // Only the 2 live pods: 200% vs 100% -> 4.
    expect(resourceUtilizationReplicas(4, 'cpu', 100, pods, 0, CALC)).toMatchObject({ replicas: 4 });
  });

  it('a pod without a request for the resource makes the metric invalid', () => {
    const pods = [...cpuPods(2, 500), pod('norequest', { cpu: 0, samples: { cpu: 500 } })];
    expect(resourceUtilizationReplicas(3, 'cpu', 50, pods, 0, CALC)).toEqual({ ok: false, error: 'missing request for cpu' });
    expect(resourceUtilizationReplicas(3, 'cpu', 50, [], 0, CALC)).toMatchObject({ ok: false });
    expect(resourceUtilizationReplicas(3, 'cpu', 50, [pod('a'), pod('b')], 0, CALC)).toEqual({ ok: false, error: 'did not receive metrics for any ready pods' });
  });

  it('memory utilization divides by the memory request', () => {
    // 2 pods using 1.5 GiB of 1 GiB against 100% -> ratio 1.5 -> 3.
    const pods = [0, 1].map((i) => pod(`m${i}`, { samples: { memory: 1.5 * Gi } }));
    expect(resourceUtilizationReplicas(2, 'memory', 100, pods, 0, CALC)).toMatchObject({ replicas: 3, usage: 150 });
  });

  it('Pods metric: missing pods count as the target on a scale-down, 0 on a scale-up', () => {
    // Target 10 per pod; 3 pods at 2, 1 missing: 0.2 -> missing as 10 -> (6 + 10) / 4 = 4 -> 0.4 -> ceil(1.6) = 2.
    const down = [0, 1, 2].map((i) => pod(`p${i}`, { samples: { qps: 2 } }));
    expect(plainMetricReplicas(4, 'Pods', 'qps', 10, [...down, pod('missing')], 0, CALC)).toMatchObject({ replicas: 2, usage: 2 });
    // 3 pods at 20, 1 missing: 2.0 -> missing as 0 -> 60 / 4 = 15 -> 1.5 -> ceil(6) = 6.
    const up = [0, 1, 2].map((i) => pod(`p${i}`, { samples: { qps: 20 } }));
    expect(plainMetricReplicas(4, 'Pods', 'qps', 10, [...up, pod('missing')], 0, CALC)).toMatchObject({ replicas: 6 });
  });

  it('Pods metric: no cpu readiness rules (a pod still initializing counts)', () => {
    // Started 10 s ago and not ready yet, but Running with a sample: counted for a Pods metric.
    const young = pod('young', { startTime: -10, ready: false, readyTransitionTime: -10, samples: { qps: 30 } });
    expect(plainMetricReplicas(1, 'Pods', 'qps', 10, [young], 0, CALC)).toMatchObject({ replicas: 3 });
    // The same pod is set aside for cpu: no ready pod has a sample.
    const youngCpu = pod('young', { startTime: -10, ready: false, readyTransitionTime: -10, samples: { cpu: 3000 } });
    expect(plainMetricReplicas(1, 'Resource', 'cpu', 1000, [youngCpu], 0, CALC)).toMatchObject({ ok: false });
  });

  it('groupPods applies the cpu initialization period and initial readiness delay', () => {
    const pods = [
      // Within the 300 s initialization period: ready, but the 30 s window began before the Ready transition (0 < -20 + 30).
      pod('fresh-window', { startTime: -100, readyTransitionTime: -20, samples: { cpu: 1, memory: 1 } }),
      // Within the period, a full window after the transition (0 >= -60 + 30): counted.
      pod('fresh-ok', { startTime: -100, readyTransitionTime: -60, samples: { cpu: 1, memory: 1 } }),
      // Within the period and not ready.
      pod('fresh-unready', { startTime: -100, ready: false, readyTransitionTime: -100, samples: { cpu: 1, memory: 1 } }),
      // Past the period, not ready, Ready condition last changed 5 s after start (< 30 s delay): never been ready.
      pod('never-ready', { startTime: -1000, ready: false, readyTransitionTime: -995, samples: { cpu: 1, memory: 1 } }),
      // Past the period, not ready now but was ready before (transition long after start): its sample counts.
      pod('was-ready', { startTime: -1000, ready: false, readyTransitionTime: -500, samples: { cpu: 1, memory: 1 } }),
      pod('pending', { phase: 'Pending', samples: { cpu: 1, memory: 1 } }),
      pod('no-sample'),
      pod('deleting', { deleting: true, samples: { cpu: 1, memory: 1 } }),
      pod('failed', { phase: 'Failed' }),
    ];
    const timing = { cpuInitializationPeriod: 300, initialReadinessDelay: 30 };
    const cpu = groupPods(pods, 'cpu', true, 1, 0, timing);
    expect([...cpu.samples.keys()]).toEqual(['fresh-ok', 'was-ready']);
    expect(cpu.readyPodCount).toBe(2);
    expect(cpu.unready).toEqual(['fresh-window', 'fresh-unready', 'never-ready', 'pending']);
    expect(cpu.missing).toEqual(['no-sample']);
    expect(cpu.ignored).toEqual(['deleting', 'failed']);
    // Memory has no readiness rules: only Pending is unready.
    const memory = groupPods(pods, 'memory', false, 1000, 0, timing);
    expect(memory.readyPodCount).toBe(5);
    expect(memory.unready).toEqual(['pending']);
  });

  it('External Value target: ratio times the Running and Ready pods', () => {
    const pods = [pod('a'), pod('b'), pod('c', { phase: 'Pending', ready: false })];
    // 300 / 100 = 3 -> ceil(3 * 2 ready) = 6.
    expect(externalValueReplicas(3, 300, 100, pods, CALC)).toEqual({ ok: true, replicas: 6, usage: 300 });
    // 105 / 100 within tolerance -> keep 3.
    expect(externalValueReplicas(3, 105, 100, pods, CALC)).toMatchObject({ replicas: 3 });
    // 50 / 100 -> ceil(0.5 * 2) = 1.
    expect(externalValueReplicas(3, 50, 100, pods, CALC)).toMatchObject({ replicas: 1 });
  });

  it('External AverageValue target: total / per-pod target', () => {
    // 1000 / 100 = 10 (ratio 1000 / (100 * 4) = 2.5).
    expect(externalAverageValueReplicas(4, 1000, 100, CALC)).toEqual({ ok: true, replicas: 10, usage: 250 });
    // 420 / (100 * 4) = 1.05: within tolerance.
    expect(externalAverageValueReplicas(4, 420, 100, CALC)).toMatchObject({ replicas: 4 });
    // 150 / 100 -> ceil(1.5) = 2.
    expect(externalAverageValueReplicas(4, 150, 100, CALC)).toMatchObject({ replicas: 2 });
  });
});

// ---- stabilization and rate limits -------------------------------------------------------------

describe('stabilize and scale limits (horizontal.go)', () => {
  it('scale-down window keeps the highest recommendation, scale-up window the lowest', () => {
    const history = [{ replicas: 8, timestamp: 0 }, { replicas: 5, timestamp: 100 }, { replicas: 9, timestamp: 200 }];
    // Down window 300 at t=250: max(8, 5, 9, 3) = 9; current 10 clamps down to 9.
    const down = stabilize(history, { currentReplicas: 10, desiredReplicas: 3, scaleUpWindowSeconds: 0, scaleDownWindowSeconds: 300, now: 250 });
    expect(down.replicas).toBe(9);
    expect(down.history).toHaveLength(4);
    // Up window 120 at t=250: only t=200 (9) is inside -> min(9, 12) = 9.
    const up = stabilize(history, { currentReplicas: 6, desiredReplicas: 12, scaleUpWindowSeconds: 120, scaleDownWindowSeconds: 0, now: 250 });
    expect(up.replicas).toBe(9);
    // At t=301 with a 300 s down window the t=0 sample is outside both windows and is replaced.
    const replaced = stabilize(history, { currentReplicas: 10, desiredReplicas: 3, scaleUpWindowSeconds: 0, scaleDownWindowSeconds: 300, now: 301 });
    expect(replaced.history).toEqual([{ replicas: 3, timestamp: 301 }, history[1], history[2]]);
    expect(replaced.replicas).toBe(9);
    expect(history).toHaveLength(3); // pure
  });

  it('counts scale events strictly after now - period', () => {
    const events = [{ replicaChange: 4, timestamp: 0 }, { replicaChange: 2, timestamp: 10 }];
    expect(replicasChangePerPeriod(15, events, 15)).toBe(2);
    expect(replicasChangePerPeriod(15, events, 14)).toBe(6);
    expect(replicasChangePerPeriod(15, events, 25)).toBe(0);
  });

  it('Percent rounds up on scale-up and down (truncation) on scale-down', () => {
    const up: HPAScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] };
    expect(scaleUpLimit(3, [], [], up, 0)).toBe(4); // ceil(3.3)
    const down: HPAScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] };
    expect(scaleDownLimit(72, [], [], down, 0)).toBe(64); // 64.8 -> 64
    // Period start = current - added + removed = 10 - 4 + 2 = 8 -> 8 * 0.9 = 7.2 -> 7.
    expect(scaleDownLimit(10, [{ replicaChange: 4, timestamp: -5 }], [{ replicaChange: 2, timestamp: -5 }], down, 0)).toBe(7);
  });

  it('default scale-up: the larger of 100% and 4 pods per 15 s', () => {
    expect(scaleUpLimit(1, [], [], DEFAULT_SCALE_UP_RULES, 0)).toBe(5); // max(2, 1 + 4)
    expect(scaleUpLimit(10, [], [], DEFAULT_SCALE_UP_RULES, 0)).toBe(20); // max(20, 14)
    const args = { currentReplicas: 10, desiredReplicas: 100, minReplicas: 1, maxReplicas: 200, scaleUp: DEFAULT_SCALE_UP_RULES, scaleDown: DEFAULT_SCALE_DOWN_RULES };
    expect(limitScaleRate(args, [], [], 0)).toEqual({ replicas: 20, reason: REASON_SCALE_UP_LIMIT });
    expect(limitScaleRate({ ...args, maxReplicas: 15 }, [], [], 0)).toEqual({ replicas: 15, reason: REASON_TOO_MANY_REPLICAS });
    expect(limitScaleRate({ ...args, desiredReplicas: 12 }, [], [], 0)).toEqual({ replicas: 12, reason: REASON_DESIRED_WITHIN_RANGE });
  });

  it('storeScaleEvent reuses the slot of an event older than the longest policy period', () => {
    const rules: HPAScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] };
    const events = [{ replicaChange: 1, timestamp: 0 }, { replicaChange: 2, timestamp: 50 }];
    expect(storeScaleEvent(events, 3, rules, 100)).toEqual([{ replicaChange: 3, timestamp: 100 }, events[1]]);
    expect(storeScaleEvent(events, 3, rules, 55)).toEqual([...events, { replicaChange: 3, timestamp: 55 }]);
  });
});

// ---- the autoscaler ---------------------------------------------------------------------------

describe('horizontalPodAutoscaler sync', () => {
  it('several metrics: the largest proposal wins', () => {
    const spec = hpaSpec({ maxReplicas: 20, metrics: [cpuAt(50), podsMetric('requests_per_second', 10)] });
    const hpa = horizontalPodAutoscaler(spec);
    // cpu: 750m of 1000m = 75% vs 50% -> 1.5 -> 6; rps: 20 vs 10 -> 2 -> 8. Limit max(8, 8) = 8.
    const pods = cpuPods(4, 750, { samples: { requests_per_second: 20 } });
    const d = hpa.sync(target(4, pods), 0);
    expect(d.desiredReplicas).toBe(8);
    expect(d.metricReplicas).toBe(8);
    expect(d.reason).toBe('requests_per_second above target; DesiredWithinRange');
    expect(d.event).toBe('New size: 8; reason: pods metric requests_per_second above target');
  });

  it('an invalid metric blocks a scale-down but not a scale-up', () => {
    const spec = hpaSpec({ maxReplicas: 20, metrics: [cpuAt(50), { type: 'Resource', name: 'memory', target: { type: 'Utilization', averageUtilization: 50 } }], behavior: NO_DOWN_WINDOW });
    // No memory request on any pod: the memory metric is invalid.
    const quiet = cpuPods(4, 100, { memory: 0, samples: { memory: Gi } });
    const down = horizontalPodAutoscaler(spec).sync(target(4, quiet), 0);
    expect(down.desiredReplicas).toBe(4);
    expect(down.reason).toBe(`${REASON_FAILED_COMPUTE}: invalid metrics (1 invalid out of 2), first error is: memory: missing request for memory`);
    const busy = cpuPods(4, 1000, { memory: 0, samples: { memory: Gi } });
    // cpu 100% vs 50% -> 8.
    expect(horizontalPodAutoscaler(spec).sync(target(4, busy), 0)).toMatchObject({ desiredReplicas: 8, reason: 'cpu above target; DesiredWithinRange' });
  });

  it('all metrics invalid: keeps the current count and says why', () => {
    const hpa = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 10 }));
    const d = hpa.sync(target(3, cpuPods(3, 900, { cpu: 0 })), 0);
    expect(d.desiredReplicas).toBe(3);
    expect(d.reason).toMatch(/^FailedComputeMetricsReplicas: invalid metrics \(1 invalid out of 1\).*missing request for cpu/);
    expect(d.metricReplicas).toBeUndefined();
  });

  it('default scale-up behavior: 1 -> desired 10 gives 5, then 10 after one period; 10 -> desired 100 gives 20', () => {
    const hpa = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 200, metrics: [cpuAt(100)] }));
    // 1 pod at 1000% -> 10; limit max(ceil(1 * 2), 1 + 4) = 5.
    expect(hpa.sync(target(1, cpuPods(1, 10_000)), 0)).toMatchObject({ desiredReplicas: 5, metricReplicas: 10, reason: 'cpu above target; ScaleUpLimit' });
    // At t=10 the +4 of t=0 is inside the 15 s period: start 1 -> limit 5 again.
    expect(hpa.sync(target(5, cpuPods(5, 2000)), 10)).toMatchObject({ desiredReplicas: 5, metricReplicas: 10, reason: 'cpu above target; ScaleUpLimit' });
    // At t=15 it is not (strictly after 15 - 15 = 0): start 5 -> max(10, 9) = 10.
    expect(hpa.sync(target(5, cpuPods(5, 2000)), 15)).toMatchObject({ desiredReplicas: 10, reason: 'cpu above target; DesiredWithinRange' });

    const big = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 200, metrics: [cpuAt(100)] }));
    // 10 pods at 1000% -> 100; limit max(20, 14) = 20.
    expect(big.sync(target(10, cpuPods(10, 10_000)), 0)).toMatchObject({ desiredReplicas: 20, metricReplicas: 100, reason: 'cpu above target; ScaleUpLimit' });
  });

  it('default scale-down stabilization: a load drop reduces replicas only after 300 s', () => {
    const hpa = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 10, metrics: [cpuAt(50)] }));
    // At t=0, 6 pods at 50% of request: stable at 6 (the first sync records 6).
    expect(hpa.sync(target(6, cpuPods(6, 500)), 0).desiredReplicas).toBe(6);
    // From t=15 the load drops to 10%: proposal ceil(0.2 * 6) = 2, held at 6 while 6 is in the window.
    for (let t = 15; t < 300; t += 15) {
      const d = hpa.sync(target(6, cpuPods(6, 100)), t);
      expect(d).toMatchObject({ desiredReplicas: 6, metricReplicas: 2, stabilizedReplicas: 6 });
      expect(d.reason).toBe('All metrics below target; ScaleDownStabilized; DesiredWithinRange');
    }
    // t=300: the recommendations of 6 at t=0 are exactly 300 s old and no longer count (strict).
    const d = hpa.sync(target(6, cpuPods(6, 100)), 300);
    expect(d).toMatchObject({ desiredReplicas: 2, reason: 'All metrics below target; DesiredWithinRange', event: 'New size: 2; reason: All metrics below target' });
  });

  it('the first sync records the current count, so a fresh HPA does not scale down at once (recordInitialRecommendation)', () => {
    const hpa = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 10, metrics: [cpuAt(50)] }));
    // 6 pods at 10%: proposal 2, but the initial recommendation of 6 is in the 300 s window.
    expect(hpa.sync(target(6, cpuPods(6, 100)), 0)).toMatchObject({ desiredReplicas: 6, metricReplicas: 2, stabilizedReplicas: 6 });
    expect(hpa.sync(target(6, cpuPods(6, 100)), 299).desiredReplicas).toBe(6);
    expect(hpa.sync(target(6, cpuPods(6, 100)), 300).desiredReplicas).toBe(2);
  });

  describe('docs: scaleDown policies Pods 4 per 60 s and Percent 10 per 60 s', () => {
    const policies = [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }] as const;
    const spec = (selectPolicy: 'Max' | 'Min' | 'Disabled') => hpaSpec({
      maxReplicas: 100,
      metrics: [podsMetric('qps', 10)],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy, policies: [...policies] } },
    });
    // Every pod at 1 qps vs 10: proposal ceil(0.1 * n), far below the current count.
    const quiet = (n: number) => target(n, Array.from({ length: n }, (_, i) => pod(`p${i}`, { samples: { qps: 1 } })));

    it('Max (default): 80 -> 72 (10%), then 72 -> 64 ("7.2 rounded up to 8"), Pods 4 below 40', () => {
      const hpa = horizontalPodAutoscaler(spec('Max'));
      expect(hpa.sync(quiet(80), 0)).toMatchObject({ desiredReplicas: 72, metricReplicas: 8, reason: `All metrics below target; ${REASON_SCALE_DOWN_LIMIT}` });
      // Within the same minute nothing more may go: period start 72 + 8 = 80 -> limit 72.
      expect(hpa.sync(quiet(72), 15)).toMatchObject({ desiredReplicas: 72, reason: `All metrics below target; ${REASON_SCALE_DOWN_LIMIT}` });
      expect(hpa.sync(quiet(72), 60).desiredReplicas).toBe(64);
      expect(hpa.sync(quiet(64), 120).desiredReplicas).toBe(57); // 64 * 0.9 = 57.6 -> 57 (vs 60)
      const hpa2 = horizontalPodAutoscaler(spec('Max'));
      expect(hpa2.sync(quiet(30), 0).desiredReplicas).toBe(26); // max change: 30 - 4 (Percent gives 27)
    });

    it('Min: the policy with the smallest change, 80 -> 76', () => {
      expect(horizontalPodAutoscaler(spec('Min')).sync(quiet(80), 0).desiredReplicas).toBe(76);
      expect(horizontalPodAutoscaler(spec('Min')).sync(quiet(30), 0).desiredReplicas).toBe(27);
    });

    it('Disabled: no scale-down at all', () => {
      const hpa = horizontalPodAutoscaler(spec('Disabled'));
      expect(hpa.sync(quiet(80), 0)).toMatchObject({ desiredReplicas: 80, reason: `All metrics below target; ${REASON_SCALE_DOWN_LIMIT}`, event: undefined });
      expect(hpa.sync(quiet(80), 600).desiredReplicas).toBe(80);
    });
  });

  it('scaleUp selectPolicy Disabled keeps the count and names the limit', () => {
    const hpa = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 10, metrics: [cpuAt(50)], behavior: { scaleUp: { selectPolicy: 'Disabled' } } }));
    expect(hpa.sync(target(2, cpuPods(2, 1000)), 0)).toMatchObject({ desiredReplicas: 2, metricReplicas: 4, reason: 'cpu above target; ScaleUpLimit' });
  });

  it('clamps to minReplicas and maxReplicas', () => {
    const spec = hpaSpec({ minReplicas: 2, maxReplicas: 10, metrics: [cpuAt(50)], behavior: NO_DOWN_WINDOW });
    // Out of range counts are corrected without reading metrics.
    expect(horizontalPodAutoscaler(spec).sync(target(12, cpuPods(12, 1000)), 0)).toMatchObject({
      desiredReplicas: 10, reason: REASON_TOO_MANY_REPLICAS, metricReplicas: undefined,
      event: 'New size: 10; reason: Current number of replicas above Spec.MaxReplicas',
    });
    expect(horizontalPodAutoscaler(spec).sync(target(1, cpuPods(1, 0)), 0)).toMatchObject({ desiredReplicas: 2, reason: REASON_TOO_FEW_REPLICAS });
    // A proposal above max: 8 pods at 100% vs 50% -> 16; rate limit 16 is above max 10 -> TooManyReplicas.
    expect(horizontalPodAutoscaler(spec).sync(target(8, cpuPods(8, 1000)), 0)).toMatchObject({ desiredReplicas: 10, metricReplicas: 16, reason: 'cpu above target; TooManyReplicas' });
    // A proposal below min: 4 pods at 5% -> 1 -> min 2.
    expect(horizontalPodAutoscaler(spec).sync(target(4, cpuPods(4, 50)), 0)).toMatchObject({ desiredReplicas: 2, metricReplicas: 1, reason: 'All metrics below target; TooFewReplicas' });
  });

  it('a target scaled to zero disables autoscaling', () => {
    const hpa = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 10 }));
    expect(hpa.sync(target(0, []), 0)).toEqual<HpaDecision>({ desiredReplicas: 0, reason: REASON_SCALING_DISABLED, metricReplicas: undefined, stabilizedReplicas: undefined, event: undefined });
  });

  it('rejects time going backwards and bad replica counts', () => {
    const hpa = horizontalPodAutoscaler(hpaSpec({ maxReplicas: 10 }));
    hpa.sync(target(2, cpuPods(2, 800)), 30);
    expect(() => hpa.sync(target(2, cpuPods(2, 800)), 15)).toThrow(RangeError);
    expect(() => hpa.sync(target(-1, []), 45)).toThrow(/currentReplicas/);
  });

  it('follows the formula step by step (sync every 15 s, per-pod cpu = load / replicas)', () => {
    // Requests 500m, target 50% (250m per pod), default behavior, 1..20 replicas.
    const REQUEST = 500;
    const TARGET = 50;
    const hpa = horizontalPodAutoscaler(hpaSpec({ minReplicas: 1, maxReplicas: 20, metrics: [cpuAt(TARGET)] }));
    const loadAt = (t: number) => (t < 30 ? 1000 : t < 75 ? 3000 : 600);
    // Hand-worked: per-pod usage u = load / replicas, utilization = floor(100 u / 500),
    // raw = ceil(replicas * utilization / 50) unless within 10% of target.
    const expected: Record<number, number> = {
      0: 4, // 1 pod at 1000m = 200% -> 4.0 -> 4; limit max(2, 5) = 5
      15: 4, // 4 pods at 250m = 50% -> 1.0 -> stay
      30: 8, // load 3000: 750m = 150% -> 12; +3 at t=0 is outside (0 > 15 false) -> start 4 -> limit max(8, 8) = 8
      45: 12, // 375m = 75% -> 12; +4 at t=30 not strictly after 30 -> start 8 -> limit 16 -> 12
      60: 12, // 250m = 50% -> stay
      // load 600 from t=75: 50m = 10% -> ceil(12 * 0.2) = ceil(2.4) = 3, held at 12 while a
      // recommendation of 12 (t=30, 45, 60) is in the 300 s window, i.e. until t - 300 >= 60.
      360: 3, // window (60, 360]: all 3 -> 3; scale-down limit 100% -> 0 -> min 1 -> 3 allowed
      375: 3, // 200m = 40% -> ceil(3 * 0.8) = ceil(2.4000000000000004) = 3: stays
    };
    let replicas = 1;
    for (let t = 0; t <= 375; t += 15) {
      const load = loadAt(t);
      const perPod = load / replicas;
      const utilization = Math.floor((100 * perPod) / REQUEST);
      const ratio = utilization / TARGET;
      const raw = Math.abs(1 - ratio) <= 0.1 ? replicas : Math.ceil(replicas * ratio);
      const d = hpa.sync(target(replicas, cpuPods(replicas, perPod, { cpu: REQUEST })), t);
      expect(d.metricReplicas, `raw proposal at t=${t}`).toBe(raw);
      const want = expected[t] ?? (t > 60 && t < 360 ? 12 : undefined);
      expect(want, `table covers t=${t}`).toBeDefined();
      expect(d.desiredReplicas, `desired at t=${t}`).toBe(want);
      replicas = d.desiredReplicas;
    }
  });
});


/*
 * The replica calculations run as single-pass sums (a sync every 15 s for every HPA); here they
 * are checked against the map-based form of replica_calculator.go built on groupPods.
 */
describe('replica calculation: the sums equal the per-pod maps of upstream', () => {
  const calc = { tolerance: 0.1, cpuInitializationPeriod: 300, initialReadinessDelay: 30 };
  const ratio = (m: Map<string, number>, req: Map<string, number>) => {
    let u = 0;
    let r = 0;
    for (const [k, v] of m) {
      u += v;
      r += req.get(k)!;
    }
    return Math.trunc((u * 100) / r);
  };
  /** GetResourceReplicas as upstream writes it, over maps keyed by pod name. */
  function referenceResource(current: number, resource: 'cpu' | 'memory', target: number, pods: ScaledPod[], now: number): number | string {
    const scale = resource === 'cpu' ? 1 : 1000;
    const g = groupPods(pods, resource, resource === 'cpu', scale, now, calc);
    const requests = new Map<string, number>();
    for (const p of pods) {
      const v = resource === 'cpu' ? p.requests.milliCPU : p.requests.memory * 1000;
      if (!(v > 0)) return 'invalid';
      requests.set(p.name, v);
    }
    const metrics = new Map(g.samples);
    if (metrics.size === 0) return 'invalid';
    const utilization = ratio(metrics, requests);
    const usageRatio = utilization / target;
    const upWithUnready = g.unready.length > 0 && usageRatio > 1;
    if (!upWithUnready && g.missing.length === 0) return Math.abs(1 - usageRatio) <= 0.1 ? current : Math.ceil(usageRatio * g.readyPodCount);
    if (g.missing.length > 0) {
      if (usageRatio < 1) for (const p of g.missing) metrics.set(p, Math.trunc((requests.get(p)! * Math.max(100, target)) / 100));
      else if (usageRatio > 1) for (const p of g.missing) metrics.set(p, 0);
    }
    if (upWithUnready) for (const p of g.unready) metrics.set(p, 0);
    const newRatio = ratio(metrics, requests) / target;
    if (Math.abs(1 - newRatio) <= 0.1 || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) return current;
    const n = Math.ceil(newRatio * metrics.size);
    if ((newRatio < 1 && n > current) || (newRatio > 1 && n < current)) return current;
    return n;
  }
  /** calcPlainMetricReplicas as upstream writes it. */
  function referencePlain(current: number, target: number, pods: ScaledPod[], now: number): number | string {
    const targetMilli = milliValue(target, 1000);
    const g = groupPods(pods, 'requests_per_second', false, 1000, now, calc);
    const metrics = new Map(g.samples);
    if (metrics.size === 0) return 'invalid';
    const avg = (m: Map<string, number>) => Math.trunc([...m.values()].reduce((a, b) => a + b, 0) / m.size);
    const usageRatio = avg(metrics) / targetMilli;
    const upWithUnready = g.unready.length > 0 && usageRatio > 1;
    if (!upWithUnready && g.missing.length === 0) return Math.abs(1 - usageRatio) <= 0.1 ? current : Math.ceil(usageRatio * g.readyPodCount);
    if (g.missing.length > 0) for (const p of g.missing) metrics.set(p, usageRatio < 1 ? targetMilli : 0);
    if (upWithUnready) for (const p of g.unready) metrics.set(p, 0);
    const newRatio = avg(metrics) / targetMilli;
    if (Math.abs(1 - newRatio) <= 0.1 || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) return current;
    const n = Math.ceil(newRatio * metrics.size);
    if ((newRatio < 1 && n > current) || (newRatio > 1 && n < current)) return current;
    return n;
  }
  const podArb = fc.record({
    phase: fc.constantFrom<ScaledPod['phase']>('Running', 'Running', 'Running', 'Pending', 'Failed'),
    deleting: fc.boolean(),
    ready: fc.boolean(),
    startTime: fc.oneof(fc.constant(NaN), fc.integer({ min: -2000, max: 0 })),
    readyAfter: fc.oneof(fc.constant(NaN), fc.integer({ min: 0, max: 400 })),
    cpu: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4000 })),
    memory: fc.integer({ min: 1, max: 8 * 2 ** 20 }),
    cpuSample: fc.option(fc.integer({ min: 0, max: 8000 })),
    memSample: fc.option(fc.integer({ min: 0, max: 8 * 2 ** 20 })),
    rps: fc.option(fc.double({ min: 0, max: 500, noNaN: true })),
  });
  it('for random pods, metrics and targets', () => {
    fc.assert(fc.property(fc.array(podArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 10, max: 200 }), fc.double({ min: 0.5, max: 200, noNaN: true }), (specs, current, target, rpsTarget) => {
      const pods = specs.map((s, i) => pod(`p${i}`, {
        phase: s.phase,
        deleting: s.deleting,
        ready: s.ready,
        startTime: s.startTime,
        readyTransitionTime: s.startTime + s.readyAfter,
        cpu: s.cpu,
        memory: s.memory,
        samples: { ...(s.cpuSample !== null ? { cpu: s.cpuSample } : {}), ...(s.memSample !== null ? { memory: s.memSample } : {}), ...(s.rps !== null ? { requests_per_second: s.rps } : {}) },
        sampleTime: 0,
        window: 30,
      }));
      const now = 0;
      const got = (p: ReturnType<typeof resourceUtilizationReplicas>) => (p.ok ? p.replicas : 'invalid');
      expect(got(resourceUtilizationReplicas(current, 'cpu', target, pods, now, calc))).toBe(referenceResource(current, 'cpu', target, pods, now));
      expect(got(resourceUtilizationReplicas(current, 'memory', target, pods, now, calc))).toBe(referenceResource(current, 'memory', target, pods, now));
      expect(got(plainMetricReplicas(current, 'Pods', 'requests_per_second', rpsTarget, pods, now, calc))).toBe(referencePlain(current, rpsTarget, pods, now));
    }), { numRuns: 300 * Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1) });
  });
});

describe('the HPA object and the pure reconcile', () => {
  it('make the same decisions over any sequence of syncs (the object keeps its history in place) (property)', () => {
    const syncs = fc.array(fc.record({ current: fc.integer({ min: 0, max: 30 }), usage: fc.integer({ min: 0, max: 3000 }), gap: fc.integer({ min: 1, max: 120 }) }), { minLength: 1, maxLength: 60 });
    const windows = fc.record({ up: fc.integer({ min: 0, max: 300 }), down: fc.integer({ min: 0, max: 600 }) });
    fc.assert(fc.property(windows, syncs, (w, list) => {
      const spec = hpaSpec({
        minReplicas: 1, maxReplicas: 25, metrics: [cpuAt(60)],
        behavior: { scaleUp: { stabilizationWindowSeconds: w.up }, scaleDown: { stabilizationWindowSeconds: w.down } },
      });
      const hpa = horizontalPodAutoscaler(spec);
      let state = INITIAL_HPA_STATE;
      let now = 0;
      for (const x of list) {
        now += x.gap;
        const t = target(x.current, cpuPods(x.current, x.usage));
        const pure = reconcile(spec, state, t, now);
        state = pure.state;
        expect(hpa.sync(t, now)).toEqual(pure.decision);
      }
    }), { numRuns: 200 * Number(process.env.ORCHSIM_PROPERTY_SCALE ?? 1) });
  });
});
