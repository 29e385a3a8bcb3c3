import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileConfig } from '../../src/api/framework.js';
import type { PodInfo } from '../../src/api/pod.js';
import { Extender } from '../../src/runtime/extender.js';
import { startExtenderServer, type ExtenderServer } from '../../src/runtime/server.js';
import { buildFramework } from '../../src/scenario/runner.js';
import { BUILTIN_PROFILES, builtinPlugins } from '../../src/schedulers/builtins.js';
import { RandomStreams } from '../../src/util/random.js';
import { nodeList, StaticSource, v1Node, v1Pod, type Json } from '../helpers/extender.js';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');
const defaultProfile = BUILTIN_PROFILES.find((p) => p.name === 'default')!;

interface Golden {
  readonly description: string;
  /** Pods (with spec.nodeName) and nodes the extender's cache holds; none when absent. */
  readonly cache?: { readonly pods?: Json[]; readonly nodes?: Json[] };
  readonly request: { readonly method?: string; readonly path: string; readonly body: unknown };
  readonly response: { readonly status: number; readonly body: unknown };
}

async function start(profile: ProfileConfig = defaultProfile, source?: StaticSource, options: Parameters<typeof startExtenderServer>[1] = {}): Promise<ExtenderServer> {
  const registry = builtinPlugins();
  if (profile.plugins.some((p) => p.name === 'Throws')) {
    registry.register({
      name: 'Throws',
      description: 'throws in Score for pods labelled boom',
      extensionPoints: ['Score'],
      factory: () => ({
        name: 'Throws',
        score: (_s: unknown, pod: PodInfo) => {
          if (pod.spec.labels['boom'] === 'yes') throw new Error('kaboom');
          return 50;
        },
      }),
    });
  }
  const framework = buildFramework(profile, new RandomStreams(1), registry);
  return startExtenderServer(new Extender(framework, source), { port: 0, ...options });
}

