import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, NodeInfo } from '../../src/api/node.js';
import type { PodInfo, PodSpec } from '../../src/api/pod.js';
import { POD_GROUP_LABEL, type PodGroupLister, type PodGroupView } from '../../src/api/podgroup.js';
import type { WaitingPodsHandle } from '../../src/api/framework.js';
import {
  coscheduling, DEFAULT_COSCHEDULING_ARGS, permitDecision, postFilterRejects, preFilterDecision, queueSortTime, reasonNotEnoughSiblings, waitSeconds,
} from '../../src/schedulers/plugins/coscheduling.js';
import { PluginArgsError } from '../../src/schedulers/registry.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { resources } from '../../src/api/resources.js';

/**
 * Coscheduling's decisions against scheduler-plugins pkg/coscheduling: the cases of
 * core/core_test.go (TestPreFilter, TestPermit) and coscheduling_test.go (TestPermit,
 * TestPostFilterRejectThreshold, TestLess), restated over the simulator's PodGroup view.
 */

const spec = (group?: string): PodSpec => ({
  namespace: 'ns', labels: group ? { [POD_GROUP_LABEL]: group } : {}, priority: 0,
  requests: resources({ milliCPU: 1000 }),
});
const pod = (id: number, group?: string): PodInfo => ({ id, name: `p${id}`, spec: spec(group) });
const view = (name: string, minMember: number, pods: number, assigned: number, more: Partial<PodGroupView> = {}): PodGroupView => ({
  fullName: `ns/${name}`, spec: { name, namespace: 'ns', minMember }, creationTime: 0, lastFailure: NaN, pods, assigned, backoffUntil: 0, ...more,
});

describe('PreFilter (core_test.go TestPreFilter)', () => {
  const cases: [string, PodGroupView | undefined, string | null][] = [
    ['pod does not belong to any pg', undefined, null],
    // A pod naming a PodGroup that does not exist passes PreFilter (and is rejected at Permit).
    ['pod belongs to a non-existent pg', undefined, null],
    ['pod count less than minMember', view('pg', 3, 2, 0), reasonNotEnoughSiblings('p1', 2, 3)],
    ['pod count equal minMember', view('pg', 2, 2, 0), null],
    ['pod count more than minMember', view('pg', 2, 3, 0), null],
    ['group backed off', view('pg', 2, 3, 0, { backoffUntil: 10 }), 'podGroup ns/pg failed recently'],
    ['group backoff over', view('pg', 2, 3, 0, { backoffUntil: 5 }), null],
  ];
  it.each(cases)('%s', (_name, group, want) => expect(preFilterDecision(pod(1, 'pg'), group, 5)).toBe(want));
  it('says what upstream says', () => {
    expect(reasonNotEnoughSiblings('p1', 2, 3)).toBe('pre-filter pod p1 cannot find enough sibling pods, current pods number: 2, minMember of group: 3');
  });
});

describe('Permit (core_test.go TestPermit, coscheduling_test.go TestPermit)', () => {
  const cases: [string, string | undefined, PodGroupView | undefined, string][] = [
    ['pod does not belong to any pg', undefined, undefined, 'PodGroupNotSpecified'],
    ['pod specifies a non-existent pg', 'ns/pg', undefined, 'PodGroupNotFound'],
    // `assigned` counts the pod itself: it is reserved before Permit runs.
    ['pod belongs to a pg that does not have quorum', 'ns/pg', view('pg', 2, 2, 1), 'Wait'],
    ['pod belongs to a pg that has quorum satisfied', 'ns/pg', view('pg', 1, 1, 1), 'Success'],
    ['the last member of a gang', 'ns/pg', view('pg', 4, 4, 4), 'Success'],
  ];
  it.each(cases)('%s', (_name, fullName, group, want) => expect(permitDecision(fullName, group)).toBe(want));

  it('waits scheduleTimeoutSeconds, else the plugin argument, else 60 s (util.GetWaitTimeDuration)', () => {
    expect(waitSeconds(view('pg', 2, 2, 1, { spec: { name: 'pg', namespace: 'ns', minMember: 2, scheduleTimeoutSeconds: 5 } }), DEFAULT_COSCHEDULING_ARGS)).toBe(5);
    expect(waitSeconds(view('pg', 2, 2, 1), { ...DEFAULT_COSCHEDULING_ARGS, permitWaitingTimeSeconds: 10 })).toBe(10);
    expect(waitSeconds(view('pg', 2, 2, 1), { ...DEFAULT_COSCHEDULING_ARGS, permitWaitingTimeSeconds: 0 })).toBe(60);
    expect(DEFAULT_COSCHEDULING_ARGS).toEqual({ permitWaitingTimeSeconds: 60, podGroupBackoffSeconds: 0, podGroupRejectPercentage: 10 });
  });
});

