/**
 * The flow proof on the reference platform (charts/): what it needs and whether dist/'s NetworkPolicies admit it.
 */
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../charts';
import { EnvironmentOutput, synthesizeToJson } from '../../src';
import { proveFlows } from '../../src/policy/flows/proof';

let envs: EnvironmentOutput[] | undefined;
function env(name: string): EnvironmentOutput {
  envs ??= synthesizeToJson(buildApp()).envs;
  return envs.find((e) => e.directory === name)!;
}

describe('the flow proof on the reference platform', () => {
  it('GIVEN production before the fixes THEN it reports the Rollouts -> Prometheus, Kafka and Prometheus self-scrape flows as blocked', () => {
    expect(proveFlows(env('production')).violations).toEqual([
      "production: argo-rollouts/argo-rollouts -> monitoring/prometheus:9090/TCP: blocked by monitoring/default-deny-all, monitoring/prometheus (ingress of monitoring/prometheus: default-deny-all admits no ingress (default deny); prometheus admits 9090/TCP only from namespace monitoring pods {app.kubernetes.io/instance=grafana,app.kubernetes.io/name=grafana})",
      "production: backend/document-processing -> db-kafka/kafka-kafka:9092/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: backend/document-processing -> db-kafka/kafka-kafka:9093/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: backend/invoice-service -> db-kafka/kafka-kafka:9092/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: backend/invoice-service -> db-kafka/kafka-kafka:9093/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: backend/notification-service -> db-kafka/kafka-kafka:9092/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: backend/notification-service -> db-kafka/kafka-kafka:9093/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: db-kafka/kafka-entity-operator -> db-kafka/kafka-kafka:9091/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-entity-operator: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))",
      "production: db-kafka/kafka-entity-operator -> db-kafka/kafka-kafka:9091/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: db-kafka/kafka-entity-operator -> default/kubernetes:443/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-entity-operator: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))",
      "production: db-kafka/kafka-entity-operator -> default/kubernetes:6443/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-entity-operator: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))",
      "production: db-kafka/kafka-kafka -> db-kafka/kafka-kafka:9090/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))",
      "production: db-kafka/kafka-kafka -> db-kafka/kafka-kafka:9090/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: db-kafka/kafka-kafka -> db-kafka/kafka-kafka:9091/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))",
      "production: db-kafka/kafka-kafka -> db-kafka/kafka-kafka:9091/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: db-kafka/kafka-kafka -> default/kubernetes:443/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))",
      "production: db-kafka/kafka-kafka -> default/kubernetes:6443/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))",
      "production: db-kafka/kafka-kafka-exporter -> db-kafka/kafka-kafka:9091/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka-exporter: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))",
      "production: db-kafka/kafka-kafka-exporter -> db-kafka/kafka-kafka:9091/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: monitoring/prometheus -> db-kafka/kafka-kafka-exporter:9404/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-exporter: default-deny-all admits no ingress (default deny))",
      "production: monitoring/prometheus -> monitoring/prometheus:9090/TCP: blocked by monitoring/default-deny-all, monitoring/prometheus (ingress of monitoring/prometheus: default-deny-all admits no ingress (default deny); prometheus admits 9090/TCP only from namespace monitoring pods {app.kubernetes.io/instance=grafana,app.kubernetes.io/name=grafana})",
      "production: strimzi/strimzi-operator -> db-kafka/kafka-kafka:8443/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: strimzi/strimzi-operator -> db-kafka/kafka-kafka:9090/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
      "production: strimzi/strimzi-operator -> db-kafka/kafka-kafka:9091/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka: default-deny-all admits no ingress (default deny))",
    ]);
  });
});
