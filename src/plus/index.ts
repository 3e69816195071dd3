// The public API of cdk8s-plus integration: adopt a team's existing cdk8s-plus workloads (hardened to PSS restricted,
// stable selectors, connected through the connection graph, monitored). The JSON rewrites stay internal.
export { isPlusWorkload, PLUS_DEFAULT_COMPONENT, PlusWorkload } from './plus-workload';
export type { IPlusWorkload, PlusMetrics, PlusWorkloadOptions } from './plus-workload';
export { PLUS_ADDRESS_LABEL, PLUS_DEFAULT_RESOURCES } from './harden';
