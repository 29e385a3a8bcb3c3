import { inputError } from '../helpers/plugins.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resources } from '../../src/api/resources.js';
import type { JobWorkload, PodListWorkload, ServiceWorkload } from '../../src/api/workload.js';
import { readManifests } from '../../src/workloads/manifests.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;


// Lines are numbered in comments where tests assert on them.
const MULTI = `apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {topology.kubernetes.io/zone: a}
status:
  allocatable: {cpu: "4", memory: 16Gi, pods: "30"}
---
# a comment-only document is empty and skipped
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      priorityClassName: critical
      containers:
        - name: web
          resources: {requests: {cpu: 250m, memory: 256Mi}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: report
  namespace: batch
  annotations: {orchsim.io/start-at: 1h}
spec:
  completions: 10
  parallelism: 2
  template:
    metadata:
      annotations: {orchsim.io/duration: 90s}
    spec:
      restartPolicy: Never
      containers: [{name: r, resources: {limits: {cpu: "1", memory: 1Gi}}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  annotations: {orchsim.io/duration: 10m}
spec:
  containers: [{name: sh, resources: {requests: {cpu: 100m}}}]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: critical}
value: 1000
---
`;

describe('readManifests', () => {
  it('reads Node, Deployment, Job and Pod documents, with PriorityClasses defined anywhere', () => {
    const { nodes, workloads } = readManifests(MULTI, 'multi.yaml');
    expect(nodes).toEqual([{
      name: 'n1',
      labels: { 'topology.kubernetes.io/zone': 'a', 'kubernetes.io/hostname': 'n1' },
      taints: [],
      unschedulable: false,
      allocatable: resources({ milliCPU: 4000, memory: 16 * Gi }),
      allowedPodNumber: 30,
    }]);
    expect(workloads.map((w) => [w.kind, w.name])).toEqual([['service', 'default/web'], ['job', 'batch/report'], ['pods', 'default/debug']]);

    const web = workloads[0] as ServiceWorkload;
    expect(web).toMatchObject({ replicas: 3, startAt: 0, startup: { kind: 'fixed', value: 0 } });
    expect(web.spec).toEqual({
      namespace: 'default',
      labels: { app: 'web' },
      requests: resources({ milliCPU: 250, memory: 256 * Mi }),
      priority: 1000, // from the PriorityClass at the end of the file
      ownerSelector: { matchLabels: { app: 'web' } },
    });

    const job = workloads[1] as JobWorkload;
    expect(job).toMatchObject({ completions: 10, parallelism: 2, startAt: 3600, duration: { kind: 'fixed', value: 90 } });
    // The Job API labels its pods with the job name and selects them by it.
    const jobLabels = { 'batch.kubernetes.io/job-name': 'report', 'job-name': 'report' };
    expect(job.spec).toMatchObject({ namespace: 'batch', labels: jobLabels, requests: resources({ milliCPU: 1000, memory: Gi }), ownerSelector: { matchLabels: jobLabels } });

    const debug = workloads[2] as PodListWorkload;
    expect(debug.pods).toEqual([{ at: 0, name: 'debug', duration: 600, spec: expect.objectContaining({ requests: resources({ milliCPU: 100 }) }) }]);
  });

  it('uses the caller defaults for job duration and startup; a bare Pod runs until the horizon', () => {
    const text = `kind: Job
metadata: {name: j}
spec: {template: {spec: {containers: [{name: c}]}}}
---
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c}]}
`;
    const { workloads } = readManifests(text, 'f.yaml', { defaultJobDuration: { kind: 'exponential', mean: 60 }, startup: { kind: 'fixed', value: 5 } });
    expect(workloads[0]).toMatchObject({ kind: 'job', completions: 1, parallelism: 1, duration: { kind: 'exponential', mean: 60 }, startup: { kind: 'fixed', value: 5 } });
    expect((workloads[1] as PodListWorkload).pods[0]?.duration).toBe(Infinity);
    expect(readManifests(`kind: Job\nmetadata: {name: j}\nspec: {template: {spec: {containers: [{name: c}]}}}\n`, 'f.yaml').workloads[0])
      .toMatchObject({ duration: { kind: 'fixed', value: 3600 } });
  });

  it('reads List items and API lists, and skips empty input', () => {
    const text = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { kind: 'NodeList', items: [{ kind: 'Node', metadata: { name: 'a' }, status: { capacity: { cpu: '2', memory: '4Gi' } } }] },
        { kind: 'StatefulSet', metadata: { name: 'db' }, spec: { selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db' }] } } } },
      ],
    });
    const { nodes, workloads } = readManifests(text, 'list.json');
    expect(nodes.map((n) => n.name)).toEqual(['a']);
    expect(workloads).toMatchObject([{ kind: 'service', name: 'default/db', replicas: 1 }]);
    expect(readManifests('', 'empty.yaml')).toEqual({ nodes: [], workloads: [], disruptionBudgets: [], podGroups: [], autoscalers: [], warnings: [], queueing: { flavors: [], clusterQueues: [], localQueues: [] }, resourceQuotas: [] });
    expect(readManifests('---\n---\n', 'empty.yaml')).toEqual({ nodes: [], workloads: [], disruptionBudgets: [], podGroups: [], autoscalers: [], warnings: [], queueing: { flavors: [], clusterQueues: [], localQueues: [] }, resourceQuotas: [] });
  });

  it('prefixes the kind when two kinds share a namespace/name', () => {
    const text = `kind: ReplicaSet
metadata: {name: web}
spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c}]}}}
---
kind: Pod
metadata: {name: web}
spec: {containers: [{name: c}]}
---
kind: Pod
metadata: {name: web, namespace: other}
spec: {containers: [{name: c}]}
`;
    expect(readManifests(text, 'f.yaml').workloads.map((w) => w.name)).toEqual(['ReplicaSet/default/web', 'Pod/default/web', 'other/web']);
  });

  it('skips objects owned by a controller in the file, and finished pods, as in a cluster dump', () => {
    const text = `kind: Deployment
metadata: {name: web}
spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
kind: ReplicaSet
metadata: {name: web-5d9c, ownerReferences: [{kind: Deployment, name: web, controller: true}]}
spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
kind: Pod
metadata: {name: web-5d9c-x1, labels: {app: web}, ownerReferences: [{kind: ReplicaSet, name: web-5d9c, controller: true}]}
spec: {containers: [{name: c}], nodeName: n1}
---
kind: Pod
metadata: {name: done}
spec: {containers: [{name: c}]}
status: {phase: Succeeded}
---
kind: Pod
metadata: {name: static-proxy, ownerReferences: [{kind: Node, name: n1, controller: true}]}
spec: {containers: [{name: c}], nodeName: n1}
`;
    const { workloads } = readManifests(text, 'dump.yaml');
    expect(workloads.map((w) => w.name)).toEqual(['default/web', 'default/static-proxy']);
    expect((workloads[1] as PodListWorkload).pods[0]?.spec.nodeName).toBe('n1');
  });

  it('reads the example manifest from disk', () => {
    const file = fileURLToPath(new URL('../../scenarios/manifests/small-cluster.yaml', import.meta.url));
    const { nodes, workloads } = readManifests(readFileSync(file, 'utf8'), file);
    expect(nodes.map((n) => [n.name, n.labels['topology.kubernetes.io/zone']])).toEqual([['node-a', 'zone-a'], ['node-b', 'zone-b'], ['node-c', 'zone-c']]);
    const gpu = nodes[2]!;
    expect(gpu.allocatable.milliGPU).toBe(1000);
    expect(gpu.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
    expect(nodes[0]!.allocatable).toEqual(resources({ milliCPU: 7910, memory: 31 * Gi }));

    const [web, train] = workloads as [ServiceWorkload, JobWorkload];
    expect(web).toMatchObject({ kind: 'service', name: 'shop/web', replicas: 6 });
    expect(web.spec.namespace).toBe('shop');
    expect(web.spec.priority).toBe(100000);
    expect(web.spec.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }]);
    expect(train).toMatchObject({ kind: 'job', name: 'ml/train', completions: 4, parallelism: 1, startAt: 300, duration: { kind: 'fixed', value: 1200 } });
    expect(train.spec.requests).toEqual(resources({ milliCPU: 4000, memory: 16 * Gi, milliGPU: 1000 }));
  });
});

