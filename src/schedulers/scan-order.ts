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
    const zone = zoneOf(n);
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

/** The node's zone as the scan order groups it ("" without the label). */
function zoneOf(node: NodeInfo): string {
  return node.labels[WellKnownLabel.zone] ?? '';
}

/**
 * Whether frameworks keep the scan order of a node list for the next list that puts the same
 * zones at the same indexes (ScanOrder), unless told otherwise (FrameworkOptions.scanOrderMemo):
 * ORCHSIM_NO_SCAN_ORDER_MEMO=1 turns it off (the order made again for every new node list).
 */
export function scanOrderMemoDefault(): boolean {
  return switchedOn('ORCHSIM_NO_SCAN_ORDER_MEMO');
}

/**
 * A framework's scan order (zoneInterleavedOrder) of the snapshot's node list, made again when
 * the list is another or has grown. With `memo`, a new list whose every position holds a node of
 * the same index and zone as the list the order was made for keeps that order, which depends on
 * nothing else: the simulator's cluster replaces its list at every node removed or slot reused,
 * and a cluster-autoscaler what-if that adds template nodes and rolls them back leaves a new list
 * of the same nodes (in the autoscaled week, 529 of 1,381 new lists).
 */
export class ScanOrder {
  private order: Int32Array = new Int32Array(0);
  private orderFor: readonly NodeInfo[] | undefined;
  private orderLength = -1;
  /** With the memo: each position's zone and node index in the list `order` was made for. */
  private zones: string[] = [];
  private indexes = new Int32Array(0);

  constructor(private readonly memo: boolean) {}

  of(nodes: readonly NodeInfo[]): Int32Array {
    if (this.orderFor === nodes && this.orderLength === nodes.length) return this.order;
    if (!this.memo) this.order = zoneInterleavedOrder(nodes);
    else if (!this.sameZones(nodes)) {
      this.order = zoneInterleavedOrder(nodes);
      this.remember(nodes);
    }
    this.orderFor = nodes;
    this.orderLength = nodes.length;
    return this.order;
  }

  private sameZones(nodes: readonly NodeInfo[]): boolean {
    if (nodes.length !== this.zones.length) return false;
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k]!;
      if (node.index !== this.indexes[k] || zoneOf(node) !== this.zones[k]) return false;
    }
    return true;
  }

  private remember(nodes: readonly NodeInfo[]): void {
    const count = nodes.length;
    if (this.indexes.length < count) this.indexes = new Int32Array(Math.max(count, 2 * this.indexes.length));
    this.zones.length = count;
    for (let k = 0; k < count; k++) {
      this.zones[k] = zoneOf(nodes[k]!);
      this.indexes[k] = nodes[k]!.index;
    }
  }
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
