/**
 * `orchsim serve` under a slow or greedy neighbour: TLS connections that never handshake are
 * closed, connections are capped, and request bodies in flight are bounded across connections
 * (a declared body waits its turn, an undeclared one past the budget gets 503).
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyBudget } from '../../src/runtime/body-budget.js';
import { Extender } from '../../src/runtime/extender.js';
import { startExtenderServer, type ExtenderServer, type ServeOptions } from '../../src/runtime/server.js';
import { buildFramework } from '../../src/scenario/runner.js';
import { BUILTIN_PROFILES } from '../../src/schedulers/builtins.js';
import { RandomStreams } from '../../src/util/random.js';
import { nodeList, v1Node, v1Pod } from '../helpers/extender.js';

const TLS_DIR = join(import.meta.dirname, '../fixtures/tls');
const tls = { cert: readFileSync(join(TLS_DIR, 'cert.pem')), key: readFileSync(join(TLS_DIR, 'key.pem')) };
const defaultProfile = BUILTIN_PROFILES.find((p) => p.name === 'default')!;
/** Generous: these bound a hang, not the machine's speed. */
const HANG_MS = 30_000;

let servers: ExtenderServer[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => s.close(0)));
  servers = [];
  sockets = [];
});

async function start(options: ServeOptions): Promise<ExtenderServer> {
  const server = await startExtenderServer(new Extender(buildFramework(defaultProfile, new RandomStreams(1))), { port: 0, ...options });
  servers.push(server);
  return server;
}

function address(server: ExtenderServer): { host: string; port: number } {
  const url = new URL(server.url);
  return { host: url.hostname, port: Number(url.port) };
}

/** A raw TCP connection, resolved once connected. */
function open(server: ExtenderServer): Promise<Socket> {
  const { host, port } = address(server);
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => resolve(socket));
    socket.on('error', reject);
    sockets.push(socket);
  });
}

/** Resolves with what the server sent once it closes the connection; rejects after HANG_MS. */
function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('error', () => {});
    if (socket.destroyed) return resolve(data);
    socket.on('close', () => resolve(data));
    setTimeout(() => reject(new Error(`the server kept the connection open for ${HANG_MS} ms`)), HANG_MS).unref();
  });
}

async function metric(server: ExtenderServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

const smallBody = JSON.stringify({ Pod: v1Pod('p'), Nodes: nodeList([v1Node('n1')]) });

describe('TLS: connections that never finish a handshake', () => {
  it('are closed after the request timeout, and the server keeps serving', async () => {
    const server = await start({ tls, requestTimeoutMs: 300 });
    const idle = await Promise.all(Array.from({ length: 20 }, () => open(server)));
    // Every one of them closes from the server's side (the test never closes them).
    await Promise.all(idle.map(untilClosed));
    const ok = await new Promise<number>((resolve, reject) => {
      const { host, port } = address(server);
      const s = tlsConnect({ host, port, ca: tls.cert, servername: 'localhost' }, () => {
        s.write(`POST /filter HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(smallBody)}\r\nconnection: close\r\n\r\n${smallBody}`);
      });
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1])));
      s.on('error', reject);
    });
    expect(ok).toBe(200);
  });

  it('a handshaken connection that sends no request gets 408 and is closed', async () => {
    const server = await start({ tls, requestTimeoutMs: 300 });
    const { host, port } = address(server);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host, port, ca: tls.cert, servername: 'localhost' });
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(data));
      s.on('error', reject);
      setTimeout(() => reject(new Error('still open')), HANG_MS).unref();
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('connection cap', () => {
  it('closes connections past --max-connections at once, keeps the others, and counts the drops', async () => {
    const server = await start({ maxConnections: 3 });
    const kept = [await open(server), await open(server), await open(server)];
    const extra = await open(server);
    await untilClosed(extra); // the server closes it: nothing was sent
    for (const s of kept) expect(s.destroyed).toBe(false);
    kept[0]!.destroy();
    // Once the server has seen a place free, new connections are served again.
    const connections = () => new Promise<number>((resolve) => server.server.getConnections((_e, n) => resolve(n)));
    await expect.poll(connections, { timeout: HANG_MS }).toBe(2);
    expect(await metric(server, 'orchsim_extender_connections_dropped_total')).toBe(1);
  });
});