describe('readManifests errors', () => {
  it('gives file:line:column and the path of a wrong quantity', () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: c
      resources:
        requests:
          cpu: abc
`;
    const e = inputError(() => readManifests(text, 'pod.yaml'));
    expect(e.message).toBe('pod.yaml:10:16: expected a CPU quantity such as "500m" or "2", got "abc" (at spec.containers[0].resources.requests.cpu)');
  });

  it('locates a bad operator inside a List item', () => {
    const text = `kind: List
items:
  - kind: Pod
    metadata: {name: p}
    spec:
      containers: [{name: c}]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: zone, operator: Equals, values: [a]}
`;
    const e = inputError(() => readManifests(text, 'list.yaml'));
    expect(e.issues).toHaveLength(1);
    expect(e.message).toMatch(/^list\.yaml:12:\d+: expected one of In, NotIn, Exists, DoesNotExist, Gt, Lt, got "Equals" \(at items\[0\]\.spec\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.operator\)$/);
  });

  it('rejects an unknown kind at its kind line, and collects the issues of all documents', () => {
    const text = `kind: Node
metadata: {name: n}
status: {allocatable: {cpu: "1", memory: 1Gi}}
---
apiVersion: v1
kind: Service
metadata: {name: s}
---
kind: Deployment
metadata: {name: d}
spec:
  template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c}]}}
