/**
 * The extender's two large responses written straight into bytes from per-node fragments that
 * are encoded once per node view (RuntimeNode.quotedBytes, hostPrefixBytes).
 *
 * Built as JavaScript strings, a 1,500-node HostPriorityList (75 KB) cost more to turn into
 * bytes than to score: the string is a rope of 3,000 pieces that V8 flattens and encodes to
 * UTF-8 on its way to the socket. Copying ready-made bytes is a fifth of that (measured in the
 * note of the commit that added this file). The JSON is the same, byte for byte (tests compare
 * it with JSON.stringify of the same objects).
 */
import type { RuntimeNode } from './snapshot.js';

const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const ZERO = 0x30;

/** Digits of a score 0..10 (MaxExtenderPriority), the only values prioritize gives. */
function scoreDigits(score: number): number {
  return score >= 10 ? 2 : 1;
}

/** `[{"Host":"n1","Score":7},...]`: the candidates in order, then the NodeNames the cache lacks (score 0). */
export function hostPrioritiesBytes(nodes: readonly RuntimeNode[], scores: Int32Array, missing: readonly string[]): Buffer {
  const extra = missing.map((name) => Buffer.from(`{"Host":${JSON.stringify(name)},"Score":0}`, 'utf8'));
  let length = 2 + Math.max(0, nodes.length + extra.length - 1);
  for (let i = 0; i < nodes.length; i++) {
    const s = scores[i]!;
    if (!(s >= 0 && s <= 10 && Number.isInteger(s))) throw new RangeError(`extender priority ${s} is outside 0..10`);
    length += nodes[i]!.hostPrefixBytes.length + scoreDigits(s) + 1;
  }
  for (const e of extra) length += e.length;
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  out[at++] = 0x5b; // [
  for (let i = 0; i < nodes.length; i++) {
    if (i > 0) out[at++] = COMMA;
    const prefix = nodes[i]!.hostPrefixBytes;
    out.set(prefix, at);
    at += prefix.length;
    const s = scores[i]!;
    if (s >= 10) {
      out[at++] = ZERO + 1;
      out[at++] = ZERO;
    } else {
      out[at++] = ZERO + s;
    }
    out[at++] = CLOSE_BRACE;
  }
  for (let i = 0; i < extra.length; i++) {
    if (nodes.length + i > 0) out[at++] = COMMA;
    out.set(extra[i]!, at);
    at += extra[i]!.length;
  }
  out[at++] = 0x5d; // ]
  return out;
}

const NAMES_HEAD = Buffer.from('{"NodeNames":[', 'latin1');

/**
 * ExtenderFilterResult: `{"NodeNames":[...],"FailedNodes":...,"FailedAndUnresolvableNodes":...,"Error":"","Nodes":...}`,
 * the names from the nodes' encoded fragments, the rest (small maps, or a plain extender's
 * NodeList) from the JSON given.
 */
export function filterResultBytes(feasible: readonly RuntimeNode[], failedJson: string, unresolvableJson: string, nodesJson: string): Buffer {
  const tail = Buffer.from(`],"FailedNodes":${failedJson},"FailedAndUnresolvableNodes":${unresolvableJson},"Error":"","Nodes":${nodesJson}}`, 'utf8');
  let length = NAMES_HEAD.length + tail.length + Math.max(0, feasible.length - 1);
  for (let i = 0; i < feasible.length; i++) length += feasible[i]!.quotedBytes.length;
  const out = Buffer.allocUnsafe(length);
  out.set(NAMES_HEAD, 0);
  let at = NAMES_HEAD.length;
  for (let i = 0; i < feasible.length; i++) {
    if (i > 0) out[at++] = COMMA;
    const name = feasible[i]!.quotedBytes;
    out.set(name, at);
    at += name.length;
  }
  out.set(tail, at);
  return out;
}
