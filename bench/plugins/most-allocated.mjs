// A user's plugin module that reimplements a built-in scorer: NodeResourcesFit's MostAllocated
// strategy for cpu and memory at weight 1 each (requested + the pod's request over allocatable,
// x100, truncated, then the weighted mean; a pod without a request counts 100m cpu and 200 MiB,
// as the built-in's non-zero defaults do). bench/user-plugin.mjs times it against the built-in.
const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;

const most = (requested, capacity) => (capacity === 0 ? 0 : Math.trunc((Math.min(requested, capacity) * 100) / capacity));

export const plugins = [
  {
    name: 'UserMostAllocated',
    description: 'MostAllocated over cpu and memory, written as a user would',
    extensionPoints: ['Score'],
    factory: () => ({
      name: 'UserMostAllocated',
      score: (_state, pod, node) => {
        const req = pod.spec.requests;
        let sum = 0;
        let weights = 0;
        if (node.allocatable.milliCPU !== 0) {
          sum += most(node.nonZeroRequested.milliCPU + (req.milliCPU === 0 ? DEFAULT_MILLI_CPU : req.milliCPU), node.allocatable.milliCPU);
          weights++;
        }
        if (node.allocatable.memory !== 0) {
          sum += most(node.nonZeroRequested.memory + (req.memory === 0 ? DEFAULT_MEMORY : req.memory), node.allocatable.memory);
          weights++;
        }
        return weights === 0 ? 0 : Math.trunc(sum / weights);
      },
    }),
  },
];
