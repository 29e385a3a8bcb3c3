/**
 * An M/M/c queue as a scenario: identical nodes (the servers), Poisson arrivals of one-cpu pods
 * at `rate` per hour, exponential durations with mean 1 h, first come first served (the fifo
 * queue). `pools` are YAML lines under cluster.pools.
 */
export function queueScenarioText(o: { name: string; rate: number; pools: readonly string[]; horizon: string }): string {
  return `
name: ${o.name}
seed: 1
horizon: ${o.horizon}
sampleInterval: 1d
cluster:
  pools:
${o.pools.map((p) => `    - ${p}`).join('\n')}
scheduler: { profile: default, queue: fifo }
workloads:
  - type: batch
    name: jobs
    arrival: { poisson: { rate: ${o.rate}/h } }
    duration: { exponential: { mean: 1h } }
    requests: { cpu: 1, memory: 1Gi }
`;
}
