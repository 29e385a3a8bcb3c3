import { describe, expect, it } from 'vitest';
import {
  LANL_COLUMNS, lanlFailures, lanlSystems, parseLanlTime, readLanl, readUptime, uptimeFailures, UPTIME_COLUMNS,
  type LanlRecord, type UptimeRecord,
} from '../../src/workloads/failure-traces.js';
import { inputError } from '../helpers/plugins.js';

type Column = (typeof LANL_COLUMNS)[number];

const HEADER = LANL_COLUMNS.join(',');

/** A LANL row like the README's example, with `over` replacing fields (quoted when they need it). */
function row(over: Partial<Record<Column, string>> = {}): string {
  const base: Partial<Record<Column, string>> = {
    System: '2', 'machine type': 'cluster', nodes: '49', procstot: '6152', procsinnode: '80', nodenum: '0', nodenumz: '0',
    'node install': '5-Apr', 'node prod': '5-Jun', 'node decom': 'current', 'fru type': 'part', mem: '80', cputype: '1', memtype: '1',
    'num intercon': '0', purpose: 'graphics.fe', 'Prob Started': '6/21/2005 10:54', 'Prob Fixed': '6/21/2005 11:00', 'Down Time': '6',
    Hardware: 'Graphics Accel Hdwr', 'Same Event': 'No',
  };
  const all = { ...base, ...over };
  return LANL_COLUMNS.map((c) => {
    const v = all[c] ?? '';
    return /[",]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  }).join(',');
}

const lanl = (...rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;
const utc = (y: number, m: number, d: number, h: number, min: number) => Date.UTC(y, m - 1, d, h, min) / 1000;

describe('parseLanlTime', () => {
  it('reads M/D/YYYY H:MM with one- or two-digit month, day and hour, as UTC seconds', () => {
    expect(parseLanlTime('6/21/2005 10:54')).toBe(utc(2005, 6, 21, 10, 54));
    expect(parseLanlTime('1/2/1997 0:05')).toBe(utc(1997, 1, 2, 0, 5));
    expect(parseLanlTime('12/31/2004 23:59')).toBe(utc(2004, 12, 31, 23, 59));
    expect(parseLanlTime('09/06/2005 09:13')).toBe(utc(2005, 9, 6, 9, 13));
    expect(parseLanlTime('2/29/2004 12:00')).toBe(utc(2004, 2, 29, 12, 0));
    expect(parseLanlTime('2/29/2000 12:00')).toBe(utc(2000, 2, 29, 12, 0));
    expect(parseLanlTime('1/1/1970 0:00')).toBe(0);
  });

  it('rejects impossible dates, 24:00, 2-digit years and other shapes', () => {
    expect(parseLanlTime('2/29/2003 12:00')).toMatch(/day 29 does not exist in 2003-02/);
    expect(parseLanlTime('2/29/1900 12:00')).toMatch(/day 29 does not exist in 1900-02/);
    expect(parseLanlTime('4/31/2003 12:00')).toMatch(/day 31 does not exist/);
    expect(parseLanlTime('13/1/2003 12:00')).toMatch(/month 13 is out of range/);
    expect(parseLanlTime('0/1/2003 12:00')).toMatch(/month 0 is out of range/);
    expect(parseLanlTime('1/0/2003 12:00')).toMatch(/day 0 does not exist/);
    expect(parseLanlTime('1/1/2003 24:00')).toMatch(/hour 24 is out of range/);
    expect(parseLanlTime('1/1/2003 12:60')).toMatch(/minute 60 is out of range/);
    expect(parseLanlTime('6/21/05 10:54')).toMatch(/expected a time "M\/D\/YYYY H:MM"/);
    expect(parseLanlTime('2005-06-21 10:54')).toMatch(/expected a time/);
    expect(parseLanlTime('6/21/2005 10:54:00')).toMatch(/expected a time/);
    expect(parseLanlTime('6/21/2005')).toMatch(/expected a time/);
  });
});

describe('readLanl', () => {
  it('reads the README example row', () => {
    const [r] = readLanl(lanl(row()), 'lanl.csv');
    expect(r).toEqual<LanlRecord>({
      system: 2, systemNodes: 49, nodeNum: 0, start: utc(2005, 6, 21, 10, 54), fixed: utc(2005, 6, 21, 11, 0), downMinutes: 6,
      cause: 'Hardware', causeDetail: 'Graphics Accel Hdwr', sameEvent: false,
    });
  });

  it('accepts a BOM, CRLF, blank lines and leading blank lines before the header', () => {
    const text = `\uFEFF\r\n${HEADER}\r\n${row()}\r\n\r\n${row({ nodenumz: '7' })}`;
    expect(readLanl(text, 'lanl.csv').map((r) => r.nodeNum)).toEqual([0, 7]);
  });

  it('takes the node number from nodenumz and leaves blank node fields undefined', () => {
    const rs = readLanl(lanl(row({ nodenum: '1025', nodenumz: '1' }), row({ nodes: '', nodenum: '', nodenumz: '' })), 'lanl.csv');
    expect(rs.map((r) => [r.nodeNum, r.systemNodes])).toEqual([[1, 49], [undefined, undefined]]);
  });

  it('reads each root-cause column, none as unknown, and keeps quoted details with commas and quotes', () => {
    const none = { Hardware: '' };
    const rs = readLanl(lanl(
      row({ ...none, Facilities: 'Power Outage' }),
      row({ Hardware: 'Memory Dimm' }),
      row({ ...none, 'Human Error': 'Human Error' }),
      row({ ...none, Network: 'Network' }),
      row({ ...none, Undetermined: 'Unresolvable' }),
      row({ ...none, Software: 'MPI, PVM, Array services' }),
      row({ ...none, Software: 'say "hi", then' }),
      row(none),
    ), 'lanl.csv');
    expect(rs.map((r) => [r.cause, r.causeDetail])).toEqual([
      ['Facilities', 'Power Outage'], ['Hardware', 'Memory Dimm'], ['Human Error', 'Human Error'], ['Network', 'Network'],
      ['Undetermined', 'Unresolvable'], ['Software', 'MPI, PVM, Array services'], ['Software', 'say "hi", then'], ['unknown', ''],
    ]);
  });

  it('reads Same Event as Yes/No or Y/N in any case', () => {
    const rs = readLanl(lanl(...['Yes', 'No', 'Y', 'N', 'yes', 'NO'].map((v) => row({ 'Same Event': v }))), 'lanl.csv');
    expect(rs.map((r) => r.sameEvent)).toEqual([true, false, true, false, true, false]);
  });

  it('allows a blank Prob Fixed and a fractional Down Time', () => {
    const [r] = readLanl(lanl(row({ 'Prob Fixed': '', 'Down Time': '2.5' })), 'lanl.csv');
    expect(r).toMatchObject({ fixed: undefined, downMinutes: 2.5 });
  });

  it('rejects an empty file, a wrong header (with the first differing column) and the uptime header', () => {
    expect(inputError(() => readLanl('\n\n', 'lanl.csv')).issues[0]).toMatchObject({ file: 'lanl.csv', line: 1, message: expect.stringMatching(/^empty file: expected the LANL failure header "System","machine type",/) });
    const e = inputError(() => readLanl(`${HEADER.replace('nodenumz', 'node')}\n${row()}\n`, 'lanl.csv'));
    expect(e.issues[0]).toMatchObject({ file: 'lanl.csv', line: 1, column: HEADER.indexOf('nodenumz') + 1, path: ['header'] });
    const u = inputError(() => readLanl(`"failure_interval","failure_duration","failure_intensity"\n0,1,1\n`, 'u.csv'));
    expect(u.issues[0]!.message).toMatch(/; this is an uptime failure trace, read it with readUptime$/);
    expect(inputError(() => readLanl(`${HEADER}\n\n`, 'lanl.csv')).issues[0]!.message).toBe('no failure records after the header');
  });

  it('rejects a wrong column count, with the truncation hint on an unterminated last line', () => {
    const short = row().split(',').slice(0, 20).join(',');
    const e = inputError(() => readLanl(`${HEADER}\n${row()}\n${row()},extra\n${short}`, 'lanl.csv'));
    expect(e.issues.map((i) => [i.file, i.line, i.column, i.path, i.message])).toEqual([
      ['lanl.csv', 3, undefined, ['row', 3], 'expected 26 columns as in the LANL header, got 27'],
      ['lanl.csv', 4, undefined, ['row', 4], 'expected 26 columns as in the LANL header, got 20 (this is the last line and it has no newline: the file looks truncated)'],
    ]);
  });

  it('rejects broken quoting with the column of the problem', () => {
    const line = row({ Software: 'MPI, PVM' });
    const open = line.replace('"MPI, PVM"', '"MPI, PVM');
    const after = line.replace('"MPI, PVM"', '"MPI"x');
    const bare = line.replace('"MPI, PVM"', 'MPI "PVM"');
    const e = inputError(() => readLanl(lanl(open, after, bare), 'lanl.csv'));
    const at = line.indexOf('"MPI') + 1;
    expect(e.issues.map((i) => [i.line, i.column, i.message])).toEqual([
      [2, at, 'unterminated quoted field (a quoted field must close on the same line)'],
      [3, at + 5, 'expected a comma after the closing quote, got "x"'],
      [4, at + 4, 'a quote inside an unquoted field (quote the whole field and double the quote)'],
    ]);
  });

  it('reports bad fields with file, line, column and column name', () => {
    const rows = [
      row(),
      row({ 'Prob Started': '6/31/2005 10:54' }),
      row({ 'Prob Fixed': '6/21/2005 10:53' }),
      row({ 'Down Time': '-5' }),
      row({ 'Down Time': 'six' }),
      row({ 'Prob Started': '' }),
      row({ System: '0' }),
      row({ nodenumz: '1.5' }),
      row({ Software: 'OS' }),
      row({ 'Same Event': 'maybe' }),
      row({ 'Prob Fixed': '6/21/05 11:00' }),
    ];
    const text = lanl(...rows);
    const colOf = (line: number, name: Column) => {
      const l = text.split('\n')[line - 1]!;
      let at = 0;
      for (let k = 0; k < LANL_COLUMNS.indexOf(name); k++) at = l.indexOf(',', at) + 1;
      return at + 1;
    };
    const e = inputError(() => readLanl(text, 'lanl.csv'));
    expect(e.issues.map((i) => [i.file, i.line, i.column, i.path, i.message])).toEqual([
      ['lanl.csv', 3, colOf(3, 'Prob Started'), ['row', 3, 'Prob Started'], 'Prob Started: day 31 does not exist in 2005-06 in "6/31/2005 10:54"'],
      ['lanl.csv', 4, colOf(4, 'Prob Fixed'), ['row', 4, 'Prob Fixed'], 'Prob Fixed 6/21/2005 10:53 is before Prob Started 6/21/2005 10:54'],
      ['lanl.csv', 5, colOf(5, 'Down Time'), ['row', 5, 'Down Time'], 'Down Time must not be negative, got -5'],
      ['lanl.csv', 6, colOf(6, 'Down Time'), ['row', 6, 'Down Time'], 'expected Down Time to be a non-negative number, got "six"'],
      ['lanl.csv', 7, colOf(7, 'Prob Started'), ['row', 7, 'Prob Started'], 'expected Prob Started to be a time "M/D/YYYY H:MM", got an empty field'],
      ['lanl.csv', 8, colOf(8, 'System'), ['row', 8, 'System'], 'expected System to be a positive integer, got 0'],
      ['lanl.csv', 9, colOf(9, 'nodenumz'), ['row', 9, 'nodenumz'], 'expected nodenumz to be a non-negative integer, got 1.5'],
      ['lanl.csv', 10, colOf(10, 'Software'), ['row', 10, 'Software'], 'more than one root-cause column is filled: Hardware "Graphics Accel Hdwr" and Software "OS"'],
      ['lanl.csv', 11, colOf(11, 'Same Event'), ['row', 11, 'Same Event'], 'expected Same Event to be Yes or No, got "maybe"'],
      ['lanl.csv', 12, colOf(12, 'Prob Fixed'), ['row', 12, 'Prob Fixed'], 'Prob Fixed: expected a time "M/D/YYYY H:MM", got "6/21/05 11:00"'],
    ]);
    expect(e.message).toContain('lanl.csv:3:');
  });

  it('lists the first 20 issues of a file and counts the rest', () => {
    const e = inputError(() => readLanl(lanl(...Array.from({ length: 25 }, () => row({ 'Down Time': '-1' }))), 'lanl.csv'));
    expect(e.issues).toHaveLength(21);
    expect(e.issues[20]!.message).toBe('5 more issue(s) not listed (only the first 20 are)');
  });
});

describe('lanlSystems', () => {
  it('summarises records, distinct nodes, declared size and start range per system', () => {
    const rs = readLanl(lanl(
      row({ System: '5', nodes: '4', nodenumz: '1', 'Prob Started': '1/2/2003 0:00', 'Prob Fixed': '1/2/2003 1:00' }),
      row({ System: '2', nodenumz: '3' }),
      row({ System: '5', nodes: '8', nodenumz: '1', 'Prob Started': '1/1/2003 0:00', 'Prob Fixed': '1/1/2003 1:00' }),
      row({ System: '5', nodes: '', nodenumz: '', 'Prob Started': '3/1/2003 0:00', 'Prob Fixed': '3/1/2003 1:00' }),
    ), 'lanl.csv');
    expect(lanlSystems(rs)).toEqual([
      { system: 2, nodesSeen: 1, declaredNodes: 49, records: 1, withoutNode: 0, firstStart: utc(2005, 6, 21, 10, 54), lastStart: utc(2005, 6, 21, 10, 54) },
      { system: 5, nodesSeen: 1, declaredNodes: 8, records: 3, withoutNode: 1, firstStart: utc(2003, 1, 1, 0, 0), lastStart: utc(2003, 3, 1, 0, 0) },
    ]);
  });
});

describe('lanlFailures', () => {
  // System 3: nodes 10, 4, 10, 7 failing in this time order; system 9 is noise to be filtered out.
  const rs = readLanl(lanl(
    row({ System: '3', nodenumz: '10', 'Prob Started': '1/1/2003 1:00', 'Prob Fixed': '1/1/2003 2:00', 'Down Time': '60' }),
    row({ System: '9', nodenumz: '0', 'Prob Started': '1/1/2000 0:00', 'Prob Fixed': '1/1/2000 0:10', 'Down Time': '10' }),
    row({ System: '3', nodenumz: '7', 'Prob Started': '1/1/2003 3:30', 'Prob Fixed': '', 'Down Time': '15' }),
    row({ System: '3', nodenumz: '4', 'Prob Started': '1/1/2003 1:30', 'Prob Fixed': '1/1/2003 1:31', 'Down Time': '0' }),
    row({ System: '3', nodenumz: '10', 'Prob Started': '1/1/2003 1:30', 'Prob Fixed': '1/1/2003 1:40', 'Down Time': '10' }),
  ), 'lanl.csv');

  it('maps node numbers modulo the cluster size, times relative to the first record, sorted stably', () => {
    expect(lanlFailures(rs, { system: 3, nodes: 4 })).toEqual([
      { node: 2, at: 0, duration: 3600 },
      { node: 0, at: 1800, duration: 60 }, // tie at 1:30: file order (node 4 before node 10)
      { node: 2, at: 1800, duration: 600 },
      { node: 3, at: 9000, duration: 900 }, // blank Prob Fixed: Down Time x 60
    ]);
  });

  it('maps nodes in order of first failure with sequential, wrapping round the cluster', () => {
    expect(lanlFailures(rs, { system: 3, nodes: 8, mapping: 'sequential' }).map((f) => f.node)).toEqual([0, 1, 0, 2]);
    expect(lanlFailures(rs, { system: 3, nodes: 2, mapping: 'sequential' }).map((f) => f.node)).toEqual([0, 1, 0, 0]);
  });

  it('takes durations from Down Time when asked', () => {
    expect(lanlFailures(rs, { system: 3, nodes: 4, duration: 'downTime' }).map((f) => f.duration)).toEqual([3600, 0, 600, 900]);
  });

  it('throws for a missing system, a bad node count and records without a node number', () => {
    expect(() => lanlFailures(rs, { system: 4, nodes: 4 })).toThrow('lanlFailures: no records of system 4 (systems present: 3, 9)');
    expect(() => lanlFailures(rs, { system: 3, nodes: 0 })).toThrow(/nodes must be a positive integer, got 0/);
    expect(() => lanlFailures(rs, { system: 3, nodes: 2.5 })).toThrow(/nodes must be a positive integer/);
    const blank = readLanl(lanl(row({ System: '17', nodenumz: '' }), row({ System: '17', nodenumz: '2' })), 'lanl.csv');
    expect(() => lanlFailures(blank, { system: 17, nodes: 4 })).toThrow('lanlFailures: 1 of the 2 records of system 17 have no node number (blank nodenumz), so they cannot be placed on a node');
  });
});

const UPTIME_HEADER = UPTIME_COLUMNS.map((c) => `"${c}"`).join(',');

describe('readUptime', () => {
  it('reads the quoted header and the rows, in milliseconds and fractions', () => {
    const text = `${UPTIME_HEADER}\n0,1200000,0.3095975232198142\r\n21600000,1200000,1\n\n5,0,1e-3\n`;
    expect(readUptime(text, 'u.csv')).toEqual<UptimeRecord[]>([
      { intervalMs: 0, durationMs: 1_200_000, intensity: 0.3095975232198142 },
      { intervalMs: 21_600_000, durationMs: 1_200_000, intensity: 1 },
      { intervalMs: 5, durationMs: 0, intensity: 0.001 },
    ]);
    expect(readUptime(`failure_interval,failure_duration,failure_intensity\n1,2,0.5`, 'u.csv')).toHaveLength(1);
  });

  it('rejects a wrong header, the LANL header, an empty file and a file without rows', () => {
    const e = inputError(() => readUptime(`"failure_interval","failure_length","failure_intensity"\n0,1,1\n`, 'u.csv'));
    expect(e.issues[0]).toMatchObject({ file: 'u.csv', line: 1, column: 20, path: ['header'] });
    expect(inputError(() => readUptime(lanl(row()), 'lanl.csv')).issues[0]!.message).toMatch(/; this is the LANL failure file, read it with readLanl$/);
    expect(inputError(() => readUptime('', 'u.csv')).issues[0]!.message).toMatch(/^empty file: expected the uptime failure header/);
    expect(inputError(() => readUptime(`${UPTIME_HEADER}\n`, 'u.csv')).issues[0]!.message).toBe('no failure rows after the header');
  });

  it('reports bad rows with file, line, column and column name', () => {
    const text = `${UPTIME_HEADER}\n0,1200000,1\n-1,1200000,1\n0,x,1\n0,1,0\n0,1,1.5\n0,1,\n0,1\n0,1,-0.5\n`;
    const e = inputError(() => readUptime(text, 'u.csv'));
    expect(e.issues.map((i) => [i.file, i.line, i.column, i.path, i.message])).toEqual([
      ['u.csv', 3, 1, ['row', 3, 'failure_interval'], 'failure_interval must not be negative, got -1'],
      ['u.csv', 4, 3, ['row', 4, 'failure_duration'], 'expected failure_duration to be a non-negative number, got "x"'],
      ['u.csv', 5, 5, ['row', 5, 'failure_intensity'], 'expected failure_intensity to be a fraction of hosts in (0, 1], got "0"'],
      ['u.csv', 6, 5, ['row', 6, 'failure_intensity'], 'expected failure_intensity to be a fraction of hosts in (0, 1], got "1.5"'],
      ['u.csv', 7, 5, ['row', 7, 'failure_intensity'], 'expected failure_intensity to be a fraction of hosts in (0, 1], got an empty field'],
      ['u.csv', 8, undefined, ['row', 8], 'expected 3 columns as in the uptime header, got 2'],
      ['u.csv', 9, 5, ['row', 9, 'failure_intensity'], 'expected failure_intensity to be a fraction of hosts in (0, 1], got "-0.5"'],
    ]);
  });
});

describe('uptimeFailures', () => {
  const rec = (intervalMs: number, durationMs: number, intensity: number): UptimeRecord => ({ intervalMs, durationMs, intensity });

  it('counts each interval from the end of the previous failure (OpenDC semantics), in seconds', () => {
    const out = uptimeFailures([rec(0, 1_200_000, 1), rec(1_200_000, 2_400_000, 1), rec(3_600_000, 600_000, 1)], { nodes: 2 });
    expect(out.map((f) => [f.at, f.duration])).toEqual([[0, 1200], [2400, 2400], [8400, 600]]);
    // A first interval above zero delays the first failure.
    expect(uptimeFailures([rec(5_000, 1_000, 1), rec(0, 1_000, 1)], { nodes: 1 }).map((f) => f.at)).toEqual([5, 6]);
  });

  it('sums milliseconds exactly over many rows', () => {
    const out = uptimeFailures(Array.from({ length: 1000 }, () => rec(100, 200, 1)), { nodes: 1 });
    expect(out[999]!.at).toBe(299.8); // 999 x (100 + 200) ms + 100 ms; summing 0.1 s + 0.2 s would drift off it
  });

  it('takes floor(fraction x nodes) nodes, at least one, round-robin from the previous outage', () => {
    const out = uptimeFailures([rec(0, 1, 0.5), rec(0, 1, 0.25), rec(0, 1, 0.1), rec(0, 1, 1), rec(0, 1, 0.7)], { nodes: 4 });
    expect(out.map((f) => [f.fraction, f.nodes])).toEqual([[0.5, [0, 1]], [0.25, [2]], [0.1, [3]], [1, [0, 1, 2, 3]], [0.7, [0, 1]]]);
    // 0.57 x 100 is 56.99999999999999 in floating point; the outage still takes 57 nodes.
    expect(uptimeFailures([rec(0, 1, 0.57)], { nodes: 100 })[0]!.nodes).toHaveLength(57);
  });

  it('throws for a bad node count', () => {
    expect(() => uptimeFailures([rec(0, 1, 1)], { nodes: 0 })).toThrow('uptimeFailures: nodes must be a positive integer, got 0');
  });
});
