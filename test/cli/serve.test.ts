import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeCliOptions } from '../../src/cli/serve.js';
import { DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/runtime/defaults.js';
import { formatIssue, InputError } from '../../src/util/errors.js';
import { orchsim, orchsimAll } from '../helpers/cli.js';
import { nodeList, v1Node, v1Pod } from '../helpers/extender.js';
import { FakeApiServer } from '../helpers/fake-apiserver.js';

/** Starts `orchsim serve` as a user would; resolves with its URL once it listens. */
function serve(...args: string[]): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = / on (https?:\/\/[\d.]+:\d+)/.exec(err);
      if (m) resolve({ url: m[1]!, child, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`orchsim serve exited with ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

describe('orchsim serve', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchsim-serve-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help says what the extender knows without --kubeconfig', async () => {
    const r = await orchsim('serve', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Without --kubeconfig/);
    expect(r.stdout).toMatch(/never the pods running on them/);
    expect(r.stdout).toMatch(/--host <address>.*\n?.*loopback/);
  });

  it('bad input: an InputError naming what is wrong (in-process, through startServe)', async () => {
    const cases: [Partial<ServeCliOptions>, RegExp][] = [
      [{ profile: 'nope' }, /unknown profile "nope"/],
      [{ plugin: join(dir, 'missing.js') }, /missing\.js: no such file/],
      [{ tlsCert: join(dir, 'cert.pem') }, /TLS needs both --tls-cert and --tls-key/],
      [{ kubeconfig: join(dir, 'no-kubeconfig') }, /no-kubeconfig/],
      [{ kubeconfig: join(dir, 'k'), inCluster: true }, /either --kubeconfig or --in-cluster, not both/],
      [{ enableBind: true }, /bind needs --kubeconfig or --in-cluster/],
      [{ maxInflightBytes: 1024 }, /--max-inflight-bytes.*1024 is less than --max-body-bytes/],
      [{ tlsCert: 'package.json', tlsKey: 'package.json' }, /package\.json.*not a usable PEM certificate/],
      // Outside a pod (where the tests run), --in-cluster names what is missing.
      ...(process.env['KUBERNETES_SERVICE_HOST'] ? [] : [[{ inCluster: true }, /not running in a pod/] as [Partial<ServeCliOptions>, RegExp]]),
    ];
    for (const [opts, message] of cases) {
      const options: ServeCliOptions = { host: DEFAULT_HOST, port: 0, seed: 0, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS / 1000, ...opts };
      let error: unknown;
      try {
        const { server, cache } = await startServe(options, () => {});
        await Promise.all([cache?.stop(), server.close()]);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(opts)).toBeInstanceOf(InputError);
      expect((error as InputError).issues.map(formatIssue).join('\n')).toMatch(message);
    }
  });

  it('bad input exits 2 with a message, never a stack (an option the parser refuses, an InputError from startServe)', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', '99999'], /port number/],
      [['--profile', 'nope'], /unknown profile "nope"/],
      [['--kubeconfig', join(dir, 'no-kubeconfig')], /no-kubeconfig/],
    ];
    const results = await orchsimAll(cases.map(([args]) => ['serve', ...args]));
    cases.forEach(([args, message], i) => {
      const r = results[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('serves a built-in profile without a cache: nodes look empty', async () => {
    const { url, child, stderr } = await serve('--profile', 'binpack');
    try {
      expect(stderr()).toMatch(/profile binpack on http:\/\/127\.0\.0\.1:\d+ \(no --kubeconfig/);
      const bind = await post(`${url}/bind`, { PodName: 'p', PodNamespace: 'default', PodUID: 'u', Node: 'b' });
      expect(bind.status).toBe(404);
      expect(bind.body.Error).toMatch(/bind is off/);
      const r = await post(`${url}/filter`, { Pod: v1Pod('p', { cpu: '3' }), Nodes: nodeList([v1Node('a', { cpu: '2' }), v1Node('b')]) });
      expect(r.body.NodeNames).toEqual(['b']);
      const p = await post(`${url}/prioritize`, { Pod: v1Pod('p', { cpu: '1', memory: '4Gi' }), Nodes: nodeList([v1Node('a', { cpu: '2', memory: '4Gi' }), v1Node('b', { cpu: '16' })]) });
      // binpack (MostAllocated): the smaller node ends up fuller, so it ranks first:
      // a (300 + (50+100)/2) / 4 = 93.75 -> 9; b (300 + (6+25)/2) / 4 = 78.75 -> 8.
      expect(p.body).toEqual([{ Host: 'a', Score: 9 }, { Host: 'b', Score: 8 }]);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('serves HTTPS with --tls-cert and --tls-key', async () => {
    const tls = join(import.meta.dirname, '..', 'fixtures', 'tls');
    const { url, child } = await serve('--tls-cert', join(tls, 'cert.pem'), '--tls-key', join(tls, 'key.pem'));
    try {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = JSON.stringify({ Pod: v1Pod('p', { cpu: '3' }), Nodes: nodeList([v1Node('a', { cpu: '2' }), v1Node('b')]) });
      const reply = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(`${url}/filter`, { method: 'POST', ca: readFileSync(join(tls, 'cert.pem')) }, (res) => {
          let data = '';
          res.on('data', (d: Buffer) => (data += d.toString()));
          res.on('end', () => resolve(data));
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(JSON.parse(reply).NodeNames).toEqual(['b']);
      // Plain HTTP to the TLS port is not answered as a request.
      await expect(fetch(url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    } finally {
      await stop(child);
    }
  });

  it('serves a user plugin module in the default profile', async () => {
    const file = join(dir, 'prefer-zone-b.mjs');
    writeFileSync(file, `
export const plugins = [{
  name: 'PreferZoneB',
  extensionPoints: ['Score'],
  factory: () => ({ name: 'PreferZoneB', score: (_state, _pod, node) => (node.labels['topology.kubernetes.io/zone'] === 'b' ? 100 : 0) }),
}];
export const profile = { name: 'zone-b', plugins: [{ name: 'NodeResourcesFit', weight: 0 }, { name: 'PreferZoneB', weight: 1 }] };
`);
    const { url, child, stderr } = await serve('--plugin', file);
    try {
      expect(stderr()).toMatch(/profile zone-b/);
      const nodes = nodeList([v1Node('a', { labels: { 'topology.kubernetes.io/zone': 'a' } }), v1Node('b', { labels: { 'topology.kubernetes.io/zone': 'b' } })]);
      const p = await post(`${url}/prioritize`, { Pod: v1Pod('p'), Nodes: nodes });
      expect(p.body).toEqual([{ Host: 'a', Score: 0 }, { Host: 'b', Score: 10 }]);
    } finally {
      await stop(child);
    }
  });

  it('with --kubeconfig: counts the pods the API server reports, answers NodeNames and binds', async () => {
    const api = await FakeApiServer.start();
    try {
      api.addNode(v1Node('n1', { cpu: '4' }));
      api.addNode(v1Node('n2', { cpu: '4' }));
      api.addPod(v1Pod('busy', { cpu: '3500m', nodeName: 'n1' }));
      api.addPod(v1Pod('web'));
      const { url, child, stderr } = await serve('--kubeconfig', api.kubeconfigFile(dir), '--enable-bind');
      try {
        expect(stderr()).toMatch(/pods and nodes from/);
        const f = await post(`${url}/filter`, { Pod: v1Pod('web', { cpu: '1' }), NodeNames: ['n1', 'n2', 'n3'] });
        expect(f.body).toMatchObject({ NodeNames: ['n2'], FailedNodes: { n1: 'Insufficient cpu', n3: "node is not in the extender's node cache" } });
        const b = await post(`${url}/bind`, { PodName: 'web', PodNamespace: 'default', PodUID: 'uid-web', Node: 'n2' });
        expect(b).toEqual({ status: 200, body: { Error: '' } });
        expect(api.bindings).toHaveLength(1);
        const again = await post(`${url}/bind`, { PodName: 'web', PodNamespace: 'default', PodUID: 'uid-web', Node: 'n1' });
        expect(again.status).toBe(500);
        expect(again.body.Error).toMatch(/already assigned/);
      } finally {
        expect(await stop(child)).toBe(0);
      }
    } finally {
      await api.close();
    }
  });
});