describe('PostFilter (coscheduling_test.go TestPostFilter, TestPostFilterRejectThreshold)', () => {
  const cases: [string, number, number, number, boolean][] = [
    ['enough pods assigned, do not reject all', 2, 2, 10, false],
    ['pod failed at filter phase, reject all pods', 2, 1, 10, true],
    ['default 10%: 9/10 assigned (10% gap): no rejection', 10, 9, 10, false],
    ['default 10%: 8/10 assigned (20% gap): rejection', 10, 8, 10, true],
    ['0%: 9/10 assigned: rejection (always reject)', 10, 9, 0, true],
    ['100%: 0/10 assigned: no rejection (never reject)', 10, 0, 100, false],
    ['50%: 6/10 assigned (40% gap): no rejection', 10, 6, 50, false],
    ['50%: 4/10 assigned (60% gap): rejection', 10, 4, 50, true],
  ];
  it.each(cases)('%s', (_name, minMember, assigned, pct, want) => expect(postFilterRejects(minMember, assigned, pct)).toBe(want));
});

describe('QueueSort (coscheduling_test.go TestLess, TestLessAfterScheduleFailure)', () => {
  it('a group pod sorts by its group creation, or by the group last failure; another pod by its own first attempt', () => {
    expect(queueSortTime(undefined, 7)).toBe(7);
    expect(queueSortTime(view('pg', 2, 2, 0, { creationTime: 3 }), 7)).toBe(3);
    expect(queueSortTime(view('pg', 2, 2, 0, { creationTime: 3, lastFailure: 9 }), 7)).toBe(9);
  });
});

/** A lister and a waiting-pods handle over plain maps, to drive the plugin as the framework does. */
function fixture(groups: Record<string, PodGroupView>, members: Record<string, PodInfo[]>) {
  const failures: string[] = [];
  const backoffs: [string, number][] = [];
  const lister: PodGroupLister = {
    groupName: (p) => (p.spec.labels[POD_GROUP_LABEL] ? `ns/${p.spec.labels[POD_GROUP_LABEL]}` : undefined),
    get: (n) => groups[n],
    podsOf: (n) => members[n] ?? [],
    now: 0,
    markScheduleFailure: (n) => failures.push(n),
    clearScheduleFailure: () => {},
    backoff: (n, s) => backoffs.push([n, s]),
  };
  const waiting: PodInfo[] = [];
  const log: string[] = [];
  const handle: WaitingPodsHandle = {
    waitingPods: () => [...waiting],
    allow: (p) => log.push(`allow ${p.name}`),
    reject: (p, _plugin, reason) => log.push(`reject ${p.name}: ${reason}`),
    activate: (ps) => log.push(`activate ${ps.map((p) => p.name).join(',')}`),
  };
  const snapshot = { nodes: [], havePodsWithAffinity: [], havePodsWithRequiredAntiAffinity: [], nodeByName: () => undefined, podGroups: lister } as ClusterSnapshot;
  return { snapshot, handle, waiting, log, failures, backoffs };
}
const node = { name: 'n' } as NodeInfo;

