// The flow proof: NetworkPolicy semantics, flows derived from the synthesized objects, the proof, the matrix.
export { IpSet, PRIVATE_RANGES, PUBLIC_INTERNET, parseIpv4Cidr } from './cidr';
export type { Ipv4Range } from './cidr';
export { NAMESPACE_NAME_LABEL, isEmptySelector, labelSelectorMatches, selectorSatisfiable, selectorText } from './selector';
export type { LabelSelector, LabelSelectorRequirement, Labels } from './selector';
export { endpointName, flowText } from './model';
export type { AddressEndpoint, DeclaredPort, EndVerdict, Endpoint, Flow, FlowNeed, FlowVerdict, PodEndpoint, Protocol } from './model';
export { PolicySet, admittingRules, compilePolicy, effectivePolicyTypes, peerMatches, peerText, policySelects, portMatches } from './network-policy';
export type { CompiledPeer, CompiledPolicy, CompiledPort, CompiledRule, Direction, Mode, PolicyWorld } from './network-policy';
export { FlowWorld } from './world';
export type { ServiceView, Target, Unresolved } from './world';
export { relabel } from './derive/prometheus';
export { deriveFlows, judge, mergeNeeds, proveFlows } from './proof';
export type { FlowProof } from './proof';
export { FLOWS_REPORT_FILE, renderFlowsReport } from './report';
export { flowsPlugin } from './plugin';
