/**
 * cert-manager: issues the certificates of Ingress TLS and datastore transport, and the ClusterIssuers the
 * profile names (ACME with an HTTP-01 or DNS-01 solver, self-signed, CA).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterIssuer, ClusterIssuerSpec } from '../../../imports/cert-manager.io';
import { KubeNetworkPolicy, IntOrString } from '../../../imports/k8s';
import { DocValue } from '../../core/documents';
import { fail } from '../../core/errors';
import { clusterServicesOf } from '../../core/cluster-services';
import { trafficOf } from '../../core/traffic-layer';
import { catalogChart } from '../chart';
import { AddOnContext, AddOnDefinition, AddOnProfileContext } from '../definition';
import { HTTP_REDIRECT_LISTENER } from '../../traffic/hostnames';
import {
  CLUSTER_RBAC_KINDS,
  controllerReplicas,
  CRD_KIND,
  MUTATING_WEBHOOK_KIND,
  RESTRICTED_CONTAINER,
  RESTRICTED_POD,
  RestrictedContainerSecurity,
  RestrictedPodSecurity,
  VALIDATING_WEBHOOK_KIND,
} from './common';

/** Let's Encrypt's ACME directories. */
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';
/** Label cert-manager puts on its HTTP-01 solver pods; port they answer the challenge on. */
export const HTTP01_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
export const HTTP01_SOLVER_PORT = 8089;
/** Annotations on an Ingress that name its issuer (cert-manager's ingress-shim). */
export const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';
export const ISSUER_ANNOTATION = 'cert-manager.io/issuer';

/** How an ACME issuer proves that the environment controls a domain. */
export class AcmeSolver {
  /**
   * HTTP-01 through an Ingress of the given class: cert-manager answers `/.well-known/acme-challenge/` behind
   * the ingress controller. Needs port 80 reachable from the internet.
   * @param ingressClass @default - the class of the environment's Ingress traffic layer (`TrafficLayer.ingress(...)`)
   */
  public static http01Ingress(ingressClass?: string): AcmeSolver {
    return new AcmeSolver({ kind: 'http01-ingress', ingressClass });
  }
  /**
   * HTTP-01 through an HTTPRoute attached to a Gateway (Gateway API; needs `AddOn.certManager({ gatewayApi: true })`):
   * cert-manager answers `/.well-known/acme-challenge/` on the Gateway's plain-HTTP listener. Needs port 80
   * reachable from the internet.
   * @param gateway @default - the environment's Gateway (`profile.traffic`) and its HTTP listener `http`
   */
  public static http01Gateway(gateway?: { readonly name: string; readonly namespace: string; readonly sectionName?: string }): AcmeSolver {
    return new AcmeSolver({ kind: 'http01-gateway', gateway });
  }
  /**
   * DNS-01 with Route 53. Credentials are ambient (IRSA or EKS Pod Identity on cert-manager's ServiceAccount);
   * `serviceAccountRoleArn` annotates that ServiceAccount for IRSA.
   */
  public static dns01Route53(props: { readonly region: string; readonly hostedZoneId?: string; readonly serviceAccountRoleArn?: string }): AcmeSolver {
    return new AcmeSolver({ kind: 'dns01-route53', ...props });
  }
  /** DNS-01 with Google Cloud DNS through Workload Identity on cert-manager's ServiceAccount. */
  public static dns01CloudDns(props: { readonly project: string }): AcmeSolver {
    return new AcmeSolver({ kind: 'dns01-clouddns', project: props.project });
  }
  private constructor(
    /** @internal */
    public readonly spec:
      | { readonly kind: 'http01-ingress'; readonly ingressClass?: string }
      | { readonly kind: 'http01-gateway'; readonly gateway?: { readonly name: string; readonly namespace: string; readonly sectionName?: string } }
      | { readonly kind: 'dns01-route53'; readonly region: string; readonly hostedZoneId?: string; readonly serviceAccountRoleArn?: string }
      | { readonly kind: 'dns01-clouddns'; readonly project: string },
  ) {}
}

/** Options of an ACME issuer. */
export interface AcmeIssuerProps {
  /** Account e-mail (expiry notices). */
  readonly email: string;
  readonly solver: AcmeSolver;
}

