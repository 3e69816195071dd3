// The public API of StatefulDatastore: the construct and its props, the engines, the contract of a custom engine
// (Engine.custom) and the stateful guard. Engine internals (shell and container builders, restore steps), the
// resolution functions and the object builders of each part stay internal.
export { StatefulDatastore } from './stateful-datastore';
export { DATASTORE_MEMBER_LABEL, DEFAULT_BACKUP_ENDPOINT, PROTECT_ANNOTATIONS, VELERO_NAMESPACE } from './props';
export type { DatastoreBackup, DatastoreRecovery, DatastoreRestore, DatastoreStorage, ManagedEndpoint, StatefulDatastoreProps } from './props';
export { Engine } from './engine';
export type {
  BackupPlan,
  BackupTarget,
  EngineContext,
  EngineEndpoint,
  EngineDefinition,
  EngineService,
  EngineFail,
  ExtraObjectContext,
  MetricsEndpoint,
  RestorePlan,
  RestoreSource,
  RoleSpec,
} from './types';
export { BARMAN_CLOUD_PLUGIN, POSTGRES_DEFAULT_VERSION, POSTGRES_IMAGE_REPOSITORY, POSTGRES_POOLER_IMAGE } from './postgres';
export type { PostgresClientRef, PostgresDatabase, PostgresEngineOptions, PostgresPoolerOptions } from './postgres';
export { REDIS_DEFAULT_VERSION, REDIS_EXPORTER_IMAGE, REDIS_PROXY_IMAGE } from './redis';
export type { RedisEngineOptions } from './redis';
export { CLICKHOUSE_DEFAULT_VERSION } from './clickhouse';
export type { ClickHouseEngineOptions } from './clickhouse';
export { CURL_IMAGE, ELASTICSEARCH_DEFAULT_VERSION, ELASTICSEARCH_EXPORTER_IMAGE } from './elasticsearch';
export type { ElasticsearchEngineOptions, ElasticsearchUser } from './elasticsearch';
export { MC_IMAGE, MINIO_DEFAULT_VERSION } from './minio';
export type { MinioEngineOptions } from './minio';
export { DEFAULT_KAFKA_LISTENERS, KafkaAuthentication, kafkaUserName } from './kafka';
export type { KafkaClientRef, KafkaControllerOptions, KafkaEngineOptions, KafkaListenerOptions, KafkaTopicOptions } from './kafka';
export { statefulDrift, statefulGuardPlugin } from './stateful-guard';
export type { StatefulChange } from './stateful-guard';
export { recoveryObjectivesPlugin, recoveryProblems, recoveryTable } from './recovery';
