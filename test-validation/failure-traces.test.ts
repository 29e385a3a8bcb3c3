/**
 * Checks the failure-trace readers against the real files in ../shared/data/failures
 * (PROVENANCE.md), which the project repository must not contain; run with `npm run validate`.
 * Each block is skipped, with a message saying so, when its folder is absent.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTextFile } from '../src/util/files.js';
import { lanlFailures, lanlSystems, parseLanlTime, readLanl, readUptime, uptimeFailures, type LanlCause } from '../src/workloads/failure-traces.js';

// The data directory: ORCHSIM_DATA (vitest.validation.config.ts sets it; point it nowhere to see the skips).
const DATA = process.env.ORCHSIM_DATA ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../shared/data');
const LANL = join(DATA, 'failures', 'lanl');
const LANL_FILE = 'LA-UR-05-7318-failure-data-1996-2005.csv';
const UPTIME = join(DATA, 'failures', 'uptime');
const haveLanl = existsSync(join(LANL, LANL_FILE));
const haveUptime = existsSync(UPTIME);
if (!haveLanl) console.warn(`test-validation: ${join(LANL, LANL_FILE)} not found, skipping the LANL checks`);
if (!haveUptime) console.warn(`test-validation: ${UPTIME} not found, skipping the uptime checks`);

const time = (s: string) => parseLanlTime(s) as number;

describe.skipIf(!haveLanl)('LANL failure records (LA-UR-05-7318)', () => {
  const records = haveLanl ? readLanl(readTextFile(join(LANL, LANL_FILE)), LANL_FILE) : [];

  it('23,739 records on 23 systems (PROVENANCE.md)', () => {
    expect(records).toHaveLength(23_739);
    const systems = lanlSystems(records);
    expect(systems).toHaveLength(23);
    // Systems are numbered 2-24: there is no system 1.
    expect(systems.map((s) => s.system)).toEqual(Array.from({ length: 23 }, (_, i) => i + 2));
    expect(systems.reduce((n, s) => n + s.records, 0)).toBe(23_739);
    expect(systems.find((s) => s.system === 2)).toMatchObject({ records: 7104, nodesSeen: 49, declaredNodes: 49, withoutNode: 0 });
    expect(systems.find((s) => s.system === 19)).toMatchObject({ records: 3284, nodesSeen: 928, declaredNodes: 1024 });
    // System 17's rows describe no node at all (blank nodes/nodenum/nodenumz).
    expect(systems.find((s) => s.system === 17)).toMatchObject({ records: 126, nodesSeen: 0, declaredNodes: undefined, withoutNode: 126 });
    // The file name says 1996-2005, but system 7's records start in May 1995.
    expect(Math.min(...systems.map((s) => s.firstStart))).toBe(time('5/19/1995 21:55'));
    expect(Math.max(...systems.map((s) => s.lastStart))).toBe(time('9/9/2005 12:28'));
  });

  it('root causes: one column per record, 453 with none (FAILURES.md: hardware 62%, software 23%)', () => {
    const by = new Map<LanlCause, number>();
    for (const r of records) by.set(r.cause, (by.get(r.cause) ?? 0) + 1);
    expect(Object.fromEntries(by)).toEqual({
      Hardware: 14_341, Software: 5_361, Undetermined: 2_652, Network: 421, Facilities: 362, 'Human Error': 149, unknown: 453,
    });
    // The 79 quoted fields, which contain a comma, are read whole.
    expect(records.filter((r) => r.cause === 'Software' && r.causeDetail === 'MPI, PVM, Array services')).toHaveLength(31);
    expect(records.filter((r) => r.cause === 'Software' && r.causeDetail === 'Disk IO, firmware and storage')).toHaveLength(48);
    expect(records.every((r) => !r.sameEvent)).toBe(true);
  });

  it('Down Time agrees with the clock difference except for minute truncation and daylight saving', () => {
    const diff = new Map<number, number>();
    for (const r of records) {
      const d = (r.fixed! - r.start) / 60 - r.downMinutes;
      diff.set(d, (diff.get(d) ?? 0) + 1);
    }
    expect(Object.fromEntries(diff)).toEqual({ 0: 23_316, 1: 399, 60: 12, [-60]: 12 });
  });

  it('replays system 20 onto its 512 nodes and onto 16', () => {
    const mod = lanlFailures(records, { system: 20, nodes: 512 });
    expect(mod).toHaveLength(2478);
    expect(mod[0]!.at).toBe(0);
    expect(mod.every((f, i) => i === 0 || f.at >= mod[i - 1]!.at)).toBe(true);
    expect(mod.every((f) => f.node >= 0 && f.node < 512 && f.duration >= 0)).toBe(true);
    const seq = lanlFailures(records, { system: 20, nodes: 16, mapping: 'sequential' });
    expect(new Set(seq.map((f) => f.node)).size).toBe(16);
    expect(() => lanlFailures(records, { system: 17, nodes: 8 })).toThrow(/126 of the 126 records of system 17 have no node number/);
  });
});

describe.skipIf(!haveUptime)('Cloud Uptime Archive failure traces', () => {
  const files = haveUptime ? readdirSync(UPTIME).filter((f) => f.endsWith('.csv')).sort() : [];

  it('the folder holds the 12 user-reported traces', () => {
    expect(files).toHaveLength(12);
  });

  it.each(files)('%s parses and replays without overlap', (name) => {
    const text = readTextFile(join(UPTIME, name));
    const rows = readUptime(text, name);
    const dataLines = text.split('\n').filter((l) => l.trim() !== '').length - 1;
    expect(rows).toHaveLength(dataLines);
    const out = uptimeFailures(rows, { nodes: 10 });
    expect(out[0]!.at).toBe(rows[0]!.intervalMs / 1000);
    for (let i = 1; i < out.length; i++) expect(out[i]!.at).toBeGreaterThanOrEqual(out[i - 1]!.at + out[i - 1]!.duration);
    // Read end-to-start, every trace ends within one ~18-month window, and the ones with 200 or
    // more outages all end near its end (551-567 days; see the comment of failure-traces.ts).
    const last = out[out.length - 1]!;
    const days = (last.at + last.duration) / 86_400;
    expect(days).toBeLessThan(570);
    if (rows.length >= 200) expect(days).toBeGreaterThan(550);
  });
});
