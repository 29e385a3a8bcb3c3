// Child process of bench/instructions.mjs: runs one scenario with ROOT's dist/ and prints a hash
// of the result (so the parent can say whether both builds gave the same one).
//
// Run: node bench/instructions-child.mjs ROOT SCENARIO.yaml|whole-run
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, scenario] = process.argv.slice(2);
const at = (p) => import(pathToFileURL(resolve(root, 'dist', p)).href);
const { runScenario } = await at('scenario/runner.js');
let resolved;
if (scenario === 'whole-run') {
  const { wholeRunScenario } = await import('./whole-run-scenario.mjs');
  resolved = await wholeRunScenario(root);
} else {
  resolved = (await at('scenario/index.js')).prepareScenario(scenario).resolved;
}
const out = runScenario(resolved);
console.log(createHash('sha256').update(JSON.stringify(out.result)).digest('hex'));
