/** How a service is reached: Service type and Ingress hosts. */

/** The type of the service's Service. */
export class ServiceExposure {
  /** In-cluster only (the default). */
  public static clusterIP(): ServiceExposure {
    return new ServiceExposure('ClusterIP', []);
  }

  /**
   * A cloud load balancer. Its NetworkPolicy admits `sourceRanges` on the service ports.
   * @param sourceRanges CIDRs allowed in; @default ['0.0.0.0/0']
   */
  public static loadBalancer(sourceRanges: readonly string[] = ['0.0.0.0/0']): ServiceExposure {
    return new ServiceExposure('LoadBalancer', sourceRanges);
  }

  /** No cluster IP: DNS returns the pod IPs (clients that balance themselves, e.g. gRPC). */
  public static headless(): ServiceExposure {
    return new ServiceExposure('Headless', []);
  }

  private constructor(
    public readonly kind: 'ClusterIP' | 'LoadBalancer' | 'Headless',
    public readonly sourceRanges: readonly string[],
  ) {}
}

/** A path routed to the service. */
export interface IngressPath {
  readonly path: string;
  /** @default 'Prefix' */
  readonly pathType?: 'Prefix' | 'Exact';
}

/** A host of the service's Ingress, relative to the environment's domain or absolute. */
export class IngressHost {
  /** `<label>.<profile.domain>`, e.g. `api` becomes `api.example.com` in production. */
  public static subdomain(label: string, paths?: readonly IngressPath[]): IngressHost {
    return new IngressHost(label, false, paths);
  }

  /** The environment's domain itself (`profile.domain`). */
  public static apex(paths?: readonly IngressPath[]): IngressHost {
    return new IngressHost(undefined, false, paths);
  }

  /** A fully qualified host name used as is. */
  public static exact(hostname: string, paths?: readonly IngressPath[]): IngressHost {
    return new IngressHost(hostname, true, paths);
  }

  private constructor(
    private readonly name: string | undefined,
    private readonly absolute: boolean,
    /** @default [{ path: '/', pathType: 'Prefix' }] */
    public readonly paths: readonly IngressPath[] | undefined,
  ) {}

  /** The host name in an environment whose base domain is `domain`. */
  public hostname(domain: string): string {
    if (this.name === undefined) return domain;
    return this.absolute ? this.name : `${this.name}.${domain}`;
  }
}

/**
 * How the preview of a blue-green rollout is reached from outside for pre-promotion checks: its own host, or a
 * header on the service's hosts. Either routes to the `<name>-preview` Service (the new version until promotion).
 */
export class PreviewRoute {
  /** A host of its own (e.g. `IngressHost.subdomain('preview')`), with its own listener and certificate. */
  public static host(host: IngressHost): PreviewRoute {
    return new PreviewRoute({ kind: 'host', host });
  }
  /**
   * Requests to the service's hosts carrying `header: value` (Gateway API only: an HTTPRoute rule that matches the
   * header before the service's own rule).
   * @param header @default 'x-preview'
   * @param value @default 'true'
   */
  public static header(header = 'x-preview', value = 'true'): PreviewRoute {
    return new PreviewRoute({ kind: 'header', header, value });
  }
  private constructor(
    public readonly spec: { readonly kind: 'host'; readonly host: IngressHost } | { readonly kind: 'header'; readonly header: string; readonly value: string },
  ) {}
}
