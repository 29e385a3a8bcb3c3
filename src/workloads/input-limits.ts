/**
 * Limits on the size of user input, in one place so that the README can list them. Each guards
 * against an input that would otherwise exhaust memory or time before anything useful happens
 * (a /dev/zero "trace", a YAML alias bomb, a pool of 10^12 nodes); hitting one is bad input, an
 * InputError that names the limit, never a crash or a hang.
 */
import { CST, isAlias, isCollection, isMap, isPair, isScalar, Lexer, LineCounter, type Document, type Node as YamlNode } from 'yaml';
import type { InputIssue } from '../util/errors.js';
import { switchedOn } from '../util/switches.js';

const MiB = 1024 * 1024;

/** Scenario and sweep files (YAML or JSON); a scenario is a few KB. */
export const MAX_SCENARIO_BYTES = 16 * MiB;
/** Kubernetes manifest files a scenario reads (a `kubectl get -o yaml` dump of a large cluster fits). */
export const MAX_MANIFEST_BYTES = 64 * MiB;
/** Compose (docker stack deploy) files a scenario reads; a real stack is a few KB, generated ones far less than this. */
export const MAX_STACK_BYTES = 16 * MiB;
/** Services in one stack file; each becomes a workload (the Docker API has no such limit, the simulator's memory does). */
export const MAX_STACK_SERVICES = 10_000;
/** Trace files (openb CSV, SWF, LANL and uptime failure traces, Azure LLM traces): MAX_TRACE_BYTES, 256 MiB. */
export { MAX_TRACE_BYTES } from '../util/files.js';
/**
 * Values that YAML aliases (`*name`, and merge keys `<<: *name`) may add to one document, counted
 * as if every alias were replaced by a copy of its anchor. A "billion laughs" file of a few
 * hundred bytes would expand to 10^9 values; real files with anchors add a few hundred.
 */
export const MAX_YAML_ALIAS_VALUES = 1_000_000;
/**
 * Nesting of YAML (and JSON) collections: lists and mappings within each other. The YAML composer
 * recurses once per level, and so do the validators after it; near the end of the stack V8 can
 * fail fatally instead of throwing, so depth is checked first, by a parser that does not recurse.
 * A scenario nests about 10 deep, a Kubernetes manifest about 15.
 */
export const MAX_YAML_DEPTH = 100;
/**
 * Values (scalars, lists, mappings, aliases; a mapping's keys count) in one YAML or JSON file,
 * and in all the manifest and stack files one scenario reads together. The YAML parser keeps
 * about 1 KB and 10 us per value (positions, comments, the syntax tree), so this bounds a file
 * to about 500 MB and a few seconds before anything else looks at it; a 15 MiB flow list
 * `[1,1,1,...]` would otherwise hold 7.5 million. A scenario has a few hundred values, a
 * manifest of one Node about a hundred.
 */
export const MAX_YAML_VALUES = 500_000;
/**
 * Characters of one YAML scalar (a string, a block of text): the size limit of a Kubernetes
 * ConfigMap. yaml's parser builds a quoted scalar a character at a time, which for one scalar of
 * 60 MB takes more than a 1 GB heap.
 */
export const MAX_YAML_SCALAR_CHARS = 1024 * 1024;
/**
 * Characters of the long double-quoted scalars (over 64 characters) of one file, and of all the
 * manifest and stack files of one scenario: yaml's parser builds such a string a character at a
 * time, and until it is used it takes about 32 bytes a character (a 1 MB string, 32 MB), so
 * 8 Mi characters are 256 MB. Plain, single-quoted and block scalars (`|`, `>`) are not counted.
 */
export const MAX_YAML_QUOTED_CHARS = 8 * 1024 * 1024;
/**
 * Bytes of all the files one scenario reads (manifests, stack files, traces) together, each
 * counted every time it is named: each file is bounded on its own, this bounds a scenario that
 * names many of them (or one of them many times).
 */
export const MAX_REFERENCED_BYTES = 256 * MiB;
/**
 * Rows of one trace file (openb, SWF, failure traces, Azure LLM): each becomes a pod, an arrival
 * or an outage, so as many as the pods of one workload. Blank and comment lines do not count;
 * they cost no memory.
 */
