/**
 * Plain-text tables that fit a terminal width: a left column of names that wraps onto
 * continuation lines, right-aligned value columns whose headers wrap too, and - when even so
 * the values do not fit beside a readable name column - the value columns split over several
 * tables that repeat the names.
 */

/** Columns of a terminal the tables and notes fit into. */
export const TERMINAL_WIDTH = 100;

const GAP = '  ';
/** The name column is never narrower than this while values move to a second table to make room. */
const MIN_NAME_WIDTH = 24;
/** A header longer than its values wraps at this width rather than widening the column. */
const MAX_HEADER_WIDTH = 16;

/** Words of `text` in lines of at most `width` characters (a longer word is cut); `indent` before every line but the first. */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  const room = () => width - (lines.length === 0 ? 0 : indent.length);
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > room()) {
      // A word longer than a line: fill this line (or a fresh one) with its start.
      const free = line === '' ? room() : room() - line.length - 1;
      if (free <= 0) {
        lines.push(line);
        line = '';
        continue;
      }
      const head = word.slice(0, free);
      word = word.slice(free);
      lines.push(line === '' ? head : `${line} ${head}`);
      line = '';
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= room()) line = `${line} ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : `${indent}${l}`));
}

export interface TextTable {
  /** The name column's header, then one per value column. */
  readonly header: readonly string[];
  /** Each row: a name, then one cell per value column. */
  readonly rows: readonly (readonly string[])[];
}

/** The value columns split into groups that each fit beside a name column of at least MIN_NAME_WIDTH. */
function columnGroups(widths: readonly number[], width: number): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let used = 0;
  widths.forEach((w, i) => {
    if (group.length > 0 && MIN_NAME_WIDTH + used + GAP.length + w > width) {
      groups.push(group);
      group = [];
      used = 0;
    }
    group.push(i);
    used += GAP.length + w;
  });
  if (group.length > 0) groups.push(group);
  return groups;
}

/** The width of each value column: its widest cell, or its header up to MAX_HEADER_WIDTH. */
function valueWidths(t: TextTable): number[] {
  const cellWidth = (i: number) => Math.max(0, ...t.rows.map((r) => (r[i + 1] ?? '').length));
  return Array.from({ length: t.header.length - 1 }, (_, i) => Math.max(cellWidth(i), Math.min(t.header[i + 1]!.length, MAX_HEADER_WIDTH), 1));
}

/** The columns the name column has beside all the values in one table of `width`. */
export function nameRoom(t: TextTable, width = TERMINAL_WIDTH): number {
  return width - valueWidths(t).reduce((s, w) => s + GAP.length + w, 0);
}

/** The table as lines of at most `width` characters (unless one value alone is wider). */
export function formatTextTable(t: TextTable, width = TERMINAL_WIDTH): string[] {
  const widths = valueWidths(t);
  const out: string[] = [];
  for (const group of columnGroups(widths, width)) {
    if (out.length > 0) out.push('');
    const used = group.reduce((s, i) => s + GAP.length + widths[i]!, 0);
    const longest = Math.max(t.header[0]!.length, ...t.rows.map((r) => r[0]!.length));
    const nameWidth = Math.max(Math.min(longest, width - used), Math.min(longest, MIN_NAME_WIDTH / 2));
    const line = (name: string, cells: readonly string[]) =>
      (name.padEnd(nameWidth) + group.map((i, k) => GAP + (cells[k] ?? '').padStart(widths[i]!)).join('')).trimEnd();
    // Headers wrapped to their column, bottom-aligned so the last line sits on the rule.
    const heads = group.map((i) => wrapText(t.header[i + 1]!, widths[i]!));
    const depth = Math.max(1, ...heads.map((h) => h.length));
    for (let k = 0; k < depth; k++) {
      out.push(line(k === depth - 1 ? t.header[0]! : '', heads.map((h) => h[k - (depth - h.length)] ?? '')));
    }
    out.push(line('-'.repeat(nameWidth), group.map((i) => '-'.repeat(widths[i]!))));
    for (const r of t.rows) {
      const names = wrapText(r[0]!, nameWidth, '  ');
      out.push(line(names[0]!, group.map((i) => r[i + 1] ?? '')));
      for (const more of names.slice(1)) out.push(more);
    }
  }
  return out;
}