async function post(server: ExtenderServer, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(server.url + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('golden request/response pairs (upstream message shapes)', () => {
  const files = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).sort();
  it('has golden files', () => expect(files.length).toBeGreaterThanOrEqual(6));
  for (const file of files) {
    it(file, async () => {
      const g = JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as Golden;
      const source = g.cache ? new StaticSource(g.cache.pods ?? [], g.cache.nodes ?? []) : undefined;
      const server = await start(defaultProfile, source);
      try {
        const res = await fetch(server.url + g.request.path, {
          method: g.request.method ?? 'POST',
          ...(g.request.body === undefined ? {} : { body: typeof g.request.body === 'string' ? g.request.body : JSON.stringify(g.request.body) }),
        });
        const text = await res.text();
        expect({ status: res.status, body: JSON.parse(text) }).toEqual(g.response);
      } finally {
        await server.close();
      }
    });
  }
});

describe('orchsim serve: HTTP behaviour', () => {
  let server: ExtenderServer;
  const nodes = [v1Node('n1', { cpu: '2' }), v1Node('n2', { cpu: '8', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), v1Node('n3', { cpu: '8' })];
  beforeAll(async () => {
    server = await start({ name: 'with-throws', plugins: [...defaultProfile.plugins, { name: 'Throws', weight: 1 }] }, undefined, { maxBodyBytes: 64 * 1024, requestTimeoutMs: 500 });
  });
  afterAll(() => server.close());

  it('serves /healthz', async () => {
    const res = await fetch(server.url + '/healthz');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('accepts a urlPrefix with a path', async () => {
    const r = await post(server, '/scheduler/filter', { Pod: v1Pod('p', { cpu: '4' }), Nodes: nodeList(nodes) });
    expect(r.status).toBe(200);
    expect((r.body as { NodeNames: string[] }).NodeNames).toEqual(['n3']);
  });

  it('answers bad requests with a 4xx and a message, and keeps serving', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['/filter', '{"Pod": ', 400, /invalid JSON/],
      ['/filter', '', 400, /empty body/],
      ['/filter', '[1,2]', 400, /ExtenderArgs/],
      ['/filter', { Pod: 'p', Nodes: nodeList(nodes) }, 400, /Pod: a v1 Pod object/],
      ['/filter', { Pod: v1Pod('p') }, 400, /expected Nodes .* or NodeNames/],
      ['/prioritize', { Pod: v1Pod('p'), Nodes: { items: [{ metadata: { name: 'x' } }] } }, 400, /Nodes\.items\[0\]\.status/],
      ['/prioritize', { Pod: v1Pod('p'), NodeNames: [1, 2] }, 400, /NodeNames\[0\]/],
      ['/prioritize', { Pod: v1Pod('p'), NodeNames: ['n1'] }, 400, /no node cache/],
      ['/bind', { PodName: 'p' }, 400, /Node/],
      ['/nonsense', {}, 404, /no such endpoint/],
    ];
    for (const [path, body, status, message] of cases) {
      const r = await post(server, path, body);
      expect(r.status, `${path} ${JSON.stringify(body).slice(0, 40)}`).toBe(status);
      expect((r.body as { Error: string }).Error).toMatch(message);
    }
    const ok = await post(server, '/filter', { Pod: v1Pod('p'), Nodes: nodeList(nodes) });
    expect(ok.status).toBe(200);
  });

  it('never answers twice on one connection: a client error after a full response only closes it', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const url = new URL(server.url);
      // A complete 404 (the body is not read), then the connection idles with the body unsent.
      const socket = connect(Number(url.port), url.hostname, () => socket.write('POST /nonsense HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"a":'));
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('connection not closed within 30 s')), 30_000).unref();
    });
    expect(reply).toMatch(/^HTTP\/1\.1 404/);
    expect(reply.match(/HTTP\/1\.1/g)).toHaveLength(1);
  });

  it('refuses GET on a verb with 405', async () => {
    const res = await fetch(server.url + '/filter');
    expect(res.status).toBe(405);
  });

  it('refuses oversized bodies with 413, declared or streamed', async () => {
    const big = JSON.stringify({ Pod: v1Pod('p'), Nodes: nodeList(Array.from({ length: 1000 }, (_, i) => v1Node(`big-${i}`))) });
    const r = await post(server, '/filter', big);
    expect(r.status).toBe(413);
    expect((r.body as { Error: string }).Error).toMatch(/larger than the limit/);
    // Chunked (no content-length): the limit applies while reading.
    const chunked = await fetch(server.url + '/filter', {
      method: 'POST',
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await post(server, '/filter', { Pod: v1Pod('p'), Nodes: nodeList(nodes) })).status).toBe(200);
  });

  it('times out a client that never finishes its body (408), without hanging', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const url = new URL(server.url);
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write('POST /filter HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"Pod":');
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('server did not answer a slow client within 30 s')), 30_000).unref();
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect((await post(server, '/filter', { Pod: v1Pod('p'), Nodes: nodeList(nodes) })).status).toBe(200);
  });

  it('a plugin that throws gives a 500 naming the plugin; other requests keep being served', async () => {
    const r = await post(server, '/prioritize', { Pod: v1Pod('bad', { labels: { boom: 'yes' } }), Nodes: nodeList(nodes) });
    expect(r.status).toBe(500);
    expect((r.body as { Error: string }).Error).toMatch(/plugin Throws Score failed for pod default\/bad on node n1: kaboom/);
    const ok = await post(server, '/prioritize', { Pod: v1Pod('good'), Nodes: nodeList(nodes) });
    expect(ok.status).toBe(200);
    expect((ok.body as { Host: string }[]).map((h) => h.Host)).toEqual(['n1', 'n2', 'n3']);
  });

  it('exposes Prometheus metrics: requests by verb and code, latency histograms, rejections by reason', async () => {
    await post(server, '/filter', { Pod: v1Pod('p', { cpu: '4' }), Nodes: nodeList(nodes) });
    const res = await fetch(server.url + '/metrics');
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/orchsim_extender_requests_total\{verb="filter",code="200"\} [1-9]/);
    expect(text).toMatch(/orchsim_extender_requests_total\{verb="filter",code="400"\} [1-9]/);
    expect(text).toMatch(/orchsim_extender_requests_total\{verb="prioritize",code="500"\} 1/);
    expect(text).toMatch(/orchsim_extender_request_duration_seconds_bucket\{le="0.05",verb="filter"\} [1-9]/);
    expect(text).toMatch(/orchsim_extender_filter_rejections_total\{reason="Insufficient cpu"\} [1-9]/);
    expect(text).toMatch(/orchsim_extender_filter_rejections_total\{reason="node\(s\) had untolerated taint \{dedicated: gpu\}"\} [1-9]/);
  });

  it('fuzz: random and truncated bodies never kill the server', async () => {
    const valid = JSON.stringify({ Pod: v1Pod('p', { cpu: '1', labels: { app: 'web' } }), Nodes: nodeList(nodes) });
    const bodyArb = fc.oneof(
      fc.integer({ min: 0, max: valid.length }).map((n) => valid.slice(0, n)),
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ Pod: v, Nodes: nodeList(nodes) })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ Pod: v1Pod('p'), Nodes: { items: [v] } })),
      fc.tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 3 })).map(([i, s]) => valid.slice(0, i) + s + valid.slice(i + 1)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/filter', '/prioritize', '/bind'), bodyArb, async (path, body) => {
        const r = await fetch(server.url + path, { method: 'POST', body });
        expect([200, 400, 404, 413]).toContain(r.status);
        const parsed = JSON.parse(await r.text()) as unknown;
        if (r.status !== 200) expect(typeof (parsed as { Error: unknown }).Error).toBe('string');
      }),
      { numRuns: 300 },
    );
    const res = await fetch(server.url + '/healthz');
    expect(res.status).toBe(200);
  });
});

describe('orchsim serve: TLS and binding', () => {
  it('binds to loopback by default', async () => {
    const server = await start();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await server.close();
    }
  });
});
