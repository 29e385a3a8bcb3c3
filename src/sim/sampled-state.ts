import { WellKnownLabel } from '../api/node.js';
import type { Simulation } from './simulation.js';

/**
 * Cluster state by zone and by service at every time-series sample, for the OpenMetrics export
 * (src/report/openmetrics.ts). The recorder's own series (timeseries.csv) is cluster-wide; this
 * one is taken only when a run is asked for it, through the simulation's onSample hook, so a run
 * without it does exactly what it did (it reads the store and changes nothing).
 */
export interface SampledState {
  /** Sample times, seconds of simulated time. */
  readonly time: readonly number[];
  /** Zones (topology.kubernetes.io/zone; "" for nodes without one), in the order first seen. */
  readonly zones: readonly string[];
  /**
   * Per sample, ZONE_FIELDS values for each zone of `zones` in order; a zone first seen later is
   * missing from the earlier rows (it had no node then).
   */
  readonly zoneRows: readonly (readonly number[])[];
  /** Services, in workload order. */
  readonly services: readonly string[];
  /** Per sample, SERVICE_FIELDS values for each service. */
  readonly serviceRows: readonly (readonly number[])[];
  /** Pods created so far (replacements and retries are new pods), per sample. */
  readonly podsCreated: readonly number[];
}

/** Per zone and sample: requested and allocatable (milli-CPU, bytes, milli-GPU) of present nodes, nodes present, nodes Ready. */
export const ZONE_FIELDS = ['reqCPU', 'allocCPU', 'reqMem', 'allocMem', 'reqGPU', 'allocGPU', 'nodes', 'ready'] as const;
/** Per service and sample: spec.replicas and the replicas ready (as availability counts them). */
export const SERVICE_FIELDS = ['desired', 'ready'] as const;

export class StateSampler {
  private readonly time: number[] = [];
  private readonly zones: string[] = [];
  private readonly zoneIndex = new Map<string, number>();
  private readonly zoneRows: number[][] = [];
  private services: string[] | undefined;
  private readonly serviceRows: number[][] = [];
  private readonly podsCreated: number[] = [];

  /** One sample (pass as the simulation's onSample). */
  sample(sim: Simulation, now: number): void {
    const width = ZONE_FIELDS.length;
    const row: number[] = new Array<number>(this.zones.length * width).fill(0);
    for (const n of sim.cluster.nodes) {
      if (n.removed) continue;
      const zone = n.labels[WellKnownLabel.zone] ?? '';
      let z = this.zoneIndex.get(zone);
      if (z === undefined) {
        z = this.zones.length;
        this.zoneIndex.set(zone, z);
        this.zones.push(zone);
        for (let i = 0; i < width; i++) row.push(0);
      }
      const o = z * width;
      row[o]! += n.requested.milliCPU;
      row[o + 1]! += n.allocatable.milliCPU;
      row[o + 2]! += n.requested.memory;
      row[o + 3]! += n.allocatable.memory;
      row[o + 4]! += n.requested.milliGPU;
      row[o + 5]! += n.allocatable.milliGPU;
      row[o + 6]!++;
      if (sim.isNodeReady(n.index)) row[o + 7]!++;
    }
    const services = sim.serviceReplicas();
    this.services ??= services.map((s) => s.name);
    this.time.push(now);
    this.zoneRows.push(row);
    this.serviceRows.push(services.flatMap((s) => [s.desired, s.ready]));
    this.podsCreated.push(sim.pods.length);
  }

  result(): SampledState {
    return { time: this.time, zones: this.zones, zoneRows: this.zoneRows, services: this.services ?? [], serviceRows: this.serviceRows, podsCreated: this.podsCreated };
  }
}
