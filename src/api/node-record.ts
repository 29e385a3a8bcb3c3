/**
 * ClusterSnapshot.nodeRecords: what the default profile's node-local plugins read of a node, one
 * record per node index, NODE_RECORD_STRIDE numbers each, the record of node i starting at
 * i * NODE_RECORD_STRIDE. The node's object reports the same numbers (its podCount, requested
 * and nonZeroRequested read them from the record; allocatable, allowedPodNumber, taints and
 * unschedulable are copied in when they change), but reaching them through the object, its
 * views, its allocatable and its taint list takes several cache lines for a node the scheduler
 * has not looked at lately. A record is one or two, so a node whose verdict must be computed
 * again (it changed since the pod's spec last saw it) costs a fraction of what the objects cost
 * (bench/README.md, "Third pass (branch scale3)").
 *
 * Plugins read it through FilterPlugin.filterAt and ScorePlugin.scoreAt, which give the verdict
 * and score of filter and score on snapshot.nodes[index], from the record where they can.
 */

/** Numbers per node record. */
export const NODE_RECORD_STRIDE = 12;
/** Pods bound to the node (NodeInfo.podCount). */
export const REC_POD_COUNT = 0;
/** NodeInfo.allowedPodNumber. */
export const REC_ALLOWED_PODS = 1;
/** allocatable.milliCPU. */
export const REC_ALLOC_CPU = 2;
/** allocatable.memory. */
export const REC_ALLOC_MEMORY = 3;
/** requested.milliCPU. */
export const REC_REQ_CPU = 4;
/** requested.memory. */
export const REC_REQ_MEMORY = 5;
/** nonZeroRequested.milliCPU. */
export const REC_NZ_CPU = 6;
/** nonZeroRequested.memory. */
export const REC_NZ_MEMORY = 7;
/** taints.length (0: no taint to look at). */
export const REC_TAINTS = 8;
/** unschedulable: 1, else 0. */
export const REC_UNSCHEDULABLE = 9;
/** allocatable.ephemeralStorage. */
export const REC_ALLOC_EPHEMERAL = 10;
/** requested.ephemeralStorage. */
export const REC_REQ_EPHEMERAL = 11;
