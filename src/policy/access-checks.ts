/** Secrets and access: no secret values in Git, least-privilege RBAC, no API token where none is needed. */
import { CLUSTER_ADMIN_ROLE } from '../addons/cluster-admin';
import { eachPod } from './pod-security-checks';
import { PolicyCheck, PolicyContext } from './types';
import { DocValue } from '../core/documents';

/** The ServiceAccount every namespace gets, used by pods that name none. */
const DEFAULT_SERVICE_ACCOUNT = 'default';

const bound = new WeakMap<object, Set<string>>();

/** `<namespace>/<name>` of every ServiceAccount some RoleBinding or ClusterRoleBinding of the environment binds. */
function boundServiceAccounts(ctx: PolicyContext): Set<string> {
  let s = bound.get(ctx.index);
  if (!s) {
    s = new Set();
    for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
      for (const b of ctx.index.ofKind(kind)) {
        for (const subject of Array.isArray(b.object.subjects) ? b.object.subjects : []) {
          if (subject?.kind !== 'ServiceAccount') continue;
          s.add(`${subject.namespace ?? b.object.metadata?.namespace ?? ''}/${subject.name}`);
        }
      }
    }
    bound.set(ctx.index, s);
  }
  return s;
}

export const ACCESS_CHECKS: readonly PolicyCheck[] = [
  {
    id: 'secret-no-data',
    severity: 'critical',
    rationale: 'dist/ is committed to Git: a Secret with data leaks it; use an ExternalSecret.',
    docs: 'https://external-secrets.io/latest/',
    coverage: { polaris: ['sensitiveConfigmapContent'] },
    run: (ctx) =>
      ctx.index.ofKind('Secret').flatMap((s) =>
        ['data', 'stringData']
          .filter((f) => s.object[f] !== null && typeof s.object[f] === 'object' && Object.keys(s.object[f]).length > 0)
          .map((f) => ({
            doc: s,
            field: f,
            message: `the Secret carries values (${Object.keys(s.object[f]).sort().join(', ')}) that would be committed; reference them with an ExternalSecret`,
          })),
      ),
  },
  {
    id: 'rbac-no-cluster-admin',
    severity: 'critical',
    rationale:
      "cluster-admin grants everything on every namespace; bind a role that lists what is needed. Only add-ons that cannot work with less keep it in their chart, each declared with the reason (listed in the environment's POLICY.md and README.md).",
    docs: 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    coverage: { polaris: ['clusterrolebindingClusterAdmin', 'rolebindingClusterAdminClusterRole'] },
    // Whatever the environment: a binding of cluster-admin is never a development-only shortcut worth a warning.
    alwaysEnforced: true,
    run: (ctx) =>
      ['ClusterRoleBinding', 'RoleBinding']
        .flatMap((kind) => ctx.index.ofKind(kind))
        .filter((b) => b.object.roleRef?.kind === 'ClusterRole' && b.object.roleRef?.name === CLUSTER_ADMIN_ROLE)
        .map((b) => {
          const subjects: DocValue[] = Array.isArray(b.object.subjects) ? b.object.subjects : [];
          const who = subjects.map((s) => `${s?.kind ?? 'subject'} ${JSON.stringify(String(s?.name ?? ''))}`).join(', ') || 'no subject';
          return {
            doc: b,
            field: 'roleRef.name',
            message: `binds cluster-admin to ${who}; bind a role that grants only the verbs and resources needed (only an add-on's chart may keep cluster-admin, declared with the reason in AddOnDefinition.clusterAdmin)`,
          };
        }),
  },
  {
    id: 'rbac-no-wildcards',
    severity: 'high',
    rationale: 'A wildcard verb or resource also grants everything added to the API later.',
    docs: 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege',
    coverage: {},
    run: (ctx) =>
      ['ClusterRole', 'Role']
        .flatMap((kind) => ctx.index.ofKind(kind))
        .flatMap((role) => {
          const rules: DocValue[] = Array.isArray(role.object.rules) ? role.object.rules : [];
          return rules.flatMap((r, i) =>
            ['verbs', 'resources']
              .filter((f) => Array.isArray(r?.[f]) && r[f].some((x: unknown) => typeof x === 'string' && x.includes('*')))
              .map((f) => ({
                doc: role,
                field: `rules[${i}].${f}`,
                message: `uses a wildcard (${r[f].filter((x: string) => x.includes('*')).join(', ')}); list the ${f} explicitly`,
              })),
          );
        }),
  },
  {
    id: 'pod-dedicated-service-account',
    severity: 'medium',
    rationale:
      "Pods sharing the namespace's `default` ServiceAccount share one identity: whatever is granted to it (or its token) reaches all of them (CIS Kubernetes Benchmark 5.1.5).",
    docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/',
    coverage: {},
    run: (ctx) =>
      eachPod(ctx, (p) => {
        // `serviceAccount` is the deprecated alias the API server still honours when serviceAccountName is empty.
        const named = [p.spec.serviceAccountName, p.spec.serviceAccount].find((n) => typeof n === 'string' && n !== '');
        if (named !== undefined && named !== DEFAULT_SERVICE_ACCOUNT) return undefined;
        return {
          field: `${p.specPath}.serviceAccountName`,
          message: `${named === undefined ? 'is not set, so the pod runs' : 'runs'} as the namespace's "default" ServiceAccount; give the workload its own ServiceAccount named after it (automountServiceAccountToken: false unless it calls the API)`,
        };
      }),
  },
  {
    id: 'automount-service-account-token',
    severity: 'medium',
    rationale: 'A mounted API token is a credential: mount it only for pods whose service account has a role binding.',
    docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
    coverage: { polaris: ['automountServiceAccountToken'] },
    run: (ctx) =>
      eachPod(ctx, (p) => {
        const sa = typeof p.spec.serviceAccountName === 'string' ? p.spec.serviceAccountName : 'default';
        const saDoc = ctx.index.find(p.namespace, 'ServiceAccount', sa);
        const own = p.spec.automountServiceAccountToken;
        const effective = own ?? saDoc?.object.automountServiceAccountToken ?? true;
        if (effective !== true) return undefined;
        if (boundServiceAccounts(ctx).has(`${p.namespace}/${sa}`)) return undefined;
        return {
          field: `${p.specPath}.automountServiceAccountToken`,
          message:
            own === true
              ? `mounts an API token but ServiceAccount ${JSON.stringify(sa)} has no RoleBinding or ClusterRoleBinding here; set automountServiceAccountToken: false`
              : `is not set, so ServiceAccount ${JSON.stringify(sa)}'s token is mounted; set automountServiceAccountToken: false (or true with a role binding when the pod calls the API)`,
        };
      }),
  },
];
