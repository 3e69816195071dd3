/**
 * The flow proof on the reference platform (charts/): what it needs and whether dist/'s NetworkPolicies admit it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  CanaryStep,
  EnvironmentChart,
  EnvironmentOutput,
  ImageReference,
  MicroserviceDeployment,
  ObservabilityStack,
  Receiver,
  RolloutStrategy,
  SynthDocument,
  synthesizeToJson,
} from '../../src';
import { FlowVerdict, PolicySet, admittingRules, flowText, judge, peerMatches, proveFlows, renderFlowsReport } from '../../src/policy/flows';
import { flowsPlugin } from '../../src/policy/flows/plugin';
import { production, referenceEnvironment } from '../helpers';

/** The environment with some documents replaced (in memory, no synth). */
function withDocuments(e: EnvironmentOutput, change: (d: SynthDocument) => SynthDocument | undefined): EnvironmentOutput {
  return { ...e, documents: e.documents.map(change).filter((d): d is SynthDocument => d !== undefined) };
}

function isPolicy(d: SynthDocument, namespace: string, name: string): boolean {
  return d.object.kind === 'NetworkPolicy' && d.object.metadata.namespace === namespace && d.object.metadata.name === name;
}

/**
 * The production violations the proof reports on today's output with the policies as they were before the fixes of
 * issue 11 (Kafka's pools are now dedicated controllers and brokers).
 */
const BEFORE_ROLLOUTS_AND_SELF_SCRAPE = [
  'production: argo-rollouts/argo-rollouts -> monitoring/prometheus:9090/TCP: blocked by monitoring/default-deny-all, monitoring/prometheus (ingress of monitoring/prometheus: default-deny-all admits no ingress (default deny); prometheus admits 9090/TCP only from namespace monitoring pods {app.kubernetes.io/instance=grafana,app.kubernetes.io/name=grafana})',
  // The KEDA scaler of the api-gateway's request rate (issue 13) queries the same Prometheus.
  'production: keda/keda-operator -> monitoring/prometheus:9090/TCP: blocked by monitoring/default-deny-all, monitoring/prometheus (ingress of monitoring/prometheus: default-deny-all admits no ingress (default deny); prometheus admits 9090/TCP only from namespace monitoring pods {app.kubernetes.io/instance=grafana,app.kubernetes.io/name=grafana})',
  'production: monitoring/prometheus -> monitoring/prometheus:9090/TCP: blocked by monitoring/default-deny-all, monitoring/prometheus (ingress of monitoring/prometheus: default-deny-all admits no ingress (default deny); prometheus admits 9090/TCP only from namespace monitoring pods {app.kubernetes.io/instance=grafana,app.kubernetes.io/name=grafana})',
];
const BEFORE_KAFKA = [
  'production: backend/document-processing -> db-kafka/kafka-kafka-brokers:9092/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-brokers: default-deny-all admits no ingress (default deny))',
  'production: backend/invoice-service -> db-kafka/kafka-kafka-brokers:9092/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-brokers: default-deny-all admits no ingress (default deny))',
  'production: backend/notification-service -> db-kafka/kafka-kafka-brokers:9092/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-brokers: default-deny-all admits no ingress (default deny))',
  'production: db-kafka/kafka-entity-operator -> db-kafka/kafka-kafka-brokers:9091/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-entity-operator: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-entity-operator -> db-kafka/kafka-kafka-brokers:9091/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-brokers: default-deny-all admits no ingress (default deny))',
  'production: db-kafka/kafka-entity-operator -> default/kubernetes:443/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-entity-operator: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-entity-operator -> default/kubernetes:6443/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-entity-operator: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-kafka-exporter -> db-kafka/kafka-kafka-brokers:9091/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka-exporter: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-kafka-exporter -> db-kafka/kafka-kafka-brokers:9091/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-brokers: default-deny-all admits no ingress (default deny))',
  'production: db-kafka/kafka-kafka-brokers -> db-kafka/kafka-kafka-brokers:9091/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka-brokers: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-kafka-brokers -> db-kafka/kafka-kafka-brokers:9091/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-brokers: default-deny-all admits no ingress (default deny))',
  'production: db-kafka/kafka-kafka-brokers -> db-kafka/kafka-kafka-controllers:9090/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka-brokers: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-kafka-brokers -> db-kafka/kafka-kafka-controllers:9090/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-controllers: default-deny-all admits no ingress (default deny))',
  'production: db-kafka/kafka-kafka-brokers -> default/kubernetes:443/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka-brokers: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-kafka-brokers -> default/kubernetes:6443/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka-brokers: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-kafka-controllers -> db-kafka/kafka-kafka-controllers:9090/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all (egress of db-kafka/kafka-kafka-controllers: allow-dns admits egress only on 53/UDP, 53/TCP; default-deny-all admits no egress (default deny))',
  'production: db-kafka/kafka-kafka-controllers -> db-kafka/kafka-kafka-controllers:9090/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-controllers: default-deny-all admits no ingress (default deny))',
  'production: monitoring/prometheus -> db-kafka/kafka-kafka-exporter:9404/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-exporter: default-deny-all admits no ingress (default deny))',
  'production: strimzi/strimzi-operator -> db-kafka/kafka-kafka-brokers:8443/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-brokers: default-deny-all admits no ingress (default deny))',
  'production: strimzi/strimzi-operator -> db-kafka/kafka-kafka-brokers:9091/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-brokers: default-deny-all admits no ingress (default deny))',
  'production: strimzi/strimzi-operator -> db-kafka/kafka-kafka-controllers:8443/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-controllers: default-deny-all admits no ingress (default deny))',
  'production: strimzi/strimzi-operator -> db-kafka/kafka-kafka-controllers:9090/TCP: blocked by db-kafka/default-deny-all (ingress of db-kafka/kafka-kafka-controllers: default-deny-all admits no ingress (default deny))',
];