`;
    const e = inputError(() => readManifests(text, 'mixed.yaml'));
    expect(e.message.split('\n')).toEqual([
      'mixed.yaml:6:7: unsupported kind "Service" (supported: Node, Pod, Deployment, ReplicaSet, StatefulSet, Job, DaemonSet, PriorityClass, PodDisruptionBudget, HorizontalPodAutoscaler, PodGroup, ResourceQuota, ResourceFlavor, ClusterQueue, LocalQueue, List) (at kind)',
      // A missing field points at the object that lacks it.
      'mixed.yaml:11:1: expected spec.selector (required for a Deployment in apps/v1), e.g. matchLabels: {app: web} (at spec.selector)',
    ]);
  });

  it('turns a YAML syntax error into an issue with the line yaml reports', () => {
    const text = `kind: Pod
metadata:
  name: p
spec:
  containers: [{name: c}
`;
    const e = inputError(() => readManifests(text, 'broken.yaml'));
    expect(e.issues.length).toBeGreaterThan(0);
    expect(e.issues[0]).toMatchObject({ file: 'broken.yaml', line: expect.any(Number), path: [] });
    expect(e.message).toMatch(/^broken\.yaml:[56]:\d+: YAML syntax error: /);
  });

  it('reports selector mismatches, bad annotations, duplicates and unknown priority classes', () => {
    const text = `kind: Deployment
metadata:
  name: web
  annotations: {orchsim.io/start-at: soon}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: api}}
    spec: {priorityClassName: gold, containers: [{name: c}]}
---
kind: Node
metadata: {name: n}
status: {capacity: {cpu: "1"}}
---
kind: Node
metadata: {name: n}
status: {capacity: {cpu: "1"}}
`;
    const e = inputError(() => readManifests(text, 'bad.yaml'));
    expect(e.message.split('\n')).toEqual([
      'bad.yaml:9:31: no PriorityClass named "gold" (define it in a PriorityClass document, or set spec.priority) (at spec.template.spec.priorityClassName)',
      'bad.yaml:6:13: `selector` does not match template `labels` (at spec.selector)',
      'bad.yaml:4:38: expected a duration such as "90s", "10m" or "1h30m", got "soon" (at metadata.annotations.orchsim.io/start-at)',
      'bad.yaml:16:18: duplicate Node "n" (first defined at line 12) (at metadata.name)',
    ]);
  });
});

describe('DaemonSet manifests', () => {
  const DS = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec:
      hostNetwork: true
      nodeSelector: {kubernetes.io/os: linux}
      tolerations: [{operator: Exists, effect: NoSchedule}]
      containers:
        - name: exporter
          resources: {requests: {cpu: 100m, memory: 128Mi}}
`;

  it('becomes a daemonset workload: the template as written (defaults are the controller\'s), hostNetwork read, no replicas', () => {
    const { workloads } = readManifests(DS, 'ds.yaml');
    expect(workloads).toHaveLength(1);
    const w = workloads[0]!;
    expect(w.kind).toBe('daemonset');
    if (w.kind !== 'daemonset') return;
    expect(w.name).toBe('monitoring/node-exporter');
    expect(w.hostNetwork).toBe(true);
    expect(w.spec.requests).toEqual(resources({ milliCPU: 100, memory: 128 * Mi }));
    expect(w.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(w.spec.tolerations).toEqual([{ operator: 'Exists', effect: 'NoSchedule' }]);
    expect(w.spec.ownerSelector).toBeUndefined();
  });

  it('needs a selector, like apps/v1', () => {
    expect(() => readManifests(DS.replace('  selector: {matchLabels: {app: node-exporter}}\n', ''), 'ds.yaml')).toThrow(/expected spec\.selector \(required for a DaemonSet/);
  });

  it('pods it owns in the same file are not read twice', () => {
    const pod = `---
apiVersion: v1
kind: Pod
metadata:
  name: node-exporter-abcde
  namespace: monitoring
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: node-exporter, controller: true}]
spec:
  containers: [{name: exporter}]
`;
    expect(readManifests(DS + pod, 'ds.yaml').workloads.map((w) => w.kind)).toEqual(['daemonset']);
  });
});
