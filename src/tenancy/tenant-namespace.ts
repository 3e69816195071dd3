import { Construct } from 'constructs';
import { KubeNamespace } from '../../imports/k8s';
import { IWorkload, WorkloadPort } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { fail, PlatformConfigError, uniqueId } from '../core/errors';
import { traceInput } from '../synth/provenance';
import { NamespaceTier } from '../gitops/delivery-group';
import { NamespaceTiers } from '../gitops/namespace-tiers';
import { LABEL_COST_CENTER, LABEL_PART_OF, LABEL_TENANT } from '../core/labels';
import { addNamespaceGuardrails, LABEL_ENVIRONMENT, LABEL_PLAN, podSecurityLabels } from './guardrails';
import { InputProblem, Plan, QuotaOverrides } from './plan';
import { addAppProject, addCiDeployer, addOwnerBindings, DEFAULT_ARGOCD_NAMESPACE, TENANT_CLUSTER_ROLES } from './tenant-access';
import { addTenantNetworkPolicies } from './tenant-network';
import { trafficOf } from '../core/traffic-layer';
import { EnvironmentGateway } from '../traffic/environment-gateway';
import { hostnameProblem, isWithin } from '../traffic/hostnames';
import {
  displayNameProblem,
  groupProblem,
  labelValueFieldProblem,
  repoProblem,
  sharedServiceProblem,
  TENANT_NAMESPACE_PREFIX,
  tenantIdProblem,
} from './validation';

/** Ports the monitoring namespace may scrape in a tenant namespace: any container port named `metrics`. */
export const DEFAULT_METRICS_PORTS: readonly (string | number)[] = ['metrics'];
/** Annotation with the tenant's display name (free text does not fit in a label). */
export const ANNOTATION_DISPLAY_NAME = 'platform.io/display-name';
/** Annotation listing the groups bound to `admin`, for people reading the namespace. */
export const ANNOTATION_OWNERS = 'platform.io/owners';
const PART_OF = 'platform-tenancy';

/** A port of a shared platform service. */
export interface SharedServicePort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** A shared platform service (a database, a broker) a tenant may be entitled to reach. */
export interface SharedService {
  /** Name of the entitlement (as listed in tenants.yaml). */
  readonly name: string;
  /** The service's namespace; never a tenant namespace. */
  readonly namespace: string;
  /**
   * Name of the service's workload in the {@link ConnectionGraph} (a StatefulDatastore's or
   * MicroserviceDeployment's name). When given it must exist: the tenant is connected to it, so the service's
   * own NetworkPolicy admits the tenant and the tenant's egress follows the workload (pods, or the CIDRs of a
   * managed datastore).
   * @default - the podSelector's `app.kubernetes.io/name`, used when such a workload is registered; otherwise
   * (a service outside this library) only the tenant's egress to `podSelector` is opened
   */
  readonly workload?: string;
  /** Labels of the service's pods. @default - every pod of the namespace */
  readonly podSelector?: Readonly<Record<string, string>>;
  /**
   * Ports the tenant may reach.
   * @default - with `workload`: every port its clients use in this environment (e.g. Redis's 6379 and, where
   * Sentinels run, 26379); without `workload` ports are required
   */
  readonly ports?: readonly SharedServicePort[];
}

/** Identity-provider groups bound in the tenant's namespace to the platform's tenant roles (see tenancy/tenant-roles.ts). */
export interface TenantOwners {
  /** Bound to `platform-tenant-admin` (admin without guard-rail or RBAC writes); at least one. */
  readonly admin: readonly string[];
  /** Bound to `platform-tenant-edit` (edit without guard-rail writes). @default - none */
  readonly edit?: readonly string[];
  /** Bound to the built-in read-only `view`. @default - none */
  readonly view?: readonly string[];
}

