import { describe, expect, it } from 'vitest';
import { StrandedRecorder } from '../../src/sim/stranded.js';
import { Gi, makeCluster, makeSpec, place } from '../helpers/cluster.js';

const ready = () => true;

describe('stranded capacity', () => {
  it('free cpu on a node whose memory is full is stranded; free cpu beside free memory is not', () => {
    // Two 4-core 16Gi nodes; pods of 1 core / 4Gi. n-0 holds 1 core and 16Gi: 3 cores stranded.
    const c = makeCluster([{ name: 'n-0' }, { name: 'n-1' }]);
    const small = makeSpec({ cpu: 1000, memory: 4 * Gi });
    place(c, 'n-0', makeSpec({ cpu: 1000, memory: 16 * Gi }));
    const s = new StrandedRecorder();
    s.podCreated(small);
    s.sample(c, ready);
    // 3000m of 8000m allocatable; memory: n-1 has 4 free cores, so its free memory is usable.
    expect(s.result()).toEqual({ cpu: 3000 / 8000, memory: 0, gpu: null, samples: 1 });
  });

  it('free memory on a node whose cpu is full is stranded, and a full pod count strands both', () => {
    const c = makeCluster([{ name: 'a' }, { name: 'b', maxPods: 1 }]);
    place(c, 'a', makeSpec({ cpu: 3500, memory: 2 * Gi }));
    place(c, 'b', makeSpec({ cpu: 1000, memory: 1 * Gi }));
    const s = new StrandedRecorder();
    s.podCreated(makeSpec({ cpu: 1000, memory: 1 * Gi }));
    s.sample(c, ready);
    // a: 500m free < 1000m: its 14Gi are stranded; b is full: 3000m and 15Gi stranded.
    expect(s.result()!.cpu).toBeCloseTo(3000 / 8000, 12);
    expect(s.result()!.memory).toBeCloseTo((14 + 15) / 32, 12);
  });

  it('whole free GPUs are stranded when a GPU pod could not get the cpu or memory beside them', () => {
    const c = makeCluster([{ name: 'g', cpu: 8, gpu: 4 }, { name: 'h', cpu: 8, gpu: 4 }]);
    place(c, 'g', makeSpec({ cpu: 7000, memory: 1 * Gi, gpu: 1 }));
    const s = new StrandedRecorder();
    s.podCreated(makeSpec({ cpu: 100, memory: 1 * Gi }));
    s.podCreated(makeSpec({ cpu: 2000, memory: 8 * Gi, gpu: 1 }));
    s.sample(c, ready);
    // g: 1000m free < 2000m for the smallest GPU pod: its 3 free GPUs of 8 are stranded.
    expect(s.result()!.gpu).toBe(3 / 8);
    // Two samples average; a node that is not Ready does not count.
    s.sample(c, (n) => n !== 0);
    expect(s.result()!.gpu).toBe((3 / 8 + 0) / 2);
  });

  it('nothing submitted yet: no sample is taken', () => {
    const s = new StrandedRecorder();
    s.sample(makeCluster([{ name: 'n' }]), ready);
    expect(s.result()).toBeUndefined();
  });
});
