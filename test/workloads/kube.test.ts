import { inputError } from '../helpers/plugins.js';
import { describe, expect, it } from 'vitest';
import { matchesLabelSelector } from '../../src/api/labels.js';
import { resources } from '../../src/api/resources.js';
import { labelSelectorFromKube, nodeSpecFromNode, podSpecFromPod, podSpecFromPodSpec, type KubeContext } from '../../src/workloads/kube.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;
const ctx: KubeContext = { file: 'pod.yaml' };

function pod(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p' }) {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

function container(requests?: Record<string, unknown>, limits?: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { name: 'c', image: 'busybox', ...extra, resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } };
}


describe('effective pod request', () => {
  it('is max(largest init container, sum of containers) + overhead, per resource', () => {
    const spec = podSpecFromPod(pod({
      containers: [container({ cpu: '100m', memory: '100Mi' }), container({ cpu: '200m', memory: '50Mi' })],
      initContainers: [container({ cpu: '500m', memory: '10Mi' }), container({ cpu: '100m', memory: '200Mi' })],
      overhead: { cpu: '50m', memory: '10Mi' },
    }), ctx);
    // containers: 300m / 150Mi; init max: 500m / 200Mi; element-wise max 500m / 200Mi; + overhead.
    expect(spec.requests).toEqual(resources({ milliCPU: 550, memory: 210 * Mi }));
  });

  it('adds sidecars (restartPolicy: Always init containers) to the sum and to later init steps', () => {
    const spec = podSpecFromPod(pod({
      initContainers: [container({ cpu: '100m' }, undefined, { restartPolicy: 'Always' }), container({ cpu: '350m' })],
      containers: [container({ cpu: '300m' })],
    }), ctx);
    // sum = 300 + 100 (sidecar) = 400; init steps: 100, then 100 + 350 = 450 -> 450.
    expect(spec.requests.milliCPU).toBe(450);
  });

  it('defaults requests to limits when only limits are given', () => {
    const spec = podSpecFromPod(pod({ containers: [container({ memory: '512Mi' }, { cpu: '1', memory: '1Gi', 'ephemeral-storage': '2Gi' })] }), ctx);
    expect(spec.requests).toEqual(resources({ milliCPU: 1000, memory: 512 * Mi, ephemeralStorage: 2 * Gi }));
  });

  it('reads numbers as YAML gives them and rounds sub-milli CPU up', () => {
    const spec = podSpecFromPod(pod({ containers: [container({ cpu: 0.5, memory: 1e9 }), container({ cpu: '0.0001' })] }), ctx);
    expect(spec.requests.milliCPU).toBe(501);
    expect(spec.requests.memory).toBe(1e9);
  });

  it('converts whole GPUs to milli-GPU and other extended resources to scalar', () => {
    const spec = podSpecFromPod(pod({ containers: [container(undefined, { 'nvidia.com/gpu': 2, 'example.com/fpga': '3' })] }), ctx);
    expect(spec.requests).toEqual(resources({ milliGPU: 2000, scalar: { 'example.com/fpga': 3 } }));
  });

  it('rejects fractional GPUs and GPU requests that differ from the limit', () => {
    const e = inputError(() => podSpecFromPod(pod({ containers: [container({ 'nvidia.com/gpu': '0.5' }, { 'nvidia.com/gpu': '0.5' }), container({ 'nvidia.com/gpu': 1 }, { 'nvidia.com/gpu': 2 })] }), ctx));
    expect(e.message).toContain('expected a whole number of GPUs such as "1", got "0.5" (at spec.containers[0].resources.requests.nvidia.com/gpu)');
    expect(e.message).toContain('must be equal to nvidia.com/gpu limit of 2');
    expect(e.issues.map((i) => i.path.join('.'))).toContain('spec.containers.1.resources.requests.nvidia.com/gpu');
  });

  it('rejects a request above the limit, as the API server does', () => {
    const e = inputError(() => podSpecFromPod(pod({ containers: [container({ cpu: '2' }, { cpu: '1' })] }), ctx));
    expect(e.issues[0]?.message).toBe('must be less than or equal to cpu limit of 1000m');
  });
});

