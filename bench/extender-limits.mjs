// `orchsim serve` under a slow or greedy neighbour (issue 21, kind 6). Three figures, each beside
// its target and a peer measured in the same run:
//
//   idle TLS sockets   200 TCP connections that never start a TLS handshake, against
//                      `orchsim serve --tls-cert` with its defaults (10 s request timeout): how
//                      many are still open 12 s later. Peer: a node:https server with Node's
//                      defaults (handshakeTimeout 120 s). Also --max-connections 100 against 200
//                      idle connections: how many the server closes at once.
//   RSS after a burst  24 POST /filter bodies of 62 MB (a NodeList of 31,000 Node objects) sent
//                      at once to `orchsim serve` with its defaults; resident memory before, at
//                      its peak, and 5 s after the last answer. Target: at least 80% of what
//                      the burst added is given back (what stays is the extender's node caches,
//                      bounded at 20,000 nodes, and heap V8 keeps). Peer: a bare node:http
//                      server that reads, JSON.parses and answers the same bodies, unbounded.
//   p99, cached mode   64 connections alternating filter and prioritize for one pod over 1,500
//                      nodes named in NodeNames (nodeCacheCapable: true, the production mode),
//                      to an extender holding the cluster's 1,500 nodes and 15,000 pods (the
//                      server of bench/extender.mjs), median of 3 rounds taken in turn with
//                      the peer: parse+echo of the same requests.
//
// Run: node bench/extender-limits.mjs [--duration 10]   (after npm run build)
import { createServer as createHttpServer, request } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { nodeListBody, nodeNamesBody, startServer } from './extender.mjs';
import { fmtInt, isMain, machineLine, printSummary, printTable, verdict } from './lib.mjs';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const EXTENDER_BENCH = fileURLToPath(new URL('./extender.mjs', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const TLS = { cert: fileURLToPath(new URL('../test/fixtures/tls/cert.pem', import.meta.url)), key: fileURLToPath(new URL('../test/fixtures/tls/key.pem', import.meta.url)) };
const MiB = 2 ** 20;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Share of the memory a burst added (peak over baseline) that is resident no more. */
const givenBack = (r) => (r.peak - r.after) / (r.peak - r.baseline);
const pct = (x) => `${(100 * x).toFixed(0)}%`;

function stop(child) {
  child.removeAllListeners('exit');
  child.kill();
}

/** Resident set size of a process, from /proc (Linux). */
function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

// ---- peers, in their own processes ------------------------------------------------------------

function peerChild(kind) {
  if (kind === 'https-defaults') {
    const server = createHttpsServer({ cert: readFileSync(TLS.cert), key: readFileSync(TLS.key) }, (req, res) => res.end('{}'));
    server.listen(0, '127.0.0.1', () => console.log(`listening https://127.0.0.1:${server.address().port}`));
  } else {
    // Reads every body whole, parses it and answers: what any extender does, with no bound.
    const server = createHttpServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const args = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const names = args.NodeNames ?? args.Nodes.items.map((n) => n.metadata.name);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ NodeNames: names, FailedNodes: {}, Error: '' }));
      });
    });
    server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
  }
}

// ---- 1. idle TLS sockets -----------------------------------------------------------------------

/** Opens `n` TCP connections that send nothing; resolves with a function counting those still open. */
async function idleConnections(url, n) {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = connect(Number(port), hostname, () => resolve(s));
    s.on('error', () => resolve(s));
  })));
  let closed = 0;
  for (const s of sockets) {
    if (s.destroyed) closed++;
    else s.on('close', () => closed++);
  }
  return { open: () => n - closed, destroy: () => sockets.forEach((s) => s.destroy()) };
}

export async function idleTls() {
  const rows = [];
  for (const [name, args] of [
    ['orchsim serve --tls-cert (defaults)', [CLI, 'serve', '--port', '0', '--tls-cert', TLS.cert, '--tls-key', TLS.key]],
    ['peer: node:https, Node defaults', [SELF, '--peer', 'https-defaults']],
  ]) {
    const { url, child } = await startServer(args);
    const idle = await idleConnections(url, 200);
    await sleep(12_000);
    rows.push({ name, open: idle.open() });
    idle.destroy();
    stop(child);
  }
  const { url, child } = await startServer([CLI, 'serve', '--port', '0', '--max-connections', '100']);
  const idle = await idleConnections(url, 200);
  await sleep(500);
  const capped = idle.open();
  idle.destroy();
  stop(child);
  return { rows, capped };
}

// ---- 2. RSS after a burst ----------------------------------------------------------------------

function burstBody() {
  const one = JSON.parse(nodeListBody);
  const base = one.Nodes.items;
  const items = [];
  let size = 0;
  for (let i = 0; size < 62e6; i++) {
    const n = structuredClone(base[i % base.length]);
    n.metadata.name = `burst-${i}`;
    n.metadata.uid = `burst-uid-${i}`;
    items.push(n);
    size += JSON.stringify(n).length + 1;
  }
  return Buffer.from(JSON.stringify({ Pod: one.Pod, Nodes: { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items } }));
}

