/**
 * Checks the trace readers against the real files in ../shared/data (PROVENANCE.md), which the
 * project repository must not contain; run with `npm run validate`. Each block is skipped, with
 * a message saying so, when its folder is absent, so the suite still runs elsewhere.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTextFile } from '../src/util/files.js';
import { OPENB_MULTIGPU_POD_COLUMNS, openbPodList, openbPodSpec, readOpenbNodes, readOpenbPods } from '../src/workloads/openb.js';
import { readSwf, readSwfHeader, swfWorkload } from '../src/workloads/swf.js';

// The data directory: ORCHSIM_DATA (vitest.validation.config.ts sets it; point it nowhere to see the skips).
const DATA = process.env.ORCHSIM_DATA ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../shared/data');
const OPENB = join(DATA, 'openb');
const SWF = join(DATA, 'swf');
const haveOpenb = existsSync(OPENB);
const haveSwf = existsSync(SWF);
if (!haveOpenb) console.warn(`test-validation: ${OPENB} not found, skipping the openb checks`);
if (!haveSwf) console.warn(`test-validation: ${SWF} not found, skipping the SWF checks`);

const read = (dir: string, name: string) => readTextFile(join(dir, name));

describe.skipIf(!haveOpenb)('openb trace (FGD.md section 1)', () => {
  it('GPU node list: 1,213 nodes, 6,212 GPUs, every GPU node with a model', () => {
    const nodes = readOpenbNodes(read(OPENB, 'openb_node_list_gpu_node.csv'), 'openb_node_list_gpu_node.csv');
    expect(nodes).toHaveLength(1213);
    expect(nodes.reduce((s, n) => s + n.allocatable.milliGPU, 0)).toBe(6_212_000);
    expect(nodes.every((n) => n.allocatable.milliGPU > 0 && n.gpuModel !== undefined)).toBe(true);
  });

  it('all-node list: 1,523 nodes, the same 6,212 GPUs (PROVENANCE.md)', () => {
    const nodes = readOpenbNodes(read(OPENB, 'openb_node_list_all_node.csv'), 'openb_node_list_all_node.csv');
    expect(nodes).toHaveLength(1523);
    expect(nodes.reduce((s, n) => s + n.allocatable.milliGPU, 0)).toBe(6_212_000);
  });

  it('default pod list: 8,152 pods, all buildable as specs', () => {
    const pods = readOpenbPods(read(OPENB, 'openb_pod_list_default.csv'), 'openb_pod_list_default.csv');
    expect(pods).toHaveLength(8152);
    expect(pods.every((p) => p.creationTime !== undefined && p.deletionTime !== undefined)).toBe(true);
    // The 897 Pending pods have a blank scheduled_time (never scheduled in the original cluster).
    expect(pods.filter((p) => p.scheduledTime === undefined)).toHaveLength(897);
    const w = openbPodList(pods, 'default');
    expect(w.pods).toHaveLength(8152);
    // Typical-pod check of FGD.md section 5: the most common key is (cpu 3152, m 810, k 1, "").
    expect(pods.filter((p) => p.cpuMilli === 3152 && p.gpuMilli === 810 && p.numGpu === 1 && p.gpuSpec === '').length).toBeGreaterThan(1000);
    const timed = openbPodList(pods, 'default', { useTimes: true });
    expect(timed.pods.every((p) => p.duration >= 0 && Number.isFinite(p.duration))).toBe(true);
  });

  it('multigpu20 parses with the 5-column header', () => {
    const text = read(OPENB, 'openb_pod_list_multigpu20.csv');
    expect(text.slice(0, text.indexOf('\n'))).toBe(OPENB_MULTIGPU_POD_COLUMNS.join(','));
    const pods = readOpenbPods(text, 'openb_pod_list_multigpu20.csv');
    expect(pods).toHaveLength(8324);
    expect(pods.every((p) => p.gpuSpec === '' && p.creationTime === undefined)).toBe(true);
    expect(pods.some((p) => p.numGpu === 8)).toBe(true);
  });

  it.each([
    ['openb_pod_list_cpu050.csv', 7439],
    ['openb_pod_list_gpushare40.csv', 8152],
    ['openb_pod_list_gpuspec10.csv', 8152],
  ])('%s parses: %i pods', (name, count) => {
    const pods = readOpenbPods(read(OPENB, name), name);
    expect(pods).toHaveLength(count);
    for (const p of pods) openbPodSpec(p);
  });
});

describe.skipIf(!haveSwf)('SWF logs (Parallel Workloads Archive)', () => {
  it('SDSC-SP2: 59,715 jobs (PROVENANCE.md), 128 processors', () => {
    const text = read(SWF, 'SDSC-SP2-1998-4.2-cln.swf');
    const jobs = readSwf(text, 'SDSC-SP2-1998-4.2-cln.swf');
    expect(jobs).toHaveLength(59_715);
    const header = readSwfHeader(text);
    expect(header.maxProcs).toBe(128);
    expect(header.maxRecords).toBe(59_715);
    expect(header.fields.get('Copyright')?.[0]).toContain('provided that this copyright notice is preserved');
    const { workload, skipped } = swfWorkload(jobs, 'sdsc');
    expect(workload.pods.length + skipped).toBe(59_715);
  });

  it('NASA iPSC/860: 18,239 jobs, 128 nodes', () => {
    const text = read(SWF, 'NASA-iPSC-1993-3.1-cln.swf');
    const jobs = readSwf(text, 'NASA-iPSC-1993-3.1-cln.swf');
    expect(jobs).toHaveLength(18_239);
    expect(readSwfHeader(text).maxNodes).toBe(128);
    const { workload, skipped } = swfWorkload(jobs, 'nasa');
    expect(workload.pods.length + skipped).toBe(18_239);
  });
});