/** A ClusterIssuer the environment's certificates are signed by. */
export class TlsIssuer {
  /** Let's Encrypt production (trusted certificates, strict rate limits). */
  public static letsEncrypt(name: string, props: AcmeIssuerProps): TlsIssuer {
    return new TlsIssuer(name, { kind: 'acme', server: LETS_ENCRYPT_PRODUCTION, ...props });
  }
  /** Let's Encrypt staging (untrusted certificates, generous limits): for staging environments. */
  public static letsEncryptStaging(name: string, props: AcmeIssuerProps): TlsIssuer {
    return new TlsIssuer(name, { kind: 'acme', server: LETS_ENCRYPT_STAGING, ...props });
  }
  /** Any ACME directory. */
  public static acme(name: string, props: AcmeIssuerProps & { readonly server: string }): TlsIssuer {
    return new TlsIssuer(name, { kind: 'acme', ...props });
  }
  /** Self-signed certificates (development, or the root of a private CA). */
  public static selfSigned(name: string): TlsIssuer {
    return new TlsIssuer(name, { kind: 'selfSigned' });
  }
  /** A private CA whose key pair is the Secret `secretName` in cert-manager's namespace. */
  public static ca(name: string, props: { readonly secretName: string }): TlsIssuer {
    return new TlsIssuer(name, { kind: 'ca', secretName: props.secretName });
  }
  private constructor(
    public readonly name: string,
    /** @internal */
    public readonly spec:
      | ({ readonly kind: 'acme'; readonly server: string } & AcmeIssuerProps)
      | { readonly kind: 'selfSigned' }
      | { readonly kind: 'ca'; readonly secretName: string },
  ) {}

  /** The solver when this is an ACME issuer. */
  public get solver(): AcmeSolver | undefined {
    return this.spec.kind === 'acme' ? this.spec.solver : undefined;
  }
}

/** Options of {@link AddOn.certManager}. */
export interface CertManagerOptions {
  /** ClusterIssuers to create. @default none */
  readonly issuers?: readonly TlsIssuer[];
  /** Enable cert-manager's Gateway API support (certificates for Gateway listeners, HTTP-01 through HTTPRoutes). @default false */
  readonly gatewayApi?: boolean;
}

/** The values of the cert-manager chart the platform sets. */
export interface CertManagerValues {
  readonly crds: { readonly enabled: true; readonly keep: true };
  readonly global: { readonly leaderElection: { readonly namespace: string } };
  readonly replicaCount: number;
  readonly podDisruptionBudget: { readonly enabled: boolean };
  readonly securityContext: RestrictedPodSecurity;
  readonly containerSecurityContext: RestrictedContainerSecurity;
  readonly serviceAccount?: { readonly annotations: Readonly<Record<string, string>> };
  readonly config?: { readonly apiVersion: string; readonly kind: string; readonly enableGatewayAPI: boolean };
  readonly webhook: CertManagerComponentValues;
  readonly cainjector: CertManagerComponentValues;
  readonly startupapicheck: { readonly securityContext: RestrictedPodSecurity; readonly containerSecurityContext: RestrictedContainerSecurity };
}

interface CertManagerComponentValues {
  readonly replicaCount: number;
  readonly podDisruptionBudget: { readonly enabled: boolean };
  readonly securityContext: RestrictedPodSecurity;
  readonly containerSecurityContext: RestrictedContainerSecurity;
}

function issuerSpec(scope: Construct, issuer: TlsIssuer, ctx: AddOnContext): ClusterIssuerSpec {
  const s = issuer.spec;
  if (s.kind === 'selfSigned') return { selfSigned: {} };
  if (s.kind === 'ca') return { ca: { secretName: s.secretName } };
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.email))
    fail(scope, `issuers[${issuer.name}].email`, s.email, 'must be an e-mail address (the ACME account contact)');
  const v = s.solver.spec;
  const traffic = trafficOf(ctx.profile);
  if (v.kind === 'http01-ingress' && v.ingressClass === undefined && traffic.kind !== 'ingress') {
    fail(
      scope,
      `issuers[${issuer.name}].solver`,
      'AcmeSolver.http01Ingress()',
      "names no IngressClass and the environment's traffic layer is Gateway API: use AcmeSolver.http01Gateway() (cert-manager answers challenges through the environment's Gateway), or name the class",
    );
  }
  const gateway = v.kind === 'http01-gateway' ? http01Gateway(scope, issuer, v.gateway, ctx) : undefined;
  const solver =
    v.kind === 'http01-ingress'
      ? { http01: { ingress: { ingressClassName: v.ingressClass ?? (traffic.kind === 'ingress' ? traffic.className : '') } } }
      : v.kind === 'http01-gateway'
        ? {
            http01: {
              gatewayHttpRoute: { parentRefs: [{ name: gateway!.name, namespace: gateway!.namespace, kind: 'Gateway', sectionName: gateway!.sectionName }] },
            },
          }
        : v.kind === 'dns01-route53'
          ? { dns01: { route53: { region: v.region, ...(v.hostedZoneId ? { hostedZoneId: v.hostedZoneId } : {}) } } }
          : { dns01: { cloudDns: { project: v.project } } };
  return { acme: { server: s.server, email: s.email, privateKeySecretRef: { name: `${issuer.name}-account-key` }, solvers: [solver] } };
}