describe('bad pod input', () => {
  it('names the path, the expected form and the value, with file:line from locate', () => {
    const e = inputError(() => podSpecFromPod(pod({ containers: [container({ cpu: 'abc' })] }), { file: 'app.yaml', locate: () => ({ line: 12, column: 18 }) }));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ file: 'app.yaml', line: 12, column: 18, path: ['spec', 'containers', 0, 'resources', 'requests', 'cpu'] });
    expect(e.message).toBe('app.yaml:12:18: expected a CPU quantity such as "500m" or "2", got "abc" (at spec.containers[0].resources.requests.cpu)');
  });

  it('reports every problem of the object at once, prefixed with ctx.path', () => {
    const e = inputError(() => podSpecFromPod(pod({
      containers: [container({ memory: '1Gb', cpus: 1 })],
      nodeSelector: { disk: 1 },
      tolerations: 'all',
    }), { file: 'x.yaml', path: ['items', 2] }));
    expect(e.issues.map((i) => i.message)).toEqual([
      'expected a memory quantity such as "512Mi" or "4Gi", got "1Gb"',
      'unknown resource "cpus" (expected cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with a domain such as nvidia.com/gpu)',
      'expected a string, got 1 (quote it in YAML)',
      'expected a list, got "all"',
    ]);
    expect(e.issues[0]?.path).toEqual(['items', 2, 'spec', 'containers', 0, 'resources', 'requests', 'memory']);
  });

  it('requires at least one container', () => {
    expect(inputError(() => podSpecFromPodSpec({}, {}, ctx)).message).toContain('expected at least one container (at spec.containers)');
  });
});

describe('priority', () => {
  const priorityClasses = new Map([['batch-low', -10], ['web', 5000]]);
  const withClass = (name: string) => pod({ priorityClassName: name, containers: [container()] });

  it('looks priorityClassName up in the PriorityClasses given, then the built-in system classes', () => {
    expect(podSpecFromPod(withClass('web'), { ...ctx, priorityClasses }).priority).toBe(5000);
    expect(podSpecFromPod(withClass('batch-low'), { ...ctx, priorityClasses }).priority).toBe(-10);
    expect(podSpecFromPod(withClass('system-cluster-critical'), ctx).priority).toBe(2_000_000_000);
    expect(podSpecFromPod(withClass('system-node-critical'), ctx).priority).toBe(2_000_001_000);
  });

  it('prefers spec.priority, and falls back to the global default, else 0', () => {
    expect(podSpecFromPod(pod({ priority: 7, priorityClassName: 'web', containers: [container()] }), { ...ctx, priorityClasses }).priority).toBe(7);
    expect(podSpecFromPod(pod({ containers: [container()] }), { ...ctx, defaultPriority: 100 }).priority).toBe(100);
    expect(podSpecFromPod(pod({ containers: [container()] }), ctx).priority).toBe(0);
  });

  it('rejects an unknown class', () => {
    expect(inputError(() => podSpecFromPod(withClass('gold'), ctx)).message).toContain('no PriorityClass named "gold"');
  });
});

