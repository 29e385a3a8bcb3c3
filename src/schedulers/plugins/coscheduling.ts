import {
  ClusterEvent, unresolvable, type PermitPlugin, type PermitResult, type PreFilterPlugin, type QueueSortPlugin, type Status, type UnreservePlugin,
  type WaitingPodsHandle, type WaitingPostFilterPlugin,
} from '../../api/framework.js';
import type { ClusterSnapshot } from '../../api/node.js';
import type { PodInfo } from '../../api/pod.js';
import { DEFAULT_SCHEDULE_TIMEOUT_SECONDS, podGroupFullName, type PodGroupLister, type PodGroupView } from '../../api/podgroup.js';
import { PluginArgsError } from '../registry.js';
import { argsObject, rejectUnknownKeys } from './args.js';

/**
 * Coscheduling (gang scheduling) of kubernetes-sigs/scheduler-plugins, pkg/coscheduling
 * (coscheduling.go and core/core.go): the pods of a PodGroup are bound together once
 * `minMember` of them have a node, or not at all. The sums the plugin's PodGroupManager keeps
 * (pods, assigned, creation and failure times, backoff) are kept by the simulator and read
 * through `snapshot.podGroups`.
 */
export const NAME = 'Coscheduling';

/** CoschedulingArgs (apis/config/v1/types.go) with SetDefaults_CoschedulingArgs' defaults. */
export interface CoschedulingArgs {
  /** Default wait at Permit when the PodGroup sets no scheduleTimeoutSeconds: 60 s. */
  readonly permitWaitingTimeSeconds: number;
  /** PostFilter backs a rejected group off this long (0, the default: no group backoff). */
  readonly podGroupBackoffSeconds: number;
  /** PostFilter does not reject a group missing at most this percentage of minMember (default 10). */
  readonly podGroupRejectPercentage: number;
}

export const DEFAULT_COSCHEDULING_ARGS: CoschedulingArgs = { permitWaitingTimeSeconds: DEFAULT_SCHEDULE_TIMEOUT_SECONDS, podGroupBackoffSeconds: 0, podGroupRejectPercentage: 10 };

/** PreFilter's messages (core.go PodGroupManager.PreFilter). */
export function reasonFailedRecently(fullName: string): string {
  return `podGroup ${fullName} failed recently`;
}
export function reasonNotEnoughSiblings(pod: string, pods: number, minMember: number): string {
  return `pre-filter pod ${pod} cannot find enough sibling pods, current pods number: ${pods}, minMember of group: ${minMember}`;
}

/**
 * PodGroupManager.PreFilter: a pod of no group, or of a group that does not exist, passes; a
 * group backed off fails; a group with fewer pods in total than minMember fails. (Scheduling
 * gates and minResources are not modelled.) Returns the rejection message, or null.
 */
export function preFilterDecision(pod: PodInfo, group: PodGroupView | undefined, now: number): string | null {
  if (group === undefined) return null;
  if (group.backoffUntil > now) return reasonFailedRecently(group.fullName);
  if (group.pods < group.spec.minMember) return reasonNotEnoughSiblings(pod.name, group.pods, group.spec.minMember);
  return null;
}

/** PodGroupManager.Permit's statuses (core.go). */
export type PermitStatus = 'PodGroupNotSpecified' | 'PodGroupNotFound' | 'Success' | 'Wait';

/**
 * PodGroupManager.Permit: `assigned` counts the pods of the group reserved or bound, this one
 * included (it is reserved before Permit runs); minMember of them lets the group through.
 */
export function permitDecision(fullName: string | undefined, group: PodGroupView | undefined): PermitStatus {
  if (fullName === undefined) return 'PodGroupNotSpecified';
  if (group === undefined) return 'PodGroupNotFound';
  return group.assigned >= group.spec.minMember ? 'Success' : 'Wait';
}

/** util.GetWaitTimeDuration: the group's scheduleTimeoutSeconds, else the plugin's, else 60 s. */
export function waitSeconds(group: PodGroupView | undefined, args: CoschedulingArgs): number {
  if (group?.spec.scheduleTimeoutSeconds !== undefined) return group.spec.scheduleTimeoutSeconds;
  return args.permitWaitingTimeSeconds !== 0 ? args.permitWaitingTimeSeconds : DEFAULT_SCHEDULE_TIMEOUT_SECONDS;
}

/**
 * Coscheduling.PostFilter's test: reject the group's waiting pods when fewer than minMember are
 * assigned and the share still missing exceeds podGroupRejectPercentage.
 */
export function postFilterRejects(minMember: number, assigned: number, rejectPercentage: number): boolean {
  if (assigned >= minMember) return false;
  return (minMember - assigned) / minMember > rejectPercentage / 100;
}

/**
 * Coscheduling.Less's second key (GetCreationTimestamp): a group's pods sort by the group's
 * last scheduling failure if it has one (so a failing group does not block the queue's head),
 * else by the group's creation; other pods by their own initial attempt.
 */
