import { ImageReference } from '../src';

/** Registry of the platform's own services. */
export const REGISTRY = 'registry.example.com/platform';

/**
 * Digest pins (`repository:tag` → digest) for every image the platform runs: the services' releases and the
 * third-party images the constructs use by tag. Synth writes `repository:tag@digest` (profile.imageDigests), so
 * production's digest-only policy holds for every pod.
 *
 * In this reference repository the digests are PLACEHOLDERS (sha256 of the reference text): your image
 * promotion job replaces them with the registry's real digests (`crane digest repository:tag`).
 */
export const IMAGE_DIGESTS: Readonly<Record<string, string>> = {
  'cr.fluentbit.io/fluent/fluent-bit:3.1.9': 'sha256:4bb8bd8834db2ea91fedc9e14322c72c8318fc066e53846e4a7bbff9ff424c04',
  'docker.elastic.co/elasticsearch/elasticsearch:8.15.3': 'sha256:a866dd01dfe9a01a8e381b6b5910b1177c78ad2afb2f2a513917c8feaf7b28bc',
  'docker.io/clickhouse/clickhouse-keeper:24.8.4.13': 'sha256:ccb3d94a2a69f03d1daa102d17fb11c9e9e96394762bf809b3c2ec46d795d0d1',
  'docker.io/clickhouse/clickhouse-server:24.8.4.13': 'sha256:9b2d0ec0ecf36f52f299bfa31d21490d6b4a00f487eb3e99a3441a9d0163a56d',
  'docker.io/curlimages/curl:8.10.1': 'sha256:c46294bf5fa5f80565b487b1c4305b49e208c1760bba8d8f3f2f6617d8b4d688',
  'docker.io/grafana/grafana:11.2.2': 'sha256:ff7489f24c0fde17abf6b9eeaded8ef4d1db803490eea25da3d5d0bce9d13a44',
  'docker.io/jaegertracing/jaeger:2.11.0': 'sha256:e075c448e09f0626807b920c448d2d0a412eb2a1dc772da19dd0b4db24b1cb7f',
  'docker.io/library/haproxy:3.0.5': 'sha256:1cf9e0ba3259865e015df721c45c6ae106c8aa70da17d3cb011d97f8eabb5ccc',
  'docker.io/library/postgres:16.4': 'sha256:18ca423de4deaea0bdbe46726f44eb12a25751e7a9601a39c533753204c0c84e',
  'docker.io/library/redis:7.4.1': 'sha256:603ac541e0c76773c7360e650b8d84fb21f10782a3f9bdcbb1d5fdb8710fbfef',
  'docker.io/otel/opentelemetry-collector-contrib:0.111.0': 'sha256:118339865f1cf1f7af72c867cd93b872073a9dcc75a2d0077d82cd2d17745ff2',
  'quay.io/minio/mc:RELEASE.2024-10-08T09-37-26Z': 'sha256:629e010c9f3fea3d110eb77fd3f0f084136b245736a31d2a11c7f2523f47bd0e',
  'quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z': 'sha256:a3fa29613bee25125f4fdfbef9ee9f091159ef2e52057a921a4fd80242c826b0',
  'quay.io/oliver006/redis_exporter:v1.64.1': 'sha256:88f2c1ab9d283c6580abaa549d13272450945bae86280897eb395a6fe65baf51',
  'quay.io/prometheus/alertmanager:v0.27.0': 'sha256:994dbf0709d6ca8441da74ae40a4d8ddd40d8c4bde8fe2fd8558278936a470af',
  'quay.io/prometheus/prometheus:v2.53.2': 'sha256:bb95258cc34f8a16a37ba5a59d9b2d08f86ca1e0818f19b8c5fa3f24b73d73cd',
  'quay.io/prometheuscommunity/elasticsearch-exporter:v1.8.0': 'sha256:416080eac665b7978a39e66e0f8ab0991f561beb63c6a2c428723f7423219110',
  'quay.io/prometheuscommunity/postgres-exporter:v0.15.0': 'sha256:68c6792ae35f6324513766565b87e6b5d193a03c3f8cfeb113d2336990941cf6',
  'registry.example.com/platform/api-gateway:1.4.2': 'sha256:f39c3f7fadd4543089f8c24a267dc5f5585b2c8f2d8b73c32bbe5ab156690bfa',
  'registry.example.com/platform/api-gateway:1.5.0': 'sha256:4f17a7440fa78e7e6e29f99ae76fe1cb3633f6ef9882f99d430a7c27d1b04c48',
  'registry.example.com/platform/auth-service:1.2.3': 'sha256:cf5bf7aecf4f7874adf40424e401168484c74783fe9005826ea86af3044c8c96',
  'registry.example.com/platform/auth-service:1.3.0': 'sha256:d07fc947f9a4e0ade6e70ea82c71b6d1730282f64e2101f405277f9ef3d63a40',
  'registry.example.com/platform/document-processing:0.8.5': 'sha256:e13d28f898b7eebb362b0ce4a7d7d1e9a088f5f7277001e0d1aefdd8117b704c',
  'registry.example.com/platform/document-processing:0.9.0': 'sha256:53824738a457106e289f85459b13f63349927fe6b223b57dc3a0fc89b87eb0c9',
  'registry.example.com/platform/frontend:2.2.4': 'sha256:bc4365cf4e1aaaf9f02ab1055ac2b8a8c0de02b7637924e54e2c1606fb07cbe6',
  'registry.example.com/platform/frontend:2.3.0': 'sha256:afd7a894fdf06e633989e58d85c76cb2d9c4930ab6f5204db7d4077f25e4d376',
  'registry.example.com/platform/invoice-service:3.0.7': 'sha256:f02f47e6b729103d0d82fb841777d7848b1da6ba8ffd830ed130f0bed7886dbc',
  'registry.example.com/platform/invoice-service:3.1.0': 'sha256:2d8fad2ada6a1b1151f8125759b571df8a68071e41deb143f272d904524a3d29',
  'registry.example.com/platform/notification-service:1.0.9': 'sha256:8b03706d668b90a7d4625f24c5138ca9ed822254efe595664de407245128f848',
  'registry.example.com/platform/notification-service:1.1.0': 'sha256:457efa2d601154430623de3fe24c21ad0b6ae4cf22e3103fa025c0c444c03a8c',
  'registry.example.com/platform/user-service:1.2.0': 'sha256:542c6d7b54312b88a7dae06240971482160c7caccdc0ea3d862a6f31b1ae40f5',
  'registry.example.com/platform/user-service:1.2.1': 'sha256:8828b7c1d64d099f4af276479d065358f4f67cac92c84e5434a7e2721dd3555f',
};

/** A service's release: pinned by digest when the table has it, by tag otherwise. */
export function serviceImage(name: string, tag: string): ImageReference {
  const repository = `${REGISTRY}/${name}`;
  const digest = IMAGE_DIGESTS[`${repository}:${tag}`];
  return digest ? ImageReference.fromDigest(repository, digest, tag) : ImageReference.fromTag(repository, tag);
}
