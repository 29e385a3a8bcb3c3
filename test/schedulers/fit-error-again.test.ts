import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FitError, ProfileConfig } from '../../src/api/framework.js';
import type { PodInfo } from '../../src/api/pod.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { fitErrorAgainDefault, FitErrors } from '../../src/schedulers/fit-error.js';
import { Gi, makeCluster, makePod, makeSpec } from '../helpers/cluster.js';
import { addCrowdedNode, crowdedCluster, crowdingPodSizes, DEDICATED_BATCH, exactFitError, expectRunsIdenticalWithSwitch, expectSameCycle, expectSwitchReadAsDocumented, frameworkWith, restoreEnvAfterEach, unbindPicked } from '../helpers/scheduler-ab.js';

// A failed scan of every node whose nodes all rejected the pod the same way gives the last such
// summary again when each node the change log names since still rejects it that way
// (src/schedulers/fit-error.ts, FitErrors.summaryAgain). It must be invisible: frameworks with it
// on and off give the same FitErrors - contents and order - and resolvable nodes, and whole runs
// give byte-identical results.

const SCALE = Number(process.env.ORCHSIM_PROPERTY_SCALE ?? '1');
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

restoreEnvAfterEach('ORCHSIM_NO_FIT_ERROR_AGAIN');

const PROFILES: ProfileConfig[] = BUILTIN_PROFILES.filter((p) => ['default', 'binpack', 'first-fit'].includes(p.name));

/** Counts the summaries given again while `body` runs. */
function countingAgain(body: () => void): number {
  const proto = FitErrors.prototype as unknown as { summaryAgain: (...a: unknown[]) => FitError | undefined };
  const original = proto.summaryAgain;
  let n = 0;
  proto.summaryAgain = function (this: unknown, ...a: unknown[]) {
    const e = original.apply(this, a);
    if (e !== undefined) n++;
    return e;
  };
  try {
    body();
  } finally {
    proto.summaryAgain = original;
  }
  return n;
}

describe('the fit-error summary given again', () => {
  it('reads ORCHSIM_NO_FIT_ERROR_AGAIN=1 as off, and unset, empty or 0 as on', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_FIT_ERROR_AGAIN', fitErrorAgainDefault);
  });

  it('gives the same FitErrors and resolvable nodes as reading every node, on crowded clusters that change (property)', () => {
    const again = countingAgain(() => fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.integer({ min: 1, max: 10 }),
        crowdingPodSizes(3),
        fc.array(fc.oneof(
          fc.record({ kind: fc.constant('schedule' as const), spec: fc.nat(3), times: fc.integer({ min: 1, max: 6 }) }),
          fc.record({ kind: fc.constant('unbind' as const), pick: fc.nat(1000) }),
          // A node's rejection changes kind (a taint instead of too little room) or its code (cordoned).
          fc.record({ kind: fc.constant('taint' as const), pick: fc.nat(1000) }),
          fc.record({ kind: fc.constant('cordon' as const), pick: fc.nat(1000) }),
          fc.record({ kind: fc.constant('add-node' as const), pick: fc.nat(1) }),
        ), { minLength: 1, maxLength: 40 }),
        fc.nat(1000),
        (profile, nodeCount, sizes, ops, seed) => {
          const { cluster: c, specs } = crowdedCluster(nodeCount, sizes);
          const on = frameworkWith(profile, undefined, seed, { fitErrorAgain: true });
          const off = frameworkWith(profile, undefined, seed, { fitErrorAgain: false });
          const bound: { pod: PodInfo; node: number }[] = [];
          for (const o of ops) {
            if (o.kind === 'add-node') {
              addCrowdedNode(c, o.pick);
              continue;
            }
            if (o.kind === 'taint') {
              const n = c.nodes[o.pick % c.nodes.length]!;
              n.taints = n.taints.length > 0 ? [] : [DEDICATED_BATCH];
              continue;
            }
            if (o.kind === 'cordon') {
              const n = c.nodes[o.pick % c.nodes.length]!;
              n.unschedulable = !n.unschedulable;
              continue;
            }
            if (o.kind === 'unbind') {
              unbindPicked(c, bound, o.pick);
              continue;
            }
            for (let t = 0; t < o.times; t++) {
              const pod = makePod(specs[o.spec % specs.length]!);
              const a = expectSameCycle(on, off, pod, c);
              if (a >= 0) {
                c.bind(pod, a, undefined);
                bound.push({ pod, node: a });
              }
            }
          }
        },
      ),
      runs(80),
    ));
    // Not vacuous: some failed cycles were given the last summary again.
    expect(again).toBeGreaterThan(0);
  });

  it('reads each node logged since: a Status of the same plugin and code but another reason, a node logged after one logged twice', () => {
    // Both nodes reject the pod for cpu; then one rejects it for memory instead: the same plugin
    // (NodeResourcesFit) and code (Unschedulable), another Status. The summary must say so, not
    // the last one again (summaryAgain takes the first node's very Status as unchanged only).
    const profile = PROFILES.find((p) => p.name === 'default')!;
    const c = makeCluster([{ name: 'n0', cpu: 4, memory: 16 * Gi }, { name: 'n1', cpu: 4, memory: 16 * Gi }]);
    const cpuHeavy = makeSpec({ cpu: 2000, memory: 1 * Gi });
    const memoryHeavy = makeSpec({ cpu: 0, memory: 12 * Gi });
    const wanted = makeSpec({ cpu: 2000, memory: 8 * Gi });
    const first = makePod(cpuHeavy);
    c.bind(first, 0, undefined);
    c.bind(makePod(cpuHeavy), 0, undefined);
    const second = makePod(cpuHeavy);
    c.bind(second, 1, undefined);
    c.bind(makePod(cpuHeavy), 1, undefined);
    const on = frameworkWith(profile, undefined, 1, { fitErrorAgain: true });
    const off = frameworkWith(profile, undefined, 1, { fitErrorAgain: false });
    // The first scan judges the nodes, the second reads their kept verdicts and keeps its summary
    // for "again", which the third gives.
    for (let i = 0; i < 2; i++) expect(expectSameCycle(on, off, makePod(wanted), c)).toBe(-1);
    // Given again by the framework with the memo only.
    const pod = makePod(wanted);
    expect(countingAgain(() => expect(on.fw.schedule(pod, c, on.random)).toBe(-1))).toBe(1);
    expect(countingAgain(() => expect(off.fw.schedule(pod, c, off.random)).toBe(-1))).toBe(0);
    expect(exactFitError(on.fw.lastFitError)).toEqual(exactFitError(off.fw.lastFitError));
    expect(on.fw.lastFitError?.reasons.get('Insufficient cpu')).toBe(2);
    // Logged first, n1 twice as before (a pod finished, the next took its place), then n0 changed.
    c.unbind(second, 1);
    c.bind(makePod(cpuHeavy), 1, undefined);
    c.unbind(first, 0);
    c.bind(makePod(memoryHeavy), 0, undefined);
    expect(countingAgain(() => expect(expectSameCycle(on, off, makePod(wanted), c)).toBe(-1))).toBe(0);
    expect(on.fw.lastFitError?.reasons.get('Insufficient memory')).toBe(1);
    expect(on.fw.lastFitError?.reasons.get('Insufficient cpu')).toBe(1);
  });

  it('changes no result of a whole run: random scenarios, byte-identical (property)', () => {
    const again = countingAgain(() => expectRunsIdenticalWithSwitch('ORCHSIM_NO_FIT_ERROR_AGAIN', Math.max(1, Math.round(25 * SCALE))));
    expect(again).toBeGreaterThan(0);
  });
});
