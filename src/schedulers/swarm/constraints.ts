import type { Labels } from '../../api/labels.js';
import type { SwarmConstraint, SwarmNodeInfo } from '../../api/swarm.js';
import { cidrContains, ipEqual, parseCidr, parseIp, type Cidr, type Ip16 } from './ip.js';

/**
 * Swarm placement constraints and spread preferences (manager/constraint/constraint.go, and the
 * descriptor switch of manager/scheduler/nodeset.go tree). Keys are matched case-insensitively,
 * label names after the prefix case-sensitively, values case-insensitively (strings.EqualFold).
 */

/** constraint.NodeLabelPrefix / EngineLabelPrefix. */
export const NODE_LABEL_PREFIX = 'node.labels.';
export const ENGINE_LABEL_PREFIX = 'engine.labels.';

/** constraint.go `operators`, in the order Parse tries them. */
const OPERATORS = ['==', '!='] as const;

// constraint.go alphaNumeric and valuePattern. Go's (?i) folds with Unicode simple case folding (so
// the Kelvin sign matches k), which JavaScript's i flag does only in u mode; Go's \s is [\t\n\f\r ].
const KEY_PATTERN = /^[a-z_][a-z0-9\-_.]+$/iu;
const VALUE_PATTERN = /^[a-z0-9:\-_\t\n\f\r .*()?+[\]\\^$|/]+$/iu;

const KNOWN_KEYS = 'node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<label> or engine.labels.<label>';

function constraintError(text: string, why: string): Error {
  return new Error(`invalid placement constraint ${JSON.stringify(text)}: ${why}`);
}

/**
 * constraint.Parse for one expression: the first operator of `==`, `!=` found splits the text once;
 * key and value are trimmed and checked against upstream's patterns. Accepts any well-formed key, as
 * upstream does (an unknown key then matches no node); parseSwarmConstraint is the strict form.
 */
export function parseConstraintSyntax(text: string): SwarmConstraint {
  for (const operator of OPERATORS) {
    const at = text.indexOf(operator);
    if (at < 0) continue;
    const key = text.slice(0, at).trim();
    if (!KEY_PATTERN.test(key)) {
      throw constraintError(text, `key '${key}' is invalid (a key starts with a letter or _ and goes on with at least one letter, digit, -, _ or .)`);
    }
    const value = text.slice(at + operator.length).trim();
    if (!VALUE_PATTERN.test(value)) {
      throw constraintError(text, `value '${value}' is invalid (a value is not empty and has only letters, digits, spaces and : - _ . * ( ) ? + [ ] \\ ^ $ | /)`);
    }
    return { key, operator, value };
  }
  throw constraintError(text, `constraint expected one operator from ${OPERATORS.join(', ')}`);
}

/**
 * Parses a constraint ("node.labels.zone==a", "node.role != manager") as swarmkit does, and also
 * refuses what swarmkit accepts but can never satisfy, whatever the operator: an unknown key or
 * an empty label name (NodeMatches' default case rejects every node) and a `node.ip` value that
 * is neither an address nor a CIDR subnet ("reject constraint with malformed address/network").
 */
export function parseSwarmConstraint(text: string): SwarmConstraint {
  const c = parseConstraintSyntax(text);
  const compiled = compileConstraint(c);
  if (compiled.kind === Kind.Unknown) {
    throw constraintError(text, `unknown key '${c.key}': expected ${KNOWN_KEYS} (swarmkit would accept it and place the task on no node)`);
  }
  if (compiled.kind === Kind.Ip && compiled.ip === undefined && compiled.cidr === undefined) {
    throw constraintError(text, `node.ip value '${c.value}' is neither an IP address nor a CIDR subnet such as 10.0.0.0/24 (swarmkit would place the task on no node)`);
  }
  return c;
}

/**
 * strings.EqualFold: equal under Unicode simple case folding, one code point against one. Each
 * pair is compared through its single-code-point lower and upper case, which covers the folding
 * orbits Go uses (k, K, Kelvin sign; s, S, long s) without expanding ß to ss.
 */
export function equalFold(a: string, b: string): boolean {
  if (a === b) return true;
  const n = a.length;
  let i = 0;
  // ASCII fast path; falls through to the code-point loop at the first non-ASCII character.
  for (; i < n && i < b.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x >= 128 || y >= 128) break;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  if (i === n && i === b.length) return true;
  const ca = Array.from(a.slice(i));
  const cb = Array.from(b.slice(i));
  if (ca.length !== cb.length) return false;
  for (let k = 0; k < ca.length; k++) {
    const x = ca[k]!;
    const y = cb[k]!;
    if (x === y) continue;
    const lower = x.toLowerCase();
    if (lower === y.toLowerCase() && isOneCodePoint(lower)) continue;
    const upper = x.toUpperCase();
    if (upper === y.toUpperCase() && isOneCodePoint(upper)) continue;
    return false;
  }
  return true;
}

function isOneCodePoint(s: string): boolean {
  const cp = s.codePointAt(0);
  return cp !== undefined && (cp > 0xffff ? 2 : 1) === s.length;
}