export interface TenantNamespaceProps {
  /** Tenant id: a DNS-1123 label; the namespace is `tenant-<id>` and the AppProject has the same name. */
  readonly tenant: string;
  /** Human name, in an annotation and the AppProject's description. @default - the tenant id */
  readonly displayName?: string;
  /** Quota and LimitRange. */
  readonly plan: Plan;
  /** Per-tenant quota entries merged over the plan's. @default - the plan's quota */
  readonly quotaOverrides?: QuotaOverrides;
  readonly owners: TenantOwners;
  /** Git repositories the tenant's Argo CD applications may deploy from (no wildcards). */
  readonly sourceRepos: readonly string[];
  /** `platform.io/cost-center` label on the namespace. @default - the tenant id */
  readonly costCenter?: string;
  /** Shared platform services the tenant may open connections to. @default - none */
  readonly sharedServices?: readonly SharedService[];
  /** Container ports (names or numbers) the monitoring namespace may scrape. @default DEFAULT_METRICS_PORTS */
  readonly metricsPorts?: readonly (string | number)[];
  /** Emit a ServiceAccount + Role + RoleBinding for the tenant's CI. @default true */
  readonly ciDeployer?: boolean;
  /** Namespace of Argo CD, where the AppProject goes. @default DEFAULT_ARGOCD_NAMESPACE */
  readonly argocdNamespace?: string;
  /**
   * Host names the tenant serves (its custom domains, or its own subdomain of the environment's domain
   * `<id>.<domain>` and names below it; a leading `*.` wildcard allowed). Each gets an HTTPS listener on the
   * environment's Gateway (`https.<host>`, certificate `tls.<host>` from cert-manager) that admits routes of the
   * tenant's namespace only; no other tenant and no platform service may claim an overlapping name. Needs the
   * Gateway API traffic layer.
   * @default - none
   */
  readonly hostnames?: readonly string[];
  /**
   * The input file entry these props came from (set by `loadTenants`): a problem the construct finds in a prop
   * is then reported at the file's line and field (`tenants.yaml:7:18: tenants[0].displayName: ...`).
   * @default - problems name the construct path
   */
  readonly source?: TenantSource;
}

/** Where a tenant's props came from in an input file, so that problems are reported there. */
export interface TenantSource {
  /** The entry's field path in the file, e.g. `tenants[3]`. */
  readonly entry: string;
  /** `file:line:col` of a field of the file (`tenants[3].displayName`). */
  locate(field: string): string;
}

/** A tenant entry as the tenants file gives it: the construct's props plus where the tenant exists. */
export interface TenantDefinition extends TenantNamespaceProps {
  /** Environment names (profile.name) the tenant exists in. */
  readonly environments: readonly string[];
}

/**
 * An isolated, quota-bound namespace for one tenant: Namespace with PSA `restricted`, ResourceQuota and
 * LimitRange from the plan, NetworkPolicies (default deny both ways; DNS; same namespace; from the ingress
 * controller; scrapes from monitoring on metrics ports; egress to entitled shared services; nothing between
 * tenants), RoleBindings to the platform's tenant admin/edit roles and to view, a CI deployer and an Argo CD
 * AppProject confined to the namespace (emitted by the Argo CD delivery).
 */
/** The delivery group (one Argo CD Application / Flux Kustomization) that applies every tenant namespace. */
export const TENANT_DELIVERY_GROUP = 'tenants';

export class TenantNamespace extends Construct implements IWorkload {
  /** The tenants of the environment that contains `scope`, in declaration order (held by the chart). */
  private static tenantsOf(scope: Construct): TenantNamespace[] {
    return EnvironmentChart.of(scope)._service('cdk8s-platform.TenantNamespaces', (): TenantNamespace[] => []);
  }

  /**
   * Every container port (names and numbers) any tenant of the environment of `scope` lets monitoring scrape,
   * always including {@link DEFAULT_METRICS_PORTS}; numbers first, then names. Read it at synth (Lazy): tenants
   * may be declared after the reader.
   */
  public static metricsPortsOf(scope: Construct): (string | number)[] {
    const ports = new Set<string | number>(DEFAULT_METRICS_PORTS);
    for (const t of TenantNamespace.tenantsOf(scope)) t.metricsPorts.forEach((p) => ports.add(p));
    return [...ports].sort((a, b) => (typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === 'number' ? -1 : 1));
  }

  /**
   * Creates the tenants meant for the environment of `scope` (those whose `environments` list its profile name),
   * in the given order. Construct ids are `tenant-<id>`.
   */
  public static forEnvironment(scope: Construct, tenants: readonly TenantDefinition[]): TenantNamespace[] {
    const env = EnvironmentChart.of(scope).profile.name;
    return tenants.filter((t) => t.environments.includes(env)).map((t) => new TenantNamespace(scope, `${TENANT_NAMESPACE_PREFIX}${t.tenant}`, t));
  }

