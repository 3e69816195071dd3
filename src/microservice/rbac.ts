/** Least-privilege access of a MicroserviceDeployment to the Kubernetes API: a Role and its RoleBinding. */
import { Construct } from 'constructs';
import { KubeRole, KubeRoleBinding } from '../../imports/k8s';
import { fail } from '../core/errors';
import { API_VERBS, ApiAccess } from './props';
import { CIDR } from './resolve';

/** A Role with exactly the requested rules (no wildcards) bound to the service's ServiceAccount. */
export function addRbac(scope: Construct, access: ApiAccess, metadata: { name: string; namespace: string; labels: Record<string, string> }): void {
  if (access.rules.length === 0) fail(scope, 'apiAccess.rules', [], 'must list at least one permission (leave apiAccess out for none)');
  const rules = access.rules.map((r, i) => {
    const f = `apiAccess.rules[${i}]`;
    if (r.resources.length === 0 || r.resources.includes('*'))
      fail(scope, `${f}.resources`, r.resources, 'must name resources explicitly (no "*": least privilege)');
    if (r.verbs.length === 0) fail(scope, `${f}.verbs`, r.verbs, `must list verbs from: ${API_VERBS.join(', ')}`);
    for (const v of r.verbs) {
      if (!(API_VERBS as readonly string[]).includes(v)) fail(scope, `${f}.verbs`, v, `must be one of: ${API_VERBS.join(', ')} (no "*": least privilege)`);
    }
    if ((r.apiGroups ?? []).includes('*')) fail(scope, `${f}.apiGroups`, r.apiGroups, 'must name API groups explicitly (no "*": least privilege)');
    return {
      apiGroups: [...(r.apiGroups ?? [''])],
      resources: [...r.resources],
      verbs: [...r.verbs],
      resourceNames: r.resourceNames ? [...r.resourceNames] : undefined,
    };
  });
  for (const c of access.serverCidrs ?? []) {
    if (!CIDR.test(c)) fail(scope, 'apiAccess.serverCidrs', c, 'must be a CIDR such as "10.0.0.1/32"');
  }
  new KubeRole(scope, 'Role', { metadata, rules });
  new KubeRoleBinding(scope, 'RoleBinding', {
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: metadata.name },
    subjects: [{ kind: 'ServiceAccount', name: metadata.name, namespace: metadata.namespace }],
  });
}