describe('the flow proof on the reference platform', () => {
  it.each(['development', 'staging', 'production', 'dr'])('GIVEN %s THEN every needed flow is admitted at both ends', (name) => {
    const proof = proveFlows(referenceEnvironment(name));
    expect(proof.violations).toEqual([]);
    expect(proof.flows.length).toBeGreaterThan(100);
    expect(proof.flows.every((f) => f.admitted)).toBe(true);
  });

  it('GIVEN production THEN the Rollouts controller reaches Prometheus and Kafka works: clients, quorum, replication, operators, exporter', () => {
    const flows = proveFlows(referenceEnvironment('production')).flows;
    const find = (text: string): FlowVerdict => {
      const f = flows.find((x) => flowText(x) === text);
      if (!f) throw new Error(`no flow ${text}`);
      return f;
    };
    // The controllers are the add-ons' (namespace and pod labels from profile.addOns): their own NetworkPolicies
    // admit the egress, Prometheus's the ingress.
    const rollouts = find('argo-rollouts/argo-rollouts -> monitoring/prometheus:9090/TCP');
    expect(rollouts.origins).toEqual(['AnalysisTemplate backend/api-gateway-analysis', 'AnalysisTemplate frontend/frontend-analysis', 'strategy.analysis']);
    expect([rollouts.egress.admittedBy, rollouts.ingress.admittedBy]).toEqual([['argo-rollouts/argo-rollouts'], ['monitoring/prometheus']]);
    const scaler = find('keda/keda-operator -> monitoring/prometheus:9090/TCP');
    expect(scaler.origins).toEqual(['ScaledObject backend/api-gateway', 'autoscaling.podsMetrics']);
    expect([scaler.egress.admittedBy, scaler.ingress.admittedBy]).toEqual([['keda/keda-operator'], ['monitoring/prometheus']]);
    expect(find('monitoring/prometheus -> monitoring/prometheus:9090/TCP').ingress.admittedBy).toEqual(['monitoring/prometheus']);
    for (const [text, egress, ingress] of [
      ['backend/invoice-service -> db-kafka/kafka-kafka-brokers:9092/TCP', ['backend/invoice-service'], ['db-kafka/kafka']],
      ['db-kafka/kafka-kafka-brokers -> db-kafka/kafka-kafka-controllers:9090/TCP', ['db-kafka/kafka'], ['db-kafka/kafka']],
      ['db-kafka/kafka-kafka-controllers -> db-kafka/kafka-kafka-controllers:9090/TCP', ['db-kafka/kafka'], ['db-kafka/kafka']],
      ['db-kafka/kafka-kafka-brokers -> db-kafka/kafka-kafka-brokers:9091/TCP', ['db-kafka/kafka'], ['db-kafka/kafka']],
      ['db-kafka/kafka-entity-operator -> db-kafka/kafka-kafka-brokers:9091/TCP', ['db-kafka/kafka-entity-operator'], ['db-kafka/kafka']],
      ['db-kafka/kafka-entity-operator -> default/kubernetes:443/TCP', ['db-kafka/kafka-entity-operator'], []],
      ['db-kafka/kafka-kafka-exporter -> db-kafka/kafka-kafka-brokers:9091/TCP', ['db-kafka/kafka-kafka-exporter'], ['db-kafka/kafka']],
      ['strimzi/strimzi-operator -> db-kafka/kafka-kafka-brokers:8443/TCP', ['strimzi/strimzi-operator'], ['db-kafka/kafka']],
      ['strimzi/strimzi-operator -> db-kafka/kafka-kafka-controllers:9090/TCP', ['strimzi/strimzi-operator'], ['db-kafka/kafka']],
      ['monitoring/prometheus -> db-kafka/kafka-kafka-exporter:9404/TCP', ['monitoring/prometheus'], ['db-kafka/kafka-kafka-exporter']],
      ['logging/fluent-bit -> db-elasticsearch/logs:9200/TCP', ['logging/fluent-bit'], ['db-elasticsearch/logs']],
    ] as const) {
      const f = find(text);
      expect([f.egress.admittedBy, f.ingress.admittedBy], text).toEqual([egress, ingress]);
    }
  });

  it('GIVEN production with the policies as they were before issue 11 (no Kafka policies, Prometheus admitting Grafana only) THEN the proof reports those exact flows', () => {
    const prod = referenceEnvironment('production');
    const before = withDocuments(prod, (d) => {
      if (d.object.kind === 'NetworkPolicy' && d.object.metadata.namespace === 'db-kafka' && String(d.object.metadata.name).startsWith('kafka'))
        return undefined;
      if (!isPolicy(d, 'monitoring', 'prometheus')) return d;
      const ingress = d.object.spec.ingress.filter((r: any) => r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/instance'] === 'grafana');
      return { ...d, object: { ...d.object, spec: { ...d.object.spec, ingress } } };
    });
    const proof = proveFlows(before);
    expect(proof.violations).toEqual([...BEFORE_ROLLOUTS_AND_SELF_SCRAPE, ...BEFORE_KAFKA].sort());
    // Where policies are enforced the plugin fails synth with them, as they are (no prefix).
    expect(flowsPlugin().check!(before, { outdir: '/nonexistent' })).toEqual({ errors: proof.violations, warnings: [] });
  });

  it('GIVEN a canary analysis whose Prometheus address is a Service the graph does not know THEN the Rollouts flow is reported blocked', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: production });
    new ObservabilityStack(chart, 'observability', {
      runbookBaseUrl: 'https://runbooks.example.com',
      alerting: { receivers: [Receiver.pagerDuty('pager')], defaultReceiver: 'pager' },
    });
    new MicroserviceDeployment(chart, 'api', {
      name: 'api',
      namespace: 'backend',
      image: ImageReference.fromDigest('ghcr.io/acme/api', `sha256:${'a'.repeat(64)}`),
      ports: [{ name: 'http', port: 8080 }],
      strategy: RolloutStrategy.canary({
        steps: [CanaryStep.setWeight(10), CanaryStep.analysis()],
        analysis: { prometheusAddress: 'http://prometheus-headless.monitoring.svc:9090' },
      }),
    });
    const proof = proveFlows(synthesizeToJson(app).envs[0]!);
    expect(proof.violations).toEqual([
      'production: argo-rollouts/argo-rollouts -> monitoring/prometheus:9090/TCP: blocked by monitoring/default-deny-all, monitoring/prometheus (ingress of monitoring/prometheus: default-deny-all admits no ingress (default deny); prometheus admits 9090/TCP only from namespace monitoring pods {app.kubernetes.io/instance=grafana,app.kubernetes.io/name=grafana}, namespace monitoring pods {app.kubernetes.io/name=prometheus})',
    ]);
  });

  it('GIVEN production WHEN any one NetworkPolicy rule, or peer, that a needed flow relies on is deleted THEN the proof reports exactly the flows that relied on it alone', () => {
    const prod = referenceEnvironment('production');
    const proof = proveFlows(prod);
    const policies = proof.policies;
    const world = proof.world;
    /** For each rule (and peer) admitting some flow end: the ends that it alone admits. */
    const sole = new Map<string, { doc: SynthDocument; direction: 'ingress' | 'egress'; rule: number; peer?: number; ends: Set<string> }>();
    const note = (key: string, doc: SynthDocument, direction: 'ingress' | 'egress', rule: number, peer: number | undefined, end: string | undefined) => {
      let e = sole.get(key);
      if (!e) sole.set(key, (e = { doc, direction, rule, ...(peer !== undefined ? { peer } : {}), ends: new Set() }));
      if (end !== undefined) e.ends.add(end);
    };
    for (const f of proof.flows) {
      for (const direction of ['egress', 'ingress'] as const) {
        const [self, peer] = direction === 'egress' ? [f.from, f.to] : [f.to, f.from];
        if (self.kind !== 'pods') continue;
        const dest = direction === 'ingress' ? self : peer;
        const admitting = policies
          .isolating(self, direction)
          .flatMap((p) => admittingRules(p, direction, peer, f.port, f.protocol, dest, world, 'must').map((r) => ({ p, r })));
        const end = `${flowText(f)} ${direction}`;
        for (const { p, r } of admitting) {
          const alone = admitting.length === 1;
          note(`${p.id} ${direction}[${r.index}]`, p.doc!, direction, r.index, undefined, alone ? end : undefined);
          const matching = (r.peers ?? []).filter((x) => peerMatches(x, p.namespace, peer, world, 'must'));
          // A rule's last peer cannot be deleted alone: an empty list admits everyone.
          if (r.peers && r.peers.length > 1)
            for (const x of matching)
              note(`${p.id} ${direction}[${r.index}].peers[${x.index}]`, p.doc!, direction, r.index, x.index, alone && matching.length === 1 ? end : undefined);
        }
      }
    }
    expect(sole.size).toBeGreaterThan(100);
    let withSoleFlows = 0;
    for (const [key, s] of sole) {
      const object = JSON.parse(JSON.stringify(s.doc.object));
      const rules: any[] = object.spec[s.direction];
      if (s.peer === undefined) rules.splice(s.rule, 1);
      else rules[s.rule][s.direction === 'ingress' ? 'from' : 'to'].splice(s.peer, 1);
      const docs = proof.world.index.ofKind('NetworkPolicy').map((d) => (d === s.doc ? { ...d, object } : d));
      const { verdicts } = judge(prod.name, proof.flows, new PolicySet(docs, world));
      const blocked = new Set(
        verdicts.flatMap((v) => [...(v.egress.admitted ? [] : [`${flowText(v)} egress`]), ...(v.ingress.admitted ? [] : [`${flowText(v)} ingress`])]),
      );
      expect([...blocked].sort(), `deleting ${key}`).toEqual([...s.ends].sort());
      if (s.ends.size > 0) withSoleFlows++;
    }
    expect(withSoleFlows).toBeGreaterThan(50);
  });

  it('GIVEN one rule deleted WHEN synth checks production THEN it fails with a message naming the flow', () => {
    const prod = referenceEnvironment('production');
    const broken = withDocuments(prod, (d) => {
      if (!isPolicy(d, 'db-postgres', 'postgres-pooler')) return d;
      const ingress = d.object.spec.ingress.filter((r: any) => r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/name'] !== 'user-service');
      return { ...d, object: { ...d.object, spec: { ...d.object.spec, ingress } } };
    });
    const result = flowsPlugin().check!(broken, { outdir: '/nonexistent' });
    expect(result.warnings).toEqual([]);
    expect(result.errors).toEqual([
      'production: backend/user-service -> db-postgres/postgres-pooler:5432/TCP: blocked by db-postgres/default-deny-all, db-postgres/postgres-pooler (ingress of db-postgres/postgres-pooler: default-deny-all admits no ingress (default deny); postgres-pooler admits 5432/TCP only from namespace backend pods {app.kubernetes.io/instance=auth-service,app.kubernetes.io/name=auth-service}, namespace backend pods {app.kubernetes.io/instance=document-processing,app.kubernetes.io/name=document-processing}, namespace backend pods {app.kubernetes.io/instance=invoice-service,app.kubernetes.io/name=invoice-service}, namespace tenant-acme (any pod), namespace tenant-globex (any pod))',
    ]);
  });

  it('GIVEN the committed dist/production/FLOWS.md THEN it lists every flow with origin, verdict and the admitting policies, sorted', () => {
    const text = fs.readFileSync(path.resolve(__dirname, '../../dist/production/FLOWS.md'), 'utf8');
    // The reference platform runs synth as `npm run synth --` (main.ts).
    expect(text).toBe(renderFlowsReport(proveFlows(referenceEnvironment('production')), 'npm run synth'));
    expect(text).toContain('# Flows of `production`');
    expect(text).toMatch(/\n\d+ flows: \d+ admitted, 0 blocked\.\n/);
    expect(text).toContain(
      '| argo-rollouts/argo-rollouts | monitoring/prometheus | 9090/TCP | AnalysisTemplate backend/api-gateway-analysis; AnalysisTemplate frontend/frontend-analysis; strategy.analysis | admitted | argo-rollouts/argo-rollouts | monitoring/prometheus |',
    );
    expect(text).toContain(
      '| db-kafka/kafka-kafka-brokers | db-kafka/kafka-kafka-brokers | 9091/TCP | Kafka db-kafka/kafka (replication) | admitted | db-kafka/kafka | db-kafka/kafka |',
    );
    expect(text).toContain(
      '| monitoring/prometheus | nodes/kubelet | 10250/TCP | ConfigMap monitoring/prometheus-config job kubernetes-cadvisor; ConfigMap monitoring/prometheus-config job kubernetes-nodes | admitted | monitoring/prometheus | outside the cluster |',
    );
    expect(text).toContain(
      '| db-postgres/postgres (primary) | external/s3.amazonaws.com | 443/TCP | Cluster db-postgres/postgres (Barman Cloud: ObjectStore postgres-backup) | admitted | db-postgres/postgres | outside the cluster |',
    );
    expect(text).toContain(
      '| cnpg-system/cloudnative-pg | db-postgres/postgres (replica) | 8000/TCP | Cluster db-postgres/postgres (operator: instance status) | admitted | cnpg-system/cloudnative-pg-operator | db-postgres/postgres |',
    );
    expect(text).toContain(
      '| db-postgres/postgres-pooler | db-postgres/postgres (primary) | 5432/TCP | Pooler db-postgres/postgres-pooler (PgBouncer, type rw) | admitted | db-postgres/postgres-pooler | db-postgres/postgres |',
    );
    expect(text).toContain(
      '| tenant-acme/* | db-redis/redis-proxy | 6379/TCP | sharedServices[1].workload | admitted | tenant-acme/allow-shared-services | db-redis/redis |',
    );
    expect(text).toContain(
      '| tenant-acme/* | db-redis/redis-sentinel | 26379/TCP | sharedServices[1].workload | admitted | tenant-acme/allow-shared-services | db-redis/redis |',
    );
    const rows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| From') && !l.startsWith('| ---'));
    const keys = rows.map((r) => r.split(' | ').slice(0, 2).join(' > '));
    expect(keys).toEqual([...keys].sort());
  });

  it('GIVEN blocked flows THEN FLOWS.md lists them under "Blocked" with the same messages as synth, and marks their rows', () => {
    const broken = withDocuments(referenceEnvironment('production'), (d) => (isPolicy(d, 'db-kafka', 'kafka-kafka-exporter') ? undefined : d));
    const text = renderFlowsReport(proveFlows(broken));
    expect(text).toContain('blocked (synth fails).');
    expect(text).toContain(
      '## Blocked\n\n- production: db-kafka/kafka-kafka-exporter -> db-kafka/kafka-kafka-brokers:9091/TCP: blocked by db-kafka/allow-dns, db-kafka/default-deny-all',
    );
    expect(text).toContain(
      '| monitoring/prometheus | db-kafka/kafka-kafka-exporter | 9404/TCP | ConfigMap monitoring/prometheus-config job db-kafka/kafka | **blocked** | monitoring/prometheus | **blocked** by db-kafka/default-deny-all |',
    );
  });
});
