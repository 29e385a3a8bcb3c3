/** The policy API: everything a scheduling plugin, profile or autoscaler is written against. */
export * from './units.js';
export * from './resources.js';
export * from './labels.js';
export * from './pod.js';
export * from './node.js';
export * from './framework.js';
export * from './gpu.js';
export * from './podgroup.js';
export * from './autoscaling.js';