export const MAX_TRACE_ROWS = 1_000_000;
/**
 * Rate bins derived from an arrival trace (its span / binSeconds), and so entries of the load
 * curve: a trace of two requests 20 years apart in bins of 1 s would otherwise ask for 631
 * million bins. The same bound as the samples of a run.
 */
export const MAX_RATE_BINS = 1_000_000;
/**
 * GPUs of one node. The simulator keeps a table per GPU of each GPU node (free milli-GPU, for
 * FGD and the GPU fit); the largest machines have 16.
 */
export const MAX_GPUS_PER_NODE = 1024;
/** Nodes in one scenario: pools, Node manifests and openb node lists together (and each autoscaled group's max). */
export const MAX_NODES = 100_000;
/**
 * Pods one workload may ask for: a service's replicas (and HPA maxReplicas), a Job's completions
 * and parallelism, a batch stream's count (or, without one, its expected arrivals over its window).
 */
export const MAX_PODS_PER_WORKLOAD = 1_000_000;
/** Time-series samples of one run: horizon / sampleInterval. */
export const MAX_SAMPLES = 1_000_000;
/** The longest horizon: 100 years. */
export const MAX_HORIZON_SECONDS = 36_500 * 86_400;
/**
 * Resource quantities in base units (milli-CPU, bytes, milli-GPU): beyond 2^53 sums and
 * differences stop being exact, and placement accounting would drift.
 */
export const MAX_QUANTITY = Number.MAX_SAFE_INTEGER;

export { formatBytes } from '../util/files.js';

/**
 * A count with thousands separators: "1,000,000". Whole numbers are grouped by hand: the schema
 * formats its limits as it is built, and the first toLocaleString of a process loads ICU's
 * number formatting (20 to 80 ms of every `orchsim validate`).
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return n < 0 ? `-${out}` : out;
}

export { readLimitedText } from '../util/files.js';

/**
 * Checks what the aliases of a parsed YAML document would expand to, before anything expands
 * them: at most `limit` values added by aliases (counting each alias as a copy of its anchor,
 * nested aliases included), no alias inside the node it refers to (recursive data), no alias
 * without an anchor before it. One pass, in document order, O(size of the file).
 * Returns the first problem as an issue positioned at the offending alias, or undefined.
 */
export function yamlAliasIssue(doc: Document, lineCounter: LineCounter, file: string, limit = MAX_YAML_ALIAS_VALUES): InputIssue | undefined {
  const anchors = new Map<string, YamlNode>();
  const sizes = new Map<YamlNode, number>();
  const open = new Set<YamlNode>();
  let added = 0;
  const issue = (node: YamlNode, path: (string | number)[], message: string): InputIssue => {
    const pos = node.range ? lineCounter.linePos(node.range[0]) : undefined;
    return { file, line: pos?.line, column: pos?.col, path, message };
  };
  /** Expanded size of a node (values, with every alias replaced by its anchor's expansion). */
  const size = (node: unknown, path: (string | number)[]): number | InputIssue => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) return issue(node, path, `unknown alias *${node.source} (its anchor &${node.source} must come before it)`);
      if (open.has(target)) return issue(node, path, `alias *${node.source} is inside the node it refers to: recursive data is not supported`);
      const n = sizes.get(target) ?? 1;
      added += n;
      if (added > limit) {
        return issue(node, path, `YAML aliases expand this document by more than ${formatCount(limit)} values (the limit; *${node.source} alone is ${formatCount(n)}): is this an alias bomb?`);
      }
      return n;
    }
    if (isScalar(node)) {
      if (node.anchor) anchors.set(node.anchor, node);
      return 1;
    }
    if (!isCollection(node)) return 1;
    if (node.anchor) anchors.set(node.anchor, node);
    open.add(node);
    let total = 1;
    for (let i = 0; i < node.items.length; i++) {
      const item: unknown = node.items[i];
      if (isPair(item)) {
        const k = isScalar(item.key) ? item.key.value : undefined;
        const seg = typeof k === 'string' || typeof k === 'number' ? k : i;
        for (const part of [item.key, item.value]) {
          if (part === null || part === undefined) continue;
          const n = size(part, [...path, seg]);
          if (typeof n !== 'number') return n;
          total += n;
        }
      } else {
        const n = size(item, [...path, i]);
        if (typeof n !== 'number') return n;
        total += n;
      }
    }
    open.delete(node);
    sizes.set(node, total);
    return total;
  };
  const r = doc.contents ? size(doc.contents, []) : 0;
  return typeof r === 'number' ? undefined : r;
}

