/**
 * `orchsim data pull` and `orchsim data list` against a loopback HTTP server serving small
 * fixture files, with a test catalogue (ORCHSIM_DATA_CATALOGUE) pinning their SHA-256: pulls
 * from upstream (one file xz-compressed), from a directory mirror and from an http mirror; a
 * checksum mismatch, a download cut short and a server error each exit with their code and a
 * clear message, and leave nothing half-written.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The fixture files, as a mirror holds them (the xz one unpacked). */
const FILES: Record<string, string> = {
  'alpha/a.csv': 'name,cpu\nweb,2\ndb,4\n',
  'alpha/LICENSE': 'Fixture licence: use as you like.\n',
  'beta/b.csv': 'time,value\n0,1\n60,2\n120,3\n',
  'gamma/g.csv': 'only,a,mirror\n1,2,3\n',
};
const XZ = readFileSync('test/fixtures/data/b.csv.xz');

let server: Server;
let base: string;
let work: string;
let mirror: string;
let catalogueFile: string;

/**
 * /up/...: upstream (beta/b.csv only as b.csv.xz); /mirror/...: an http mirror; /bad/...: the
 * same sizes, other bytes; /short/...: the full Content-Length, half the body, then the
 * connection closed; /error/...: 500.
 */
function serve(url: string, res: import('node:http').ServerResponse): void {
  const [, kind, ...rest] = url.split('/');
  const path = rest.join('/');
  if (kind === 'up' && path === 'beta/b.csv.xz') {
    res.writeHead(200, { 'content-length': XZ.length }).end(XZ);
    return;
  }
  const body = FILES[path];
  if (kind === 'error' || body === undefined || (kind === 'up' && path.startsWith('gamma/'))) {
    res.writeHead(kind === 'error' ? 500 : 404).end(kind === 'error' ? 'internal error' : 'not found');
    return;
  }
  if (kind === 'bad') {
    res.writeHead(200, { 'content-length': body.length }).end(body.toUpperCase());
    return;
  }
  if (kind === 'short') {
    res.writeHead(200, { 'content-length': body.length });
    res.write(body.slice(0, Math.floor(body.length / 2)));
    setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  res.writeHead(200, { 'content-length': body.length }).end(body);
}

beforeAll(async () => {
  server = createServer((req, res) => serve(req.url ?? '/', res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = mkdtempSync(join(tmpdir(), 'orchsim-data-'));
  mirror = join(work, 'mirror');
  for (const [p, text] of Object.entries(FILES)) {
    mkdirSync(join(mirror, p, '..'), { recursive: true });
    writeFileSync(join(mirror, p), text);
  }
  const file = (p: string, upstream?: { url: string; xz?: boolean }) => ({ path: p, bytes: Buffer.byteLength(FILES[p]!), sha256: sha256(FILES[p]!), ...(upstream ? { upstream } : {}) });
  const datasets = [
    { name: 'alpha', folder: 'alpha', description: 'a fixture', source: 'the loopback server', terms: 'fixture terms', files: [file('alpha/a.csv', { url: `${base}/up/alpha/a.csv` }), file('alpha/LICENSE', { url: `${base}/up/alpha/LICENSE` })] },
    { name: 'beta', folder: 'beta', description: 'xz upstream', source: 'the loopback server', terms: 'fixture terms', files: [file('beta/b.csv', { url: `${base}/up/beta/b.csv.xz`, xz: true })] },
    { name: 'gamma', folder: 'gamma', description: 'mirror only', source: 'nowhere', terms: 'fixture terms', mirrorOnly: 'upstream has parquet only', files: [file('gamma/g.csv')] },
  ];
  catalogueFile = join(work, 'catalogue.json');
  writeFileSync(catalogueFile, JSON.stringify(datasets));
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  rmSync(work, { recursive: true, force: true });
});

let dirs = 0;
/** A new, empty data directory (not created: pull creates it). */
const freshDir = () => join(work, `data-${++dirs}`);

function data(dir: string, ...args: string[]) {
  return run(process.execPath, ['dist/cli/main.js', 'data', ...args], { env: { ...process.env, ORCHSIM_DEBUG: '', ORCHSIM_DATA: dir, ORCHSIM_DATA_CATALOGUE: catalogueFile } });
}

/** Every file below `dir` (temporary ones included), relative, sorted. */
function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

describe('orchsim data pull', () => {
  it('fetches a dataset from upstream, checks it, and leaves intact files alone the next time', async () => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'alpha');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`pulled alpha into ${dir}: 2 file(s) fetched (${FILES['alpha/a.csv']!.length + FILES['alpha/LICENSE']!.length} B) from upstream, 0 already there\n`);
    expect(filesIn(dir)).toEqual(['alpha/LICENSE', 'alpha/a.csv']);
    expect(readFileSync(join(dir, 'alpha/a.csv'), 'utf8')).toBe(FILES['alpha/a.csv']);
    const again = await data(dir, 'pull', 'alpha');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 file\(s\) fetched \(0 B\) from upstream, 2 already there/);
  });

  it('unpacks an xz-compressed upstream file and checks the unpacked bytes', async () => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'beta', '--dir', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'beta/b.csv'), 'utf8')).toBe(FILES['beta/b.csv']);
  });

  it('`all` without a mirror pulls what upstream has and names the datasets only a mirror has', async () => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'all');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pulled alpha, beta into /);
    expect(r.stderr).toContain('note: not pulled: gamma; only a mirror has their files');
    expect(filesIn(dir)).toEqual(['alpha/LICENSE', 'alpha/a.csv', 'beta/b.csv']);
  });

  it('a dataset only a mirror has, named without --from: exit 2 with the command that fetches it', async () => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'gamma');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gamma: upstream has parquet only');
    expect(r.stderr).toContain('`orchsim data pull gamma --from MIRROR`');
    expect(filesIn(dir)).toEqual([]);
  });

  it.each([
    ['a directory', () => mirror],
    ['an http URL', () => `${base}/mirror`],
    ['a file: URL', () => `file://${mirror}`],
  ])('pulls every dataset from a mirror that is %s', async (_what, from) => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'all', '--from', from());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(filesIn(dir)).toEqual(Object.keys(FILES).sort());
    for (const [p, text] of Object.entries(FILES)) expect(readFileSync(join(dir, p), 'utf8')).toBe(text);
  });

  it('a checksum mismatch exits 2 naming the file, writes nothing and keeps what was there', async () => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'alpha', '--from', `${base}/bad/`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/checksum mismatch for alpha\/a\.csv: SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}; the file was not written/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(filesIn(dir)).toEqual([]);
    // A file a user changed is replaced only by a good copy: a bad one leaves it as it was.
    mkdirSync(join(dir, 'alpha'), { recursive: true });
    writeFileSync(join(dir, 'alpha/a.csv'), 'my own edit\n');
    const again = await data(dir, 'pull', 'alpha', '--from', `${base}/bad/`);
    expect(again.code).toBe(2);
    expect(filesIn(dir)).toEqual(['alpha/a.csv']);
    expect(readFileSync(join(dir, 'alpha/a.csv'), 'utf8')).toBe('my own edit\n');
    const list = await data(dir, 'list', '--json');
    expect(JSON.parse(list.stdout).datasets[0]).toMatchObject({ name: 'alpha', state: 'changed', changed: ['alpha/a.csv'] });
    const good = await data(dir, 'pull', 'alpha');
    expect(good.code).toBe(0);
    expect(readFileSync(join(dir, 'alpha/a.csv'), 'utf8')).toBe(FILES['alpha/a.csv']);
  });

  it('a download cut short (fewer bytes than Content-Length) exits 1 and leaves nothing', async () => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'alpha', '--from', `${base}/short/`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: download failed: http:\/\/127\.0\.0\.1:\d+\/short\/alpha\/a\.csv: the transfer broke off after \d+ of 20 bytes of alpha\/a\.csv/);
    expect(r.stderr).toContain('nothing half-written was left in');
    expect(filesIn(dir)).toEqual([]);
  });

  it('a server error exits 1 with the status and leaves nothing', async () => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'all', '--from', `${base}/error/`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: download failed: http:\/\/127\.0\.0\.1:\d+\/error\/alpha\/a\.csv: the server answered 500 Internal Server Error\n/);
    expect(filesIn(dir)).toEqual([]);
  });

  it('an unknown dataset exits 2 listing the known ones; so does a bad --from', async () => {
    const dir = freshDir();
    const r = await data(dir, 'pull', 'alpha', 'omega');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown dataset "omega": expected alpha, beta, gamma, or all');
    const missing = await data(dir, 'pull', 'alpha', '--from', join(work, 'no-such-mirror'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--from: ".*no-such-mirror" is not there: expected a directory laid out like the data directory, or an http\(s\) URL of one/);
    const scheme = await data(dir, 'pull', 'alpha', '--from', 'ftp://example.org/data');
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('is neither a directory nor an http(s) URL');
    const file = await data(dir, 'pull', 'alpha', '--from', catalogueFile);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('is a file: expected a directory');
    // A directory mirror without the file: bad --from, nothing written.
    const partial = join(work, 'partial-mirror');
    mkdirSync(join(partial, 'alpha'), { recursive: true });
    writeFileSync(join(partial, 'alpha/a.csv'), FILES['alpha/a.csv']!);
    const gap = await data(dir, 'pull', 'alpha', '--from', partial);
    expect(gap.code).toBe(2);
    expect(gap.stderr).toContain('the mirror has no alpha/LICENSE');
    expect(filesIn(dir)).toEqual(['alpha/a.csv']);
    // A FIFO in the mirror is refused, not opened (which would wait for a writer forever).
    expect((await run('mkfifo', [join(partial, 'alpha/LICENSE')])).code).toBe(0);
    const fifo = await data(dir, 'pull', 'alpha', '--from', partial);
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toContain("the mirror's alpha/LICENSE is not a regular file");
  });

  it('a data directory that is a file is bad input', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const r = await data(file, 'pull', 'alpha');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a file, expected the data directory (ORCHSIM_DATA names a folder)');
  });

  it('removes the temporary file a killed pull left (its process gone), and never leaves its own', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'alpha'), { recursive: true });
    // PID 2^22 + 1 is above Linux's pid_max, so no live process has it.
    writeFileSync(join(dir, 'alpha', `.a.csv.${2 ** 22 + 1}.tmp`), 'half a fi');
    const r = await data(dir, 'pull', 'alpha');
    expect(r.code, r.stderr).toBe(0);
    expect(filesIn(dir)).toEqual(['alpha/LICENSE', 'alpha/a.csv']);
  });
});

