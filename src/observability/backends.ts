/** Where logs and traces go: the backends the agents ship to and Grafana reads from. */
import { ComponentResources, NetworkPeer } from './common';

export interface ElasticsearchOptions {
  /** Host name of the Elasticsearch HTTP endpoint. */
  readonly host: string;
  /** @default 9200 */
  readonly port?: number;
  /** @default true */
  readonly tls?: boolean;
  /** Daily indices are `<indexPrefix>-YYYY.MM.DD`. @default 'logs' */
  readonly indexPrefix?: string;
  /** User Fluent Bit authenticates as; its password comes from an ExternalSecret. @default 'fluent-bit' */
  readonly user?: string;
  /** Remote key (property `password`) of that user's password in the secret store. @default 'monitoring/elasticsearch' */
  readonly passwordRemoteKey?: string;
  /** Where Elasticsearch runs, for the agents' egress NetworkPolicy. */
  readonly peer: NetworkPeer;
}

export interface LokiOptions {
  readonly host: string;
  /** @default 3100 */
  readonly port?: number;
  /** @default false */
  readonly tls?: boolean;
  /** X-Scope-OrgID of a multi-tenant Loki. @default - none */
  readonly tenant?: string;
  readonly peer: NetworkPeer;
}

/** The log store Fluent Bit ships to. Elasticsearch is the seeds' choice (EFK); Loki is supported too. */
export class LogBackend {
  public static elasticsearch(o: ElasticsearchOptions): LogBackend {
    return new LogBackend('elasticsearch', o.host, o.port ?? 9200, o.tls ?? true, o.peer, {
      indexPrefix: o.indexPrefix ?? 'logs',
      user: o.user ?? 'fluent-bit',
      passwordRemoteKey: o.passwordRemoteKey ?? 'monitoring/elasticsearch',
    });
  }
  public static loki(o: LokiOptions): LogBackend {
    return new LogBackend('loki', o.host, o.port ?? 3100, o.tls ?? false, o.peer, { tenant: o.tenant });
  }
  private constructor(
    public readonly kind: 'elasticsearch' | 'loki',
    public readonly host: string,
    public readonly port: number,
    public readonly tls: boolean,
    public readonly peer: NetworkPeer,
    public readonly options: { readonly indexPrefix?: string; readonly user?: string; readonly passwordRemoteKey?: string; readonly tenant?: string },
  ) {}

  /** Base URL Grafana queries. */
  public get url(): string {
    return `${this.tls ? 'https' : 'http'}://${this.host}:${this.port}`;
  }
}

export interface JaegerOptions {
  /** Host of Jaeger's OTLP gRPC receiver (Jaeger v2 and v1.35+ take OTLP). */
  readonly host: string;
  /** @default 4317 */
  readonly otlpGrpcPort?: number;
  /** Jaeger query (UI/API) base URL for the Grafana datasource, e.g. `http://jaeger-query.tracing.svc:16686`. */
  readonly queryUrl: string;
  /** @default 16686 */
  readonly queryPort?: number;
  /** @default false */
  readonly tls?: boolean;
  /** Where Jaeger runs, for the collector's and Grafana's egress NetworkPolicies. */
  readonly peer: NetworkPeer;
}

/** Jaeger v2 image the stack deploys for {@link TraceBackend.jaegerInCluster} (pin its digest in `profile.imageDigests`). */
export const DEFAULT_JAEGER_IMAGE = 'docker.io/jaegertracing/jaeger:2.11.0';
/** How long the in-cluster Jaeger keeps spans (Badger TTL): three days cover a weekend's incidents. */
export const DEFAULT_JAEGER_RETENTION = '72h';
/** Volume of the in-cluster Jaeger's Badger store. */
export const DEFAULT_JAEGER_STORAGE_SIZE = '20Gi';
/** CPU/memory of the in-cluster Jaeger (Badger keeps memtables and block caches in memory). */
export const DEFAULT_JAEGER_RESOURCES: ComponentResources = { cpu: '100m', memory: '256Mi', memoryLimit: '1Gi' };

export interface JaegerInClusterOptions {
  /** How long spans are kept (Badger TTL), a Go duration such as `72h` (Go has no `d` unit). @default DEFAULT_JAEGER_RETENTION */
  readonly retention?: string;
  /** Size of the Badger volume (a Kubernetes quantity). @default DEFAULT_JAEGER_STORAGE_SIZE */
  readonly storageSize?: string;
  /** A `jaegertracing/jaeger` 2.x image. @default DEFAULT_JAEGER_IMAGE */
  readonly image?: string;
  /** @default DEFAULT_JAEGER_RESOURCES */
  readonly resources?: ComponentResources;
}

/** Where the collector exports traces and Grafana queries them, resolved for one environment. */
export interface TraceEndpoint {
  readonly host: string;
  readonly otlpGrpcPort: number;
  readonly queryUrl: string;
  readonly queryPort: number;
  readonly tls: boolean;
  /** Where it runs, for fixed egress rules; undefined when it is a workload of the ConnectionGraph (both ends come from the graph). */
  readonly peer?: NetworkPeer;
}

/**
 * The trace store the OpenTelemetry Collector exports to: a Jaeger run elsewhere ({@link TraceBackend.jaeger}) or
 * one the stack deploys in the monitoring namespace ({@link TraceBackend.jaegerInCluster}).
 */
export class TraceBackend {
  /** A Jaeger run outside the stack (another namespace, another team, a SaaS). */
  public static jaeger(o: JaegerOptions): TraceBackend {
    return new TraceBackend({ host: o.host, otlpGrpcPort: o.otlpGrpcPort ?? 4317, queryUrl: o.queryUrl, queryPort: o.queryPort ?? 16686, tls: o.tls ?? false, peer: o.peer }, undefined);
  }
  /**
   * Jaeger v2 deployed by the stack in the monitoring namespace: one pod (OTLP receiver, query UI on 16686) storing
   * spans in Badger on a persistent volume for `retention`. Grafana's Jaeger datasource and the collector point at it.
   */
  public static jaegerInCluster(o: JaegerInClusterOptions = {}): TraceBackend {
    return new TraceBackend(undefined, { ...o });
  }
  private constructor(
    /** The external Jaeger's endpoint; undefined for an in-cluster Jaeger. */
    public readonly external: TraceEndpoint | undefined,
    /** The in-cluster Jaeger's options; undefined for an external Jaeger. */
    public readonly inCluster: JaegerInClusterOptions | undefined,
  ) {}
}