/**
 * The first place where a YAML text (any document of it) nests collections deeper than `limit`,
 * or undefined. yaml's parser and composer recurse once per level (its CST parser too, for block
 * sequences), so this runs on its lexer, which does not, and estimates the depth from the tokens:
 * block collections by the columns where lines (and the items after `- ` and `? `) start, like an
 * indentation stack, plus the flow collections (`[`, `{`) open at that point. The estimate is
 * within a level or two per line of the real depth; syntax errors are left to the real parse.
 */
export function yamlDepthIssue(text: string, file: string, limit = MAX_YAML_DEPTH, valueLimit = MAX_YAML_VALUES): InputIssue | undefined {
  if (COUNT_BOUND && yamlWithinLimitsByCount(text, limit, valueLimit)) return undefined;
  const shape = yamlShape(text, file, limit, valueLimit);
  return 'issue' in shape ? shape.issue : undefined;
}

/** ORCHSIM_NO_YAML_COUNT_BOUND=1 lexes every text (yamlWithinLimitsByCount's shortcut off); read once, at load. */
const COUNT_BOUND = switchedOn('ORCHSIM_NO_YAML_COUNT_BOUND');

/**
 * Whether characters alone show that a text passes none of lexShape's limits, so the lexer pass
 * can be skipped (start-up time: it was a sixth of parsing a scenario, a lexer pass of its own).
 * Upper bounds, each of what lexShape counts:
 * - a token is at least one character, so no token or scalar is longer than the text, nor more
 *   tokens than characters; a value is counted on a token (its scalar marker, `---`, an alias, a
 *   `[` or `{`) and a token opens at most one block level besides: values <= 2 x characters;
 * - flow levels are `[` and `{` tokens: at most the `[` and `{` characters;
 * - open block levels have strictly increasing columns, each the column of a token that starts a
 *   line (after its indentation of spaces: one of the lines' widths; a line indented with a tab
 *   is left to the lexer) or follows an indicator
 *   that lets the next token open a level (`- `, `? `, `--- `; a `-`, `?` or `.` followed by a
 *   space, tab, line break or the end): at most the distinct widths plus those indicators, and
 *   one for a byte-order mark.
 * false where the bounds allow a limit to be passed: the lexer then decides.
 */
export function yamlWithinLimitsByCount(text: string, limit: number, valueLimit: number): boolean {
  const n = text.length;
  if (n > MAX_YAML_SCALAR_CHARS || n > MAX_YAML_QUOTED_CHARS || n > 4 * valueLimit || 2 * n > valueLimit) return false;
  const widths = new Set<number>();
  let levels = 1; // a byte-order mark's
  let indent = 0;
  let atIndent = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (atIndent && c === 32) {
      indent++;
      continue;
    }
    // yaml's lexer indents by spaces; where a tab is among them, where tokens start is its business.
    if (atIndent && c === 9) return false;
    if (atIndent) {
      atIndent = false;
      if (!widths.has(indent)) {
        widths.add(indent);
        levels++;
      }
    }
    if (c === 10) {
      atIndent = true;
      indent = 0;
    } else if (c === 91 || c === 123) levels++; // [ {
    else if (c === 45 || c === 63 || c === 46) { // - ? .
      const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;
      if (next === -1 || next === 32 || next === 10 || next === 13 || next === 9) levels++;
    }
    if (levels > limit) return false;
  }
  return levels + (atIndent && !widths.has(indent) ? 1 : 0) <= limit;
}

/**
 * One pass of yaml's lexer over a text: the first place where collections nest deeper than
 * `limit` or the values pass `valueLimit` (see yamlDepthIssue, MAX_YAML_VALUES), else the number
 * of values, for a budget over several files. Counts the values before the parser allocates
 * them, so memory and time stay bounded whatever the file holds.
 */
