// The loader hook of list-modules.mjs (it runs on the loader's own thread).
import { writeSync } from 'node:fs';

export async function load(url, context, next) {
  writeSync(2, `orchsim-test module ${url}\n`);
  return next(url, context);
}
