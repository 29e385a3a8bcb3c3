import * as z from 'zod';
import { bytesSchema, durationSchema, gpuSchema, lazily, milliCPUSchema } from './units.js';

/**
 * The `queueing:` section: Kueue's ResourceFlavors, ClusterQueues and LocalQueues
 * (kueue.x-k8s.io/v1beta1 field names), and the Kueue Configuration's fairSharing. A
 * ClusterQueue's quotas are written either as upstream's `resourceGroups`, or with the
 * `resources` shorthand: one resource group covering every resource its flavors name, e.g.
 *   resources: [{ flavor: default, cpu: { nominal: 64, borrowingLimit: 32 }, memory: { nominal: 256Gi } }]
 * Quantities take the usual units (cpu cores or "500m", memory "256Gi", whole GPUs, pod counts).
 *
 * Built when a file first has a `queueing:` section (units.ts lazily; most files have none);
 * ORCHSIM_NO_LAZY_SCHEMA=1 builds it when this module loads.
 */
export const queueingSchema = lazily(() => {
  const name = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a lowercase DNS name such as "team-a"');
  const labels = z.record(z.string().min(1), z.string());
  const taintEffect = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

  const flavor = z.strictObject({
    name,
    nodeLabels: labels.optional(),
    nodeTaints: z.array(z.strictObject({ key: z.string().min(1), value: z.string().optional(), effect: taintEffect })).optional(),
    tolerations: z.array(z.strictObject({
      key: z.string().optional(),
      operator: z.enum(['Exists', 'Equal']).optional(),
      value: z.string().optional(),
      effect: taintEffect.optional(),
    })).optional(),
  });

  /** One resource's quota in the shorthand: nominal, and the optional limits, in the resource's unit. */
  const quota = <T extends z.ZodType>(unit: T) => z.strictObject({ nominal: unit, borrowingLimit: unit.optional(), lendingLimit: unit.optional() });
  const podsUnit = z.number().int().min(0);

  const shorthandFlavor = z.strictObject({
    flavor: name,
    cpu: quota(milliCPUSchema).optional(),
    memory: quota(bytesSchema).optional(),
    'nvidia.com/gpu': quota(gpuSchema).optional(),
    pods: quota(podsUnit).optional(),
  });

  /** The quantity of a named resource in `resourceGroups` (its unit depends on the name, so it is parsed in resolve). */
  const fullQuota = z.strictObject({
    name: z.enum(['cpu', 'memory', 'nvidia.com/gpu', 'pods']),
    nominalQuota: z.union([z.string(), z.number()]),
    borrowingLimit: z.union([z.string(), z.number()]).optional(),
    lendingLimit: z.union([z.string(), z.number()]).optional(),
  });

  const resourceGroup = z.strictObject({
    coveredResources: z.array(z.enum(['cpu', 'memory', 'nvidia.com/gpu', 'pods'])).min(1),
    flavors: z.array(z.strictObject({ name, resources: z.array(fullQuota).min(1) })).min(1),
  });

  const clusterQueue = z.strictObject({
    name,
    cohort: name.optional(),
    queueingStrategy: z.enum(['StrictFIFO', 'BestEffortFIFO']).optional(),
    resources: z.array(shorthandFlavor).min(1).optional(),
    resourceGroups: z.array(resourceGroup).min(1).optional(),
    preemption: z.strictObject({
      withinClusterQueue: z.enum(['Never', 'LowerPriority', 'LowerOrNewerEqualPriority']).optional(),
      reclaimWithinCohort: z.enum(['Never', 'LowerPriority', 'Any']).optional(),
      borrowWithinCohort: z.strictObject({ policy: z.enum(['Never', 'LowerPriority']), maxPriorityThreshold: z.number().int().optional() }).optional(),
    }).optional(),
    fairSharing: z.strictObject({ weight: z.number().min(0) }).optional(),
    flavorFungibility: z.strictObject({
      whenCanBorrow: z.enum(['MayStopSearch', 'TryNextFlavor']).optional(),
      whenCanPreempt: z.enum(['MayStopSearch', 'TryNextFlavor']).optional(),
    }).optional(),
  }).refine((c) => (c.resources === undefined) !== (c.resourceGroups === undefined), { message: 'give the quotas as `resources` (one resource group) or as `resourceGroups`, exactly one of them' });

  const strategies = z.union([
    z.tuple([z.literal('LessThanOrEqualToFinalShare')]),
    z.tuple([z.literal('LessThanInitialShare')]),
    z.tuple([z.literal('LessThanOrEqualToFinalShare'), z.literal('LessThanInitialShare')]),
  ], { error: 'expected [LessThanOrEqualToFinalShare], [LessThanInitialShare] or [LessThanOrEqualToFinalShare, LessThanInitialShare] (the lists Kueue accepts)' });

  return z.strictObject({
    flavors: z.array(flavor).min(1),
    clusterQueues: z.array(clusterQueue).min(1),
    localQueues: z.array(z.strictObject({ name, namespace: z.string().min(1).optional(), clusterQueue: name })).min(1),
    /** Kueue Configuration fairSharing: true, or with its preemptionStrategies. */
    fairSharing: z.union([z.boolean(), z.strictObject({ enable: z.boolean().optional(), preemptionStrategies: strategies.optional() })]).optional(),
    /** Time from a change (a workload created or finished) to the admission cycle; 0 by default. */
    cycleLatency: durationSchema.optional(),
  });
});

export type QueueingDoc = z.output<ReturnType<typeof queueingSchema>>;