describe('scheduling constraints', () => {
  it('converts labels, namespace, nodeSelector, nodeName, affinity, tolerations and spread constraints', () => {
    const spec = podSpecFromPod(pod({
      nodeName: 'n1',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }, { key: 'spot', operator: 'DoesNotExist' }] },
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
            ],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 20, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] }] } },
          ],
        },
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['version', 'absent'] },
          ],
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, namespaces: ['shop'], topologyKey: 'topology.kubernetes.io/zone' } },
          ],
        },
      },
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'dedicated', value: 'ml', effect: '' },
        { operator: 'Exists' },
      ],
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 3, labelSelector: { matchLabels: { app: 'web' } }, nodeAffinityPolicy: 'Honor' },
        { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
      ],
      schedulerName: 'default-scheduler', // harmless, ignored
      containers: [container({ cpu: '1' })],
    }, { name: 'web-1', namespace: 'shop', labels: { app: 'web', version: 'v2' } }), ctx);

    expect(spec).toEqual({
      namespace: 'shop',
      labels: { app: 'web', version: 'v2' },
      requests: resources({ milliCPU: 1000 }),
      priority: 0,
      nodeName: 'n1',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }, { key: 'spot', operator: 'DoesNotExist' }] },
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
            ],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 20, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] }] } },
          ],
        },
        podAntiAffinity: {
          // matchLabelKeys become In requirements on the pod's own values; absent keys are dropped.
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'version', operator: 'In', values: ['v2'] }] }, topologyKey: 'kubernetes.io/hostname' },
          ],
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, namespaces: ['shop'], topologyKey: 'topology.kubernetes.io/zone' } },
          ],
        },
      },
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'dedicated', value: 'ml' },
        { operator: 'Exists' },
      ],
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 3, labelSelector: { matchLabels: { app: 'web' } } },
        { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
      ],
    });
  });

  it('defaults the namespace and leaves absent constraints out', () => {
    const spec = podSpecFromPodSpec({ containers: [container()] }, { labels: {} }, ctx);
    expect(spec).toEqual({ namespace: 'default', labels: {}, requests: resources({}), priority: 0 });
  });

  it('gives a pod of a ReplicaSet, StatefulSet or ReplicationController its labels as owner selector (default spreading)', () => {
    const owned = (kind: string, controller = true) =>
      podSpecFromPod(pod({ containers: [container()] }, { name: 'web-1', labels: { app: 'web', 'pod-template-hash': 'h' }, ownerReferences: [{ apiVersion: 'apps/v1', kind, name: 'web-h', uid: 'u', controller }] }), ctx);
    for (const kind of ['ReplicaSet', 'StatefulSet', 'ReplicationController']) expect(owned(kind).ownerSelector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': 'h' } });
    // Jobs and DaemonSets get no system-default constraints upstream; nor does a non-controller owner.
    expect(owned('Job').ownerSelector).toBeUndefined();
    expect(owned('DaemonSet').ownerSelector).toBeUndefined();
    expect(owned('ReplicaSet', false).ownerSelector).toBeUndefined();
    expect(inputError(() => podSpecFromPod(pod({ containers: [container()] }, { name: 'p', ownerReferences: 'rs' }), ctx)).message).toMatch(/metadata\.ownerReferences/);
    // A StatefulSet labels each pod with its name, index and revision: the selector leaves them out, so siblings match.
    const sts = (name: string, index: string) =>
      podSpecFromPod(pod({ containers: [container()] }, { name, labels: { app: 'db', 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': index, 'controller-revision-hash': 'db-5d8' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }] }), ctx);
    expect(sts('db-0', '0').ownerSelector).toEqual({ matchLabels: { app: 'db' } });
    expect(matchesLabelSelector(sts('db-0', '0').ownerSelector!, sts('db-1', '1').labels)).toBe(true);
  });

  it('rejects a bad operator and bad operator values', () => {
    const e = inputError(() => podSpecFromPod(pod({
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [
        { key: 'zone', operator: 'Equals', values: ['a'] },
        { key: 'cores', operator: 'Gt', values: ['four'] },
        { key: 'gpu', operator: 'Exists', values: ['yes'] },
        { key: 'zone', operator: 'In' },
      ] }] } } },
      containers: [container()],
    }), ctx));
    const prefix = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions';
    expect(e.message.split('\n')).toEqual([
      `pod.yaml: expected one of In, NotIn, Exists, DoesNotExist, Gt, Lt, got "Equals" (at ${prefix}[0].operator)`,
      `pod.yaml: expected an integer for operator Gt, got "four" (at ${prefix}[1].values[0])`,
      `pod.yaml: must be empty when operator is Exists (at ${prefix}[2].values)`,
      `pod.yaml: must be specified when operator is In (at ${prefix}[3].values)`,
    ]);
  });

  it('rejects Gt in a label selector, where only set operators exist', () => {
    const e = inputError(() => labelSelectorFromKube({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, { file: 'f', path: ['spec', 'selector'] }));
    expect(e.message).toContain('expected one of In, NotIn, Exists, DoesNotExist, got "Gt" (at spec.selector.matchExpressions[0].operator)');
  });

  it('validates spread constraints and tolerations', () => {
    const e = inputError(() => podSpecFromPod(pod({
      topologySpreadConstraints: [
        { maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
        { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 },
        { maxSkew: 1, whenUnsatisfiable: 'Maybe' },
      ],
      tolerations: [{ key: 'a', operator: 'Exists', value: 'x' }, { value: 'x' }],
      containers: [container()],
    }), ctx));
    expect(e.issues.map((i) => `${i.path.slice(1).join('.')}: ${i.message}`)).toEqual([
      'tolerations.0.value: must be empty when operator is Exists',
      'tolerations.1.operator: must be Exists when key is empty (to tolerate every taint)',
      'topologySpreadConstraints.0.maxSkew: must be at least 1, got 0',
      'topologySpreadConstraints.1.minDomains: can only be set when whenUnsatisfiable is DoNotSchedule',
      'topologySpreadConstraints.2.topologyKey: expected a non-empty topologyKey such as topology.kubernetes.io/zone',
      'topologySpreadConstraints.2.whenUnsatisfiable: expected one of DoNotSchedule, ScheduleAnyway, got "Maybe"',
    ]);
  });
});

