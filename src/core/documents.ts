/**
 * A value of a parsed or synthesized document (a Kubernetes object, a configuration file) that is read field by
 * field. Its shape is whatever the input holds, so readers check each field where they use it (`typeof`,
 * `Array.isArray`); `any` rather than ` DocValue ipBlock:unknown: any ipBlock` keeps those defensive reads short. This is the one place the
 * library spells `any`; everything else is typed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents are open-ended JSON, see above
export type DocValue = any;

/** A mapping of a parsed or synthesized document, read field by field (see {@link DocValue}). */
export type DocObject = Record<string, DocValue>;
