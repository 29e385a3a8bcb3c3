/**
 * The value of a YAML text written in a small subset of YAML, without yaml's parser: start-up
 * time. yaml's lexer, parser and composer run cold in a short command (`orchsim validate`), where
 * parsing the 86-line default scenario was about a quarter of what orchsim itself executed (94 M
 * of some 370 M instructions over `node -e 0`; bench/README.md, section 17, sixth pass), though
 * it takes 2 ms once warm. Scenario files are mostly written in a few forms: block mappings with
 * plain keys, block sequences (also of mappings, `- name: x`), one-line flow collections
 * (`{ cpu: 16, memory: 64Gi }`, `[a, b]`), plain or simply quoted scalars and comments.
 *
 * Where a text is entirely in that subset, the value is what yaml's `parseDocument(text).toJS()`
 * gives under the YAML 1.2 core schema (the scalars resolved by the same tests, in the same order,
 * to the same numbers); anything else - anchors, aliases, tags, block scalars, multi-line
 * scalars or flow collections, escapes, tabs, CR, non-ASCII characters, several documents,
 * directives, a key twice or `__proto__`, any doubt - gives undefined and the caller parses the
 * text with yaml as before. The subset accepts only texts yaml reads without errors or warnings,
 * so the caller needs yaml's document only to point at a place in the file, which only an
 * invalid or warned-of scenario does (src/scenario/load.ts builds it then).
 * test/workloads/yaml-subset.test.ts compares both over random texts of this shape and broken ones.
 */

/** Texts longer than this are left to yaml (a scenario is a few KB). */
const MAX_SUBSET_CHARS = 256 * 1024;
/** Flow collections nested deeper than this are left to yaml (and to its depth check). */
const MAX_FLOW_DEPTH = 16;

/** Thrown inside the parser where the text leaves the subset; never escapes subsetYamlValue. */
const OUTSIDE = new Error('outside the YAML subset');

/** A line with content: its indentation (spaces) and the text after it, comment included. */
interface Line {
  indent: number;
  text: string;
}

/** The value of `text` where it is written in the subset, else undefined (parse it with yaml). */
export function subsetYamlValue(text: string): { value: unknown } | undefined {
  if (text.length > MAX_SUBSET_CHARS) return undefined;
  const lines: Line[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 10;
    if (c === 10) {
      let indent = start;
      while (indent < i && text.charCodeAt(indent) === 32) indent++;
      // Blank lines and whole-line comments (at any indentation) are not content.
      if (indent < i && text.charCodeAt(indent) !== 35) lines.push({ indent: indent - start, text: text.slice(indent, i) });
      start = i + 1;
    } else if (c < 32 || c > 126) return undefined; // tabs, CR, control characters, non-ASCII
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  const parser = new BlockParser(lines);
  try {
    const value = parser.block();
    return parser.done() ? { value } : undefined;
  } catch (e) {
    if (e === OUTSIDE) return undefined;
    throw e;
  }
}

/**
 * A mapping key: a plain scalar of letters, digits and `_ . / -`, starting with a letter or `_`;
 * at most 200 characters (yaml refuses an implicit key of over 1024).
 */
const KEY = /^[A-Za-z_][A-Za-z0-9_./-]{0,199}/;

class BlockParser {
  private at = 0;
  constructor(private readonly lines: Line[]) {}

  /** Whether every line was read. */
  done(): boolean {
    return this.at === this.lines.length;
  }

  /** The block collection starting at the current line (a mapping or a sequence). */
  block(): unknown {
    const line = this.lines[this.at]!;
    if (isItem(line.text)) return this.sequence(line.indent);
    if (keyOf(line.text) !== undefined) return this.mapping(line.indent);
    throw OUTSIDE;
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    for (let line = this.lines[this.at]; line && line.indent === indent && isItem(line.text); line = this.lines[this.at]) {
      let i = 1;
      while (line.text.charCodeAt(i) === 32) i++;
      const rest = line.text.slice(i);
      // `-` alone (the item on the next lines) and `- - x` are left to yaml.
      if (rest === '' || rest.charCodeAt(0) === 35 || isItem(rest)) throw OUTSIDE;
      if (keyOf(rest) !== undefined) {
        // `- name: x` and the lines after it at the column of `name`: a mapping.
        this.lines[this.at] = { indent: indent + i, text: rest };
        items.push(this.mapping(indent + i));
      } else {
        this.at++;
        items.push(inlineValue(rest, 0));
      }
      const next = this.lines[this.at];
      if (next && next.indent > indent) throw OUTSIDE;
    }
    return items;
  }

  private mapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (let line = this.lines[this.at]; line && line.indent === indent; line = this.lines[this.at]) {
      const key = keyOf(line.text);
      if (key === undefined || seen.has(key) || key === '__proto__' || typeof plainValue(key) !== 'string') throw OUTSIDE;
      seen.add(key);
      let i = key.length + 1;
      while (line.text.charCodeAt(i) === 32) i++;
      this.at++;
      let value: unknown = null;
      if (i < line.text.length && line.text.charCodeAt(i) !== 35) value = inlineValue(line.text, i);
      else {
        const next = this.lines[this.at];
        // The value on the next lines: deeper, or a sequence at the key's own column.
        if (next && (next.indent > indent || (next.indent === indent && isItem(next.text)))) value = this.block();
      }
      const next = this.lines[this.at];
      if (next && next.indent > indent) throw OUTSIDE;
      map[key] = value;
    }
    return map;
  }
}

