import { isObj, type Obj, type Path } from './kube-fields.js';

/**
 * Pod spec fields that would change what happens in a real cluster but that the simulator does
 * not model. Reading them silently would mislead; refusing them would keep real manifests out.
 * So each is a warning, once per field per file, at its first occurrence. Fields the simulator
 * does read (requests, limits that default missing requests, sidecar init containers, overhead,
 * priorities, affinity, tolerations, spread, nodeName, schedulerName) are not listed.
 */
export interface UnmodelledField {
  /** The field as users write it, e.g. "spec.volumes". */
  readonly field: string;
  readonly path: Path;
  /** What the simulation leaves out because of it. */
  readonly why: string;
}

/** Why each field matters; the plugin or controller upstream that acts on it. */
export const UNMODELLED_REASONS = {
  volumes: 'volume binding, attach limits and volume zones (VolumeBinding, NodeVolumeLimits, VolumeZone plugins) are not simulated',
  volumeMounts: 'volumes are not simulated',
  limits: 'limits above requests (CPU throttling, OOM kills) are not simulated; only requests take room, and limits stand for missing requests',
  hostPort: 'host port conflicts (NodePorts plugin) are not simulated',
  resourceClaims: 'dynamic resource allocation (DynamicResources plugin) is not simulated',
  schedulingGates: 'scheduling gates are not simulated: the pods are scheduled as if the gates were removed (SchedulingGates plugin)',
} as const;

/** The unmodelled fields of one pod spec (`spec` at `path`), in the order met. */
export function unmodelledFields(spec: unknown, path: Path): UnmodelledField[] {
  if (!isObj(spec)) return [];
  const found: UnmodelledField[] = [];
  const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : isObj(v) && Object.keys(v).length > 0);
  if (nonEmpty(spec['volumes'])) found.push({ field: 'spec.volumes', path: [...path, 'volumes'], why: UNMODELLED_REASONS.volumes });
  if (nonEmpty(spec['resourceClaims'])) found.push({ field: 'spec.resourceClaims', path: [...path, 'resourceClaims'], why: UNMODELLED_REASONS.resourceClaims });
  if (nonEmpty(spec['schedulingGates'])) found.push({ field: 'spec.schedulingGates', path: [...path, 'schedulingGates'], why: UNMODELLED_REASONS.schedulingGates });
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      if (!isObj(c)) return;
      const cPath = [...path, list, i];
      if (nonEmpty(c['volumeMounts'])) found.push({ field: `spec.${list}[].volumeMounts`, path: [...cPath, 'volumeMounts'], why: UNMODELLED_REASONS.volumeMounts });
      const res = c['resources'];
      // Limits only stand for requests when no request is given (SetDefaults_ResourceList):
      // a limit next to a request of that resource is a real limit.
      if (isObj(res) && isObj(res['limits']) && isObj(res['requests'])) {
        const requests = res['requests'] as Obj;
        if (Object.keys(res['limits'] as Obj).some((r) => requests[r] !== undefined)) found.push({ field: `spec.${list}[].resources.limits`, path: [...cPath, 'resources', 'limits'], why: UNMODELLED_REASONS.limits });
      }
      const ports = c['ports'];
      if (Array.isArray(ports)) {
        ports.forEach((p: unknown, k) => {
          if (isObj(p) && p['hostPort'] !== undefined && p['hostPort'] !== 0) found.push({ field: `spec.${list}[].ports[].hostPort`, path: [...cPath, 'ports', k, 'hostPort'], why: UNMODELLED_REASONS.hostPort });
        });
      }
    });
  }
  return found;
}
