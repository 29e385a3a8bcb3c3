import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PodController } from '../../src/api/autoscaling.js';
import { ANNOTATION_SAFE_TO_EVICT, type PodInfo } from '../../src/api/pod.js';
import { caEvictionSlotsFromEnv, EvictionPlan, REASON_BARE_POD, REASON_NOT_SAFE_TO_EVICT, REASON_PDB } from '../../src/autoscalers/cluster-autoscaler-scale-down.js';
import { testPod } from '../helpers/autoscaler-context.js';
import { expectSwitchReadAsDocumented } from '../helpers/scheduler-ab.js';

/**
 * EvictionPlan keeps each controller's planned evictions in a slot found by the controller
 * object controllerOf answers (one lookup by identity per pod) instead of by kind and name
 * strings. This checks it against the plain rule - a map by "kind/name" - with controllerOf
 * answering shared objects, a fresh object per call, or a mix (two objects of one controller
 * must share a count), over random sequences of check and commit.
 */

/** The rule as a plain map by kind and name (the former implementation's bookkeeping). */
class ReferencePlan {
  private readonly planned = new Map<string, number>();
  constructor(private readonly controllerOf: (p: PodInfo) => PodController, private readonly allowed: (p: PodInfo) => number, private readonly honour: boolean) {}

  check(pods: readonly PodInfo[]): string | undefined {
    const raised = new Map<string, number>();
    for (const pod of pods) {
      const c = this.controllerOf(pod);
      if (this.honour && pod.spec.annotations?.[ANNOTATION_SAFE_TO_EVICT] === 'false') return `${pod.name}: ${REASON_NOT_SAFE_TO_EVICT}`;
      if (c.kind === 'None') return `${pod.name}: ${REASON_BARE_POD}`;
      const key = `${c.kind}/${c.name}`;
      const n = (this.planned.get(key) ?? 0) + (raised.get(key) ?? 0);
      if (this.allowed(pod) - n < 1) return `${pod.name}: ${REASON_PDB}`;
      raised.set(key, (raised.get(key) ?? 0) + 1);
    }
    return undefined;
  }

  commit(pods: readonly PodInfo[]): void {
    for (const pod of pods) {
      const c = this.controllerOf(pod);
      const key = `${c.kind}/${c.name}`;
      this.planned.set(key, (this.planned.get(key) ?? 0) + 1);
    }
  }
}

const OWNERS: readonly PodController[] = [
  { kind: 'Deployment', name: 'web' },
  { kind: 'Deployment', name: 'api' },
  // Same name, another kind: another controller.
  { kind: 'Job', name: 'web' },
  { kind: 'DaemonSet', name: 'agent' },
  { kind: 'None', name: '' },
];

describe('EvictionPlan', () => {
  it('counts per controller as the plain kind/name map does, whatever objects controllerOf answers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ owner: fc.nat({ max: OWNERS.length - 1 }), unsafe: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: OWNERS.length, maxLength: OWNERS.length }),
        // 0: one shared object per controller, 1: a fresh object per call, 2: per call, either.
        fc.constantFrom(0, 1, 2),
        fc.boolean(),
        fc.array(fc.record({ commit: fc.boolean(), pods: fc.array(fc.nat(), { maxLength: 6 }) }), { minLength: 1, maxLength: 25 }),
        (podDefs, allowance, objects, honour, ops) => {
          const { pods, ownerOf, controllerOf } = podsOf(podDefs, objects);
          const allowed = (p: PodInfo) => {
            const a = allowance[ownerOf.get(p.id)!]!;
            return a === 4 ? Infinity : a;
          };
          const plan = new EvictionPlan({ controllerOf, disruptionsAllowed: allowed }, honour);
          const ref = new ReferencePlan(controllerOf, allowed, honour);
          applyOps(plan, ref, ops, pods);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('kept from scan to scan (startScan), counts as a new plain map per scan does', () => {
    // The cluster autoscaler keeps one plan and empties it at each scan (ORCHSIM_NO_CA_EVICTION_SLOTS
    // off): each scan must see every controller at 0 again, whatever the earlier scans committed,
    // and each scan's context (a new controllerOf and disruptionsAllowed per scan) must be used.
    fc.assert(
      fc.property(
        fc.array(fc.record({ owner: fc.nat({ max: OWNERS.length - 1 }), unsafe: fc.boolean() }), { minLength: 1, maxLength: 10 }),
        fc.constantFrom(0, 1, 2),
        fc.array(
          fc.record({
            allowance: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: OWNERS.length, maxLength: OWNERS.length }),
            ops: fc.array(fc.record({ commit: fc.boolean(), pods: fc.array(fc.nat(), { maxLength: 6 }) }), { maxLength: 12 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        (podDefs, objects, scans) => {
          const { pods, ownerOf, controllerOf } = podsOf(podDefs, objects);
          let kept: EvictionPlan | undefined;
          for (const scan of scans) {
            const allowed = (p: PodInfo) => {
              const a = scan.allowance[ownerOf.get(p.id)!]!;
              return a === 4 ? Infinity : a;
            };
            const ctx = { controllerOf: (p: PodInfo) => controllerOf(p), disruptionsAllowed: allowed };
            if (kept === undefined) kept = new EvictionPlan(ctx);
            else kept.startScan(ctx);
            const ref = new ReferencePlan(controllerOf, allowed, true);
            applyOps(kept, ref, scan.ops, pods);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reads ORCHSIM_NO_CA_EVICTION_SLOTS=1 as off, and unset, empty or 0 as on', () => {
    expectSwitchReadAsDocumented('ORCHSIM_NO_CA_EVICTION_SLOTS', () => caEvictionSlotsFromEnv());
  });
});

/**
 * The pods a property's podDefs describe (an owner each, some not safe to evict) and their
 * controllerOf: `objects` 0 gives one shared object per controller, 1 a fresh object per call,
 * 2 either, per call.
 */
function podsOf(podDefs: readonly { owner: number; unsafe: boolean }[], objects: number) {
  const pods = podDefs.map((d) => {
    const p = testPod();
    return { ...p, spec: { ...p.spec, annotations: d.unsafe ? { [ANNOTATION_SAFE_TO_EVICT]: 'false' } : undefined } };
  });
  const ownerOf = new Map(pods.map((p, i) => [p.id, podDefs[i]!.owner]));
  let calls = 0;
  const controllerOf = (p: PodInfo): PodController => {
    const o = OWNERS[ownerOf.get(p.id)!]!;
    const fresh = objects === 1 || (objects === 2 && calls++ % 3 === 0);
    return fresh ? { kind: o.kind, name: o.name } : o;
  };
  return { pods, ownerOf, controllerOf };
}

/** Commits or checks each op's pods in `plan` and in the reference, which must answer every check alike (and `allows` as the check's verdict). */
function applyOps(plan: EvictionPlan, ref: ReferencePlan, ops: readonly { commit: boolean; pods: readonly number[] }[], pods: readonly PodInfo[]): void {
  for (const op of ops) {
    const list = op.pods.map((i) => pods[i % pods.length]!);
    if (op.commit) {
      plan.commit(list);
      ref.commit(list);
    } else {
      const why = ref.check(list);
      expect(plan.allows(list)).toBe(why === undefined);
      expect(plan.check(list)).toBe(why);
    }
  }
}
