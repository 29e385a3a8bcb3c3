/**
 * How an arm looks in every chart of a report: a colour, a dash pattern and a marker shape, all
 * three keyed on the plan's arm order. Colour alone fails where two arms' lines coincide (the one
 * drawn last hides the other: two profiles that place the same pods give the same utilization)
 * and for readers who cannot tell the colours apart or print in grey; a dashed line shows the
 * solid one under it through its gaps, and markers set at different samples per arm show both.
 */

/**
 * Dash patterns (dash, gap, ... in pixels), the first arm solid. Distinct at a 2-pixel line
 * width; past the last, patterns repeat (the colour still differs).
 */
export const ARM_DASHES: readonly (readonly number[])[] = [[1, 0], [7, 3], [2, 2], [9, 3, 2, 3], [4, 4], [12, 3, 2, 3, 2, 3]];

/** Marker shapes (Vega symbol names), in the same order. */
export const ARM_SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'triangle-left', 'triangle-right'] as const;

const cycle = <T>(list: readonly T[], n: number): T[] => Array.from({ length: n }, (_, i) => list[i % list.length]!);

/**
 * The same colour for an arm in every chart of a report (the plan's arm order fixes the
 * palette), also in a chart where some arm has no data.
 */
export function armColor(arms: readonly string[], legend = true) {
  return {
    field: 'arm',
    type: 'nominal' as const,
    title: 'Arm',
    scale: { domain: [...arms] },
    ...(legend ? {} : { legend: null }),
  };
}

/** The arm's dash pattern; its legend merges with the colour's (same field and title). */
export function armDash(arms: readonly string[], legend = true) {
  return {
    field: 'arm',
    type: 'nominal' as const,
    title: 'Arm',
    scale: { domain: [...arms], range: cycle(ARM_DASHES, arms.length).map((d) => [...d]) },
    ...(legend ? {} : { legend: null }),
  };
}

/** The arm's marker shape; its legend merges with the colour's (same field and title). */
export function armShape(arms: readonly string[], legend = true) {
  return {
    field: 'arm',
    type: 'nominal' as const,
    title: 'Arm',
    scale: { domain: [...arms], range: cycle(ARM_SHAPES, arms.length) },
    ...(legend ? {} : { legend: null }),
  };
}

/** About this many markers per line: enough to follow a line across the plot, few enough not to thicken it. */
export const MARKERS_PER_LINE = 10;

/**
 * Which points of one line get a marker: every k-th (k from the line's length), starting at a
 * different sample for each arm, so that where two arms' lines coincide both sets of markers
 * show. `points`: the line's points with a value, in x order; `armIndex` of `arms` arms.
 */
export function markerIndices(points: number, armIndex: number, arms: number, perLine = MARKERS_PER_LINE): Set<number> {
  const out = new Set<number>();
  if (points <= 0) return out;
  const step = Math.max(1, Math.floor(points / perLine));
  // Arms share the step between them: arm i starts i/arms of a step in.
  const start = Math.floor((step * (armIndex % Math.max(1, arms))) / Math.max(1, arms)) + Math.floor(step / (2 * Math.max(1, arms)));
  for (let i = Math.min(start, points - 1); i < points; i += step) out.add(i);
  return out;
}
