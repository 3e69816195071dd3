/**
 * The environment's Gateway (Gateway API traffic layer): one per environment, owned by the platform, in its own
 * namespace. Its listeners are derived from the hosts that services and tenants claim: one HTTPS listener per host
 * (certificate from cert-manager's Gateway support, `allowedRoutes` limited to the namespaces that claimed it), and
 * one HTTP listener that only redirects to HTTPS. Without TLS in the profile, plain HTTP listeners per host.
 */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Gateway, HttpRoute } from '../../imports/gateway.networking.k8s.io';
import { ClientTrafficPolicy } from '../../imports/gateway.envoyproxy.io';
import { requireAddOn } from '../addons/requirements';
import { resolveAddOns } from '../addons/resolution';
import { EnvironmentChart } from '../core/environment-chart';
import { fail } from '../core/errors';
import { GatewayApiTraffic, trafficOf } from '../core/traffic-layer';
import { NamespaceTier } from '../gitops/delivery-group';
import { LazyInputOrigin, resolveInputOrigin } from '../synth/provenance';
import { PlatformNamespace } from '../tenancy/platform-namespace';
import { certificateSecretName, hostsOverlap, HTTP_REDIRECT_LISTENER, listenerName } from './hostnames';

/** Gateway API group. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** Most listeners a Gateway takes (the CRD's maxItems). */
export const MAX_GATEWAY_LISTENERS = 64;
/** Annotation cert-manager's Gateway support reads: the issuer of the listeners' certificates. */
export const GATEWAY_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';
/** The namespace label every namespace carries (Kubernetes sets it): listeners admit routes by it. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const CONSTRUCT_ID = 'gateway';
/** Longest listener name and Secret name (DNS subdomains). */
const MAX_NAME_LENGTH = 253;
const SYMBOL = Symbol.for('cdk8s-platform.EnvironmentGateway');

/** A host a service or tenant wants served by the environment's Gateway. */
export interface HostClaim {
  readonly host: string;
  /** Namespace whose routes may bind the host's listener. */
  readonly namespace: string;
  /**
   * Who claims it, for messages: a construct path, or `tenants.yaml:12:5: tenants[0].hostnames[1]` (or a function
   * that finds it, called only for a message).
   */
  readonly owner: LazyInputOrigin;
  /** The tenant claiming it: only the tenant's namespace may bind it, and no other claim may overlap it. */
  readonly tenant?: string;
}

interface ListenerClaims {
  readonly namespaces: Set<string>;
  readonly claims: HostClaim[];
}

/** The parent reference a route uses to bind the listener of one host. */
export interface GatewayParentRef {
  readonly group: string;
  readonly kind: 'Gateway';
  readonly name: string;
  readonly namespace: string;
  readonly sectionName: string;
}

/** The environment's Gateway; created by the first route or tenant host that needs it ({@link EnvironmentGateway.of}). */
export class EnvironmentGateway extends Construct {
  /**
   * The Gateway of the environment that contains `scope`, created on first use. Fails (naming `field` of `scope`)
   * when the environment's traffic layer is not Gateway API.
   */
  public static of(scope: IConstruct, field: string): EnvironmentGateway {
    const chart = EnvironmentChart.of(scope);
    const existing = chart.node.tryFindChild(CONSTRUCT_ID);
    if (existing && SYMBOL in existing) return existing as unknown as EnvironmentGateway;
    const traffic = trafficOf(chart.profile);
    if (traffic.kind !== 'gatewayApi') {
      fail(
        scope,
        field,
        'set',
        `needs the Gateway API traffic layer; profile.traffic is Ingress (class "${traffic.className}"): set profile.traffic to TrafficLayer.gatewayApi()`,
      );
    }
    return new EnvironmentGateway(chart, traffic);
  }

  /** Whether the environment has a Gateway (some route or tenant host asked for one). */
  public static exists(chart: EnvironmentChart): boolean {
    const existing = chart.node.tryFindChild(CONSTRUCT_ID);
    return existing !== undefined && SYMBOL in existing;
  }

  public readonly traffic: GatewayApiTraffic;
  public readonly gatewayName: string;
  public readonly namespace: string;
  /** Whether the listeners terminate TLS (the profile names a `tlsIssuer`); plain HTTP then only redirects. */
  public readonly tls: boolean;
  /** Whether Envoy Gateway (an add-on of the environment) implements the class: its policy kinds are available. */
  public readonly envoyGateway: boolean;

  private readonly hosts = new Map<string, ListenerClaims>();