describe('the Coscheduling plugin', () => {
  it('the first member waits and activates its siblings; the minMember-th allows the waiting ones', () => {
    const members = [pod(1, 'pg'), pod(2, 'pg'), pod(3, 'pg')];
    const f = fixture({ 'ns/pg': view('pg', 3, 3, 1) }, { 'ns/pg': members });
    const cs = coscheduling();
    expect(cs.permit(new Map(), members[0]!, node, f.snapshot, f.handle)).toEqual({ code: 'Wait', timeout: 60 });
    expect(f.log).toEqual(['activate p2,p3']);
    const g = fixture({ 'ns/pg': view('pg', 3, 3, 3) }, { 'ns/pg': members });
    g.waiting.push(members[0]!, members[1]!, pod(9, 'other'));
    expect(cs.permit(new Map(), members[2]!, node, g.snapshot, g.handle)).toBeNull();
    expect(g.log).toEqual(['allow p1', 'allow p2']);
  });

  it('rejects a pod whose PodGroup does not exist at Permit, and lets a pod of no group through', () => {
    const f = fixture({}, {});
    expect(coscheduling().permit(new Map(), pod(1, 'ghost'), node, f.snapshot, f.handle)).toEqual({ code: 'Unschedulable', reason: 'PodGroup not found' });
    expect(coscheduling().permit(new Map(), pod(2), node, f.snapshot, f.handle)).toBeNull();
  });

  it('PreFilter rejects unresolvably (no preemption for a group short of pods)', () => {
    const f = fixture({ 'ns/pg': view('pg', 3, 2, 0) }, {});
    expect(coscheduling().preFilter(new Map(), pod(1, 'pg'), f.snapshot)).toEqual({ code: 'UnschedulableAndUnresolvable', reason: reasonNotEnoughSiblings('p1', 2, 3) });
  });

  it('Unreserve (a timeout) rejects the rest of the group and marks its failure', () => {
    const f = fixture({ 'ns/pg': view('pg', 3, 3, 2) }, {});
    f.waiting.push(pod(2, 'pg'), pod(5, 'other'));
    coscheduling().unreserve(pod(1, 'pg'), node, f.snapshot, f.handle);
    expect(f.log).toEqual(['reject p2: rejection in Unreserve']);
    expect(f.failures).toEqual(['ns/pg']);
  });

  it('PostFilter rejects the waiting members of a group far from quorum, and backs it off when configured', () => {
    const f = fixture({ 'ns/pg': view('pg', 4, 4, 1) }, {});
    f.waiting.push(pod(1, 'pg'));
    coscheduling({ podGroupBackoffSeconds: 30 }).postFilter(pod(2, 'pg'), f.snapshot, f.handle);
    expect(f.log).toEqual(['reject p1: optimistic rejection in PostFilter']);
    expect(f.backoffs).toEqual([['ns/pg', 30]]);
    const g = fixture({ 'ns/pg': view('pg', 10, 10, 9) }, {});
    g.waiting.push(pod(1, 'pg'));
    coscheduling().postFilter(pod(2, 'pg'), g.snapshot, g.handle);
    expect(g.log).toEqual([]);
  });

  it('validates its arguments', () => {
    expect(() => coscheduling({ podGroupBackoffSeconds: -1 })).toThrow(PluginArgsError);
    expect(() => coscheduling({ podGroupRejectPercentage: 101 })).toThrow(PluginArgsError);
    expect(() => coscheduling({ timeout: 1 })).toThrow(/unknown field/);
  });

  it('is not in the default profile; the gang profile is the default plus Coscheduling', () => {
    const byName = Object.fromEntries(BUILTIN_PROFILES.map((p) => [p.name, p.plugins.map((x) => x.name)]));
    expect(byName['default']).not.toContain('Coscheduling');
    expect(byName['gang']).toEqual([...byName['default']!, 'Coscheduling']);
  });
});
