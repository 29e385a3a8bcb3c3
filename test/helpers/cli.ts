import { spawn, spawnSync } from 'node:child_process';

/** Runs the built CLI as a user would (global-setup builds dist/ first); no debug stack traces. */
export function orchsim(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', env: { ...process.env, ORCHSIM_DEBUG: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The small scenario the CLI tests share: 6 nodes in 2 zones, a service and a batch stream, 2 hours. */
export const SMALL_SCENARIO = `
name: small
seed: 3
horizon: 2h
sampleInterval: 10m
cluster:
  pools:
    - { name: n, count: 6, zones: [a, b], resources: { cpu: 8, memory: 32Gi } }
workloads:
  - { type: service, name: web, replicas: 4, requests: { cpu: 1, memory: 1Gi } }
`;

/** orchsim() without blocking, so independent runs can overlap (each CLI start takes about a second). */
export function orchsimAsync(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', ...args], { env: { ...process.env, ORCHSIM_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