async function burst(url, pid, body) {
  await sleep(1000);
  const baseline = rssOf(pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 100);
  const codes = await Promise.all(Array.from({ length: 24 }, () => new Promise((resolve) => {
    const req = request(`${url}/filter`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', (e) => resolve(e.code));
    req.end(body);
  })));
  clearInterval(sampler);
  await sleep(5000);
  const after = rssOf(pid);
  const byCode = {};
  for (const c of codes) byCode[c] = (byCode[c] ?? 0) + 1;
  return { baseline, peak: Math.max(peak, after), after, codes: Object.entries(byCode).map(([c, n]) => `${n} x ${c}`).join(', ') };
}

export async function rssAfterBurst() {
  const body = burstBody();
  const rows = [];
  for (const [name, args] of [
    ['orchsim serve (defaults)', [CLI, 'serve', '--port', '0']],
    ['peer: parse+answer, unbounded', [SELF, '--peer', 'parse']],
  ]) {
    const { url, child } = await startServer(args);
    rows.push({ name, ...(await burst(url, child.pid, body)) });
    stop(child);
  }
  return { rows, bodyBytes: body.length };
}

// ---- 3. p99 in cached mode ---------------------------------------------------------------------

async function load(url, body, duration) {
  const headers = { 'content-type': 'application/json' };
  const r = await autocannon({ url, connections: 64, duration, requests: [{ method: 'POST', path: '/filter', body, headers }, { method: 'POST', path: '/prioritize', body, headers }] });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

/** Median of 3 rounds, the two servers measured in turn in each (machine noise falls on both). */
export async function cachedP99(duration, rounds = 3) {
  const servers = [];
  for (const [name, args] of [
    ['orchsim serve, NodeNames + cache', [EXTENDER_BENCH, '--server', 'cache']],
    ['peer: parse+echo, NodeNames', [EXTENDER_BENCH, '--server', 'parse-echo']],
  ]) {
    const { url, child } = await startServer(args);
    await load(url, nodeNamesBody, 2); // JIT warm-up
    servers.push({ name, url, child, runs: [] });
  }
  for (let r = 0; r < rounds; r++) for (const s of servers) s.runs.push(await load(s.url, nodeNamesBody, duration));
  for (const s of servers) stop(s.child);
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return servers.map((s) => ({
    name: s.name,
    rps: med(s.runs.map((x) => x.rps)),
    p50: med(s.runs.map((x) => x.p50)),
    p99: med(s.runs.map((x) => x.p99)),
    p99s: s.runs.map((x) => x.p99),
    errors: s.runs.reduce((n, x) => n + x.errors, 0),
  }));
}

export async function run({ duration = 10 } = {}) {
  const tls = await idleTls();
  printTable(`Idle TCP connections that never start a TLS handshake: 200 opened, still open 12 s later (${machineLine()})`, ['server', 'still open'], tls.rows.map((r) => [r.name, String(r.open)]));
  const mem = await rssAfterBurst();
  printTable(
    `24 bodies of ${(mem.bodyBytes / 1e6).toFixed(0)} MB at once, resident memory (MiB) (${machineLine()})`,
    ['server', 'answers', 'before', 'peak', '5 s after'],
    mem.rows.map((r) => [r.name, r.codes, fmtInt(r.baseline / MiB), fmtInt(r.peak / MiB), fmtInt(r.after / MiB)]),
  );
  const p99 = await cachedP99(duration);
  printTable(`64 connections, filter + prioritize, 1,500 nodes as NodeNames, 3 rounds of ${duration} s, medians (${machineLine()})`, ['server', 'req/s', 'p50 ms', 'p99 ms', 'p99 each round', 'errors'], p99.map((r) => [r.name, r.rps.toFixed(0), String(r.p50), String(r.p99), r.p99s.join(' / '), String(r.errors)]));
  const [mine, peer] = [mem.rows[0], mem.rows[1]];
  const summary = [
    { metric: 'idle TLS sockets still open after 12 s', orchsim: String(tls.rows[0].open), peer: String(tls.rows[1].open), ratio: '', target: verdict('0 (closed at --request-timeout)', tls.rows[0].open === 0) },
    { metric: '--max-connections 100: of 200 idle, left open', orchsim: String(tls.capped), peer: '', ratio: '', target: verdict('100', tls.capped === 100) },
    { metric: 'RSS 5 s after a 24 x 62 MB burst', orchsim: `${fmtInt(mine.after / MiB)} MiB (baseline ${fmtInt(mine.baseline / MiB)})`, peer: `${fmtInt(peer.after / MiB)} MiB (baseline ${fmtInt(peer.baseline / MiB)})`, ratio: '', target: '' },
    { metric: 'of what the burst added, given back 5 s later', orchsim: pct(givenBack(mine)), peer: pct(givenBack(peer)), ratio: '', target: verdict('>= 80%', givenBack(mine) >= 0.8) },
    { metric: 'RSS peak during the burst', orchsim: `${fmtInt(mine.peak / MiB)} MiB`, peer: `${fmtInt(peer.peak / MiB)} MiB`, ratio: (mine.peak / peer.peak).toFixed(2), target: '' },
    { metric: 'cached mode (NodeNames), 64 connections: p99 (median of 3)', orchsim: `${p99[0].p99} ms`, peer: `${p99[1].p99} ms`, ratio: (p99[0].p99 / p99[1].p99).toFixed(2), target: verdict('< 50 ms, 0 errors', p99[0].p99 < 50 && p99[0].errors === 0) },
  ];
  printSummary(summary);
  return { summary };
}

if (isMain(import.meta.url)) {
  const i = process.argv.indexOf('--peer');
  if (i > 0) peerChild(process.argv[i + 1]);
  else {
    const d = process.argv.indexOf('--duration');
    await run({ duration: d > 0 ? Number(process.argv[d + 1]) : 10 });
    process.exit(0);
  }
}
