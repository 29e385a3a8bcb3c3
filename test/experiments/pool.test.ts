import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/experiments/pool.js';
import { InputError } from '../../src/util/errors.js';

// A worker in plain JavaScript: doubles numbers; 'exit' ends the thread without an error event;
// 'bad' answers as a worker does for bad input.
const dir = mkdtempSync(join(tmpdir(), 'orchsim-pool-'));
const script = join(dir, 'worker.mjs');
writeFileSync(script, `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', ({ index, task }) => {
  if (task === 'exit') process.exit(3);
  if (task === 'bad') return parentPort.postMessage({ index, error: 'x', issues: [{ file: 'f.yaml', line: 2, path: ['a'], message: 'no good' }] });
  parentPort.postMessage({ index, result: task * 2 });
});
`);
const pool = () => new WorkerPool<number | string, number>({ workers: 2, workerUrl: pathToFileURL(script), inline: (t) => Number(t) * 2 });

describe('WorkerPool', () => {
  it('runs batches in task order on the same threads', async () => {
    const p = pool();
    try {
      expect(await p.run([1, 2, 3, 4, 5])).toEqual([2, 4, 6, 8, 10]);
      expect(await p.run([7, 8])).toEqual([14, 16]);
      expect(await p.run([])).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('a worker that exits fails the batch instead of leaving it waiting', async () => {
    const p = pool();
    await expect(p.run([1, 'exit', 3])).rejects.toThrow(/a worker thread exited \(code 3\)/);
    // The pool starts fresh threads afterwards.
    expect(await p.run([4, 5])).toEqual([8, 10]);
    await p.close();
  });

  it('bad input in a worker is an InputError with its issues; the caller\'s own failure ends the batch', async () => {
    const p = pool();
    const bad = await p.run([1, 'bad']).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InputError);
    expect((bad as InputError).issues[0]).toMatchObject({ file: 'f.yaml', line: 2, message: 'no good' });
    await expect(p.run([1, 2, 3], () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
    await p.close();
  });
});
