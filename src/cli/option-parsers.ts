/** Parsers of command-line option values shared by several commands (commander's argParser). */
import { InvalidArgumentError } from 'commander';
import { parseBytes } from '../util/quantity.js';

export function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 2 ** 32 - 1) throw new InvalidArgumentError('expected a whole number from 0 to 4294967295');
  return Number(v);
}

export function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function parseCount(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100_000) throw new InvalidArgumentError('expected a whole number from 1 to 100000');
  return Number(v);
}

/** A size in bytes, plain or as a quantity ("64Mi", "1G"): 1 byte to 16 GiB. */
export function parseByteSize(v: string): number {
  const n = parseBytes(v);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 16 * 2 ** 30) throw new InvalidArgumentError('expected a size in bytes from 1 to 16Gi (e.g. 67108864, 64Mi)');
  return n;
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0..65535');
  return n;
}
