import { inputError } from '../helpers/plugins.js';
import { describe, expect, it } from 'vitest';
import { resources } from '../../src/api/resources.js';
import { readSwf, readSwfHeader, swfWorkload, type SwfJob } from '../../src/workloads/swf.js';

// 18 columns: id submit wait run alloc avgcpu usedmem reqproc reqtime reqmem status user group exe queue partition prev think
const LOG = `; Version: 2.2
; Computer: IBM SP2
; Copyright: Data Usage Agreement:
;   first continuation line
;   second continuation line
; MaxNodes: 128
; MaxProcs: 64
; Queue:  0  interactive
; Queue:  1  batch
;

    1        0     -1   1234  128     -1    -1   -1     -1    -1 -1   1   1  -1 -1 -1 -1 -1
; a comment between jobs
    2     1460      5   3726   -1  39.75    -1    8   3600    -1  1   2   1  -1  0  1 -1 -1

    3     5198      7     -1   -1     -1    -1   38   6900    -1  5   2   1  -1  1  1 -1 -1
    4     6000      0      0   16     -1    -1   16   6900    -1  0   3   1  -1  1  1 -1 -1
    5     7000      0     60   -1     -1    -1   -1   6900    -1  1   3   1  -1  1  1 -1 -1
`;

describe('readSwf', () => {
  it('skips comments and blank lines and keeps -1 as unknown', () => {
    const jobs = readSwf(LOG, 'log.swf');
    expect(jobs.map((j) => j.id)).toEqual([1, 2, 3, 4, 5]);
    expect(jobs[0]).toEqual<SwfJob>({
      id: 1, submit: 0, wait: -1, runTime: 1234, processors: 128, requestedProcessors: -1, requestedTime: -1,
      usedMemoryKb: -1, requestedMemoryKb: -1, status: -1, user: 1, queue: -1, partition: -1,
    });
    expect(jobs[1]).toMatchObject({ submit: 1460, wait: 5, runTime: 3726, processors: -1, requestedProcessors: 8, requestedTime: 3600, status: 1, user: 2, queue: 0, partition: 1 });
  });

  it('accepts CRLF and tabs', () => {
    const jobs = readSwf('; c\r\n1\t0\t0\t10\t4\t-1\t-1\t4\t10\t-1\t1\t1\t1\t-1\t1\t1\t-1\t-1\r\n', 'log.swf');
    expect(jobs[0]).toMatchObject({ id: 1, runTime: 10, processors: 4 });
  });

  const job = (fields: string) => `; header\n1 0 0 10 4 -1 -1 4 10 -1 1 1 1 -1 1 1 -1 -1\n${fields}\n`;

  it('rejects a wrong field count with the line and the expectation', () => {
    const e = inputError(() => readSwf(job('2 5 0 10 4 -1 -1 4 10 -1 1 1 1 -1 1 1 -1'), 'log.swf'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: 'log.swf', line: 3, path: ['job', 3] });
    expect(e.issues[0]!.message).toMatch(/^expected 18 whitespace-separated numbers \(SWF: job submit wait run_time processors .*\), got 17$/);
  });

  it('rejects non-numbers, negatives other than -1, fractional counts and duplicate job numbers', () => {
    const text = `1 0 0 10 4 -1 -1 4 10 -1 1 1 1 -1 1 1 -1 -1
2 abc 0 10 4 -1 -1 4 10 -1 1 1 1 -1 1 1 -1 -1
3 0 0 -2 4 -1 -1 4 10 -1 1 1 1 -1 1 1 -1 -1
4 0 0 10 2.5 -1 -1 4 10 -1 1 1 1 -1 1 1 -1 -1
1 9 0 10 4 -1 -1 4 10 -1 1 1 1 -1 1 1 -1 -1
`;
    const e = inputError(() => readSwf(text, 'log.swf'));
    expect(e.issues.map((i) => [i.line, i.column, i.path, i.message] as const)).toEqual([
      [2, 3, ['job', 2, 'submit'], 'expected submit (column 2) to be a number, got "abc"'],
      [3, 7, ['job', 3, 'run_time'], 'run_time (column 4) must be -1 (unknown) or not negative, got -2'],
      [4, 10, ['job', 4, 'processors'], 'expected processors (column 5) to be an integer, got 2.5'],
      [5, 1, ['job', 5, 'job'], 'duplicate job number 1 (first on line 1)'],
    ]);
    expect(e.message).toContain('log.swf:3:7: run_time (column 4) must be -1 (unknown) or not negative, got -2 (at job[3].run_time)');
  });

  it('flags a truncated last line', () => {
    const e = inputError(() => readSwf('1 0 0 10 4 -1 -1 4 10 -1 1 1 1 -1 1 1 -1 -1\n2 5 0 10 4 -1', 'log.swf'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ line: 2 });
    expect(e.issues[0]!.message).toContain('got 6 (this is the last line and it has no newline: the file looks truncated)');
  });

  it('rejects an empty file and a file of comments only', () => {
    const empty = inputError(() => readSwf('', 'log.swf'));
    expect(empty.issues[0]).toMatchObject({ file: 'log.swf', line: 1 });
    expect(empty.issues[0]!.message).toBe('empty file: expected SWF job lines of 18 whitespace-separated numbers');
    expect(inputError(() => readSwf('; Version: 2.2\n;\n', 'log.swf')).issues[0]!.message).toContain('only comments');
  });
});

