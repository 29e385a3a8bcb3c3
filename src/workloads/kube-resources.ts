import { addResources, maxResources, ResourceName, type Resources, resources, ZERO_RESOURCES } from '../api/resources.js';
import { MILLI_PER_GPU } from '../api/units.js';
import { parseBytes, parseMilliCPU, parseQuantity } from '../util/quantity.js';
import { MAX_QUANTITY } from './input-limits.js';
import { describe, IssueList, type Obj, type Path, readList, readMap, readString } from './kube-fields.js';

/**
 * Container and pod resources from v1 ResourceLists: quantities as kube-apiserver validates them
 * (pkg/apis/core/validation: ValidateResourceRequirements), and a pod's effective requests
 * (max of the init containers and the sum of the app containers, plus overhead; upstream
 * resourcehelper.PodRequests).
 */

export const NATIVE_CONTAINER_RESOURCES = new Set<string>([ResourceName.cpu, ResourceName.memory, ResourceName.ephemeralStorage]);

export const isHugePages = (name: string) => name.startsWith('hugepages-');

/**
 * Extended resources have a domain outside kubernetes.io (helper.IsExtendedResourceName); they and
 * huge pages cannot be overcommitted (helper.IsOvercommitAllowed), so requests must equal limits.
 */
export function isExtended(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return domain !== 'kubernetes.io' && !domain.endsWith('.kubernetes.io') && !name.startsWith('requests.');
}

/** A resource list in internal units: milli-CPU, bytes, milli-GPU, or the resource's own integer unit. */
export type ResourceMap = Map<string, number>;

export function readQuantity(name: string, raw: unknown, path: Path, out: IssueList): number | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    out.add(path, `expected a quantity for ${name}, got ${describe(raw)}`);
    return undefined;
  }
  let value: number | undefined;
  let expected: string;
  if (name === ResourceName.cpu) {
    value = parseMilliCPU(raw);
    expected = 'a CPU quantity such as "500m" or "2"';
  } else if (name === ResourceName.memory || name === ResourceName.ephemeralStorage || isHugePages(name)) {
    value = parseBytes(raw);
    expected = `a ${name === ResourceName.memory ? 'memory' : name === ResourceName.ephemeralStorage ? 'storage' : 'huge page'} quantity such as "512Mi" or "4Gi"`;
  } else if (name === ResourceName.gpu) {
    // nvidia.com/gpu is an extended resource: whole devices only (ValidateResourceQuantityValue).
    const n = parseQuantity(raw);
    value = n !== undefined && Number.isInteger(n) ? n * MILLI_PER_GPU : undefined;
    expected = 'a whole number of GPUs such as "1"';
  } else {
    const n = parseQuantity(raw);
    value = n !== undefined && Number.isInteger(n) ? n : undefined;
    expected = `a whole number for ${name}`;
  }
  if (value === undefined) {
    out.add(path, `expected ${expected}, got ${describe(raw)}`);
    return undefined;
  }
  if (value < 0) {
    out.add(path, `must not be negative, got ${describe(raw)}`);
    return undefined;
  }
  if (value > MAX_QUANTITY) {
    out.add(path, `${describe(raw)} is too large: quantities are limited to 2^53 in base units (milli-CPU, bytes, milli-GPU)`);
    return undefined;
  }
  return value;
}

/** A container's requests or limits, or a pod's overhead. */
function readContainerResourceList(v: unknown, path: Path, out: IssueList): ResourceMap {
  const result: ResourceMap = new Map();
  const m = readMap(v, path, out);
  if (!m) return result;
  for (const [name, raw] of Object.entries(m)) {
    const p = [...path, name];
    if (!NATIVE_CONTAINER_RESOURCES.has(name) && !isHugePages(name) && !isExtended(name)) {
      // Kubernetes rejects unqualified names it does not define; usually a typo ("cpus", "mem").
      out.add(p, `unknown resource "${name}" (expected cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with a domain such as nvidia.com/gpu)`);
      continue;
    }
    const q = readQuantity(name, raw, p, out);
    if (q !== undefined) result.set(name, q);
  }
  return result;
}

