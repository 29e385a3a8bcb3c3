import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('README examples', () => {
  it('the property-testing example is the file the test suite runs', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = readFileSync(join(root, 'test', 'examples', 'my-plugin.test.ts'), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
  });
});
