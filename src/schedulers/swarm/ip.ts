/**
 * IP addresses and CIDR subnets as `node.ip` constraints read them (manager/constraint/constraint.go
 * NodeMatches, case "node.ip", which uses Go's net.ParseIP, net.ParseCIDR, IP.Equal and
 * IPNet.Contains). An address is kept in Go's 16-byte form: IPv4 as the IPv4-mapped IPv6 address,
 * so `10.0.0.1` equals `::ffff:10.0.0.1` as in Go.
 */

export type Ip16 = Uint8Array;

/** A parsed subnet: the network's 16-byte address, the prefix length and the text's address family. */
export interface Cidr {
  readonly ip: Ip16;
  readonly prefix: number;
  /** 32 when the address was written as IPv4, 128 as IPv6 (Go's CIDRMask(n, bitLen)). */
  readonly bits: 32 | 128;
}

/** Dotted IPv4 into out[offset..offset+4): four decimal fields 0-255, no leading zeros (netip.ParseAddr since Go 1.17). */
function parseIpv4Into(s: string, out: Uint8Array, offset: number): boolean {
  const fields = s.split('.');
  if (fields.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const f = fields[i]!;
    if (f.length === 0 || f.length > 3 || !/^[0-9]+$/.test(f)) return false;
    if (f.length > 1 && f[0] === '0') return false;
    const v = Number(f);
    if (v > 255) return false;
    out[offset + i] = v;
  }
  return true;
}

/** Hex groups of an IPv6 half ("1:2:3"); an IPv4 tail is allowed when `lastMayBeV4`. Returns bytes or undefined. */
function parseGroups(s: string, lastMayBeV4: boolean): number[] | undefined {
  if (s === '') return [];
  const groups = s.split(':');
  const bytes: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (lastMayBeV4 && i === groups.length - 1 && g.includes('.')) {
      const v4 = new Uint8Array(4);
      if (!parseIpv4Into(g, v4, 0)) return undefined;
      bytes.push(...v4);
      continue;
    }
    if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
    const v = parseInt(g, 16);
    bytes.push(v >> 8, v & 0xff);
  }
  return bytes;
}

function parseIpv6(s: string): Ip16 | undefined {
  // Zones ("fe80::1%eth0") are refused by net.ParseIP.
  if (s.includes('%')) return undefined;
  const ellipsis = s.indexOf('::');
  const out = new Uint8Array(16);
  if (ellipsis < 0) {
    const bytes = parseGroups(s, true);
    if (bytes === undefined || bytes.length !== 16) return undefined;
    out.set(bytes);
    return out;
  }
  if (s.indexOf('::', ellipsis + 1) >= 0) return undefined;
  const head = parseGroups(s.slice(0, ellipsis), false);
  const tail = parseGroups(s.slice(ellipsis + 2), true);
  // The ellipsis stands for at least one zero group.
  if (head === undefined || tail === undefined || head.length + tail.length > 14) return undefined;
  out.set(head, 0);
  out.set(tail, 16 - tail.length);
  return out;
}

/** net.ParseIP: an IPv4 or IPv6 address in 16-byte form, or undefined when the text is not one. */
export function parseIp(text: string): Ip16 | undefined {
  if (text.includes(':')) return parseIpv6(text);
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  return parseIpv4Into(text, out, 12) ? out : undefined;
}

/** IP.To4() != nil: an IPv4 address (or IPv4-mapped IPv6 one). */
export function isIpv4(ip: Ip16): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** IP.Equal. */
export function ipEqual(a: Ip16, b: Ip16): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** net.ParseCIDR: "address/prefix" with a decimal prefix no longer than the address family's bits. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash);
  const mask = text.slice(slash + 1);
  const ip = parseIp(addr);
  if (ip === undefined || !/^[0-9]+$/.test(mask)) return undefined;
  const bits = addr.includes(':') ? 128 : 32;
  const prefix = Number(mask);
  if (prefix > bits) return undefined;
  return { ip, prefix, bits };
}

/** Whether the first `prefix` bits of a and b from byte `offset` on agree. */
function samePrefix(a: Ip16, b: Ip16, offset: number, prefix: number): boolean {
  let bits = prefix;
  for (let i = offset; i < 16 && bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & m) !== (b[i]! & m)) return false;
  }
  return true;
}

/**
 * IPNet.Contains: an IPv4 network holds only IPv4 addresses and an IPv6 one only IPv6 addresses
 * (lengths after To4 must agree); an IPv4-mapped network written in IPv6 uses the low 32 bits of
 * its mask (networkNumberAndMask).
 */
export function cidrContains(net: Cidr, ip: Ip16): boolean {
  const netIs4 = isIpv4(net.ip);
  if (netIs4 !== isIpv4(ip)) return false;
  if (!netIs4) return samePrefix(net.ip, ip, 0, net.prefix);
  const prefix4 = net.bits === 32 ? net.prefix : Math.max(0, net.prefix - 96);
  return samePrefix(net.ip, ip, 12, prefix4);
}
