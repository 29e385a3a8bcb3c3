/**
 * Loaded into the built CLI with `node --import` by the tests that kill a run part-way
 * (test/report/files.test.ts, test/experiments/compare.test.ts), so that they kill it at a chosen
 * point instead of after a guessed delay, which lands elsewhere on a slower or busier machine.
 *
 * The steps are the file system calls a kill can fall between: writing a hidden temporary file
 * (`.name.<pid>.tmp`, what writeFilesAtomically writes before its renames), renaming one into
 * place, and appending to a file (runs.jsonl). Each step is announced on stderr as
 * `orchsim-test step <k>: <write|rename|append> <path>` before it runs. With
 * ORCHSIM_TEST_STOP_AT=<k> the process announces `orchsim-test stopped before step <k>` instead of
 * running step k and waits there, never to go on, for the test to kill it. Nothing else changes:
 * the calls themselves are the real ones, only delayed. (Plain JavaScript: node loads it as is.)
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

const stopAt = Number(process.env.ORCHSIM_TEST_STOP_AT ?? 0);
const { writeFileSync, renameSync, appendFileSync, writeSync } = fs;
const isTemp = (file) => typeof file === 'string' && /^\..*\.tmp$/.test(basename(file));
let step = 0;

function announce(op, file) {
  step++;
  if (step === stopAt) {
    writeSync(2, `orchsim-test stopped before step ${step}: ${op} ${file}\n`);
    // Blocks this thread for good: the test kills the process here.
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  writeSync(2, `orchsim-test step ${step}: ${op} ${file}\n`);
}

fs.writeFileSync = function (file, ...rest) {
  if (isTemp(file)) announce('write', file);
  return writeFileSync.call(this, file, ...rest);
};
fs.renameSync = function (from, to) {
  if (isTemp(from)) announce('rename', to);
  return renameSync.call(this, from, to);
};
fs.appendFileSync = function (file, ...rest) {
  announce('append', file);
  return appendFileSync.call(this, file, ...rest);
};
// Points the ESM named exports (`import { renameSync } from 'node:fs'`) at the wrappers too.
syncBuiltinESMExports();
