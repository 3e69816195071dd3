/** Values and helpers every add-on of the catalog shares. */
import { ApiObject } from 'cdk8s';
import type { EnvironmentChart } from '../../core/environment-chart';

/** Pod security context that satisfies PSS restricted (the chart value shape of most charts). */
export interface RestrictedPodSecurity {
  readonly runAsNonRoot: true;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

/** Container security context that satisfies PSS restricted. */
export interface RestrictedContainerSecurity {
  readonly allowPrivilegeEscalation: false;
  readonly readOnlyRootFilesystem: true;
  readonly runAsNonRoot: true;
  readonly capabilities: { readonly drop: readonly ['ALL'] };
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

/**
 * The same constraints split as charts without a values schema expect them (their default keys): the pod
 * says non-root, each container carries seccomp, no escalation and no capabilities. Together PSS restricted.
 */
export interface NonRootPod {
  readonly runAsNonRoot: true;
}
export type RestrictedContainerOnly = Omit<RestrictedContainerSecurity, 'runAsNonRoot'>;
export const NON_ROOT_POD: NonRootPod = { runAsNonRoot: true };
export const RESTRICTED_CONTAINER_ONLY: RestrictedContainerOnly = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export const RESTRICTED_POD: RestrictedPodSecurity = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
export const RESTRICTED_CONTAINER: RestrictedContainerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * Annotations on the CRDs of charts that let us set them: `helm uninstall` keeps them (Flux uninstalls a removed
 * HelmRelease) and Argo CD neither prunes nor deletes them. Deleting a CRD deletes every object of its kind.
 */
export const CRD_KEEP_ANNOTATIONS: Readonly<Record<string, string>> = {
  'helm.sh/resource-policy': 'keep',
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
};

/** Controller replicas: two (leader election, one survives a node drain) where the profile asks for HA. */
export function controllerReplicas(highAvailability: boolean): number {
  return highAvailability ? 2 : 1;
}

/** Namespaces (sorted) holding objects of `apiVersion` prefix `groupPrefix` in the environment chart. */
export function namespacesUsing(environment: EnvironmentChart, group: string): string[] {
  const out = new Set<string>();
  for (const c of environment.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    if (!c.apiVersion.startsWith(`${group}/`)) continue;
    const ns = c.metadata.namespace;
    if (ns !== undefined) out.add(ns);
  }
  return [...out].sort();
}

export const CLUSTER_RBAC_KINDS = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
] as const;
export const CRD_KIND = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' } as const;
export const VALIDATING_WEBHOOK_KIND = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' } as const;
export const MUTATING_WEBHOOK_KIND = { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' } as const;
