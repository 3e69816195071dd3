/**
 * Privilege escalation: tenants cannot change their own guard rails (RBAC), and no AppProject that an
 * environment or tenant path writes through can create projects or applications (Argo CD).
 */
import { LABEL_TENANT } from '../core/labels';
import { SynthDocument } from '../synth/synthesizer';
import { labelsOf, nameOf, namespaceOf } from './policy-index';
import { PolicyCheck, PolicyContext, PolicyFinding } from './types';
import { DocValue } from '../core/documents';

interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** Verbs that change an object. */
const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];
/** Verbs that hand out more than the holder has. */
const ESCALATING_VERBS = ['escalate', 'bind', 'impersonate'];

/** A tenant's guard rails: objects of its namespace that only the platform may change. */
export const TENANT_GUARDRAIL_RESOURCES: ReadonlyArray<{ readonly group: string; readonly resource: string }> = [
  { group: 'networking.k8s.io', resource: 'networkpolicies' },
  { group: '', resource: 'resourcequotas' },
  { group: '', resource: 'limitranges' },
  { group: 'rbac.authorization.k8s.io', resource: 'roles' },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
];

const ALL_WRITES: readonly string[] = WRITE_VERBS;
/**
 * What the built-in ClusterRoles grant on guard rails (Kubernetes 1.27 bootstrap policy): they are not in
 * dist/, so their relevant rules are spelled here.
 */
const BUILT_IN_CLUSTER_ROLES: Readonly<Record<string, readonly Rule[]>> = {
  'cluster-admin': [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
  admin: [
    { apiGroups: ['networking.k8s.io', 'extensions'], resources: ['networkpolicies'], verbs: ALL_WRITES },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ALL_WRITES },
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  ],
  edit: [
    { apiGroups: ['networking.k8s.io', 'extensions'], resources: ['networkpolicies'], verbs: ALL_WRITES },
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  ],
  view: [],
};

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function rulesOf(doc: SynthDocument): Rule[] {
  const rules: unknown[] = Array.isArray(doc.object.rules) ? doc.object.rules : [];
  return rules.map((r: DocValue) => ({ apiGroups: strings(r?.apiGroups), resources: strings(r?.resources), verbs: strings(r?.verbs) }));
}

/**
 * What `rules` let a subject do to guard rails, as `<resource> (<verbs>)` sorted by resource (escalating verbs
 * on any resource count too); empty when nothing.
 */
export function guardrailWrites(rules: readonly Rule[]): string[] {
  const out = new Map<string, Set<string>>();
  const add = (resource: string, verb: string) => out.set(resource, (out.get(resource) ?? new Set<string>()).add(verb));
  for (const r of rules) {
    const anyVerb = r.verbs.includes('*');
    for (const g of TENANT_GUARDRAIL_RESOURCES) {
      if (!(r.apiGroups.includes('*') || r.apiGroups.includes(g.group)) || !(r.resources.includes('*') || r.resources.includes(g.resource))) continue;
      for (const v of WRITE_VERBS) if (anyVerb || r.verbs.includes(v)) add(g.resource, v);
    }
    for (const v of ESCALATING_VERBS) {
      if (anyVerb || r.verbs.includes(v)) for (const resource of r.resources.length > 0 ? r.resources : ['(no resource)']) add(resource, v);
    }
  }
  return [...out.keys()].sort().map((resource) => `${resource} (${[...out.get(resource)!].sort().join(', ')})`);
}

function subjectText(s: DocValue): string {
  return `${s?.kind ?? 'subject'} ${JSON.stringify(String(s?.name ?? ''))}`;
}

/** Rules of a roleRef as seen from `namespace`; undefined when the role is neither in dist/ nor built in. */
function resolveRole(ctx: PolicyContext, namespace: string, roleRef: DocValue): Rule[] | undefined {
  const name = String(roleRef?.name ?? '');
  if (roleRef?.kind === 'Role') {
    const role = ctx.index.find(namespace, 'Role', name);
    return role ? rulesOf(role) : undefined;
  }
  const cluster = ctx.index.find('', 'ClusterRole', name);
  if (cluster) return rulesOf(cluster);
  return BUILT_IN_CLUSTER_ROLES[name]?.map((r) => ({ ...r }));
}

function tenantGuardrailFindings(ctx: PolicyContext): PolicyFinding[] {
  const tenantNamespaces = new Set(
    ctx.index
      .ofKind('Namespace')
      .filter((n) => labelsOf(n)[LABEL_TENANT] !== undefined)
      .map(nameOf),
  );
  if (tenantNamespaces.size === 0) return [];
  const out: PolicyFinding[] = [];
  const tenantSubjects = new Map<string, string>();
  const report = (b: SynthDocument, subjects: readonly DocValue[], scope: string, rules: Rule[] | undefined) => {
    const ref = `${b.object.roleRef?.kind} ${JSON.stringify(String(b.object.roleRef?.name ?? ''))}`;
    if (rules === undefined) {
      out.push({
        doc: b,
        field: 'roleRef.name',
        message: `binds ${ref}, which is neither in the environment nor a known built-in role, so it cannot be shown that ${subjects.map(subjectText).join(', ')} cannot change the guard rails of ${scope}; bind platform-tenant-admin, platform-tenant-edit or view`,
      });
      return;
    }
    const writes = guardrailWrites(rules);
    if (writes.length === 0) return;
    out.push({
      doc: b,
      field: 'roleRef.name',
      message: `${subjects.map(subjectText).join(', ')} may change ${writes.join(', ')} in ${scope} through ${ref}; tenants must not change their NetworkPolicies, quotas, limit ranges or RBAC: bind platform-tenant-admin, platform-tenant-edit or view (src/tenancy/tenant-roles.ts)`,
    });
  };
  for (const b of ctx.index.ofKind('RoleBinding')) {
    const ns = namespaceOf(b);
    if (!tenantNamespaces.has(ns)) continue;
    const subjects: DocValue[] = Array.isArray(b.object.subjects) ? b.object.subjects : [];
    for (const s of subjects) tenantSubjects.set(`${s?.kind}/${s?.kind === 'ServiceAccount' ? `${s?.namespace ?? ns}/` : ''}${s?.name}`, ns);
    report(b, subjects, ns, resolveRole(ctx, ns, b.object.roleRef));
  }
  for (const b of ctx.index.ofKind('ClusterRoleBinding')) {
    const subjects: DocValue[] = (Array.isArray(b.object.subjects) ? b.object.subjects : []).filter((s: DocValue) => {
      const key = `${s?.kind}/${s?.kind === 'ServiceAccount' ? `${s?.namespace}/` : ''}${s?.name}`;
      return tenantSubjects.has(key) || (s?.kind === 'ServiceAccount' && tenantNamespaces.has(String(s?.namespace)));
    });
    if (subjects.length === 0) continue;
    report(b, subjects, "every namespace, tenants' included", resolveRole(ctx, '', b.object.roleRef));
  }
  return out;
}