export function queueSortTime(group: PodGroupView | undefined, initialAttempt: number): number {
  if (group === undefined) return initialAttempt;
  return Number.isNaN(group.lastFailure) ? group.creationTime : group.lastFailure;
}

function parseArgs(raw: unknown): CoschedulingArgs {
  const args = argsObject(NAME, raw);
  rejectUnknownKeys(NAME, args, ['permitWaitingTimeSeconds', 'podGroupBackoffSeconds', 'podGroupRejectPercentage']);
  const num = (key: keyof CoschedulingArgs, lo: number, hi: number): number => {
    const v = args[key] ?? DEFAULT_COSCHEDULING_ARGS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new PluginArgsError(NAME, [key], `expected a whole number from ${lo} to ${hi}`);
    return v;
  };
  return {
    permitWaitingTimeSeconds: num('permitWaitingTimeSeconds', 0, 2 ** 31 - 1),
    // "PodGroupBackoffSeconds cannot be negative" (coscheduling.go New).
    podGroupBackoffSeconds: num('podGroupBackoffSeconds', 0, 2 ** 31 - 1),
    podGroupRejectPercentage: num('podGroupRejectPercentage', 0, 100),
  };
}

function sameGroupWaiting(handle: WaitingPodsHandle, fullName: string): PodInfo[] {
  return handle.waitingPods().filter((w) => podGroupFullName(w) === fullName);
}

export type Coscheduling = QueueSortPlugin & PreFilterPlugin & WaitingPostFilterPlugin & PermitPlugin & UnreservePlugin;

export function coscheduling(raw?: unknown): Coscheduling {
  const args = parseArgs(raw);
  const lookup = (pod: PodInfo, snapshot: ClusterSnapshot): [string | undefined, PodGroupView | undefined, PodGroupLister | undefined] => {
    const lister = snapshot.podGroups;
    const fullName = podGroupFullName(pod);
    return [fullName, fullName !== undefined ? lister?.get(fullName) : undefined, lister];
  };
  return {
    name: NAME,
    // EventsToRegister: Pod/Add (and PodGroup Add/Update, which the simulator does not emit:
    // a group exists before its pods).
    events: ClusterEvent.PodAdd,
    sortTime: (q, snapshot) => queueSortTime(lookup(q.pod, snapshot)[1], q.initialAttemptTimestamp),
    // A PreFilter failure is UnschedulableAndUnresolvable, "to avoid any preemption attempts".
    preFilter: (_state, pod, snapshot): Status | null => {
      const [, group, lister] = lookup(pod, snapshot);
      const reason = preFilterDecision(pod, group, lister?.now ?? 0);
      return reason === null ? null : unresolvable(reason);
    },
    postFilter: (pod, snapshot, handle) => {
      const [fullName, group, lister] = lookup(pod, snapshot);
      if (fullName === undefined || group === undefined || lister === undefined) return;
      if (!postFilterRejects(group.spec.minMember, group.assigned, args.podGroupRejectPercentage)) return;
      // "if the nth Pod failed, ... other Pods belonging to the same PodGroup would be very likely to fail."
      for (const w of sameGroupWaiting(handle, fullName)) handle.reject(w, NAME, 'optimistic rejection in PostFilter');
      if (args.podGroupBackoffSeconds > 0 && group.pods >= group.spec.minMember) lister.backoff(fullName, args.podGroupBackoffSeconds);
      lister.markScheduleFailure(fullName);
    },
    permit: (_state, pod, _node, snapshot, handle): PermitResult => {
      const [fullName, group, lister] = lookup(pod, snapshot);
      switch (permitDecision(fullName, group)) {
        case 'PodGroupNotSpecified':
          return null;
        case 'PodGroupNotFound':
          return { code: 'Unschedulable', reason: 'PodGroup not found' };
        case 'Wait':
          // The first pod to wait activates its siblings (core.go Permit, ActivateSiblings).
          if (group!.assigned === 1) handle.activate(lister!.podsOf(fullName!).filter((p) => p.id !== pod.id));
          return { code: 'Wait', timeout: waitSeconds(group, args) };
        case 'Success':
          lister!.clearScheduleFailure(fullName!);
          for (const w of sameGroupWaiting(handle, fullName!)) handle.allow(w, NAME);
          return null;
      }
    },
    // A waiting pod rejected (its timeout, a sibling's rejection) or deleted: its group's other waiting pods go too.
    unreserve: (pod, _node, snapshot, handle) => {
      const [fullName, group, lister] = lookup(pod, snapshot);
      if (fullName === undefined || group === undefined) return;
      for (const w of sameGroupWaiting(handle, fullName)) handle.reject(w, NAME, 'rejection in Unreserve');
      lister!.markScheduleFailure(fullName);
    },
  };
}