/** The Gateway and listener an HTTP-01 Gateway solver attaches its challenge routes to. */
function http01Gateway(
  scope: Construct,
  issuer: TlsIssuer,
  g: { readonly name: string; readonly namespace: string; readonly sectionName?: string } | undefined,
  ctx: AddOnProfileContext,
) {
  if (g) return { name: g.name, namespace: g.namespace, sectionName: g.sectionName ?? HTTP_REDIRECT_LISTENER };
  const traffic = trafficOf(ctx.profile);
  if (traffic.kind !== 'gatewayApi') {
    fail(
      scope,
      `issuers[${issuer.name}].solver`,
      'AcmeSolver.http01Gateway()',
      "names no Gateway and the environment's traffic layer is Ingress: name the Gateway, or use AcmeSolver.http01Ingress()",
    );
  }
  return { name: traffic.gatewayName, namespace: traffic.namespace, sectionName: HTTP_REDIRECT_LISTENER };
}

/** The cert-manager add-on definition. */
export function certManagerDefinition(options: CertManagerOptions, namespace: string): AddOnDefinition {
  const issuers = options.issuers ?? [];
  const roleArns = [
    ...new Set(
      issuers.flatMap((i) => (i.solver?.spec.kind === 'dns01-route53' && i.solver.spec.serviceAccountRoleArn ? [i.solver.spec.serviceAccountRoleArn] : [])),
    ),
  ];
  return {
    name: 'cert-manager',
    purpose: 'certificates for Gateway listeners (or Ingress TLS) and datastore transport; the ClusterIssuers',
    chart: catalogChart('cert-manager'),
    releaseName: 'cert-manager',
    namespace,
    serves: { groups: ['cert-manager.io', 'acme.cert-manager.io'] },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS, MUTATING_WEBHOOK_KIND, VALIDATING_WEBHOOK_KIND],
    features: options.gatewayApi ? ['gateway-api'] : [],
    values: (ctx): Record<string, unknown> => {
      const replicas = controllerReplicas(ctx.profile.highAvailability);
      const component: CertManagerComponentValues = {
        replicaCount: replicas,
        podDisruptionBudget: { enabled: replicas > 1 },
        securityContext: RESTRICTED_POD,
        containerSecurityContext: RESTRICTED_CONTAINER,
      };
      const values: CertManagerValues = {
        crds: { enabled: true, keep: true },
        // Leader election in its own namespace: the chart would otherwise write Roles into kube-system.
        global: { leaderElection: { namespace: ctx.namespace } },
        ...component,
        ...(roleArns[0] !== undefined ? { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': roleArns[0] } } } : {}),
        ...(options.gatewayApi
          ? { config: { apiVersion: 'controller.config.cert-manager.io/v1alpha1', kind: 'ControllerConfiguration', enableGatewayAPI: true } }
          : {}),
        webhook: component,
        cainjector: component,
        startupapicheck: { securityContext: RESTRICTED_POD, containerSecurityContext: RESTRICTED_CONTAINER },
      };
      return values as unknown as Record<string, unknown>;
    },
    controllers: (ctx) => [
      {
        component: 'controller',
        namespace: ctx.namespace,
        podLabels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'controller' },
        // ACME directories (443), the HTTP-01 self-check (80), DNS-01 provider APIs and authoritative name servers (53).
        egress: [
          { peers: ['anywhere'], ports: [80, 443] },
          { peers: ['anywhere'], ports: [53] },
          { peers: ['anywhere'], ports: [53], protocol: 'UDP' },
        ],
      },
      {
        component: 'webhook',
        namespace: ctx.namespace,
        podLabels: { 'app.kubernetes.io/name': 'webhook', 'app.kubernetes.io/component': 'webhook' },
        ports: [{ name: 'https', port: 10250 }],
        ingress: [{ peers: ['anywhere'], ports: [10250] }],
      },
    ],
    provides: () => ({ clusterIssuers: issuers.map((i) => i.name) }),
    configure: (scope, ctx) => {
      if (roleArns.length > 1)
        fail(scope, 'issuers', roleArns, 'DNS-01 solvers must share one serviceAccountRoleArn (it annotates the one cert-manager ServiceAccount)');
      const names = new Set<string>();
      for (const issuer of issuers) {
        if (names.has(issuer.name)) fail(scope, 'issuers', issuer.name, 'each ClusterIssuer name may be used once');
        names.add(issuer.name);
        new ClusterIssuer(scope, `ClusterIssuer-${issuer.name}`, { metadata: { name: issuer.name }, spec: issuerSpec(scope, issuer, ctx) });
      }
      addHttp01SolverPolicies(scope, ctx, issuers);
    },
    prerequisites: () => [
      ...(issuers.some((i) => i.solver?.spec.kind === 'http01-ingress')
        ? ['port 80 of the ingress controller reachable from the internet (ACME HTTP-01 challenges)']
        : []),
      ...(issuers.some((i) => i.solver?.spec.kind === 'http01-gateway')
        ? ['port 80 of the Gateway reachable from the internet (ACME HTTP-01 challenges), and DNS names of the exposed hosts pointing at it']
        : []),
      ...(issuers.some((i) => i.solver?.spec.kind === 'dns01-route53')
        ? ['an IAM role for cert-manager allowed to change the Route 53 records of the domain (DNS-01)']
        : []),
      ...(issuers.some((i) => i.solver?.spec.kind === 'dns01-clouddns')
        ? ['a Google service account for cert-manager (Workload Identity) with the DNS admin role (DNS-01)']
        : []),
    ],
  };
}

