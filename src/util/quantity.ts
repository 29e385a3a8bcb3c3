/**
 * Units people write: Kubernetes resource quantities ("500m", "4Gi", "1.5", "2e3") and
 * durations ("90s", "5m", "1h30m", "7d", "500ms"). Parsers return undefined on bad input so the
 * caller can report it with its own position.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** Parses a resource.Quantity into its plain value (e.g. "500m" -> 0.5, "4Gi" -> 4294967296). */
export function parseQuantity(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  const m = QUANTITY.exec(input.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  let value: number;
  if (m[3] !== undefined) value = base * 10 ** Number(m[3]);
  else {
    const suffix = m[2] ?? '';
    value = base * (BINARY[suffix] ?? DECIMAL[suffix] ?? NaN);
  }
  return Number.isFinite(value) ? value : undefined;
}

/** CPU quantity to milli-CPU, rounded up as Kubernetes does for sub-milli values (MilliValue()). */
export function parseMilliCPU(input: string | number): number | undefined {
  const v = parseQuantity(input);
  return v === undefined ? undefined : Math.ceil(Math.round(v * 1e6) / 1e3);
}

/** Memory or storage quantity to whole bytes (rounded up, as Quantity.Value()). */
export function parseBytes(input: string | number): number | undefined {
  const v = parseQuantity(input);
  return v === undefined ? undefined : Math.ceil(v);
}

const DURATION_UNITS: Record<string, number> = { ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d|w)/y;

/** Duration to seconds: a bare number is seconds; otherwise Go-style parts with d and w added. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  const s = input.trim();
  if (s === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s);
  let total = 0;
  DURATION_PART.lastIndex = 0;
  let pos = 0;
  while (pos < s.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = DURATION_PART.lastIndex;
  }
  return total;
}

/** Seconds to a short human string ("3d4h", "90s", "1.5s"). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** Quantity.MilliValue: rounds up to a whole milli-unit (after snapping binary noise such as 0.29 * 1000). */
export function milliValue(value: number, scale: number): number {
  const x = value * scale;
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
}
