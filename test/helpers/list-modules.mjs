// Loaded with `node --import`: every module the ES module loader loads is announced on stderr as
// "orchsim-test module URL", so a test can check what a command loads (test/cli/lazy-imports.test.ts).
// Each module of dist/orchsim.cjs as it runs, and each package that script requires, as
// "orchsim-test ran URL": dist/vendor/load.js calls the function set here (scripts/core-bundle.mjs),
// where the loader sees none of them.
import { writeSync } from 'node:fs';
import { register } from 'node:module';

register('./list-modules-hooks.mjs', import.meta.url);
globalThis[Symbol.for('orchsim.moduleLoaded')] = (url) => writeSync(2, `orchsim-test ran ${url}\n`);
