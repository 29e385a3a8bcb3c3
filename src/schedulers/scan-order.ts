import { WellKnownLabel, type NodeInfo } from '../api/node.js';
import { switchedOn } from '../util/switches.js';

/** minFeasibleNodesToFind and the adaptive rule (pkg/scheduler/schedule_one.go). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes the scheduler looks for before it stops filtering
 * (numFeasibleNodesToFind): all nodes below 100 or at 100%; adaptive 50 - nodes/125 (floor 5%)
 * when the percentage is 0; never fewer than 100.
 */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentageOfNodesToScore >= 100) return numAllNodes;
  let pct = percentageOfNodesToScore;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/**
 * Node scan order of the scheduler's NodeTree: zones interleaved (first node of each zone, then
 * the second of each, ...), zones in order of first appearance, nodes in index order within a zone.
 */
export function zoneInterleavedOrder(nodes: readonly NodeInfo[]): Int32Array {
  const zones = new Map<string, number[]>();
  for (const n of nodes) {
    const zone = n.labels[WellKnownLabel.zone] ?? '';
    let list = zones.get(zone);
    if (!list) zones.set(zone, (list = []));
    list.push(n.index);
  }
  const lists = [...zones.values()];
  const order = new Int32Array(nodes.length);
  let k = 0;
  for (let round = 0; k < nodes.length; round++) {
    for (const list of lists) if (round < list.length) order[k++] = list[round]!;
  }
  return order;
}

/** Whether scan position p holds node index p throughout (one zone, or zones taking turns node by node). */
export function isNodeOrder(order: Int32Array): boolean {
  for (let p = 0; p < order.length; p++) if (order[p] !== p) return false;
  return true;
}

/**
 * Whether frameworks take the node scan's fast paths over the equivalence cache's verdicts unless
 * told otherwise (FrameworkOptions.fastScan): the Filter loop's and scoreInto's specialised loops
 * for the common case, which give the same verdicts, scores and tie-break draws as the general
 * loops (test/schedulers/fast-scan.test.ts runs both). ORCHSIM_NO_FAST_SCAN=1 turns them off.
 */
export function fastScanDefault(): boolean {
  return switchedOn('ORCHSIM_NO_FAST_SCAN');
}

/**
 * Whether frameworks judge and score a changed node from the snapshot's node records
 * (ClusterSnapshot.nodeRecords, src/api/node-record.ts) through the plugins' filterAt and
 * scoreAt, unless told otherwise (FrameworkOptions.nodeRecords), rather than from the node's
 * objects (test/schedulers/node-records.test.ts runs both). ORCHSIM_NO_NODE_RECORDS=1 turns it off.
 */
export function nodeRecordsDefault(): boolean {
  return switchedOn('ORCHSIM_NO_NODE_RECORDS');
}
