import { ClickHouseEngineOptions, clickhouseEngine } from './clickhouse';
import { ElasticsearchEngineOptions, elasticsearchEngine } from './elasticsearch';
import { KafkaEngineOptions, kafkaEngine } from './kafka';
import { MinioEngineOptions, minioEngine } from './minio';
import { PostgresEngineOptions, postgresEngine } from './postgres';
import { RedisEngineOptions, redisEngine } from './redis';
import { EngineDefinition } from './types';

/**
 * The engine of a {@link StatefulDatastore}: which database runs and how (config, probes, exporter, backup,
 * alert rules, HA layout). Choose one with a static factory, e.g. `Engine.postgres({ version: '16.4' })`.
 */
export class Engine {
  /**
   * PostgreSQL on CloudNativePG: a Cluster with automated failover (HA), WAL archiving and base backups through the
   * Barman Cloud plugin, databases and owner roles, an optional PgBouncer Pooler; a replica cluster in DR.
   */
  public static postgres(options: PostgresEngineOptions = {}): Engine {
    return new Engine(postgresEngine(options));
  }
  /** Redis: master + replicas watched by a Sentinel quorum (HA), RDB backups, redis_exporter. */
  public static redis(options: RedisEngineOptions = {}): Engine {
    return new Engine(redisEngine(options));
  }
  /** ClickHouse: one shard of replicas with a ClickHouse Keeper quorum (HA), native BACKUP to S3. */
  public static clickhouse(options: ClickHouseEngineOptions = {}): Engine {
    return new Engine(clickhouseEngine(options));
  }
  /** Elasticsearch: master-eligible data nodes (HA), S3 snapshots, elasticsearch_exporter. */
  public static elasticsearch(options: ElasticsearchEngineOptions = {}): Engine {
    return new Engine(elasticsearchEngine(options));
  }
  /** MinIO: distributed erasure-coded pool (HA), `mc mirror` backups, native metrics. */
  public static minio(options: MinioEngineOptions = {}): Engine {
    return new Engine(minioEngine(options));
  }
  /** Kafka through the Strimzi operator (KRaft), replication factor 3 in HA, Kafka Exporter. */
  public static kafka(options: KafkaEngineOptions = {}): Engine {
    return new Engine(kafkaEngine(options));
  }
  /** An engine defined outside this library (same contract as the built-in ones). */
  public static custom(definition: EngineDefinition): Engine {
    return new Engine(definition);
  }

  private constructor(
    /** What the engine contributes; read by StatefulDatastore. */
    public readonly definition: EngineDefinition,
  ) {}

  /** Short engine id (`postgresql`, `redis`, `clickhouse`, `elasticsearch`, `minio`, `kafka`). */
  public get id(): string {
    return this.definition.id;
  }
}