describe('readSwfHeader', () => {
  const h = readSwfHeader(LOG);

  it('keeps the comment lines before the first job, as written', () => {
    expect(h.lines).toHaveLength(10);
    expect(h.lines[0]).toBe('; Version: 2.2');
    expect(h.lines[9]).toBe(';');
  });

  it('reads Key: value fields with continuations and repeats, and the machine size', () => {
    expect(h.maxNodes).toBe(128);
    expect(h.maxProcs).toBe(64);
    expect(h.maxJobs).toBeUndefined();
    expect(h.fields.get('Computer')).toEqual(['IBM SP2']);
    expect(h.fields.get('Copyright')).toEqual(['Data Usage Agreement:\nfirst continuation line\nsecond continuation line']);
    expect(h.fields.get('Queue')).toEqual(['0  interactive', '1  batch']);
  });
});

describe('swfWorkload', () => {
  const jobs = readSwf(LOG, 'log.swf');

  it('makes one pod per runnable job: submit time, run time, processors x 1000 milli-CPU', () => {
    const { workload, skipped, skippedBy } = swfWorkload(jobs, 'sp2');
    expect(workload.kind).toBe('pods');
    expect(workload.pods.map((p) => [p.name, p.at, p.duration, p.spec.requests.milliCPU])).toEqual([
      ['sp2-1', 0, 1234, 128_000],
      // Allocated processors unknown: falls back to the 8 requested.
      ['sp2-2', 1460, 3726, 8000],
    ]);
    // Job 3 has no run time, job 4 ran 0 s, job 5 has neither allocated nor requested processors.
    expect(skippedBy).toEqual({ submit: 0, runTime: 2, processors: 1 });
    expect(skipped).toBe(3);
    expect(workload.pods[0]!.spec).toMatchObject({ namespace: 'default', labels: {}, priority: 0 });
  });

  it('scales cpu and memory per processor and shares specs between equal sizes', () => {
    const two = [...jobs.slice(0, 2), { ...jobs[0]!, id: 9, submit: 50 }];
    const { workload } = swfWorkload(two, 'sp2', { milliCpuPerProcessor: 500, memoryPerProcessor: 2 ** 30 });
    expect(workload.pods[0]!.spec.requests).toEqual(resources({ milliCPU: 64_000, memory: 128 * 2 ** 30 }));
    expect(workload.pods[2]!.spec).toBe(workload.pods[0]!.spec);
    expect(workload.pods[1]!.spec).not.toBe(workload.pods[0]!.spec);
  });

  it('shifts arrivals to start at 0 with startAtZero', () => {
    const late = jobs.map((j) => ({ ...j, submit: j.submit + 1000 }));
    expect(swfWorkload(late, 'x', { startAtZero: true }).workload.pods.map((p) => p.at)).toEqual([0, 1460]);
    expect(swfWorkload(late, 'x').workload.pods.map((p) => p.at)).toEqual([1000, 2460]);
  });

  it('skips jobs with an unknown submit time', () => {
    expect(swfWorkload([{ ...jobs[0]!, submit: -1 }], 'x').skippedBy.submit).toBe(1);
  });

  it('rejects nonsense sizes per processor', () => {
    expect(() => swfWorkload(jobs, 'x', { milliCpuPerProcessor: 0 })).toThrow(/milliCpuPerProcessor must be a positive number, got 0/);
    expect(() => swfWorkload(jobs, 'x', { memoryPerProcessor: -1 })).toThrow(/memoryPerProcessor must be a non-negative/);
  });
});
