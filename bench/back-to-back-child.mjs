// Child process of bench/simpy.mjs: one build's runScenario on one scenario, run back to back in
// a fresh process, as a sweep's or a comparison's worker runs its scenarios one after another:
// WARM untimed runs, then one timed run per request, with no forced GC between them.
//
// Requests come one byte at a time on the FIFO REQUESTS (the parent's alternated rounds, so
// these runs are timed in the same minutes as SimPy's); each answer is a line of JSON on the FIFO
// ANSWERS: {"seconds": s, "meanWait": s, "scheduled": n}. The child ends when REQUESTS closes.
//
// A fresh process because the parent's own rounds force a full GC before each run: each GC frees
// the hidden classes (maps) of the run's objects, the next run makes new ones, and after a few
// rounds the inline caches have seen so many maps of one class that they stay megamorphic - a
// state no worker reaches, which made back-to-back runs in the parent 10-20% slower.
//
// Run: node bench/back-to-back-child.mjs DIR SCENARIO.yaml WARM REQUESTS ANSWERS
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, scenario, warm, requests, answers] = process.argv.slice(2);
const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
const { runScenario } = await at('scenario/runner.js');
const { resolved } = (await at('scenario/index.js')).prepareScenario(scenario);
for (let i = 0; i < Number(warm); i++) runScenario(resolved);
// The same order as the parent's opens: requests, then answers (each open waits for the other end).
const requestFd = openSync(requests, 'r');
const answerFd = openSync(answers, 'w');
const byte = Buffer.alloc(1);
while (readSync(requestFd, byte, 0, 1, null) === 1) {
  const t0 = performance.now();
  const out = runScenario(resolved);
  const seconds = (performance.now() - t0) / 1000;
  writeSync(answerFd, `${JSON.stringify({ seconds, meanWait: out.result.metrics.pendingSeconds.mean, scheduled: out.result.metrics.pods.scheduled })}\n`);
}
closeSync(answerFd);