describe('request bodies in flight', () => {
  it('a declared body waits while the budget is held, then is served; nothing is refused', async () => {
    const size = Buffer.byteLength(smallBody);
    const server = await start({ maxBodyBytes: size, maxInflightBytes: size, requestTimeoutMs: HANG_MS });
    // The first client declares its body and sends only part of it: it holds the whole budget.
    const slow = await open(server);
    slow.write(`POST /filter HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n${smallBody.slice(0, 10)}`);
    await expect.poll(() => metric(server, 'orchsim_extender_request_body_bytes_in_flight'), { timeout: HANG_MS }).toBe(size);
    const second = fetch(`${server.url}/filter`, { method: 'POST', body: smallBody, headers: { 'content-type': 'application/json' } });
    await expect.poll(() => metric(server, 'orchsim_extender_requests_waiting_for_body_budget'), { timeout: HANG_MS }).toBe(1);
    const firstReply = untilClosed(slow);
    slow.end(smallBody.slice(10));
    expect(await firstReply).toMatch(/^HTTP\/1\.1 200/);
    expect((await second).status).toBe(200);
    expect(await metric(server, 'orchsim_extender_request_body_bytes_in_flight')).toBe(0);
    expect(await metric(server, 'orchsim_extender_requests_waiting_for_body_budget')).toBe(0);
  });

  it('a waiting client that goes away gives its place back', async () => {
    const size = Buffer.byteLength(smallBody);
    const server = await start({ maxBodyBytes: size, maxInflightBytes: size, requestTimeoutMs: HANG_MS });
    const holder = await open(server);
    holder.write(`POST /filter HTTP/1.1\r\nhost: x\r\ncontent-length: ${size}\r\n\r\n{`);
    await expect.poll(() => metric(server, 'orchsim_extender_request_body_bytes_in_flight'), { timeout: HANG_MS }).toBe(size);
    const waiter = await open(server);
    waiter.write(`POST /filter HTTP/1.1\r\nhost: x\r\ncontent-length: ${size}\r\n\r\n`);
    await expect.poll(() => metric(server, 'orchsim_extender_requests_waiting_for_body_budget'), { timeout: HANG_MS }).toBe(1);
    waiter.destroy();
    await expect.poll(() => metric(server, 'orchsim_extender_requests_waiting_for_body_budget'), { timeout: HANG_MS }).toBe(0);
    holder.destroy();
    await expect.poll(() => metric(server, 'orchsim_extender_request_body_bytes_in_flight'), { timeout: HANG_MS }).toBe(0);
    const r = await fetch(`${server.url}/filter`, { method: 'POST', body: smallBody });
    expect(r.status).toBe(200);
  });

  it('an undeclared (chunked) body past the budget gets 503 with Retry-After', async () => {
    const size = Buffer.byteLength(smallBody);
    const server = await start({ maxBodyBytes: 4 * size, maxInflightBytes: 4 * size, requestTimeoutMs: HANG_MS });
    const holder = await open(server);
    holder.write(`POST /filter HTTP/1.1\r\nhost: x\r\ncontent-length: ${4 * size}\r\n\r\n{`);
    await expect.poll(() => metric(server, 'orchsim_extender_request_body_bytes_in_flight'), { timeout: HANG_MS }).toBe(4 * size);
    const chunked = await fetch(`${server.url}/filter`, {
      method: 'POST',
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(smallBody)); c.close(); } }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(503);
    expect(chunked.headers.get('retry-after')).toBe('1');
    expect(((await chunked.json()) as { Error: string }).Error).toMatch(/--max-inflight-bytes/);
    holder.destroy();
    await expect.poll(() => metric(server, 'orchsim_extender_request_body_bytes_in_flight'), { timeout: HANG_MS }).toBe(0);
  });
});

describe('BodyBudget', () => {
  it('property: never holds more than its limit, grants in arrival order, and ends empty', async () => {
    type Op = { kind: 'reserve'; bytes: number } | { kind: 'take'; bytes: number } | { kind: 'release'; which: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), bytes: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ kind: fc.constant('take' as const), bytes: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ kind: fc.constant('release' as const), which: fc.nat() }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
      const budget = new BodyBudget(100);
      const held: (() => void)[] = [];
      const grants: number[] = [];
      let asked = 0;
      for (const o of ops) {
        if (o.kind === 'reserve') {
          const id = asked++;
          const lease = budget.reserve(o.bytes);
          void lease.granted.then(() => grants.push(id));
          held.push(() => lease.release());
        } else if (o.kind === 'take') {
          if (budget.tryTake(o.bytes)) held.push(() => budget.release(o.bytes));
        } else if (held.length > 0) {
          held.splice(o.which % held.length, 1)[0]!();
        }
        expect(budget.inFlight).toBeLessThanOrEqual(100);
        expect(budget.inFlight).toBeGreaterThanOrEqual(0);
        await Promise.resolve();
      }
      await new Promise((r) => setImmediate(r));
      // Grants come in the order reservations were asked for (withdrawn ones drop out).
      expect(grants).toEqual([...grants].sort((a, b) => a - b));
      for (const release of held) release();
      expect(budget.inFlight).toBe(0);
      expect(budget.waiting).toBe(0);
    }));
  });

  it('refuses a reservation larger than the whole budget', () => {
    expect(() => new BodyBudget(10).reserve(11)).toThrow(RangeError);
  });
});
