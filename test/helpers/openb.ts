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