/** Whether a line's text opens a block sequence item (`- ` or a lone `-`). */
function isItem(text: string): boolean {
  return text.charCodeAt(0) === 45 && (text.length === 1 || text.charCodeAt(1) === 32);
}

/** The key of a `key: value` or `key:` line, else undefined. */
function keyOf(text: string): string | undefined {
  const key = KEY.exec(text)?.[0];
  if (key === undefined || text.charCodeAt(key.length) !== 58) return undefined; // ':'
  const after = text.length === key.length + 1 ? 32 : text.charCodeAt(key.length + 1);
  return after === 32 ? key : undefined;
}

/** The value written on the rest of a line from `i`: a flow collection, a quoted or a plain scalar, then maybe a comment. */
function inlineValue(text: string, i: number): unknown {
  const c = text.charCodeAt(i);
  if (c === 91 || c === 123 || c === 34 || c === 39) { // [ { " '
    const r = c === 34 || c === 39 ? quoted(text, i) : flow(text, i, 0);
    lineEnd(text, r.end);
    return r.value;
  }
  // A plain scalar: to the end of the line or a ` #` comment, in block context.
  let end = text.length;
  const hash = text.indexOf(' #', i);
  if (hash >= 0) end = hash;
  const s = text.slice(i, end).trimEnd();
  if (!plainStart(s)) throw OUTSIDE;
  for (let k = 0; k < s.length; k++) {
    const ch = s.charCodeAt(k);
    // '#' only after a space is a comment (cut above); `a#b` is left to yaml all the same. A ':'
    // followed by a space or at the end would be a mapping.
    if (ch === 35 || (ch === 58 && (k + 1 === s.length || s.charCodeAt(k + 1) === 32))) throw OUTSIDE;
  }
  return plainValue(s);
}

/** Only spaces, then maybe a comment, after a value that ends at `i`. */
function lineEnd(text: string, i: number): void {
  let k = i;
  while (text.charCodeAt(k) === 32) k++;
  if (k < text.length && !(text.charCodeAt(k) === 35 && k > i)) throw OUTSIDE;
}

/** A plain scalar may not start with an indicator (`- ` and `-` alone included), a space or nothing. */
function plainStart(s: string): boolean {
  if (s.length === 0) return false;
  const c = s[0]!;
  if ('?:,[]{}#&*!|>\'"%@` '.includes(c)) return false;
  // `---` and `...` mark documents at the start of a line; wherever they are, yaml decides.
  if (s.startsWith('---') || s.startsWith('...')) return false;
  return !(c === '-' && (s.length === 1 || s[1] === ' '));
}

