/**
 * Checks the Azure LLM inference trace reader against the real conversation trace in
 * ../shared/data/arrivals/azure-llm (PROVENANCE.md), which the project repository must not
 * contain; run with `npm run validate`. Skipped, with a message saying so, when the file is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../src/util/random.js';
import { rateBins, readAzureLlmTrace, summarizeArrivals } from '../src/workloads/azure-llm.js';
import { integrate, loadCurve } from '../src/workloads/load.js';

// The data directory: ORCHSIM_DATA (vitest.validation.config.ts sets it; point it nowhere to see the skips).
const DATA = process.env.ORCHSIM_DATA ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../shared/data');
const FILE = join(DATA, 'arrivals', 'azure-llm', 'AzureLLMInferenceTrace_conv.csv');
const have = existsSync(FILE);
if (!have) console.warn(`test-validation: ${FILE} not found, skipping the Azure LLM trace checks`);

/**
 * 19,366 request rows. PROVENANCE.md says 19,365: the file has no newline after its last row, so
 * `wc -l` (19,366 newlines) minus the header undercounts by one.
 */
const ROWS = 19_366;

describe.skipIf(!have)('Azure LLM inference trace, conversation service (2023-11-16)', () => {
  const trace = have ? readAzureLlmTrace(FILE) : undefined;

  it(`${ROWS.toLocaleString('en')} requests over 58 minutes, sorted, from 18:15:46.68 UTC`, () => {
    const t = trace!;
    expect(t.arrivals).toHaveLength(ROWS);
    expect(t.contextTokens).toHaveLength(ROWS);
    expect(t.start).toBe('2023-11-16 18:15:46.6805900');
    // The file is sorted: nothing reordered.
    expect(t.reordered).toBe(0);
    // Last row 2023-11-16 19:14:08.4025270.
    expect(t.arrivals[ROWS - 1]).toBe(3501.721937);
    expect(t.arrivals.every((a, i) => i === 0 || a >= t.arrivals[i - 1]!)).toBe(true);
    let maxContext = 0;
    let maxGenerated = 0;
    for (let i = 0; i < ROWS; i++) {
      maxContext = Math.max(maxContext, t.contextTokens[i]!);
      maxGenerated = Math.max(maxGenerated, t.generatedTokens[i]!);
    }
    expect([maxContext, maxGenerated]).toEqual([14_050, 1000]);
  });

  it('summary: 5.53 requests/s on average, 8.45/s in the busiest minute, 16 in the busiest second', () => {
    const s = summarizeArrivals(trace!.arrivals, 60);
    expect(s).toMatchObject({ requests: ROWS, spanSeconds: 3501.721937, binSeconds: 60, peakBinRate: 8.45 });
    expect(s.meanRate).toBeCloseTo(5.5304, 4);
    expect(summarizeArrivals(trace!.arrivals, 1).peakBinRate).toBe(16);
  });

  it('rate bins integrate back to the request count, also when replayed as a load curve', () => {
    for (const bin of [1, 10, 60, 300]) {
      const bins = rateBins(trace!.arrivals, bin);
      expect(bins.rates).toHaveLength(Math.floor(3501.721937 / bin) + 1);
      let sum = 0;
      for (const r of bins.rates) sum += r * bin;
      expect(sum).toBeCloseTo(ROWS, 6);
    }
    const bins = rateBins(trace!.arrivals, 60);
    const loop = 59 * 60;
    // The hour played as a day (timeScale 24) at a tenth of the load, twice.
    const c = loadCurve({ base: { trace: { timeScale: 24, rateScale: 0.1 } } }, { horizon: 2 * 24 * loop, stream: new RandomStream(1, 'load'), trace: bins });
    expect(integrate(c, 0, 24 * loop)).toBeCloseTo(ROWS * 24 * 0.1, 6);
    expect(integrate(c, 0, 2 * 24 * loop)).toBeCloseTo(2 * ROWS * 24 * 0.1, 6);
  });
});
