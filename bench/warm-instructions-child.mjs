// Child process of bench/warm-instructions.mjs: runs one scenario RUNS - 1 times with ROOT's dist/,
// prints READY and waits for a byte on stdin (the parent switches callgrind's instrumentation on
// meanwhile), runs it once more and prints DONE.
//
// Run: node bench/warm-instructions-child.mjs ROOT SCENARIO.yaml RUNS
import { readSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, scenario, runs] = process.argv.slice(2);
const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
const { runScenario } = await at('scenario/runner.js');
const { resolved } = (await at('scenario/index.js')).prepareScenario(resolve(scenario));
for (let i = 0; i < Number(runs) - 1; i++) runScenario(resolved);
writeSync(1, 'READY\n');
readSync(0, Buffer.alloc(1), 0, 1, null);
runScenario(resolved);
writeSync(1, 'DONE\n');
