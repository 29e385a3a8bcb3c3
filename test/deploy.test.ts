import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { sweepPlan } from '../src/experiments/plans.js';

// The shipped deployment files: checked for the things that make a sharded sweep come out whole.

const docs = (file: string) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, any>);

describe('deploy/kubernetes', () => {
  it('the sweep Job is Indexed, its shard count matches its completions, and each pod reads JOB_COMPLETION_INDEX', () => {
    const all = docs('deploy/kubernetes/sweep-job.yaml');
    const job = all.find((d) => d.kind === 'Job')!;
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(job.spec.completions);
    const container = job.spec.template.spec.containers[0];
    const command = [...container.command, ...container.args].join(' ');
    expect(command).toMatch(/--shard "\$JOB_COMPLETION_INDEX"/);
    expect(command).toContain(`--shards ${job.spec.completions}`);
    expect(command).toMatch(/--out "\/results\/shard-\$JOB_COMPLETION_INDEX"/);
    expect(all.find((d) => d.kind === 'PersistentVolumeClaim')?.metadata.name).toBe(job.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName);
  });

  it('the merge Job reads every shard directory the sweep Job writes', () => {
    const sweep = docs('deploy/kubernetes/sweep-job.yaml').find((d) => d.kind === 'Job')!;
    const merge = docs('deploy/kubernetes/merge-job.yaml').find((d) => d.kind === 'Job')!;
    const args: string[] = merge.spec.template.spec.containers[0].args;
    expect(args[0]).toBe('merge');
    const shards = Array.from({ length: sweep.spec.completions }, (_, i) => `/results/shard-${i}`);
    expect(args.slice(-shards.length)).toEqual(shards);
  });

  it('the example sweep file is valid', () => {
    const plan = sweepPlan('sweeps/pool-size.yaml');
    expect(plan.variants.length).toBe(3);
    expect(plan.arms).toEqual(['default', 'binpack']);
  });

  it('the Dockerfile builds the CLI and runs it as the entrypoint', () => {
    const text = readFileSync('Dockerfile', 'utf8');
    expect(text).toMatch(/FROM node:20/);
    expect(text).toContain('npm run build');
    expect(text).toContain('ENTRYPOINT ["node", "/opt/orchsim/dist/cli/main.js"]');
    expect(text).toContain('COPY sweeps ./sweeps');
  });
});
