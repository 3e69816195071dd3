// The public API of the policy gate. Helpers (document index internals, per-family check lists) stay internal so
// their generic names cannot clash with other modules re-exported from src/index.ts.
export type { PolicyCheck, PolicyContext, PolicyCoverage, PolicyFinding, PolicySeverity } from './types';
export { PolicyIndex, POD_BEARING_KINDS } from './policy-index';
export type { PodView, ContainerView, LabelSelector } from './policy-index';
export { PSA_ENFORCE_LABEL, PSS_EXEMPTION_REASON_ANNOTATION } from './network-checks';
export { evaluatePolicies, POLICY_CHECKS, WAIVE_ANNOTATION, WAIVE_REASON_ANNOTATION, WAIVER_CHECK_ID } from './policy-engine';
export type { CheckOutcome, PolicyEvaluation, PolicyExemption, PolicyViolation, PolicyWaiver, WaivedViolation } from './policy-engine';
export { renderPolicyReport } from './policy-report';
export { POLICY_REPORT_FILE, policyPlugin } from './policy-plugin';
export type { PolicyPluginOptions } from './policy-plugin';
export { expressionCheckPlugin, parsePromQL } from './expression-checks';
export { LITERAL_SECRET_CHECK_ID, NOT_SECRET_ANNOTATION } from './secret-checks';
export { EXTERNAL_NAMESPACE, FLOWS_REPORT_FILE, Flow, FlowEndpoint, flowsPlugin, tenantIsolationViolations } from './flows';
export type { ExternalFlowEndpointOptions, FlowProps, PodsFlowEndpointOptions, TenantIsolationOptions } from './flows';
