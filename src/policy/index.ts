// The public API of the policy gate. Helpers (document index, per-family check lists) stay internal so their
// generic names cannot clash with other modules re-exported from src/index.ts.
export * from './types';
export { PolicyIndex, POD_BEARING_KINDS } from './policy-index';
export type { PodView, ContainerView, LabelSelector } from './policy-index';
export { PSA_ENFORCE_LABEL, PSS_EXEMPTION_REASON_ANNOTATION } from './network-checks';
export * from './policy-engine';
export * from './policy-report';
export * from './policy-plugin';
export * from './flows';
