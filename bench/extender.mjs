// The kube-scheduler extender under load: autocannon (npm) against `orchsim serve`, 64
// connections, each alternating POST /filter and POST /prioritize for one pod over a 1,500-node
// cluster. Reports requests/s, p50/p99 latency and errors. Target: zero errors, p99 < 50 ms.
//
// Servers, each in its own process (this file with --server MODE), measured one after another:
//   nodelist             `orchsim serve --profile default` as a user starts it, no --kubeconfig:
//                        every request carries the whole NodeList (the shape the issue asks about)
//   nodelist, lean nodes the same server, each Node cut to name, zone, taints and allocatable
//   nodelist+cache       full NodeList requests to an extender that also holds the cluster's
//                        1,500 nodes and 15,000 pods (what --kubeconfig gives; here a static cache)
//   nodenames+cache      nodeCacheCapable: true: requests carry NodeNames only
//   peers: parse+echo    a bare node:http server that reads the same bodies (full, lean, names),
//                        JSON.parses them and answers as much as the extender does without
//                        deciding anything (every node passes, echoed; every node scores 5):
//                        the floor that transport and JSON set for a correct extender
//
// Run: node bench/extender.mjs [--duration 10]   (after npm run build)
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { fmtInt, fmtRatio, isMain, machineLine, printSummary, printTable, verdict } from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const NODES = 1500;
const PODS_PER_NODE = 10;
const CONNECTIONS = 64;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** A Node roughly as the API server returns it (status.images left out: see bench/README.md). */
function node(i) {
  const name = `ip-10-0-${i >> 8}-${i & 255}.ec2.internal`;
  const zone = ZONES[i % 3];
  const big = i % 4 === 0;
  const capacity = { cpu: big ? '32' : '16', memory: big ? '128Gi' : '64Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  const allocatable = { cpu: big ? '31850m' : '15890m', memory: big ? '126Gi' : '62Gi', pods: '110', 'ephemeral-storage': '95Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `6f1c2d3e-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(100000 + i),
      creationTimestamp: '2026-11-01T00:00:00Z',
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/region': 'us-east-1',
        'topology.kubernetes.io/zone': zone,
        'node.kubernetes.io/instance-type': big ? 'm5.8xlarge' : 'm5.4xlarge',
        'eks.amazonaws.com/nodegroup': big ? 'large' : 'general',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { providerID: `aws:///${zone}/i-${i.toString(16).padStart(17, '0')}`, podCIDR: `10.${100 + (i >> 8)}.${i & 255}.0/24`, ...(i % 50 === 0 ? { taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }] } : {}) },
    status: {
      capacity,
      allocatable,
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        type,
        status: type === 'Ready' ? 'True' : 'False',
        lastHeartbeatTime: '2026-11-24T00:00:00Z',
        lastTransitionTime: '2026-11-01T00:00:00Z',
        reason: type === 'Ready' ? 'KubeletReady' : `KubeletHasNo${type}`,
        message: type === 'Ready' ? 'kubelet is posting ready status' : `kubelet has no ${type}`,
      })),
      addresses: [{ type: 'InternalIP', address: `10.0.${i >> 8}.${i & 255}` }, { type: 'Hostname', address: name }],
      nodeInfo: { kubeletVersion: 'v1.32.1', containerRuntimeVersion: 'containerd://1.7.24', kernelVersion: '6.1.0', osImage: 'Amazon Linux 2023', architecture: 'amd64', operatingSystem: 'linux' },
    },
  };
}

/** A Deployment replica as kube-scheduler sends it (with the default tolerations). */
function pod(name, app, nodeName) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    // Every pod the API server returns has a resourceVersion; kube-scheduler sends it as it is.
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: '41270', labels: { app, 'pod-template-hash': '7c9f8d' } },
    spec: {
      containers: [{ name: app, image: `registry.example.com/${app}:1.4.2`, resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } } }],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app } } }],
      ...(nodeName ? { nodeName } : {}),
    },
  };
}

const APPS = ['web', 'cart', 'search', 'payments', 'catalog'];
const nodes = Array.from({ length: NODES }, (_, i) => node(i));
const incoming = pod('web-7c9f8d-abcde', 'web');
export const nodeListBody = JSON.stringify({ Pod: incoming, Nodes: { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items: nodes } });
/** The smallest Node objects that say everything the filters and scores read. */
const leanNodes = nodes.map((n) => ({ metadata: { name: n.metadata.name, labels: { 'topology.kubernetes.io/zone': n.metadata.labels['topology.kubernetes.io/zone'] } }, spec: n.spec.taints ? { taints: n.spec.taints } : {}, status: { allocatable: n.status.allocatable } }));
export const leanNodeListBody = JSON.stringify({ Pod: incoming, Nodes: { items: leanNodes } });
export const nodeNamesBody = JSON.stringify({ Pod: incoming, NodeNames: nodes.map((n) => n.metadata.name) });

// ---- the server processes --------------------------------------------------------------------

