import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript without types
import { dropRedundantNames } from '../../scripts/redundant-names.mjs';

/**
 * scripts/redundant-names.mjs leaves out of dist/orchsim.cjs the `__name(fn, "name")` calls
 * (esbuild's keepNames helper) that change no function's name (start-up time; the build keeps
 * them all with ORCHSIM_NO_NAME_TRIM=1). The property: random programs made of the shapes esbuild
 * writes - a function, arrow or class in a binding, an assignment, a property, a declaration
 * named after the fact, a class's static block, a return, a default value, a class field - with
 * names that match the string or not, run as written and as trimmed, make functions with the same
 * names, the same own keys and the same `name` descriptors.
 */

const ts = createRequire(import.meta.url)('typescript');
const trim = (text: string): { text: string; dropped: number; kept: number } => dropRedundantNames(text, ts);

/** esbuild's helper, as it writes it at the top of a bundle. */
const HELPER = 'var __defProp = Object.defineProperty; var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';

const NAMES = ['a', 'check', 'init', 'Definition', '_'];
const name = fc.constantFrom(...NAMES);
const KEYS = ['a', 'check', '"check"', '"x-y"', '__proto__', '"__proto__"'];
const fn = (w: string) => fc.constantFrom('() => 0', 'function () { return 1; }', `function ${w}() {}`, 'class {}', `class ${w} {}`, 'class { static name = "z"; }', `class ${w} { static name() { return 2; } }`, 'async () => 3');

/** One statement (in a block of its own) that makes functions and puts them in `out`. */
const snippet: fc.Arbitrary<string> = fc.tuple(name, name, name, fc.integer({ min: 0, max: 12 }), fc.constantFrom(...KEYS)).chain(([v, s, w, kind, k]) => fn(w).map((f) => {
  switch (kind) {
    case 0: return `{ let ${v} = __name(${f}, "${s}"); out.push(${v}); }`;
    case 1: return `{ let ${v}; ${v} = __name(${f}, "${s}"); out.push(${v}); }`;
    case 2: return `out.push({ ${k}: __name(${f}, "${s}") }[${k.startsWith('"') ? k : `"${k}"`}]);`;
    case 3: return `{ function ${v}() {} __name(${v}, "${s}"); out.push(${v}); }`;
    case 4: return `{ class ${v} { static { __name(this, "${s}"); } } out.push(${v}); }`;
    case 5: return `out.push((() => { function ${v}() {} return __name(${v}, "${s}"), ${v}; })());`;
    // The name bound by a parameter or a variable, in a scope within one where a function has it.
    case 6: return `{ function ${v}() {} function g(${v}) { __name(${v}, "${s}"); return ${v}; } out.push(g(() => 0), ${v}); }`;
    case 7: return `{ function ${v}() {} { let ${v} = ${f}; __name(${v}, "${s}"); out.push(${v}); } out.push(${v}); }`;
    case 8: return `{ function h(${v} = __name(${f}, "${s}")) { return ${v}; } out.push(h()); }`;
    case 9: return `{ class C { ${v} = __name(${f}, "${s}"); } out.push(new C().${v}); }`;
    case 10: return `out.push(__name(${f}, "${s}"));`;
    case 11: return `{ let ${v} = __name(() => __name(${f}, "${w}"), "${s}"); out.push(${v}, ${v}()); }`;
    default: return `{ const ${v} = class ${w} { static name = "q"; static { __name(this, "${s}"); } }; out.push(${v}); }`;
  }
}));
const program = fc.array(snippet, { minLength: 1, maxLength: 8 }).map((ss) => `${HELPER}\n${ss.join('\n')}`);

/** Every function a program made: its name, own keys and `name` descriptor. */
function made(text: string): unknown {
  const out: unknown[] = [];
  runInNewContext(`"use strict";\n${text}`, { out });
  return out.map((f) => {
    if (typeof f !== 'function') return f;
    return { name: f.name, keys: Object.getOwnPropertyNames(f), descriptor: { ...Object.getOwnPropertyDescriptor(f, 'name') } };
  });
}

describe('redundant __name calls left out of the bundle (ORCHSIM_NO_NAME_TRIM)', () => {
  it('random programs make functions of the same names and own keys as written and as trimmed', () => {
    let dropped = 0;
    let kept = 0;
    fc.assert(fc.property(program, (text) => {
      const r = trim(text);
      dropped += r.dropped;
      kept += r.kept;
      expect(made(r.text)).toEqual(made(text));
    }), { numRuns: 1500 });
    // Both answers were given often: calls left out, and calls kept.
    expect(dropped).toBeGreaterThan(500);
    expect(kept).toBeGreaterThan(500);
  });

  it('leaves out the calls of the shapes the bundle repeats per call and keeps renamed ones', () => {
    const text = `${HELPER}
      function make() { function init() {} __name(init, "init"); let runChecks = __name((p) => p, "runChecks"); let check2 = __name((c) => c, "check");
        class Definition { static { __name(this, "Definition"); } } return [init, runChecks, check2, Definition, { parse: __name(() => 0, "parse") }.parse]; }
      out.push(...make());`;
    const r = trim(text);
    expect(r).toMatchObject({ dropped: 4, kept: 1 });
    expect(r.text).toContain('__name((c) => c, "check")');
    expect(made(r.text)).toEqual(made(text));
  });
});