export function yamlShape(text: string, file: string, limit = MAX_YAML_DEPTH, valueLimit = MAX_YAML_VALUES): YamlShape {
  // A file the scenario's budget counted (resolve/context.ts) is checked again by its reader:
  // the same text is lexed once.
  const last = lastShape;
  if (last && last.text === text && last.file === file && last.limit === limit && last.valueLimit === valueLimit) return last.result;
  const result = lexShape(text, file, limit, valueLimit);
  lastShape = { text, file, limit, valueLimit, result };
  return result;
}

/** What the lexer pass found: the values and long double-quoted characters of a text, or the first limit passed. */
export type YamlShape = { values: number; quoted: number } | { issue: InputIssue };

let lastShape: { text: string; file: string; limit: number; valueLimit: number; result: YamlShape } | undefined;

function lexShape(text: string, file: string, limit: number, valueLimit: number): YamlShape {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  const block: number[] = []; // columns of the open block collections
  let flow = 0;
  let offset = 0;
  let column = 0;
  let lineStart = true; // the next content token starts a line (or follows `- ` / `? `)
  let blockScalarBody = false;
  let values = 0;
  let quoted = 0;
  // Indicators (`,`, `:`, `-`) and stray text cost the parser as much as values, and a file of
  // commas alone would give millions of syntax errors: all tokens are bounded too.
  let tokens = 0;
  const tokenLimit = 4 * valueLimit;
  const at = (offset: number) => {
    for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    return lineCounter.linePos(offset);
  };
  for (const token of new Lexer().lex(text)) {
    // Control tokens (document mode, scalar marker, flow error end) take no room in the text.
    if (token === CST.SCALAR) values++;
    if (token === CST.DOCUMENT || token === CST.SCALAR || token === CST.FLOW_END) continue;
    const type = CST.tokenType(token);
    const start = offset;
    offset += token.length;
    const nl = token.lastIndexOf('\n');
    const startColumn = column;
    column = nl >= 0 ? token.length - nl - 1 : column + token.length;
    if (type === 'newline') {
      lineStart = true;
      continue;
    }
    if (token.length > MAX_YAML_SCALAR_CHARS && type !== 'space' && type !== 'comment') {
      const pos = at(start);
      return { issue: { file, line: pos.line, column: pos.col, path: [], message: `a value of ${formatCount(token.length)} characters, more than ${formatCount(MAX_YAML_SCALAR_CHARS)} (the limit for one value)` } };
    }
    if (type === 'double-quoted-scalar' && token.length > 64 && (quoted += token.length) > MAX_YAML_QUOTED_CHARS) {
      const pos = at(start);
      return { issue: { file, line: pos.line, column: pos.col, path: [], message: `more than ${formatCount(MAX_YAML_QUOTED_CHARS)} characters in long double-quoted strings (the limit for one file; plain, single-quoted and | or > block strings are not counted)` } };
    }
    if (type !== 'space' && type !== 'comment' && ++tokens > tokenLimit) {
      const pos = at(start);
      return { issue: { file, line: pos.line, column: pos.col, path: [], message: `more than ${formatCount(tokenLimit)} values and indicators (\`,\`, \`:\`, \`-\`; 4 per value, the limit for one file)` } };
    }
    if (type === 'space' || type === 'comment') {
      if (blockScalarBody && nl >= 0) {
        // The body of a `|` or `>` scalar arrives as one token: text, not structure.
        blockScalarBody = false;
        lineStart = true;
      }
      continue;
    }
    if (type === 'doc-start' || type === 'doc-end') {
      if (type === 'doc-start') values++;
      block.length = 0;
      flow = 0;
      lineStart = true;
      continue;
    }
    if (blockScalarBody) {
      blockScalarBody = false;
      if (type === null && lineStart) {
        lineStart = nl >= 0;
        continue;
      }
    }
    if (lineStart && flow === 0) {
      while (block.length > 0 && block[block.length - 1]! > startColumn) block.pop();
      if (block.length === 0 || block[block.length - 1]! < startColumn) {
        block.push(startColumn);
        values++;
      }
    }
    lineStart = flow === 0 && (type === 'seq-item-ind' || type === 'explicit-key-ind');
    if (type === 'block-scalar-header') blockScalarBody = true;
    if (type === 'alias') values++;
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      flow++;
      values++;
    }
    else if ((type === 'flow-map-end' || type === 'flow-seq-end') && flow > 0) flow--;
    if (block.length + flow > limit) {
      const pos = at(start);
      return { issue: { file, line: pos.line, column: pos.col, path: [], message: `nested more than ${limit} levels deep (lists and mappings within each other; the limit)` } };
    }
    if (values > valueLimit) {
      const pos = at(start);
      return { issue: { file, line: pos.line, column: pos.col, path: [], message: `more than ${formatCount(valueLimit)} values (scalars, lists and mappings; the limit for one file)` } };
    }
  }
  return { values, quoted };
}

