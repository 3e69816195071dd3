/**
 * Where the operators that run datastores live, and where pods reach the Kubernetes API: the datastores'
 * NetworkPolicies admit the operators and let instance managers call the API server.
 */
import type { EnvironmentProfile } from '../core/environment-profile';

/** An operator's pods: their namespace and labels (as its Helm chart installs them). */
export interface OperatorLocation {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** The CloudNativePG operator (chart `cloudnative-pg`), installed in `cnpg-system` by the add-on. */
export const CLOUDNATIVE_PG_OPERATOR: OperatorLocation = { namespace: 'cnpg-system', podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } };

/** CIDRs and ports of the API server as pods reach it: unknown here, so anywhere on both usual ports. */
export function apiServerEgress(_profile: EnvironmentProfile): { readonly cidrs: readonly string[]; readonly ports: readonly number[] } {
  return { cidrs: ['0.0.0.0/0'], ports: [443, 6443] };
}