describe('nodeSpecFromNode', () => {
  const node = (status: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'gpu-1', labels: { 'topology.kubernetes.io/zone': 'z1', 'cloud.google.com/gke-nodepool': 'gpu-pool' } },
    ...extra,
    status,
  });

  it('uses allocatable, falls back to capacity per resource, and adds the hostname label', () => {
    const spec = nodeSpecFromNode(node(
      {
        capacity: { cpu: '16', memory: '64Gi', 'ephemeral-storage': '100Gi', 'nvidia.com/gpu': '4', pods: '110', 'example.com/nic': '2' },
        allocatable: { cpu: '15890m', memory: '62Gi', pods: '58' },
      },
      { spec: { unschedulable: true, taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } },
    ), ctx);
    expect(spec).toEqual({
      name: 'gpu-1',
      labels: { 'topology.kubernetes.io/zone': 'z1', 'cloud.google.com/gke-nodepool': 'gpu-pool', 'kubernetes.io/hostname': 'gpu-1' },
      taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
      unschedulable: true,
      allocatable: resources({ milliCPU: 15890, memory: 62 * Gi, ephemeralStorage: 100 * Gi, milliGPU: 4000, scalar: { 'example.com/nic': 2 } }),
      allowedPodNumber: 58,
      pool: 'gpu-pool',
    });
  });

  it('defaults pods to 110 and turns a NotReady condition into the not-ready taint', () => {
    const spec = nodeSpecFromNode(node({ capacity: { cpu: 4, memory: '8Gi' }, conditions: [{ type: 'Ready', status: 'False' }] }), ctx);
    expect(spec.allowedPodNumber).toBe(110);
    expect(spec.allocatable).toEqual(resources({ milliCPU: 4000, memory: 8 * Gi }));
    expect(spec.taints).toEqual([{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
  });

  it('rejects a node without resources, a bad quantity and a bad taint', () => {
    expect(inputError(() => nodeSpecFromNode({ metadata: { name: 'n' } }, ctx)).message).toContain("expected status.allocatable (or status.capacity) with the node's cpu and memory (at status)");
    const e = inputError(() => nodeSpecFromNode(node({ allocatable: { cpu: 'lots', 'nvidia.com/gpu': '1.5' } }, { spec: { taints: [{ key: 'k', effect: 'NoWay' }] } }), ctx));
    expect(e.issues.map((i) => i.path.join('.'))).toEqual(['spec.taints.0.effect', 'status.allocatable.cpu', 'status.allocatable.nvidia.com/gpu']);
    expect(e.message).toContain('expected a CPU quantity such as "500m" or "2", got "lots"');
  });
});