/** Argo CD's kinds that let whoever creates them deploy anything anywhere. */
const ARGOCD_PROJECT_KINDS = ['AppProject', 'Application', 'ApplicationSet'];

/** Argo CD matches group and kind with shell globs (Go's filepath.Match). */
function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );
  return re.test(value);
}

function entryMatches(entry: DocValue, group: string, kind: string): boolean {
  return typeof entry?.group === 'string' && typeof entry?.kind === 'string' && globMatches(entry.group, group) && globMatches(entry.kind, kind);
}

/**
 * A bootstrap project can deploy only into Argo CD's own namespace (the project's namespace): it exists to create
 * projects and applications. Every other project is written through by environment or tenant paths.
 */
function isBootstrapProject(p: SynthDocument): boolean {
  const destinations: DocValue[] = Array.isArray(p.object.spec?.destinations) ? p.object.spec.destinations : [];
  return destinations.length > 0 && destinations.every((d) => d?.namespace === namespaceOf(p));
}

function projectFindings(ctx: PolicyContext): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const p of ctx.index.ofKind('AppProject')) {
    if (!String(p.object.apiVersion ?? '').startsWith('argoproj.io/') || isBootstrapProject(p)) continue;
    const spec = p.object.spec ?? {};
    const why =
      "a commit under a path this project deploys could then create a project or application without restrictions; only the bootstrap project (destinations limited to Argo CD's namespace) may";
    const cluster: DocValue[] = Array.isArray(spec.clusterResourceWhitelist) ? spec.clusterResourceWhitelist : [];
    cluster.forEach((e, i) => {
      if (e?.group === '*' || e?.kind === '*') {
        out.push({
          doc: p,
          field: `spec.clusterResourceWhitelist[${i}]`,
          message: `whitelists every cluster-scoped kind (${JSON.stringify(e)}), ClusterRoleBindings and CRDs included; list the kinds the environment emits`,
        });
      }
    });
    const whitelist: DocValue[] = Array.isArray(spec.namespaceResourceWhitelist) ? spec.namespaceResourceWhitelist : [];
    const blacklist: DocValue[] = Array.isArray(spec.namespaceResourceBlacklist) ? spec.namespaceResourceBlacklist : [];
    if (whitelist.length > 0) {
      whitelist.forEach((e, i) => {
        const kinds = ARGOCD_PROJECT_KINDS.filter((k) => entryMatches(e, 'argoproj.io', k));
        if (kinds.length > 0 && !kinds.every((k) => blacklist.some((b) => entryMatches(b, 'argoproj.io', k)))) {
          out.push({ doc: p, field: `spec.namespaceResourceWhitelist[${i}]`, message: `allows ${kinds.join(', ')} (${JSON.stringify(e)}); ${why}` });
        }
      });
    } else {
      // Without a namespaced whitelist Argo CD allows every namespaced kind that the blacklist does not name.
      const allowed = ARGOCD_PROJECT_KINDS.filter((k) => !blacklist.some((b) => entryMatches(b, 'argoproj.io', k)));
      if (allowed.length > 0) {
        out.push({
          doc: p,
          field: 'spec.namespaceResourceBlacklist',
          message: `has no namespaceResourceWhitelist, so it allows ${allowed.join(', ')} unless blacklisted; ${why}: add them to namespaceResourceBlacklist`,
        });
      }
    }
  }
  return out;
}

export const ESCALATION_CHECKS: readonly PolicyCheck[] = [
  {
    id: 'tenant-guardrails-read-only',
    severity: 'critical',
    rationale:
      "A tenant that can change its NetworkPolicies, quota, limit range or RoleBindings can undo its isolation; Kubernetes' built-in admin and edit roles allow it.",
    docs: 'https://kubernetes.io/docs/concepts/security/multi-tenancy/#access-controls',
    coverage: {},
    run: tenantGuardrailFindings,
  },
  {
    id: 'argocd-project-no-escalation',
    severity: 'critical',
    rationale:
      'An AppProject that may create AppProjects, Applications or ApplicationSets (or every cluster-scoped kind) lets anyone who can commit under its paths deploy anything anywhere.',
    docs: 'https://argo-cd.readthedocs.io/en/stable/user-guide/projects/',
    coverage: {},
    run: projectFindings,
  },
];
