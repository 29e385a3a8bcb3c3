import type { Lifecycle } from './lifecycle.js';
import type { PodGroupStore } from './pod-groups.js';
import { summarize, type GangMetrics as GangResult } from './results.js';

/** Integrals of the resources held idle by gangs, and of the allocatable, up to the horizon. */
export interface GangAreas {
  readonly idleMilliCPU: number;
  readonly idleMilliGPU: number;
  readonly reservedMilliCPU: number;
  readonly reservedMilliGPU: number;
  readonly allocMilliCPU: number;
  readonly allocMilliGPU: number;
}

/**
 * Time integrals for the gang metrics: hears `beforeChange` (every change of the cluster's
 * totals, reservations included, goes through the lifecycle API's touch) and integrates the
 * idle and reserved requests the PodGroup store keeps, and the cluster's allocatable.
 */
export class GangMetrics {
  private last = 0;
  private idleCPU = 0;
  private idleGPU = 0;
  private resCPU = 0;
  private resGPU = 0;
  private allocCPU = 0;
  private allocGPU = 0;

  constructor(private readonly api: Lifecycle) {
    api.on('beforeChange', (now) => this.advance(now));
  }

  private advance(now: number): void {
    const dt = now - this.last;
    if (dt <= 0) return;
    const g = this.api.podGroups;
    const c = this.api.cluster;
    this.idleCPU += g.idleMilliCPU * dt;
    this.idleGPU += g.idleMilliGPU * dt;
    this.resCPU += g.reservedMilliCPU * dt;
    this.resGPU += g.reservedMilliGPU * dt;
    this.allocCPU += c.totalAllocCPU * dt;
    this.allocGPU += c.totalAllocGPU * dt;
    this.last = now;
  }

  finish(horizon: number): GangAreas {
    this.advance(horizon);
    return { idleMilliCPU: this.idleCPU, idleMilliGPU: this.idleGPU, reservedMilliCPU: this.resCPU, reservedMilliGPU: this.resGPU, allocMilliCPU: this.allocCPU, allocMilliGPU: this.allocGPU };
  }
}

/** The `gangs` result section. */
export function gangResult(groups: PodGroupStore, areas: GangAreas, horizon: number): GangResult {
  let submitted = 0;
  let scheduled = 0;
  let timedOut = 0;
  let rejectedPods = 0;
  const waits: number[] = [];
  for (const g of groups.declared) {
    timedOut += g.timeouts;
    rejectedPods += g.rejections;
    if (!(g.firstCreated <= horizon)) continue;
    submitted++;
    if (g.completedAt <= horizon) {
      scheduled++;
      waits.push(g.completedAt - g.firstCreated);
    }
  }
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  return {
    submitted,
    scheduled,
    timedOut,
    rejectedPods,
    waitSeconds: summarize(Float64Array.from(waits).sort()),
    heldIdle: {
      cpuCoreSeconds: areas.idleMilliCPU / 1000,
      gpuSeconds: areas.idleMilliGPU / 1000,
      cpuShare: ratio(areas.idleMilliCPU, areas.allocMilliCPU),
      gpuShare: ratio(areas.idleMilliGPU, areas.allocMilliGPU),
      reservedCpuCoreSeconds: areas.reservedMilliCPU / 1000,
      reservedGpuSeconds: areas.reservedMilliGPU / 1000,
    },
  };
}