  public readonly tenant: string;
  /** `tenant-<id>`. */
  public readonly namespaceName: string;
  /** The plan with the tenant's overrides applied. */
  public readonly plan: Plan;
  /** Name of the Argo CD AppProject (the namespace name). */
  public readonly projectName: string;
  public readonly displayName: string;
  public readonly costCenter: string;
  public readonly metricsPorts: readonly (string | number)[];
  /** As a peer of the connection graph: `tenant-<id>`, every pod of the namespace, accepting no connections. */
  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>> = {};
  public readonly clientPorts: readonly WorkloadPort[] = [];
  /** Host names the tenant serves on the environment's Gateway (its listeners admit the tenant's routes only). */
  public readonly hostnames: readonly string[];

  public constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, uniqueId(scope, id));
    const profile = EnvironmentChart.of(this).profile;
    const check = (problem: InputProblem | undefined): void => {
      if (problem) this.fail(props.source, problem.field, problem.value, problem.allowed);
    };
    check(tenantIdProblem('tenant', props.tenant));
    this.tenant = props.tenant;
    this.namespaceName = `${TENANT_NAMESPACE_PREFIX}${props.tenant}`;
    this.projectName = this.namespaceName;
    this.workloadName = this.namespaceName;
    this.namespace = this.namespaceName;
    this.displayName = props.displayName ?? props.tenant;
    this.costCenter = props.costCenter ?? props.tenant;
    this.metricsPorts = props.metricsPorts ?? DEFAULT_METRICS_PORTS;
    if (props.displayName !== undefined) check(displayNameProblem('displayName', props.displayName));
    check(labelValueFieldProblem('costCenter', this.costCenter));
    this.plan = props.plan.withQuota(props.quotaOverrides);
    if (props.quotaOverrides) {
      const p = props.plan.quotaProblems(this.plan.quota)[0];
      if (p) this.fail(props.source, `quotaOverrides.${p.field}`, p.value, p.allowed);
    }
    if (props.owners.admin.length === 0)
      this.fail(props.source, 'owners.admin', props.owners.admin, 'must name at least one group: a tenant without an owner cannot be operated');
    for (const role of TENANT_CLUSTER_ROLES) {
      (props.owners[role] ?? []).forEach((g, i) => check(groupProblem(`owners.${role}[${i}]`, g)));
    }
    if (props.sourceRepos.length === 0)
      this.fail(props.source, 'sourceRepos', props.sourceRepos, 'must list at least one Git repository the tenant deploys from');
    props.sourceRepos.forEach((r, i) => check(repoProblem(`sourceRepos[${i}]`, r)));
    (props.sharedServices ?? []).forEach((s, i) => check(sharedServiceProblem(`sharedServices[${i}]`, s)));
    this.metricsPorts.forEach((p, i) => check(metricsPortProblem(`metricsPorts[${i}]`, p)));

    const ns = this.namespaceName;
    // Tenants are delivered together (one Application for all of them) in the tenant tier.
    NamespaceTiers.of(this).suggest(ns, NamespaceTier.tenant(), TENANT_DELIVERY_GROUP);
    const labels = { [LABEL_TENANT]: this.tenant, [LABEL_PART_OF]: PART_OF };
    const annotations: Record<string, string> = {
      [ANNOTATION_DISPLAY_NAME]: this.displayName,
      [ANNOTATION_OWNERS]: props.owners.admin.join(', '),
    };
    // Deleting a tenant's namespace deletes its volumes: where stateful resources are protected Argo CD must not.
    if (profile.protectStatefulResources) annotations['argocd.argoproj.io/sync-options'] = 'Prune=false,Delete=false';
    const namespaceObject = new KubeNamespace(this, 'Resource', {
      metadata: {
        name: ns,
        labels: {
          ...podSecurityLabels('restricted'),
          ...labels,
          [LABEL_PLAN]: this.plan.name,
          [LABEL_ENVIRONMENT]: profile.name,
          [LABEL_COST_CENTER]: this.costCenter,
        },
        annotations,
      },
    });
    // Fields that carry input verbatim: problems found on them at synth are reported at the input file.
    // Located only when a message needs it (locating parses the file with positions).
    const origin = (field: string): (() => string) | undefined => {
      const source = props.source;
      if (!source) return undefined;
      const f = `${source.entry}.${field}`;
      return () => `${source.locate(f)}: ${f}`;
    };
    const traced: [string, string][] = [
      [`metadata.annotations["${ANNOTATION_DISPLAY_NAME}"]`, 'displayName'],
      [`metadata.labels["${LABEL_COST_CENTER}"]`, 'costCenter'],
      [`metadata.labels["${LABEL_TENANT}"]`, 'id'],
    ];
    for (const [path, field] of traced) {
      const o = origin(field);
      if (o) traceInput(namespaceObject, path, o);
    }
    addNamespaceGuardrails(this, ns, this.plan, labels);
    TenantNamespace.tenantsOf(this).push(this);

    addTenantNetworkPolicies(this, profile, labels, this.metricsPorts, props.sharedServices ?? []);
    this.hostnames = props.hostnames ?? [];
    this.hostnames.forEach((host, j) => this.claimHostname(props.source, `hostnames[${j}]`, host, origin(`hostnames[${j}]`)));
    addOwnerBindings(this, ns, labels, props.owners);
    if (props.ciDeployer ?? true) addCiDeployer(this, ns, labels, profile);
    addAppProject(this, {
      name: this.projectName,
      argocdNamespace: props.argocdNamespace ?? DEFAULT_ARGOCD_NAMESPACE,
      labels,
      description: `Tenant ${this.displayName} (${this.plan.name} plan)`,
      sourceRepos: props.sourceRepos,
      server: profile.cluster.server,
      namespace: ns,
      origins: Object.fromEntries(
        [
          ['spec.description', origin('displayName')],
          ['spec.sourceRepos', origin('sourceRepos')],
        ].filter((e): e is [string, () => string] => e[1] !== undefined),
      ),
    });
  }

  /**
   * Claims `host` for the tenant on the environment's Gateway: a listener that admits routes of the tenant's
   * namespace only. Names under the environment's own domain are the platform's, except the tenant's subdomain.
   */
  private claimHostname(source: TenantSource | undefined, field: string, host: string, origin: (() => string) | undefined): void {
    const profile = EnvironmentChart.of(this).profile;
    const problem = hostnameProblem(host, true);
    if (problem) this.fail(source, field, host, problem);
    const own = `${this.tenant}.${profile.domain}`;
    if (isWithin(host, profile.domain) && !isWithin(host, own)) {
      this.fail(
        source,
        field,
        host,
        `is under the platform's domain ${profile.domain} (environment ${profile.name}); a tenant may claim there only its own subdomain ${own} and names below it, or domains of its own`,
      );
    }
    const traffic = trafficOf(profile);
    if (traffic.kind !== 'gatewayApi') {
      this.fail(
        source,
        field,
        host,
        `is bound on the environment's Gateway, and environment ${profile.name} keeps Ingress (profile.traffic, class "${traffic.className}"): remove the tenant's hostnames there, or move the environment to TrafficLayer.gatewayApi()`,
      );
    }
    EnvironmentGateway.of(this, field).claim(
      { host, namespace: this.namespaceName, owner: origin ?? `${this.node.path} ${field}`, tenant: this.tenant },
      (allowed) => this.fail(source, field, host, allowed),
    );
  }

  /** Fails for a prop: at its place in the input file when the props came from one, else at the construct path. */
  private fail(source: TenantSource | undefined, field: string, value: unknown, allowed: string): never {
    if (!source) return fail(this, field, value, allowed);
    const head = /^[A-Za-z]+/.exec(field)?.[0] ?? field;
    const fileField = `${source.entry}.${FILE_FIELD[head] ?? head}${field.slice(head.length)}`;
    throw new PlatformConfigError(source.locate(fileField), fileField, value, allowed);
  }
}

/** Props whose name differs from the tenants file's field. */
const FILE_FIELD: Readonly<Record<string, string>> = { tenant: 'id', quotaOverrides: 'overrides.quota' };

const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function metricsPortProblem(field: string, p: string | number): InputProblem | undefined {
  if (typeof p === 'number' ? Number.isInteger(p) && p >= 1 && p <= 65535 : p.length <= 15 && PORT_NAME.test(p)) return undefined;
  return { field, value: p, allowed: 'must be a port number (1-65535) or a container port name (at most 15 characters of [a-z0-9-], with a letter)' };
}