describe('orchsim data list', () => {
  it('says what is there, the source and terms, and the command for what is not', async () => {
    const dir = freshDir();
    await data(dir, 'pull', 'alpha');
    const r = await data(dir, 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`data directory: ${dir} (ORCHSIM_DATA)`);
    expect(r.stdout).toMatch(/^alpha +ready +54 B +a fixture$/m);
    expect(r.stdout).toMatch(/^beta +missing +\d+ B +xz upstream\n +source: the loopback server\n +terms: +fixture terms\n +fetch: +orchsim data pull beta$/m);
    expect(r.stdout).toMatch(/fetch: +orchsim data pull gamma --from MIRROR \(parquet upstream: only a mirror has the CSV\)/);
    const json = JSON.parse((await data(dir, 'list', '--json')).stdout) as { dir: string; datasets: { name: string; state: string; present: number; files: number }[] };
    expect(json.dir).toBe(dir);
    expect(json.datasets.map((d) => [d.name, d.state, d.present, d.files])).toEqual([['alpha', 'ready', 2, 2], ['beta', 'missing', 0, 1], ['gamma', 'missing', 0, 1]]);
  });
});

describe('data: names in scenarios and options', () => {
  const SCENARIO = `name: data-names
seed: 1
horizon: 1h
cluster:
  openbNodes: [data:openb/openb_node_list_gpu_node.csv]
workloads:
  - { type: service, name: web, replicas: 1, requests: { cpu: 1, memory: 1Gi } }
`;
  /** The CLI with the built-in catalogue, the data directory `dir`, run from `cwd`. */
  const cli = (dir: string, cwd: string, ...args: string[]) =>
    run(process.execPath, [join(process.cwd(), 'dist/cli/main.js'), ...args], { cwd, env: { ...process.env, ORCHSIM_DEBUG: '', ORCHSIM_DATA: dir, ORCHSIM_DATA_CATALOGUE: '' } });

  it('a scenario reads data: files from the data directory wherever it and the working directory are', async () => {
    const scenario = join(work, 'scenarios', 'data-names.yaml');
    mkdirSync(join(work, 'scenarios'), { recursive: true });
    writeFileSync(scenario, SCENARIO);
    const dir = freshDir();
    const missing = await cli(dir, tmpdir(), 'validate', scenario);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${scenario}:5:16: trace file data:openb/openb_node_list_gpu_node.csv is not in the data directory ${dir} (ORCHSIM_DATA): fetch it with \`orchsim data pull openb\` (at cluster.openbNodes[0])`);
    // Any file at that path of the data directory is read (a pulled one, or one put there by hand).
    mkdirSync(join(dir, 'openb'), { recursive: true });
    writeFileSync(join(dir, 'openb', 'openb_node_list_gpu_node.csv'), 'sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,2,P100\nn1,32000,131072,0,\n');
    const ok = await cli(dir, tmpdir(), 'validate', scenario);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('valid (2 nodes, 1 workload');
    writeFileSync(scenario, SCENARIO.replace('data:openb/', 'data:../openb/'));
    const escape = await cli(dir, tmpdir(), 'validate', scenario);
    expect(escape.code).toBe(2);
    expect(escape.stderr).toContain(':5:16: data: names a file by its path inside the data directory');
  });

  it('experiment fgd finds its default trace in the data directory, and says how to fetch it when missing', async () => {
    const r = await cli(freshDir(), tmpdir(), 'experiment', 'fgd', '--seeds', '42');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--nodes: data:openb\/openb_node_list_gpu_node\.csv is not in the data directory .* \(ORCHSIM_DATA\): fetch it with `orchsim data pull openb`/);
  });
});
