import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { RandomStream } from '../../src/util/random.js';
import {
  AZURE_LLM_REORDER_TOLERANCE_SECONDS, parseAzureLlmTrace, parseAzureTimestamp, rateBins, readAzureLlmTrace, summarizeArrivals,
} from '../../src/workloads/azure-llm.js';
import { integrate, loadCurve } from '../../src/workloads/load.js';
import { inputError } from '../helpers/plugins.js';

const HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens';
// The first rows of AzureLLMInferenceTrace_conv.csv, which has CRLF lines and no final newline.
const SAMPLE = [HEADER, '2023-11-16 18:15:46.6805900,374,44', '2023-11-16 18:15:50.9951690,396,109', '2023-11-16 18:15:51.2224670,879,55'].join('\r\n');
const trace = (...rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;

describe('parseAzureLlmTrace', () => {
  it('reads arrivals from the first request to 100 ns, and the token counts', () => {
    const t = parseAzureLlmTrace(SAMPLE, 'conv.csv');
    expect(Array.from(t.arrivals)).toEqual([0, 4.314579, 4.541877]);
    expect(Array.from(t.contextTokens)).toEqual([374, 396, 879]);
    expect(Array.from(t.generatedTokens)).toEqual([44, 109, 55]);
    expect(t.start).toBe('2023-11-16 18:15:46.6805900');
    expect(t.reordered).toBe(0);
  });

  it('crosses midnight, month and year ends exactly; fractions have 0 to 7 digits', () => {
    const t = parseAzureLlmTrace(trace('2023-12-31 23:59:59.9999999,1,1', '2024-01-01 00:00:00.0000001,1,1', '2024-01-01 00:00:01.5,1,1', '2024-01-01 00:00:02,1,1', '2024-03-01 00:00:00,0,0'), 'f.csv');
    expect(Array.from(t.arrivals)).toEqual([0, 2e-7, 1.5000001, 2.0000001, (31 + 29) * 86_400 + 0.0000001]);
  });

  it('parses timestamps as UTC calendar fields', () => {
    expect(parseAzureTimestamp('1970-01-01 00:00:00')).toEqual({ seconds: 0, ticks: 0 });
    expect(parseAzureTimestamp('2023-11-16 18:15:46.6805900')).toEqual({ seconds: Date.UTC(2023, 10, 16, 18, 15, 46) / 1000, ticks: 6_805_900 });
    expect(parseAzureTimestamp('2024-02-29 12:00:00.1')).toEqual({ seconds: Date.UTC(2024, 1, 29, 12) / 1000, ticks: 1_000_000 });
    expect(parseAzureTimestamp('1969-12-31 23:59:59')).toEqual({ seconds: -1, ticks: 0 });
    expect(parseAzureTimestamp('2023-02-29 00:00:00')).toBe('day 29 out of range 1-28 in TIMESTAMP "2023-02-29 00:00:00"');
    expect(parseAzureTimestamp('2023-11-16T18:15:46')).toMatch(/^expected TIMESTAMP as YYYY-MM-DD hh:mm:ss/);
    expect(parseAzureTimestamp('2023-11-16 18:15:46.12345678')).toMatch(/^expected TIMESTAMP/);
  });

  it('sorts rows out of order by at most the tolerance, carrying their tokens', () => {
    expect(AZURE_LLM_REORDER_TOLERANCE_SECONDS).toBe(1);
    const t = parseAzureLlmTrace(trace('2023-11-16 18:00:00.5,1,10', '2023-11-16 18:00:01,2,20', '2023-11-16 18:00:00.2,3,30', '2023-11-16 18:00:01,4,40'), 'f.csv');
    expect(t.reordered).toBe(1);
    expect(t.start).toBe('2023-11-16 18:00:00.2');
    expect(Array.from(t.arrivals)).toEqual([0, 0.3, 0.8, 0.8]);
    // Equal times keep the file's order.
    expect(Array.from(t.contextTokens)).toEqual([3, 1, 2, 4]);
    expect(Array.from(t.generatedTokens)).toEqual([30, 10, 20, 40]);
  });

  it('rejects bad rows with file:line:column and what was expected, all at once', () => {
    const text = trace(
      '2023-11-16 18:15:46.6805900,374,44',
      '2023-11-16 18:15:47,374',
      '2023-11-16 18:15:48,abc,-5',
      '2023-13-16 18:15:49,1,1',
      '2023-11-16 18:15:50,1,1',
      '2023-11-16 18:15:48.9,1,1',
      '2023-11-16 18:15:49.5,1,1.5',
    );
    const e = inputError(() => parseAzureLlmTrace(text, 'conv.csv'));
    expect(e.issues.map((i) => [i.line, i.column, i.path, i.message] as const)).toEqual([
      [3, undefined, ['row', 3], 'expected 3 columns (TIMESTAMP,ContextTokens,GeneratedTokens), got 2'],
      [4, 21, ['row', 4, 'ContextTokens'], 'expected ContextTokens to be a non-negative integer, got "abc"'],
      [4, 25, ['row', 4, 'GeneratedTokens'], 'GeneratedTokens must not be negative, got -5'],
      [5, 1, ['row', 5, 'TIMESTAMP'], 'month 13 out of range 1-12 in TIMESTAMP "2023-13-16 18:15:49"'],
      [7, 1, ['row', 7, 'TIMESTAMP'], 'expected ascending timestamps (rows at most 1 s out of order are sorted), got 2023-11-16 18:15:48.9, 1.1 s before 2023-11-16 18:15:50 on line 6'],
      [8, 25, ['row', 8, 'GeneratedTokens'], 'expected GeneratedTokens to be a non-negative integer, got "1.5"'],
    ]);
    expect(e.message).toContain('conv.csv:4:25: GeneratedTokens must not be negative, got -5 (at row[4].GeneratedTokens)');
    expect(e.message).toContain('conv.csv:3: expected 3 columns');
  });

  it('flags a truncated last line', () => {
    const e = inputError(() => parseAzureLlmTrace(`${HEADER}\n2023-11-16 18:15:46,1,1\n2023-11-16 18:15:4`, 'conv.csv'));
    expect(e.issues[0]!.message).toBe('expected 3 columns (TIMESTAMP,ContextTokens,GeneratedTokens), got 1 (this is the last line and it has no newline: the file looks truncated)');
  });

  it('rejects another header, an empty file and a file without rows', () => {
    expect(inputError(() => parseAzureLlmTrace('time,tokens\n1,2\n', 'x.csv')).message).toBe('x.csv:1:1: expected the header "TIMESTAMP,ContextTokens,GeneratedTokens", got "time,tokens" (at header)');
    expect(inputError(() => parseAzureLlmTrace('', 'x.csv')).message).toBe('x.csv:1: empty file: expected the header "TIMESTAMP,ContextTokens,GeneratedTokens"');
    expect(inputError(() => parseAzureLlmTrace(`${HEADER}\n\n`, 'x.csv')).message).toBe('x.csv: no request rows after the header');
  });

  it('a missing file is an InputError naming it', () => {
    expect(() => readAzureLlmTrace('/nonexistent/conv.csv')).toThrow(InputError);
    expect(() => readAzureLlmTrace('/nonexistent/conv.csv')).toThrow('/nonexistent/conv.csv: file not found');
  });
});

describe('rateBins', () => {
  const arrivals = new Float64Array([0, 0.5, 1, 2.5]);

  it('gives requests per second per bin, integrating back to the request count', () => {
    expect(rateBins(arrivals, 1)).toEqual({ binSeconds: 1, rates: new Float64Array([2, 1, 1]) });
    expect(rateBins(arrivals, 2)).toEqual({ binSeconds: 2, rates: new Float64Array([1.5, 0.5]) });
    expect(rateBins(new Float64Array([3, 0]), 10).rates).toEqual(new Float64Array([0.2]));
    expect(rateBins(new Float64Array(0), 10).rates).toEqual(new Float64Array(0));
  });

  it('replayed as a trace base, one loop integrates to the trace x timeScale x rateScale', () => {
    const bins = rateBins(arrivals, 1);
    const c = loadCurve({ base: { trace: { timeScale: 4, rateScale: 0.5 } } }, { horizon: 100, stream: new RandomStream(1, 'load'), trace: bins });
    expect(integrate(c, 0, 12)).toBeCloseTo(4 * 0.5 * 4, 12);
  });

  it('rejects a bad bin width or a negative arrival', () => {
    expect(() => rateBins(arrivals, 0)).toThrow('rateBins: expected binSeconds > 0, got 0');
    expect(() => rateBins(new Float64Array([-1]), 1)).toThrow('rateBins: expected arrivals >= 0 seconds, got -1');
  });
});

describe('summarizeArrivals', () => {
  it('counts, spans, and finds the busiest bin', () => {
    expect(summarizeArrivals(new Float64Array([0, 0.5, 1, 2.5, 9]), 1)).toEqual({
      requests: 5, spanSeconds: 9, meanRate: 5 / 9, binSeconds: 1, peakBinRate: 2, peakBinStart: 0,
    });
    expect(summarizeArrivals(new Float64Array([0, 61, 62, 119]))).toMatchObject({ binSeconds: 60, peakBinRate: 3 / 60, peakBinStart: 60 });
    expect(summarizeArrivals(new Float64Array(0))).toMatchObject({ requests: 0, spanSeconds: 0, meanRate: 0, peakBinRate: 0 });
  });
});