  private constructor(chart: EnvironmentChart, traffic: GatewayApiTraffic) {
    super(chart, CONSTRUCT_ID);
    Object.defineProperty(this, SYMBOL, { value: true });
    const profile = chart.profile;
    this.traffic = traffic;
    this.gatewayName = traffic.gatewayName;
    this.namespace = traffic.namespace;
    this.tls = profile.tlsIssuer !== undefined;
    const { addOns } = resolveAddOns(this.node.path, profile);
    this.envoyGateway = addOns.some(
      (a) => a.name === 'envoy-gateway' && (a.definition.provides?.({ profile, namespace: a.namespace }).gatewayClasses ?? []).includes(traffic.className),
    );

    // Platform plumbing: the Gateway and its certificates (and, while a certificate is issued, cert-manager's
    // HTTP-01 solver) live here, delivered before the services that route through it.
    new PlatformNamespace(this, 'Namespace', { name: this.namespace, concern: 'gateway', team: 'platform', tier: NamespaceTier.system() });

    const metadata = {
      name: this.gatewayName,
      namespace: this.namespace,
      labels: { 'app.kubernetes.io/name': this.gatewayName, 'app.kubernetes.io/component': 'gateway' },
    };
    new ApiObject(this, 'Gateway', {
      ...Gateway.GVK,
      metadata: { ...metadata, ...(this.tls ? { annotations: { [GATEWAY_ISSUER_ANNOTATION]: profile.tlsIssuer! } } : {}) },
      spec: {
        gatewayClassName: traffic.className,
        listeners: Lazy.any({ produce: () => this.listeners() }),
      },
    });
    this.node.addValidation({
      validate: () => {
        const n = this.listenerCount();
        return n > MAX_GATEWAY_LISTENERS
          ? [
              `Gateway ${this.namespace}/${this.gatewayName} needs ${n} listeners (one per host name services and tenants expose, plus the HTTP redirect); a Gateway takes at most ${MAX_GATEWAY_LISTENERS}: expose fewer host names in this environment`,
            ]
          : [];
      },
    });
    if (!this.tls) return;
    // The listeners' certificates come from cert-manager's Gateway support (the annotation above), off by default.
    requireAddOn(this, 'cert-manager', "certificates of the Gateway's HTTPS listeners", (a) =>
      a.hasFeature('gateway-api') ? undefined : 'with Gateway API support: AddOn.certManager({ gatewayApi: true })',
    );
    // Plain HTTP only redirects: no other route may bind the HTTP listener (it admits routes of this namespace only).
    new ApiObject(this, 'HttpsRedirect', {
      ...HttpRoute.GVK,
      metadata: { ...metadata, name: `${this.gatewayName}-https-redirect` },
      spec: {
        parentRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: this.gatewayName, sectionName: HTTP_REDIRECT_LISTENER }],
        rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
      },
    });
    if (this.envoyGateway) {
      new ApiObject(this, 'ClientTrafficPolicy', {
        ...ClientTrafficPolicy.GVK,
        metadata: { ...metadata },
        spec: {
          targetRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: this.gatewayName }],
          tls: { minVersion: traffic.minTlsVersion },
        },
      });
    }
  }

  /**
   * Claims `host` for the routes of `claim.namespace`. A tenant's host may overlap no other claim; platform services
   * may share a host (different paths). `reject` reports a conflict where the claim came from.
   */
  public claim(claim: HostClaim, reject: (allowed: string) => never): void {
    const longest = Math.max(listenerName('https', claim.host).length, certificateSecretName(claim.host).length);
    if (longest > MAX_NAME_LENGTH)
      reject(`is too long for a Gateway listener name and certificate Secret name derived from it (at most ${MAX_NAME_LENGTH - 6} characters)`);
    for (const [host, l] of this.hosts) {
      if (!hostsOverlap(host, claim.host)) continue;
      for (const other of l.claims) {
        // A tenant's own names, and the platform's services among themselves (different paths of one host), share.
        if (other.tenant === claim.tenant) continue;
        const owner = resolveInputOrigin(other.owner);
        const who = other.tenant !== undefined ? `tenant ${other.tenant} (${owner})` : `the platform (${owner})`;
        reject(
          `${host === claim.host ? 'is' : `overlaps "${host}", which is`} already claimed by ${who} in environment ${EnvironmentChart.of(this).profile.name}: a host name belongs to one tenant, or to the platform's services`,
        );
      }
    }
    let l = this.hosts.get(claim.host);
    if (!l) this.hosts.set(claim.host, (l = { namespaces: new Set(), claims: [] }));
    l.namespaces.add(claim.namespace);
    l.claims.push(claim);
  }

  /** The parent reference binding the listener of `host` (claimed before). */
  public parentRef(host: string): GatewayParentRef {
    return {
      group: GATEWAY_API_GROUP,
      kind: 'Gateway',
      name: this.gatewayName,
      namespace: this.namespace,
      sectionName: listenerName(this.tls ? 'https' : 'http', host),
    };
  }

  /** The listeners, at synth: the HTTP redirect (with TLS), then one per claimed host in name order. */
  private listeners(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    if (this.tls) {
      out.push({ name: HTTP_REDIRECT_LISTENER, protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } });
    }
    for (const host of [...this.hosts.keys()].sort()) {
      const namespaces = [...this.hosts.get(host)!.namespaces].sort();
      const selector =
        namespaces.length === 1
          ? { matchLabels: { [NAMESPACE_NAME_LABEL]: namespaces[0] } }
          : { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: namespaces }] };
      out.push({
        name: listenerName(this.tls ? 'https' : 'http', host),
        hostname: host,
        protocol: this.tls ? 'HTTPS' : 'HTTP',
        port: this.tls ? 443 : 80,
        ...(this.tls ? { tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: certificateSecretName(host) }] } } : {}),
        allowedRoutes: { namespaces: { from: 'Selector', selector } },
      });
    }
    return out;
  }

  private listenerCount(): number {
    return this.hosts.size + (this.tls ? 1 : 0);
  }
}
