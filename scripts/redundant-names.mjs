// Start-up, sixth pass: esbuild's `__name(fn, "name")` calls left out of dist/orchsim.cjs where the
// function already has that name without them.
//
// Why: with keepNames (scripts/core-bundle.mjs: names are read, and esbuild renames a clash between
// modules, e.g. a local `check` becomes `check2`), esbuild wraps every named function and class in
// `__name`, which defines its `name` property at run time. Where that runs per call - the closures
// zod makes for each schema it builds, `function init` inside each `$constructor` - it runs
// thousands of times in one `orchsim validate` (6,276 for the default scenario), and each
// redefinition of a function's `name` gives the function a map of its own (about 250 bytes: 1.1 MB
// of validate's 5 MB allocated in the young generation, a fifth of what its scavenges copy).
//
// A call is left out only where, without it, the function gets the same name from the language
// itself: an anonymous function, arrow or class whose name is inferred from the binding, property
// or assignment it is written in (`let check = __name(() => ..., "check")`), a function or class
// expression of that name, a function or class declaration of that name (`__name(init, "init")`),
// a class's own static block (`static { __name(this, "Definition") }`), and no class with a static
// `name` member. The `name` property then holds the same string with the same attributes (not
// writable, not enumerable, configurable) at the same place among the function's own keys. Every
// other call - a renamed binding (`check2 = __name(..., "check")`), a default value, a class field -
// is kept. test/cli/redundant-names.test.ts runs random programs of these shapes both ways and
// compares every function's name and own keys.
//
// Switch: ORCHSIM_NO_NAME_TRIM=1 at build time keeps every call (as does a build where TypeScript,
// whose parser this uses, cannot be loaded).

/**
 * `text` (esbuild's output) without its redundant `__name` calls, with how many were left out and
 * kept; `ts` is the TypeScript module (its parser reads the script).
 */
export function dropRedundantNames(text, ts) {
  const source = ts.createSourceFile('orchsim.cjs', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  /** [start, end) ranges to delete, in no order; none overlaps another. */
  const cuts = [];
  let dropped = 0;
  let kept = 0;
  const visit = (node) => {
    if (isNameCall(ts, node)) {
      const [target, literal] = node.arguments;
      if (ownName(ts, node, target) === literal.text) {
        dropped++;
        const statement = node.parent;
        if (ts.isExpressionStatement(statement) && statement.expression === node && (ts.isIdentifier(target) || target.kind === ts.SyntaxKind.ThisKeyword) && isStatementList(ts, statement.parent)) {
          cuts.push([statement.getStart(source), statement.end]);
        } else {
          // `__name(` and `,"name")` around the function: what is left is the function itself.
          cuts.push([node.getStart(source), target.getStart(source)], [target.end, node.end]);
        }
      } else kept++;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  cuts.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of cuts) {
    out += text.slice(at, start);
    at = end;
  }
  out += text.slice(at);
  return { text: out, dropped, kept };
}

/** `__name(x, "literal")`, esbuild's helper call. */
function isNameCall(ts, node) {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === '__name' && node.arguments.length === 2 && ts.isStringLiteral(node.arguments[1]);
}

function isStatementList(ts, node) {
  return ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node) || ts.isClassStaticBlockDeclaration(node);
}

/** The name `target` has without the call, or undefined where that is not plain. */
function ownName(ts, call, target) {
  if (ts.isArrowFunction(target)) return inferredName(ts, call);
  if (ts.isFunctionExpression(target)) return target.name ? target.name.text : inferredName(ts, call);
  if (ts.isClassExpression(target)) {
    if (hasStaticName(ts, target)) return undefined;
    return target.name ? target.name.text : inferredName(ts, call);
  }
  if (ts.isIdentifier(target)) return declaredName(ts, call, target.text);
  if (target.kind === ts.SyntaxKind.ThisKeyword) {
    // `static { __name(this, "X") }` directly in class X's body.
    const block = call.parent?.parent?.parent;
    if (!ts.isExpressionStatement(call.parent) || !block || !ts.isClassStaticBlockDeclaration(block)) return undefined;
    const cls = block.parent;
    return (ts.isClassDeclaration(cls) || ts.isClassExpression(cls)) && cls.name && !hasStaticName(ts, cls) ? cls.name.text : undefined;
  }
  return undefined;
}

/** The name the language gives an anonymous function written where `call` is, or undefined. */
function inferredName(ts, call) {
  const p = call.parent;
  if (ts.isVariableDeclaration(p) && p.initializer === call && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isPropertyAssignment(p) && p.initializer === call && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text !== '__proto__') return p.name.text;
  if (ts.isBinaryExpression(p) && p.right === call && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(p.left)) return p.left.text;
  return undefined;
}

/**
 * The name of the function or class declaration `name` refers to at `call`: the nearest scope
 * that declares `name` must do it with a function or class declaration (else undefined).
 */
function declaredName(ts, call, name) {
  for (let node = call.parent; node; node = node.parent) {
    if (ts.isFunctionLike(node) && node.parameters.some((p) => bindsName(ts, p.name, name))) return undefined;
    if (!isStatementList(ts, node) && !ts.isCaseClause(node) && !ts.isDefaultClause(node)) continue;
    for (const s of node.statements ?? node.body?.statements ?? []) {
      if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name?.text === name) {
        return ts.isClassDeclaration(s) && hasStaticName(ts, s) ? undefined : name;
      }
      if (ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => bindsName(ts, d.name, name))) return undefined;
    }
  }
  return undefined;
}

/** Whether a binding (an identifier or a destructuring pattern) declares `name`. */
function bindsName(ts, binding, name) {
  if (ts.isIdentifier(binding)) return binding.text === name;
  return binding.elements.some((e) => !ts.isOmittedExpression(e) && bindsName(ts, e.name, name));
}

/** A class with a static member called `name` (it, not the class's name, is what `name` reads). */
function hasStaticName(ts, cls) {
  return cls.members.some((m) => m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) || ts.isPrivateIdentifier(m.name)) && m.name.text === 'name' && m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword));
}