/**
 * HTTP-01 challenges are answered by solver pods cert-manager starts in the namespace of each Ingress (or Gateway)
 * that asks for a certificate: where namespaces deny ingress by default, what forwards outside traffic (the
 * ingress controller, or the Gateway's proxies) must be admitted to them.
 */
function addHttp01SolverPolicies(scope: Construct, ctx: AddOnContext, issuers: readonly TlsIssuer[]): void {
  const viaIngress = new Set(issuers.filter((i) => i.solver?.spec.kind === 'http01-ingress').map((i) => i.name));
  const viaGateway = new Set(issuers.filter((i) => i.solver?.spec.kind === 'http01-gateway').map((i) => i.name));
  if (viaIngress.size === 0 && viaGateway.size === 0) return;
  const namespaces = new Set<string>();
  for (const c of ctx.environment.node.findAll()) {
    if (!(c instanceof ApiObject) || (c.kind !== 'Ingress' && c.kind !== 'Gateway')) continue;
    const json = c.toJson();
    const issuer = json.metadata?.annotations?.[CLUSTER_ISSUER_ANNOTATION];
    const ns = json.metadata?.namespace;
    if (issuer === undefined || ns === undefined) continue;
    if (c.kind === 'Ingress' && viaIngress.has(issuer) && (json.spec?.tls ?? []).length > 0) namespaces.add(ns);
    if (
      c.kind === 'Gateway' &&
      String(c.apiVersion).startsWith('gateway.networking.k8s.io/') &&
      viaGateway.has(issuer) &&
      (json.spec?.listeners ?? []).some((l: DocValue) => (l?.tls?.certificateRefs ?? []).length > 0)
    )
      namespaces.add(ns);
  }
  const forwarder = clusterServicesOf(ctx.profile).ingressController;
  const from = {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': forwarder.namespace } },
    ...(Object.keys(forwarder.podLabels).length > 0 ? { podSelector: { matchLabels: { ...forwarder.podLabels } } } : {}),
  };
  for (const ns of [...namespaces].sort()) {
    new KubeNetworkPolicy(scope, `Http01Solver-${ns}`, {
      metadata: {
        name: 'acme-http01-solver',
        namespace: ns,
        labels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'acme-http01-solver' },
      },
      spec: {
        podSelector: { matchLabels: { [HTTP01_SOLVER_LABEL]: 'true' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [from], ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(HTTP01_SOLVER_PORT) }] }],
      },
    });
  }
}
