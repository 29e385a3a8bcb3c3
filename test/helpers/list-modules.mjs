// Loaded with `node --import`: every module the ES module loader loads is announced on stderr as
// "orchsim-test module URL", so a test can check what a command loads (test/cli/lazy-imports.test.ts).
import { register } from 'node:module';

register('./list-modules-hooks.mjs', import.meta.url);
