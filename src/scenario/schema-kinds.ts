/**
 * The files `orchsim schema` describes (a `compare:` block is part of a scenario file); apart
 * from the schemas themselves so that the command line can check the argument without building them.
 */
export const SCHEMA_KINDS = ['scenario', 'sweep'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];