/**
 * Keys that would change a parsed object's prototype instead of adding a field (`__proto__`), or
 * reach into it when a path is walked (`constructor`, `prototype`): never a field of a scenario,
 * a manifest or a stack file, so refused wherever user keys or paths are read.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path of the first key of FORBIDDEN_KEYS in a parsed value (mappings and lists within each
 * other, own keys only), or undefined. For values whose keys are later walked as paths or merged
 * key by key (a compare arm's `set:`).
 */
export function forbiddenKeyPath(value: unknown, path: readonly (string | number)[] = []): (string | number)[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = forbiddenKeyPath(value[i], [...path, i]);
      if (p) return p;
    }
    return undefined;
  }
  for (const k of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(k)) return [...path, k];
    const p = forbiddenKeyPath((value as Record<string, unknown>)[k], [...path, k]);
    if (p) return p;
  }
  return undefined;
}

/** A problem of a parsed YAML document that the parser let pass, with its offset in the text. */
export interface YamlDocProblem {
  readonly offset: number;
  readonly message: string;
}

/**
 * What yaml's parser lets pass but a reader must not: a key twice in one mapping (checked here
 * in one pass with a set per mapping; the parser's own check, `uniqueKeys`, compares every key
 * with every other and takes minutes on a mapping of a million keys), a `__proto__` key, and the
 * parser's warnings - a tag it does not know (`!include`, `!!js/function`) resolved as plain text,
 * a directive it ignored - which would otherwise be dropped. In document order.
 */
export function yamlDocProblems(doc: Document, options: { merge?: boolean } = {}): YamlDocProblem[] {
  const out: YamlDocProblem[] = [];
  for (const w of doc.warnings) {
    const message = w.code === 'TAG_RESOLVE_FAILED'
      ? `${w.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')} (tags other than the standard ones (!!str, !!int, ...) are not supported: write the value itself)`
      : w.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    out.push({ offset: w.pos[0], message });
  }
  const visit = (node: unknown): void => {
    if (!isCollection(node)) return;
    const keys = isMap(node) ? new Set<string>() : undefined;
    for (const item of node.items) {
      if (!isPair(item)) {
        visit(item);
        continue;
      }
      const k = item.key;
      if (keys && isScalar(k) && !(options.merge && k.value === '<<')) {
        const id = `${typeof k.value}:${String(k.value)}`;
        if (keys.has(id)) out.push({ offset: k.range?.[0] ?? 0, message: 'Map keys must be unique' });
        keys.add(id);
        if (k.value === '__proto__') out.push({ offset: k.range?.[0] ?? 0, message: 'the key "__proto__" is not allowed (it would replace the object\'s prototype, not add a field)' });
      }
      visit(k);
      visit(item.value);
    }
  };
  visit(doc.contents);
  return out.sort((a, b) => a.offset - b.offset);
}

/** A YAML parser error's message; the parser's recursion overflowing on a document nested thousands deep, said plainly. */
export function yamlErrorText(message: string): string {
  return /Maximum call stack size exceeded/.test(message) ? 'nested too deeply (lists or mappings thousands of levels deep)' : message;
}

/**
 * A parsed document's value: its aliases checked before they are expanded (an alias bomb is
 * refused at its position, see yamlAliasIssue), then expanded - exactly, since the check
 * counted them. The issue that stops it, or the error the expansion threw.
 */
export function yamlValue(doc: Document, lineCounter: LineCounter, file: string): { value: unknown } | { issue: InputIssue } | { error: string } {
  const issue = yamlAliasIssue(doc, lineCounter, file);
  if (issue) return { issue };
  try {
    return { value: doc.toJS({ maxAliasCount: -1 }) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
