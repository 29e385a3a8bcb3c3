import fc from 'fast-check';

/**
 * A tiny openb trace (src/workloads/openb.ts columns) for FGD experiment tests: 2 nodes of 2 GPUs
 * (A10, T4); pods with a 0.5 share, one whole GPU, no GPU, and a 0.3 share constrained to A10.
 */
export const OPENB_NODES = `sn,cpu_milli,memory_mib,gpu,model
node-a,32000,131072,2,A10
node-b,32000,131072,2,T4
`;
export const OPENB_PODS = `name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time
p-1,4000,8192,1,500,,LS,Running,0,10,0
p-2,8000,16384,1,1000,,LS,Running,0,10,0
p-3,2000,4096,0,0,,LS,Running,0,10,0
p-4,1000,2048,1,300,A10,LS,Running,0,10,0
`;

const TRACE_MODELS = ['A10', 'T4', 'V100M16', 'V100M32'];

/** A small random openb trace: nodes of 0-8 GPUs of a few models, pods drawn from a few shapes (so shapes repeat, as in the real trace). */
export const openbTraceArb = fc.record({
  nodes: fc.array(fc.record({ cpu: fc.integer({ min: 4, max: 96 }), gpus: fc.integer({ min: 0, max: 8 }), model: fc.constantFrom(...TRACE_MODELS) }), { minLength: 1, maxLength: 12 }),
  shapes: fc.array(fc.record({
    cpu: fc.integer({ min: 1, max: 32 }),
    gpus: fc.integer({ min: 0, max: 4 }),
    share: fc.constantFrom(100, 250, 300, 500, 1000),
    spec: fc.constantFrom('', 'A10', 'T4', 'V100M16|V100M32'),
  }), { minLength: 1, maxLength: 6 }),
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 120 }),
  seed: fc.integer({ min: 0, max: 1000 }),
  tune: fc.constantFrom(0.8, 1, 1.3),
});

export type OpenbTrace = typeof openbTraceArb extends fc.Arbitrary<infer T> ? T : never;

/** The trace's node and pod lists as openb CSV. */
export function openbTraceCsv(t: OpenbTrace): { nodes: string; pods: string } {
  const nodes = ['sn,cpu_milli,memory_mib,gpu,model', ...t.nodes.map((n, i) => `node-${i},${n.cpu * 1000},262144,${n.gpus},${n.gpus > 0 ? n.model : ''}`)].join('\n');
  const pods = ['name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time', ...t.picks.map((p, i) => {
    const s = t.shapes[p % t.shapes.length]!;
    // A share (below 1000 milli) is one device's part: openb writes num_gpu 1 for it.
    const count = s.gpus === 0 ? 0 : s.share < 1000 ? 1 : s.gpus;
    return `p-${String(i).padStart(4, '0')},${s.cpu * 1000},1024,${count},${count > 0 ? s.share : 0},${count > 0 ? s.spec : ''},LS,Running,0,10,0`;
  })].join('\n');
  return { nodes: `${nodes}\n`, pods: `${pods}\n` };
}
