// What `orchsim validate` makes of a file, as text to compare between two builds
// (test/cli/vendor-bundles.test.ts): the validated document with the resolved counts and
// warnings, or the error's lines. `v` is one build's parseYaml, prepareScenarioValue, InputError
// and formatIssue.
export function validateOutcome(v, text, file) {
  try {
    const { value, locate } = v.parseYaml(text, file);
    const { loaded, resolved } = v.prepareScenarioValue(value, file, locate);
    return JSON.stringify({ doc: loaded.doc, nodes: resolved.nodes.length, workloads: resolved.workloads.length, profile: resolved.profile, warnings: resolved.warnings?.map(v.formatIssue) });
  } catch (e) {
    if (e instanceof v.InputError) return `invalid:\n${e.issues.map(v.formatIssue).join('\n')}`;
    return `threw: ${e instanceof Error ? e.message : String(e)}`;
  }
}