async function serveChild(mode) {
  if (mode === 'parse-echo') {
    // The floor for a correct extender: reads and JSON.parses the request, and answers as much
    // as the extender does without deciding anything - filter passes every node (echoing the
    // Node objects of a NodeList, as a plain extender must), prioritize gives every node 5.
    const server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const args = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const names = args.NodeNames ?? args.Nodes.items.map((n) => n.metadata.name);
        const body = req.url.endsWith('/filter')
          ? JSON.stringify({ NodeNames: names, FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: '', Nodes: args.Nodes ?? null })
          : JSON.stringify(names.map((Host) => ({ Host, Score: 5 })));
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
    });
    server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
    return;
  }
  const { Extender } = await import('../dist/runtime/extender.js');
  const { startExtenderServer } = await import('../dist/runtime/server.js');
  const { buildFramework } = await import('../dist/scenario/runner.js');
  const { BUILTIN_PROFILES } = await import('../dist/schedulers/builtins.js');
  const { RandomStreams } = await import('../dist/util/random.js');
  const { nodeSpecFromNode, podSpecFromPod } = await import('../dist/workloads/kube.js');
  // The cache an informer would fill: every node, 10 pods on each (5 apps round-robin).
  const specs = nodes.map((n) => nodeSpecFromNode(n, { file: 'bench' }));
  const byName = new Map(specs.map((s) => [s.name, s]));
  const pods = new Map();
  let id = 0;
  for (const s of specs) {
    const list = [];
    for (let k = 0; k < PODS_PER_NODE; k++) {
      const app = APPS[(id + k) % APPS.length];
      list.push({ id: id++, name: `shop/${app}-${id}`, spec: podSpecFromPod(pod(`${app}-${id}`, app, s.name), { file: 'bench' }) });
    }
    pods.set(s.name, list);
  }
  const source = { podsOn: (n) => pods.get(n) ?? [], node: (n) => byName.get(n), nodes: () => specs, generation: 0 };
  const framework = buildFramework(BUILTIN_PROFILES.find((p) => p.name === 'default'), new RandomStreams(0));
  const server = await startExtenderServer(new Extender(framework, source), { port: 0 });
  console.log(`listening ${server.url}`);
}

/** Starts a server process; resolves with the URL it prints and the child. */
export function startServer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d.toString();
      const m = /(?:listening|on) (https?:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

async function load(url, body, duration) {
  const headers = { 'content-type': 'application/json' };
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    requests: [{ method: 'POST', path: '/filter', body, headers }, { method: 'POST', path: '/prioritize', body, headers }],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}

export async function run({ duration = 10 } = {}) {
  const modes = [
    { name: 'nodelist', args: [CLI, 'serve', '--profile', 'default', '--port', '0'], body: nodeListBody },
    { name: 'nodelist, lean nodes', args: [CLI, 'serve', '--profile', 'default', '--port', '0'], body: leanNodeListBody },
    { name: 'nodelist+cache', args: [SELF, '--server', 'cache'], body: nodeListBody },
    { name: 'nodenames+cache', args: [SELF, '--server', 'cache'], body: nodeNamesBody },
    { name: 'peer: parse+echo', args: [SELF, '--server', 'parse-echo'], body: nodeListBody },
    { name: 'peer: parse+echo, lean', args: [SELF, '--server', 'parse-echo'], body: leanNodeListBody },
    { name: 'peer: parse+echo, names', args: [SELF, '--server', 'parse-echo'], body: nodeNamesBody },
  ];
  const results = [];
  for (const m of modes) {
    const { url, child } = await startServer(m.args);
    // A short warm-up so the JIT has seen both verbs.
    await load(url, m.body, 2);
    results.push({ ...m, ...(await load(url, m.body, duration)) });
    child.removeAllListeners('exit');
    child.kill();
  }
  const kib = (s) => `${(Buffer.byteLength(s) / 1024).toFixed(0)} KiB`;
  printTable(
    `Extender under load: ${CONNECTIONS} connections, filter + prioritize alternating, ${NODES} nodes, ${duration} s each (${machineLine()})`,
    ['server', 'body', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
    results.map((r) => [r.name, kib(r.body), fmtInt(r.requests), r.rps.toFixed(0), String(r.p50), String(r.p99), String(r.errors)]),
  );
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  const row = (label, mine, peer) => [
    { metric: `extender, ${label}: req/s`, orchsim: mine.rps.toFixed(0), peer: `${peer.rps.toFixed(0)} (${peer.name.slice(6)})`, ratio: fmtRatio(mine.rps / peer.rps), target: '' },
    { metric: `extender, ${label}: p99`, orchsim: `${mine.p99} ms`, peer: `${peer.p99} ms`, ratio: fmtRatio(mine.p99 / peer.p99), target: verdict('< 50 ms, 0 errors', mine.p99 < 50 && mine.errors === 0) },
  ];
  const summary = [
    ...row('1,500-node NodeList', byName['nodelist'], byName['peer: parse+echo']),
    ...row('NodeList, lean nodes', byName['nodelist, lean nodes'], byName['peer: parse+echo, lean']),
    ...row('NodeNames + cache', byName['nodenames+cache'], byName['peer: parse+echo, names']),
  ];
  printSummary(summary);
  return { summary, results };
}

if (isMain(import.meta.url)) {
  const i = process.argv.indexOf('--server');
  if (i > 0) {
    // Exit cleanly on a signal, so --cpu-prof can write its profile.
    for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(0));
    await serveChild(process.argv[i + 1]);
  }
  else {
    const d = process.argv.indexOf('--duration');
    await run({ duration: d > 0 ? Number(process.argv[d + 1]) : 10 });
  }
}