/** A quoted scalar from `i` on one line: double-quoted without escapes, or single-quoted. */
function quoted(text: string, i: number): { value: string; end: number } {
  const q = text.charCodeAt(i);
  if (q === 34) {
    const close = text.indexOf('"', i + 1);
    if (close < 0) throw OUTSIDE;
    const value = text.slice(i + 1, close);
    if (value.includes('\\')) throw OUTSIDE;
    return { value, end: close + 1 };
  }
  let value = '';
  let k = i + 1;
  for (;;) {
    const close = text.indexOf("'", k);
    if (close < 0) throw OUTSIDE;
    value += text.slice(k, close);
    if (text.charCodeAt(close + 1) !== 39) return { value, end: close + 1 };
    value += "'";
    k = close + 2;
  }
}

/** A flow collection from `i` (`[` or `{`), closed on the same line: its value and where it ends. */
function flow(text: string, i: number, depth: number): { value: unknown; end: number } {
  if (depth >= MAX_FLOW_DEPTH) throw OUTSIDE;
  const map = text.charCodeAt(i) === 123;
  const close = map ? 125 : 93;
  const items: unknown[] = [];
  const pairs: Record<string, unknown> = {};
  const seen = new Set<string>();
  let k = skipSpaces(text, i + 1);
  if (text.charCodeAt(k) === close) return { value: map ? pairs : items, end: k + 1 };
  for (;;) {
    if (map) {
      const key = KEY.exec(text.slice(k))?.[0];
      if (key === undefined || seen.has(key) || key === '__proto__' || typeof plainValue(key) !== 'string') throw OUTSIDE;
      k += key.length;
      // `key: value` with a space after the colon; `key:value` and `key :` are left to yaml.
      if (text.charCodeAt(k) !== 58 || text.charCodeAt(k + 1) !== 32) throw OUTSIDE;
      seen.add(key);
      const v = flowValue(text, skipSpaces(text, k + 1), depth);
      pairs[key] = v.value;
      k = v.end;
    } else {
      const v = flowValue(text, k, depth);
      items.push(v.value);
      k = v.end;
    }
    k = skipSpaces(text, k);
    const c = text.charCodeAt(k);
    if (c === close) return { value: map ? pairs : items, end: k + 1 };
    if (c !== 44) throw OUTSIDE; // ','
    k = skipSpaces(text, k + 1);
    // A trailing comma (`[a, ]`) is left to yaml.
    if (text.charCodeAt(k) === close) throw OUTSIDE;
  }
}

/** A value inside a flow collection: a collection, a quoted scalar, or a plain scalar of safe characters. */
function flowValue(text: string, i: number, depth: number): { value: unknown; end: number } {
  const c = text.charCodeAt(i);
  if (c === 91 || c === 123) return flow(text, i, depth + 1);
  if (c === 34 || c === 39) return quoted(text, i);
  let k = i;
  // Letters, digits, space and `_ . / - + ~ = ( ) $ ^ @ %`; anything else (`:`, `#`, quotes, `*`, ...) is left to yaml.
  while (k < text.length && /[A-Za-z0-9 _./+~=()$^@%-]/.test(text[k]!)) k++;
  const s = text.slice(i, k).trimEnd();
  if (!plainStart(s)) throw OUTSIDE;
  const next = text.charCodeAt(k);
  if (next !== 44 && next !== 93 && next !== 125) throw OUTSIDE;
  return { value: plainValue(s), end: k };
}

function skipSpaces(text: string, i: number): number {
  let k = i;
  while (text.charCodeAt(k) === 32) k++;
  return k;
}

// yaml's core schema (YAML 1.2), yaml/dist/schema/core/*.js and common/null.js: a plain scalar
// takes the first of these tags whose test matches it, in this order, else it is a string.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar's value as yaml's core schema resolves it (`intAsBigInt` off, its default). */
export function plainValue(s: string): unknown {
  // Most scalars are words ("web", "64Gi", "zone-a"): no tag's test can match a string that starts
  // with none of the characters the tests start with.
  if (!/^[-+.0-9~nNtTfF]/.test(s) && s !== '') return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}
