import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PodInfo } from '../../src/api/pod.js';
import { KubeCache } from '../../src/runtime/kube-cache.js';
import { InputError } from '../../src/util/errors.js';
import { FakeApiServer } from '../helpers/fake-apiserver.js';

type Obj = Record<string, any>;

function pod(name: string, opts: { node?: string; cpu?: string; phase?: string; labels?: Record<string, string>; namespace?: string } = {}): Obj {
  return {
    metadata: { name, namespace: opts.namespace ?? 'default', ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      ...(opts.node ? { nodeName: opts.node } : {}),
      containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: opts.cpu ?? '100m', memory: '64Mi' } } }],
    },
    status: { phase: opts.phase ?? (opts.node ? 'Running' : 'Pending') },
  };
}

function node(name: string, cpu = '4', labels: Record<string, string> = {}): Obj {
  return {
    metadata: { name, labels },
    spec: {},
    status: { allocatable: { cpu, memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:00Z' }] },
  };
}

const names = (pods: readonly PodInfo[]): string[] => pods.map((p) => p.name);

/** Polls until cond holds (every 5 ms, at most timeoutMs). */
async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let server: FakeApiServer;
let dir: string;
let cache: KubeCache | undefined;
let logs: string[];

beforeEach(async () => {
  server = await FakeApiServer.start();
  dir = mkdtempSync(join(tmpdir(), 'kube-cache-'));
  logs = [];
});

afterEach(async () => {
  await cache?.stop();
  cache = undefined;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startCache(extra: { syncTimeoutMs?: number } = {}): Promise<KubeCache> {
  cache = await KubeCache.start({ kubeconfig: server.kubeconfigFile(dir), log: (l) => logs.push(l), retryDelayMs: 20, syncTimeoutMs: 5000, ...extra });
  return cache;
}

describe('KubeCache initial list', () => {
  it('puts bound, unfinished pods on their nodes with converted specs; converts nodes', async () => {
    server.addNode(node('a', '4', { pool: 'x' }));
    server.addNode(node('b', '8'));
    server.addPod(pod('web-1', { node: 'a', cpu: '500m', labels: { app: 'web' } }));
    server.addPod(pod('pending', {}));
    server.addPod(pod('done', { node: 'a', phase: 'Succeeded' }));
    server.addPod(pod('crashed', { node: 'b', phase: 'Failed' }));
    server.addPod(pod('web-2', { node: 'a', cpu: '1' }));
    server.addPod(pod('db-1', { node: 'b', namespace: 'data' }));

    const c = await startCache();
    expect(c.synced).toBe(true);
    expect(names(c.podsOn('a'))).toEqual(['default/web-1', 'default/web-2']);
    expect(names(c.podsOn('b'))).toEqual(['data/db-1']);
    expect(c.podsOn('nowhere')).toEqual([]);
    const [web1, web2] = c.podsOn('a');
    expect(web1!.spec.requests.milliCPU).toBe(500);
    expect(web1!.spec.labels).toEqual({ app: 'web' });
    expect(web2!.spec.requests.milliCPU).toBe(1000);
    expect(c.podsOn('b')[0]!.spec.namespace).toBe('data');
    const ids = [...c.podsOn('a'), ...c.podsOn('b')].map((p) => p.id);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toBeLessThan(6); // dense: one per pod seen
    // Same frozen array while nothing changes.
    expect(c.podsOn('a')).toBe(c.podsOn('a'));
    expect(Object.isFrozen(c.podsOn('a'))).toBe(true);

    expect(c.nodeNames().sort()).toEqual(['a', 'b']);
    const a = c.node('a')!;
    expect(a.allocatable.milliCPU).toBe(4000);
    expect(a.labels['pool']).toBe('x');
    expect(a.allowedPodNumber).toBe(110);
    expect(c.node('a')).toBe(a);
    expect(c.node('b')!.allocatable.milliCPU).toBe(8000);
    expect(c.node('zzz')).toBeUndefined();
    expect(c.skippedPods).toBe(0);
  });

  it('lists, then watches from the list resourceVersion', async () => {
    server.addNode(node('a'));
    await startCache();
    expect(server.requests).toContain('GET /api/v1/pods');
    expect(server.requests).toContain('GET /api/v1/nodes');
    expect(server.requests.some((r) => /^GET \/api\/v1\/pods\?watch=true&resourceVersion=\d+$/.test(r))).toBe(true);
    expect(server.requests.some((r) => /^GET \/api\/v1\/nodes\?watch=true&resourceVersion=\d+$/.test(r))).toBe(true);
  });
});

describe('KubeCache watch', () => {
  it('reflects adds, late binds, deletes and completion; array identity follows changes', async () => {
    for (const n of ['a', 'b', 'c', 'd']) server.addNode(node(n));
    server.addPod(pod('a-1', { node: 'a' }));
    server.addPod(pod('b-1', { node: 'b' }));
    server.addPod(pod('b-2', { node: 'b' }));
    server.addPod(pod('c-1', { node: 'c' }));
    server.addPod(pod('d-1', { node: 'd' }));
    server.addPod(pod('late', {}));
    const c = await startCache();
    const before = { a: c.podsOn('a'), b: c.podsOn('b'), c: c.podsOn('c'), d: c.podsOn('d') };

    server.addPod(pod('a-2', { node: 'a', cpu: '250m' }));
    server.updatePod(pod('late', { node: 'c' })); // bound after creation
    server.deletePod('default', 'b-1');
    server.updatePod(pod('c-1', { node: 'c', phase: 'Succeeded' }));
    await until(() => c.podsOn('a').length === 2 && names(c.podsOn('b')).join() === 'default/b-2' && names(c.podsOn('c')).join() === 'default/late', 'watch events');

    expect(names(c.podsOn('a'))).toEqual(['default/a-1', 'default/a-2']);
    expect(c.podsOn('a')[1]!.spec.requests.milliCPU).toBe(250);
    expect(c.podsOn('a')).not.toBe(before.a);
    expect(c.podsOn('b')).not.toBe(before.b);
    expect(c.podsOn('c')).not.toBe(before.c);
    expect(c.podsOn('d')).toBe(before.d);
    expect(Object.isFrozen(c.podsOn('a'))).toBe(true);
    // The unchanged pod keeps its PodInfo (and id) in the new array.
    expect(c.podsOn('a')[0]).toBe(before.a[0]);

    // Last pod leaving a node empties it.
    server.deletePod('default', 'b-2');
    await until(() => c.podsOn('b').length === 0, 'b empty');
  });

  it('keeps identity across status-only updates and changes it when the spec or labels change', async () => {
    server.addNode(node('a'));
    server.addPod(pod('p', { node: 'a', phase: 'Pending' }));
    const c = await startCache();
    const first = c.podsOn('a');
    const nodeA = c.node('a');
    const allNodes = c.nodes();
    expect(allNodes).toEqual([nodeA]);
    expect(allNodes[0]).toBe(nodeA);

    server.updatePod(pod('p', { node: 'a', phase: 'Running' }));
    // A later event on another node tells us the first one has been processed.
    server.addPod(pod('marker', { node: 'z' }));
    await until(() => c.podsOn('z').length === 1, 'marker');
    expect(c.podsOn('a')).toBe(first);

    const generation = c.generation;
    server.updatePod(pod('p', { node: 'a', labels: { v: '2' } }));
    await until(() => c.podsOn('a') !== first, 'label change');
    // Whatever changes podsOn() changes the generation the extender checks first.
    expect(c.generation).not.toBe(generation);
    expect(c.podsOn('a')[0]!.spec.labels).toEqual({ v: '2' });
    expect(c.podsOn('a')[0]!.id).toBe(first[0]!.id);

    // Node heartbeat (status timestamp only): same NodeSpec; a label change: a new one.
    const hb = node('a');
    hb.status.conditions[0].lastHeartbeatTime = '2024-01-01T00:01:00Z';
    server.updateNode(hb);
    server.addNode(node('marker-node'));
    await until(() => c.nodeNames().includes('marker-node'), 'marker node');
    expect(c.node('a')).toBe(nodeA);
    const withMarker = c.nodes();
    expect(withMarker.map((n) => n.name)).toEqual(['a', 'marker-node']);
    expect(withMarker[0]).toBe(nodeA);
    server.updateNode(hb); // another status-only update
    server.addPod(pod('marker-2', { node: 'z' }));
    await until(() => c.podsOn('z').length === 2, 'marker 2');
    expect(c.nodes()).toBe(withMarker);
    server.updateNode(node('a', '4', { zone: 'z1' }));
    await until(() => c.node('a')!.labels['zone'] === 'z1', 'node label');
    expect(c.node('a')).not.toBe(nodeA);
    expect(c.nodes()).not.toBe(withMarker);
    expect(c.nodes().map((n) => n.labels['zone'])).toEqual(['z1', undefined]);
    expect(Object.isFrozen(c.nodes())).toBe(true);
    server.deleteNode('a');
    await until(() => c.node('a') === undefined, 'node delete');
    expect(c.nodeNames()).not.toContain('a');
    expect(c.nodes().map((n) => n.name)).toEqual(['marker-node']);
  });

  it('a pod recreated under the same name gets a new id; deleted ids are reused', async () => {
    server.addPod(pod('p', { node: 'a' }));
    server.addPod(pod('q', { node: 'a' }));
    const c = await startCache();
    const [p, q] = c.podsOn('a');
    server.deletePod('default', 'p');
    await until(() => c.podsOn('a').length === 1, 'delete');
    server.addPod(pod('p', { node: 'b' }));
    await until(() => c.podsOn('b').length === 1, 're-add');
    expect(c.podsOn('b')[0]!.id).toBe(p!.id);
    expect(c.podsOn('b')[0]!.id).not.toBe(q!.id);
  });

  it('restarts the watch after it breaks, without losing events, and logs the error', async () => {
    server.addPod(pod('p1', { node: 'a' }));
    const c = await startCache();
    server.breakWatches();
    server.addPod(pod('p2', { node: 'a' })); // while the client is disconnected
    await until(() => c.podsOn('a').length === 2, 'event during the break');
    expect(logs.some((l) => /pods informer .*restarting/.test(l))).toBe(true);
    await until(() => server.watchCount === 2, 'watches back');
    server.addPod(pod('p3', { node: 'a' }));
    await until(() => c.podsOn('a').length === 3, 'event after restart');

    // A clean end of the stream (server watch timeout): the client watches again on its own.
    server.endWatches();
    server.deletePod('default', 'p1');
    await until(() => names(c.podsOn('a')).join() === 'default/p2,default/p3', 'event after a clean end');
  });

  it('stop closes the watches and leaves no timers', async () => {
    const c = await startCache();
    expect(server.watchCount).toBe(2);
    await c.stop();
    await until(() => server.watchCount === 0, 'watches closed');
    server.addPod(pod('after', { node: 'a' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.podsOn('a')).toEqual([]);
    expect(logs).toEqual([]); // the abort on stop is not reported as an error
  });
});

describe('KubeCache bind', () => {
  it('creates a Binding; the pod then shows up through the watch', async () => {
    server.addNode(node('a'));
    const created = server.addPod(pod('web', {}));
    const c = await startCache();
    expect(c.podsOn('a')).toEqual([]);
    await c.bind('default', 'web', created.metadata.uid, 'a');
    expect(server.bindings).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'web', namespace: 'default', uid: created.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: 'a' },
      },
    ]);
    expect(server.requests).toContain('POST /api/v1/namespaces/default/pods/web/binding');
    expect(server.pod('default', 'web')!.spec.nodeName).toBe('a');
    await until(() => names(c.podsOn('a')).join() === 'default/web', 'bound pod on a');
  });

  it('rejects with the API server message', async () => {
    server.addPod(pod('web', { node: 'a' }));
    const c = await startCache();
    await expect(c.bind('default', 'web', '', 'b')).rejects.toThrow(/409.*already assigned to node "a"/);
    await expect(c.bind('default', 'nope', '', 'b')).rejects.toThrow(/404.*pods "nope" not found/);
    server.addPod(pod('other', {}));
    await expect(c.bind('default', 'other', 'wrong-uid', 'b')).rejects.toThrow(/Precondition failed/);
  });
});

describe('KubeCache start failures', () => {
  it('a missing kubeconfig is an InputError naming the file', async () => {
    const file = join(dir, 'no-such-kubeconfig');
    const err = await KubeCache.start({ kubeconfig: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(file);
  });

  it('an invalid kubeconfig or unknown context is an InputError naming the file', async () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'clusters: [: nope');
    await expect(KubeCache.start({ kubeconfig: bad })).rejects.toSatisfy((e: unknown) => e instanceof InputError && e.message.includes(bad));
    const good = server.kubeconfigFile(dir);
    await expect(KubeCache.start({ kubeconfig: good, context: 'other' })).rejects.toSatisfy(
      (e: unknown) => e instanceof InputError && e.message.includes(good) && e.message.includes('no context "other"'),
    );
  });

  it('a server that refuses connections fails the start within the timeout, naming the URL', async () => {
    // A port nothing listens on: bind one, then release it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const file = server.kubeconfigFile(dir, { name: 'refused', server: `http://127.0.0.1:${port}` });

    const t0 = Date.now();
    const err = await KubeCache.start({ kubeconfig: file, syncTimeoutMs: 300, retryDelayMs: 20, log: (l) => logs.push(l) }).catch((e: unknown) => e);
    // Well under the 30 s default (so syncTimeoutMs is honoured), with room for a loaded machine.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`http://127.0.0.1:${port}`);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(logs.length).toBeGreaterThan(0);
  });
});

describe('KubeCache in-cluster configuration', () => {
  const SA = '/var/run/secrets/kubernetes.io/serviceaccount';
  // On a machine that is itself a pod the "not in a pod" cases cannot be produced.
  const inPod = existsSync(`${SA}/token`);

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.skipIf(inPod)('outside a pod it rejects with an InputError for --in-cluster naming what is missing', async () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', undefined);
    vi.stubEnv('KUBERNETES_SERVICE_PORT', undefined);
    const err = await KubeCache.start({ inCluster: true, syncTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const issue = (err as InputError).issues[0]!;
    expect(issue.file).toBe('--in-cluster');
    expect(issue.message).toMatch(/^not running in a pod: /);
    expect(issue.message).toContain('KUBERNETES_SERVICE_HOST is not set');
    expect(issue.message).toContain('KUBERNETES_SERVICE_PORT is not set');
    expect(issue.message).toContain(`${SA}/token is missing`);
    expect(server.requests).toEqual([]);
  });

  it.skipIf(inPod)('with the service env vars set but no token mounted it still rejects, naming the token file only', async () => {
    // Pointed at the fake API server: the check must fail before any request is made.
    const url = new URL(server.url);
    vi.stubEnv('KUBERNETES_SERVICE_HOST', url.hostname);
    vi.stubEnv('KUBERNETES_SERVICE_PORT', url.port);
    const err = await KubeCache.start({ inCluster: true, syncTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues[0]!.file).toBe('--in-cluster');
    expect((err as Error).message).toContain(`${SA}/token is missing`);
    expect((err as Error).message).not.toContain('KUBERNETES_SERVICE_HOST');
    expect(server.requests).toEqual([]);
  });

  it('requires exactly one of kubeconfig and inCluster, and no context with inCluster', async () => {
    const file = server.kubeconfigFile(dir);
    const neither = await KubeCache.start({}).catch((e: unknown) => e);
    expect(neither).toBeInstanceOf(Error);
    expect(neither).not.toBeInstanceOf(InputError);
    expect((neither as Error).message).toMatch(/exactly one of kubeconfig and inCluster \(got neither\)/);
    await expect(KubeCache.start({ kubeconfig: file, inCluster: true })).rejects.toThrow(/exactly one of kubeconfig and inCluster \(got both\)/);
    await expect(KubeCache.start({ inCluster: true, context: 'x' })).rejects.toThrow(/context applies only with kubeconfig/);
    // inCluster: false is "not given": the kubeconfig alone still works.
    cache = await KubeCache.start({ kubeconfig: file, inCluster: false, syncTimeoutMs: 5000 });
    expect(cache.synced).toBe(true);
  });
});

describe('KubeCache invalid objects', () => {
  it('leaves out a node that fails conversion, logging it', async () => {
    server.addNode(node('good'));
    server.addNode(node('bad', 'lots'));
    const c = await startCache();
    expect(c.nodeNames().sort()).toEqual(['bad', 'good']);
    expect(c.node('bad')).toBeUndefined();
    expect(c.node('bad')).toBeUndefined();
    expect(c.nodes().map((n) => n.name)).toEqual(['good']);
    expect(logs.filter((l) => l.includes('node bad'))).toHaveLength(1);
  });

  it('skips and counts pods that fail conversion, logging once per pod', async () => {
    server.addPod(pod('bad-1', { node: 'a', cpu: 'lots' }));
    server.addPod(pod('good', { node: 'a' }));
    server.addPod(pod('bad-pending', { cpu: 'lots' })); // not bound: not converted, not counted
    const c = await startCache();
    expect(names(c.podsOn('a'))).toEqual(['default/good']);
    expect(c.skippedPods).toBe(1);
    expect(logs.filter((l) => l.includes('default/bad-1'))).toHaveLength(1);
    expect(logs.find((l) => l.includes('default/bad-1'))).toMatch(/cpu/);

    server.addPod(pod('bad-2', { node: 'b', cpu: 'lots' }));
    server.updatePod(pod('bad-1', { node: 'a', cpu: 'lots', labels: { x: 'y' } }));
    await until(() => c.skippedPods === 2, 'second skip');
    expect(c.podsOn('b')).toEqual([]);
    expect(logs.filter((l) => l.includes('default/bad-1'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('default/bad-2'))).toHaveLength(1);

    // Fixed: the pod appears and is no longer counted. Deleted: no longer counted.
    server.updatePod(pod('bad-1', { node: 'a', cpu: '200m' }));
    server.deletePod('default', 'bad-2');
    await until(() => c.skippedPods === 0 && c.podsOn('a').length === 2, 'fixed and deleted');
    expect(names(c.podsOn('a'))).toEqual(['default/bad-1', 'default/good']);
  });
});
