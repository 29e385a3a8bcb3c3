import { spawn } from 'node:child_process';

/** What a finished process left: its exit code (-1 when killed), its output, and the signal if any. */
export interface Exited {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs a program and collects its output without blocking the test worker: a synchronous spawn
 * (spawnSync, execFileSync) freezes the worker's event loop, and once a file's synchronous
 * stretches add up to a minute under load, vitest's RPC to the worker times out
 * (`[vitest-worker]: Timeout calling "onTaskUpdate"`) and the run exits 1 with every test passed.
 */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, stdout, stderr, signal }));
  });
}

/** Runs the built CLI as a user would (global-setup builds dist/ first); no debug stack traces. */
export function orchsim(...args: string[]): Promise<Exited> {
  return run(process.execPath, ['dist/cli/main.js', ...args], { env: { ...process.env, ORCHSIM_DEBUG: '' } });
}

/**
 * Runs `orchsim` once for each argument list, a few at a time (each CLI start costs about a
 * second of CPU; more at once only queues on a 2-core machine), results in the order given.
 */
export async function orchsimAll(argLists: readonly (readonly string[])[], concurrency = 3): Promise<Exited[]> {
  const results: Exited[] = new Array(argLists.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < argLists.length; i = next++) results[i] = await orchsim(...argLists[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, argLists.length) }, worker));
  return results;
}

/** One file system step of a run, as test/helpers/stop-at-step.mjs announces it. */
export interface Step {
  readonly op: 'write' | 'rename' | 'append';
  readonly file: string;
}

const STOP_AT_STEP = new URL('./stop-at-step.mjs', import.meta.url).href;

/**
 * Runs `orchsim` with test/helpers/stop-at-step.mjs loaded: it lists the steps (temporary file
 * written, renamed into place, line appended) the run took. With `stopAt` = k the run stops
 * before its k-th step and is killed there with SIGKILL, wherever that is in time; `signal` then
 * says SIGKILL, and `steps` holds the k - 1 steps it took. A run with fewer steps ends normally.
 */
export function orchsimSteps(stopAt: number | undefined, ...args: string[]): Promise<Exited & { steps: Step[] }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ORCHSIM_DEBUG: '', ORCHSIM_TEST_STOP_AT: String(stopAt ?? 0) };
    const child = spawn(process.execPath, ['--import', STOP_AT_STEP, 'dist/cli/main.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const stopped = `orchsim-test stopped before step ${stopAt}:`;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stopAt !== undefined && stderr.includes(stopped)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const steps = [...stderr.matchAll(/^orchsim-test step \d+: (write|rename|append) (.*)$/gm)].map((m) => ({ op: m[1] as Step['op'], file: m[2]! }));
      resolve({ code: code ?? -1, stdout, stderr, signal, steps });
    });
  });
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