export function toResources(m: ResourceMap): Resources {
  if (m.size === 0) return ZERO_RESOURCES;
  const scalar: Record<string, number> = {};
  for (const [name, v] of m) {
    if (name === ResourceName.cpu || name === ResourceName.memory || name === ResourceName.ephemeralStorage || name === ResourceName.gpu) continue;
    if (v !== 0) scalar[name] = v;
  }
  return resources({
    milliCPU: m.get(ResourceName.cpu) ?? 0,
    memory: m.get(ResourceName.memory) ?? 0,
    ephemeralStorage: m.get(ResourceName.ephemeralStorage) ?? 0,
    milliGPU: m.get(ResourceName.gpu) ?? 0,
    scalar,
  });
}

function formatInternal(name: string, v: number): string {
  if (name === ResourceName.cpu) return `${v}m`;
  if (name === ResourceName.gpu) return String(v / MILLI_PER_GPU);
  return String(v);
}

/**
 * A container's effective requests: limits fill in missing requests (SetDefaults_ResourceList /
 * defaulting in pkg/apis/core/v1/defaults.go), then the request <= limit rules of
 * ValidateContainerResourceRequirements.
 */
function containerRequests(container: Obj, path: Path, out: IssueList): Resources {
  const resPath = [...path, 'resources'];
  const res = readMap(container['resources'], resPath, out);
  if (!res) return ZERO_RESOURCES;
  const requests = readContainerResourceList(res['requests'], [...resPath, 'requests'], out);
  const limits = readContainerResourceList(res['limits'], [...resPath, 'limits'], out);
  for (const [name, limit] of limits) {
    const request = requests.get(name);
    if (request === undefined) {
      requests.set(name, limit);
    } else if ((isExtended(name) || isHugePages(name)) && request !== limit) {
      out.add([...resPath, 'requests', name], `must be equal to ${name} limit of ${formatInternal(name, limit)} (${name} cannot be overcommitted)`);
    } else if (request > limit) {
      out.add([...resPath, 'requests', name], `must be less than or equal to ${name} limit of ${formatInternal(name, limit)}`);
    }
  }
  for (const name of requests.keys()) {
    if ((isExtended(name) || isHugePages(name)) && !limits.has(name)) {
      out.add([...resPath, 'limits', name], `limit must be set for ${name} (it cannot be overcommitted)`);
    }
  }
  return toResources(requests);
}

function readContainers(v: unknown, path: Path, out: IssueList): Obj[] {
  const result: Obj[] = [];
  readList(v, path, out).forEach((c, i) => {
    const m = readMap(c, [...path, i], out);
    if (m) result.push(m);
    else if (c === null || c === undefined) out.add([...path, i], 'expected a container, got null');
  });
  return result;
}

/**
 * Effective pod request (component-helpers/resource PodRequests): the larger of the sum over
 * containers and the largest init container, plus overhead. Sidecars (init containers with
 * restartPolicy: Always) keep running, so they add to the sum and to every later init step.
 */
export function podRequests(spec: Obj, path: Path, out: IssueList): Resources {
  const containersPath = [...path, 'containers'];
  const rawContainers = spec['containers'];
  const containers = readContainers(rawContainers, containersPath, out);
  if (rawContainers === undefined || rawContainers === null || (Array.isArray(rawContainers) && rawContainers.length === 0)) {
    out.add(containersPath, 'expected at least one container');
  }
  let sum = ZERO_RESOURCES;
  containers.forEach((c, i) => {
    sum = addResources(sum, containerRequests(c, [...containersPath, i], out));
  });

  const initPath = [...path, 'initContainers'];
  let initMax = ZERO_RESOURCES;
  let sidecars = ZERO_RESOURCES;
  readContainers(spec['initContainers'], initPath, out).forEach((c, i) => {
    const r = containerRequests(c, [...initPath, i], out);
    const restartPolicy = readString(c['restartPolicy'], [...initPath, i, 'restartPolicy'], out);
    if (restartPolicy === 'Always') {
      sum = addResources(sum, r);
      sidecars = addResources(sidecars, r);
      initMax = maxResources(initMax, sidecars);
    } else {
      initMax = maxResources(initMax, addResources(sidecars, r));
    }
  });

  const overhead = toResources(readContainerResourceList(spec['overhead'], [...path, 'overhead'], out));
  return addResources(maxResources(sum, initMax), overhead);
}
