/**
 * Runs one scenario in a worker thread for test-validation/scenarios.test.ts, from the build in
 * dist/ (the global setup makes it current): a whole-trace run takes tens of seconds, and run in
 * the test worker itself it would freeze the worker's event loop that long, past vitest's 60 s
 * RPC timeout under load. (Plain JavaScript: node loads it as is.)
 */
import { parentPort, workerData } from 'node:worker_threads';

const { prepareScenario, runPrepared } = await import(new URL('../../dist/scenario/index.js', import.meta.url).href);
const { file, profile, queue } = workerData;
const prepared = prepareScenario(file, { profile });
parentPort.postMessage(runPrepared(queue ? { ...prepared, resolved: { ...prepared.resolved, queue } } : prepared).result);
