import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from 'vega-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { lineChart, renderChart, writeChart, type ChartRow, type VegaLiteSpec } from '../../src/report/charts.js';

/** Three series over 0..9 minutes; "binpack" misses one sample (null) and one is NaN. */
function threeSeries(): ChartRow[] {
  const rows: ChartRow[] = [];
  const policies = ['spread', 'binpack', 'gpu-aware'];
  policies.forEach((policy, p) => {
    for (let t = 0; t < 10; t++) {
      let v: number | null = 0.2 + 0.07 * t * (p + 1) / 3;
      if (policy === 'binpack' && t === 4) v = null;
      if (policy === 'binpack' && t === 7) v = Number.NaN;
      rows.push({ minute: t, utilization: v, policy });
    }
  });
  return rows;
}

const TITLE = 'GPU utilization by policy';
const spec = lineChart({
  title: TITLE,
  x: { field: 'minute', title: 'Time (min)' },
  y: { field: 'utilization', title: 'GPU utilization' },
  series: { field: 'policy', title: 'Policy' },
  data: threeSeries(),
  yDomain: [0, 1],
});

/** The `<path>` elements Vega draws for line marks (legend symbols and axes are other marks). */
const linePaths = (svg: string) => svg.match(/<path [^>]*aria-roledescription="line mark"[^>]*>/g) ?? [];

/** Width and height from a PNG's IHDR chunk, which the format requires to come first. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('lineChart', () => {
  it('compiles with Vega-Lite without warnings or errors', () => {
    const messages: unknown[][] = [];
    const logger = {
      level: () => 2,
      warn: (...a: unknown[]) => (messages.push(a), logger),
      error: (...a: unknown[]) => (messages.push(a), logger),
      info: () => logger,
      debug: () => logger,
    };
    const vega = compile(spec, { logger }).spec;
    expect(messages).toEqual([]);
    expect(vega.marks?.length).toBeGreaterThan(0);
  });

  it('turns NaN into null, so the written spec is the rendered one', () => {
    const values = (spec.data as { values: ChartRow[] }).values;
    expect(values.filter((r) => r.utilization === null)).toHaveLength(2);
    expect(values.some((r) => typeof r.utilization === 'number' && Number.isNaN(r.utilization))).toBe(false);
  });

  it('uses an ordinal x axis in data order when x is not numeric', () => {
    const s = lineChart({
      title: 'pending by size',
      x: { field: 'size', title: 'Pod size' },
      y: { field: 'p95', title: 'p95 pending (s)' },
      data: [{ size: 'small', p95: 1 }, { size: 'large', p95: 9 }],
    });
    expect((s as { encoding: { x: unknown } }).encoding.x).toMatchObject({ type: 'ordinal', sort: null });
  });
});

describe('renderChart', () => {
  let svg = '';
  let png: Uint8Array = new Uint8Array();
  beforeAll(async () => {
    ({ svg, png } = await renderChart(spec));
  });

  it('draws a well-formed SVG with the title and one line per series', () => {
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain(`>${TITLE}</text>`);
    expect(svg).toContain('>Time (min)</text>');
    expect(svg).toContain('>Policy</text>');
    const paths = linePaths(svg);
    expect(paths).toHaveLength(3);
    for (const policy of ['spread', 'binpack', 'gpu-aware']) {
      expect(paths.filter((p) => p.includes(`Policy: ${policy}"`))).toHaveLength(1);
    }
  });

  it('breaks the line at missing samples instead of drawing them as 0', () => {
    const binpack = linePaths(svg).find((p) => p.includes('Policy: binpack"'))!;
    const d = /\sd="([^"]*)"/.exec(binpack)![1]!;
    // One sub-path per run of valid samples: 0-3, 5-6, 8-9.
    expect(d.match(/M/g)).toHaveLength(3);
    const spread = linePaths(svg).find((p) => p.includes('Policy: spread"'))!;
    expect(/\sd="([^"]*)"/.exec(spread)![1]!.match(/M/g)).toHaveLength(1);
  });

  it('rasterizes to a PNG twice the SVG size', () => {
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    const svgWidth = Number(/width="(\d+)"/.exec(svg)![1]);
    const svgHeight = Number(/height="(\d+)"/.exec(svg)![1]);
    // The plot area is 600 x 300; axes, title and legend add to it.
    expect(svgWidth).toBeGreaterThan(600);
    expect(svgHeight).toBeGreaterThan(300);
    expect(pngSize(png)).toEqual({ width: 2 * svgWidth, height: 2 * svgHeight });
  });

  it('draws the same bytes every time, also when charts are drawn concurrently', async () => {
    // Vega numbers clip paths from a process-wide counter; renderChart renumbers them per SVG.
    expect(svg).toContain('clip-path="url(#clip1)"');
    const again = await Promise.all([renderChart(spec), renderChart(spec)]);
    for (const r of again) {
      expect(r.svg).toBe(svg);
      expect(Buffer.from(r.png).equals(Buffer.from(png))).toBe(true);
    }
  });

  it('throws on a spec Vega-Lite warns about, rather than drawing a wrong chart', async () => {
    const bad: VegaLiteSpec = { data: { values: [{ a: 1 }] }, mark: 'line', encoding: { x: { field: 'a', type: 'quantitative', aggregate: 'nonsense' as 'sum' } } };
    await expect(renderChart(bad)).rejects.toThrow(/warning/);
  });
});

describe('writeChart', () => {
  it('writes the spec, the SVG and the PNG, and leaves no temporary files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchsim-charts-'));
    const paths = await writeChart(dir, 'gpu-util', spec);
    expect(paths).toEqual(['gpu-util.vl.json', 'gpu-util.svg', 'gpu-util.png'].map((f) => join(dir, f)));
    expect(readdirSync(dir).sort()).toEqual(['gpu-util.png', 'gpu-util.svg', 'gpu-util.vl.json']);
    expect(JSON.parse(readFileSync(join(dir, 'gpu-util.vl.json'), 'utf8'))).toEqual(spec);
    expect(readFileSync(join(dir, 'gpu-util.svg'), 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>$/);
    expect([...readFileSync(join(dir, 'gpu-util.png')).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });
});
