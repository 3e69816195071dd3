/** Where logs and traces go: the backends the agents ship to and Grafana reads from. */
import { NetworkPeer } from './common';

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

/** The trace store the OpenTelemetry Collector exports to. */
export class TraceBackend {
  public static jaeger(o: JaegerOptions): TraceBackend {
    return new TraceBackend(o.host, o.otlpGrpcPort ?? 4317, o.queryUrl, o.queryPort ?? 16686, o.tls ?? false, o.peer);
  }
  private constructor(
    public readonly host: string,
    public readonly otlpGrpcPort: number,
    public readonly queryUrl: string,
    public readonly queryPort: number,
    public readonly tls: boolean,
    public readonly peer: NetworkPeer,
  ) {}
}
