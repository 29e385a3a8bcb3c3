import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchsimAll } from '../helpers/cli.js';

/** `orchsim validate` on stack files, through the built CLI (dist/, built by test/global-setup.ts). */
describe('orchsim validate with a stack file', () => {
  it('the example validates; a bad stack file exits 2 naming the file and line, without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchsim-compose-cli-'));
    writeFileSync(join(dir, 'bad.yml'), 'version: "3.8"\nservices:\n  web:\n    deploy:\n      replicas: 2\n      placement:\n        constraints:\n          - node.labels.zone = a\n      update_config: { paralelism: 2 }\n');
    writeFileSync(join(dir, 's.yaml'), 'cluster:\n  pools:\n    - { name: n, count: 2, resources: { cpu: 2, memory: 4Gi } }\nworkloads:\n  - compose: bad.yml\n');
    const [ok, bad] = await orchsimAll([['validate', 'scenarios/swarm-stack.yaml'], ['validate', join(dir, 's.yaml')]]);

    expect(ok!.code, ok!.stderr).toBe(0);
    expect(ok!.stdout).toMatch(/^scenarios\/swarm-stack\.yaml: valid \(7 nodes, 3 workloads/);
    // Warnings, not errors: what the stack uses that is not modelled.
    expect(ok!.stderr).toMatch(/warning: .*scenarios\/stacks\/web-stack\.yml:\d+:\d+: field networks is not modelled/);

    expect(bad!.code, bad!.stderr).toBe(2);
    expect(bad!.stdout).toBe('');
    expect(bad!.stderr).toMatch(/^error: invalid input\n/);
    expect(bad!.stderr).not.toMatch(/\n\s+at /);
    const file = join(dir, 'bad.yml').replace(/[.]/g, '\\.');
    expect(bad!.stderr).toMatch(new RegExp(`${file}:8:13: expected "<key> == <value>" or "<key> != <value>"`));
    expect(bad!.stderr).toMatch(new RegExp(`${file}:9:24: unknown key "paralelism" in update_config \\(expected parallelism,`));
  }, 60_000);
});