/** Which node property a constraint key names (NodeMatches' switch, in its order). */
export const Kind = { Id: 0, Hostname: 1, Ip: 2, Role: 3, Os: 4, Arch: 5, NodeLabel: 6, EngineLabel: 7, Unknown: 8 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** A constraint with its key resolved once, so that matching a node does no string work on the key. */
export interface CompiledConstraint {
  readonly kind: Kind;
  readonly equal: boolean;
  readonly value: string;
  /** The label name (NodeLabel, EngineLabel). */
  readonly label: string;
  /** node.ip: the value as an address, else as a subnet (neither: no node matches). */
  readonly ip: Ip16 | undefined;
  readonly cidr: Cidr | undefined;
}

/** The label-prefix test of NodeMatches and nodeset.go tree: longer than the prefix, prefix compared case-insensitively. */
function hasPrefixFold(key: string, prefix: string): boolean {
  return key.length > prefix.length && equalFold(key.slice(0, prefix.length), prefix);
}

export function compileConstraint(c: SwarmConstraint): CompiledConstraint {
  const key = c.key;
  let kind: Kind = Kind.Unknown;
  let label = '';
  if (equalFold(key, 'node.id')) kind = Kind.Id;
  else if (equalFold(key, 'node.hostname')) kind = Kind.Hostname;
  else if (equalFold(key, 'node.ip')) kind = Kind.Ip;
  else if (equalFold(key, 'node.role')) kind = Kind.Role;
  else if (equalFold(key, 'node.platform.os')) kind = Kind.Os;
  else if (equalFold(key, 'node.platform.arch')) kind = Kind.Arch;
  else if (hasPrefixFold(key, NODE_LABEL_PREFIX)) {
    kind = Kind.NodeLabel;
    label = key.slice(NODE_LABEL_PREFIX.length);
  } else if (hasPrefixFold(key, ENGINE_LABEL_PREFIX)) {
    kind = Kind.EngineLabel;
    label = key.slice(ENGINE_LABEL_PREFIX.length);
  }
  const ip = kind === Kind.Ip ? parseIp(c.value) : undefined;
  const cidr = kind === Kind.Ip && ip === undefined ? parseCidr(c.value) : undefined;
  return { kind, equal: c.operator === '==', value: c.value, label, ip, cidr };
}

/** A label's value, "" when the node lacks it (NodeMatches treats a nil map and a missing key alike). */
export function labelValue(labels: Labels, name: string): string {
  return Object.hasOwn(labels, name) ? labels[name]! : '';
}

/** Constraint.Match with one target: `==` holds when the values are equal ignoring case, `!=` when not. */
function matchValue(c: CompiledConstraint, what: string): boolean {
  return equalFold(c.value, what) === c.equal;
}

/** One constraint against one node (the body of NodeMatches' loop). */
export function constraintMatches(c: CompiledConstraint, node: SwarmNodeInfo): boolean {
  switch (c.kind) {
    case Kind.Id:
    case Kind.Hostname:
      // orchsim has one name per node; it is both node.id and node.hostname.
      return matchValue(c, node.name);
    case Kind.Ip: {
      const nodeIp = node.meta.ip === undefined ? undefined : parseIp(node.meta.ip);
      if (c.ip !== undefined) return (nodeIp !== undefined && ipEqual(c.ip, nodeIp)) === c.equal;
      if (c.cidr !== undefined) return (nodeIp !== undefined && cidrContains(c.cidr, nodeIp)) === c.equal;
      return false;
    }
    case Kind.Role:
      return matchValue(c, node.meta.role);
    case Kind.Os:
      return matchValue(c, node.meta.os);
    case Kind.Arch:
      return matchValue(c, node.meta.arch);
    case Kind.NodeLabel:
      return matchValue(c, labelValue(node.labels, c.label));
    case Kind.EngineLabel:
      return matchValue(c, labelValue(node.meta.engineLabels, c.label));
    case Kind.Unknown:
      // "key doesn't match predefined syntax"
      return false;
  }
}

/** Compiled forms of constraint lists, computed once per list object. */
const compiledCache = new WeakMap<readonly SwarmConstraint[], readonly CompiledConstraint[]>();

export function compileConstraints(constraints: readonly SwarmConstraint[]): readonly CompiledConstraint[] {
  let compiled = compiledCache.get(constraints);
  if (compiled === undefined) {
    compiled = constraints.map(compileConstraint);
    compiledCache.set(constraints, compiled);
  }
  return compiled;
}

/** constraint.NodeMatches: every constraint holds on the node. */
export function nodeMatches(constraints: readonly SwarmConstraint[], node: SwarmNodeInfo): boolean {
  for (const c of compileConstraints(constraints)) if (!constraintMatches(c, node)) return false;
  return true;
}

/** A spread preference that takes effect: the label it spreads over. */
export interface SwarmPreference {
  readonly source: 'node' | 'engine';
  readonly label: string;
}

/**
 * A spread descriptor as nodeset.go tree reads it: `node.labels.<k>` or `engine.labels.<k>`
 * (prefix case-insensitive); anything else is skipped (undefined), as upstream does.
 */
export function parseSwarmPreference(descriptor: string): SwarmPreference | undefined {
  if (hasPrefixFold(descriptor, NODE_LABEL_PREFIX)) return { source: 'node', label: descriptor.slice(NODE_LABEL_PREFIX.length) };
  if (hasPrefixFold(descriptor, ENGINE_LABEL_PREFIX)) return { source: 'engine', label: descriptor.slice(ENGINE_LABEL_PREFIX.length) };
  return undefined;
}

/** The branch a node goes to at one preference level: its label value, "" when it lacks the label. */
export function preferenceValue(pref: SwarmPreference, node: SwarmNodeInfo): string {
  return labelValue(pref.source === 'node' ? node.labels : node.meta.engineLabels, pref.label);
}
