import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { parser } from '@prometheus-io/lezer-promql';
import {
  AddOn,
  CanaryStep,
  ConnectionValue,
  Endpoint,
  EndpointAuth,
  EndpointTls,
  Engine,
  EnvironmentChart,
  EnvironmentProfile,
  EnvValue,
  HealthProbe,
  ImageReference,
  IngressHost,
  IWorkload,
  MetricQuery,
  MicroserviceDeployment,
  MicroserviceDeploymentProps,
  MonitoringMode,
  MonitoringRegistry,
  PodVolume,
  PreStopHook,
  RolloutStrategy,
  ServiceExposure,
  StatefulDatastore,
  synthesize,
  synthesizeToJson,
  TrafficRouterPlugin,
  VpaMode,
} from '../../src';
import { httpErrorRatioQuery, httpLatencyP95Query, microserviceAlertRules, restartsQuery, unavailableReplicasQuery } from '../../src/microservice/promql';
import { evaluatePolicies } from '../../src/policy';
import { Construct } from 'constructs';
import { GATEWAY_PROXY_PEER, development, production, staging, synthEnv, testProfile, withIngress } from '../helpers';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OPERATOR = { ...production.monitoring, mode: MonitoringMode.operator() };
/** Production on a cluster that keeps Ingress (ingress-nginx): what the Ingress-specific props are written for. */
const PRODUCTION_INGRESS = withIngress(production);
/** Development whose Argo Rollouts loads the Gateway API traffic-router plugin (weighted canaries). */
const WEIGHTED: EnvironmentProfile = {
  ...development,
  addOns: [
    ...(development.addOns ?? []).filter((a) => a.name !== 'argo-rollouts'),
    AddOn.argoRollouts({ trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi()] }),
  ],
};

/** The smallest valid service: name, namespace, image and one port. */
function minimal(overrides: Partial<MicroserviceDeploymentProps> = {}): MicroserviceDeploymentProps {
  return { name: 'api', namespace: 'backend', image: ImageReference.fromTag('ghcr.io/acme/api', '1.0.0'), ports: [{ name: 'http', port: 8080 }], ...overrides };
}

/** Builds one service in a development chart (path `development/svc`) and returns what it synthesizes. */
function build(overrides: Partial<MicroserviceDeploymentProps> = {}, profile: EnvironmentProfile = development) {
  return synthEnv((chart) => {
    new MicroserviceDeployment(chart, 'svc', minimal(overrides));
  }, profile);
}

function container(doc: Record<string, any>, i = 0): Record<string, any> {
  return doc.spec.template.spec.containers[i];
}

describe('MicroserviceDeployment: minimal', () => {
  test('GIVEN name, namespace, image and a port WHEN synthesized THEN a secure Deployment, Service, ServiceAccount and NetworkPolicy', () => {
    const env = build();
    expect(env.docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(['Deployment/api', 'NetworkPolicy/api', 'Service/api', 'ServiceAccount/api']);

    const d = env.find('Deployment', 'api', 'backend');
    expect(d.spec.replicas).toBe(development.replicas);
    expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' });
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
    expect(d.metadata.labels).toMatchObject({
      'app.kubernetes.io/version': '1.0.0',
      'app.kubernetes.io/component': 'service',
      'platform.io/environment': 'development',
    });
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).toBe('api');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.topologySpreadConstraints).toBeUndefined();
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    const c = container(d);
    expect(c.image).toBe('ghcr.io/acme/api:1.0.0');
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
      capabilities: { drop: ['ALL'] },
    });
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 8080 }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 });
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 8080 }, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 });
    expect(c.startupProbe).toBeUndefined();
    // Standalone monitoring: scrape annotations on the pod.
    expect(d.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });

    expect(env.find('ServiceAccount', 'api').automountServiceAccountToken).toBe(false);
    const svc = env.find('Service', 'api');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('GIVEN one replica WHEN synthesized THEN no PDB (it could not allow an eviction anyway)', () => {
    expect(build().all('PodDisruptionBudget')).toEqual([]);
  });

  test('GIVEN a worker without ports WHEN synthesized THEN no Service, its exec probe for liveness and readiness, no metrics and a deny-ingress policy', () => {
    const env = build({ ports: undefined, probes: { liveness: HealthProbe.exec(['/app/healthcheck']) } });
    expect(env.all('Service')).toEqual([]);
    const c = container(env.find('Deployment', 'api'));
    expect(c.ports).toBeUndefined();
    expect(c.livenessProbe.exec).toEqual({ command: ['/app/healthcheck'] });
    expect(c.readinessProbe).toEqual({ exec: { command: ['/app/healthcheck'] }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 });
    expect(env.find('Deployment', 'api').spec.template.metadata.annotations).toBeUndefined();
    expect(env.find('NetworkPolicy', 'api').spec.ingress).toEqual([]);
  });

  test('GIVEN the minimal props WHEN synthesized THEN the snapshot matches', () => {
    expect(build().docs).toMatchSnapshot();
  });
});

describe('MicroserviceDeployment: seeds', () => {
  test('GIVEN the api-gateway seed WHEN built in production THEN its Deployment, Service and Ingress are reproduced, with security, PDB and NetworkPolicy', () => {
    const env = synthEnv((chart) => {
      new MicroserviceDeployment(chart, 'api-gateway', {
        name: 'api-gateway',
        namespace: 'i-invoyisi-backend',
        image: ImageReference.fromDigest('registry.example.com/i-invoyisi/api-gateway', DIGEST),
        ports: [{ name: 'http', port: 5000, servicePort: 80 }],
        env: {
          NODE_ENV: EnvValue.value('production'),
          PORT: EnvValue.value('5000'),
          SUPABASE_URL: EnvValue.fromSecret('supabase-url'),
          SUPABASE_KEY: EnvValue.fromSecret('supabase-key'),
        },
        secrets: {
          'supabase-url': { key: 'i-invoyisi/supabase-credentials', property: 'url' },
          'supabase-key': { key: 'i-invoyisi/supabase-credentials', property: 'key' },
        },
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        probes: {
          readiness: HealthProbe.http('/health', { initialDelaySeconds: 5, periodSeconds: 10 }),
          liveness: HealthProbe.http('/health', { initialDelaySeconds: 15, periodSeconds: 20 }),
        },
        ingress: { hosts: [IngressHost.exact('api.i-invoyisi.com')] },
      });
    }, production);

    const d = env.find('Deployment', 'api-gateway', 'i-invoyisi-backend');
    expect(d.spec.replicas).toBe(3);
    const c = container(d);
    expect(c.image).toBe(`registry.example.com/i-invoyisi/api-gateway@${DIGEST}`);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 5000, protocol: 'TCP' }]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(c.env).toEqual([
      { name: 'NODE_ENV', value: 'production' },
      { name: 'PORT', value: '5000' },
      { name: 'SUPABASE_URL', valueFrom: { secretKeyRef: { name: 'api-gateway-secrets', key: 'supabase-url' } } },
      { name: 'SUPABASE_KEY', valueFrom: { secretKeyRef: { name: 'api-gateway-secrets', key: 'supabase-key' } } },
    ]);
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 5000 }, initialDelaySeconds: 5, periodSeconds: 10 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 5000 }, initialDelaySeconds: 15, periodSeconds: 20 });

    const svc = env.find('Service', 'api-gateway');
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 'http' }] });

    // Gateway API: an HTTPRoute bound to the HTTPS listener of its host on the environment's Gateway.
    expect(env.all('Ingress')).toEqual([]);
    const route = env.find('HTTPRoute', 'api-gateway', 'i-invoyisi-backend');
    expect(route.metadata.annotations).toBeUndefined();
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway', sectionName: 'https.api.i-invoyisi.com' }],
      hostnames: ['api.i-invoyisi.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'api-gateway', port: 80 }] }],
    });
    const gw = env.find('Gateway', 'public', 'gateway');
    expect(gw.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' });
    expect(gw.spec.gatewayClassName).toBe('eg');
    expect(gw.spec.listeners).toEqual([
      { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
      {
        name: 'https.api.i-invoyisi.com',
        hostname: 'api.i-invoyisi.com',
        protocol: 'HTTPS',
        port: 443,
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'tls.api.i-invoyisi.com' }] },
        allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'i-invoyisi-backend' } } } },
      },
    ]);
    // Plain HTTP only redirects to HTTPS (the seed's ssl-redirect).
    expect(env.find('HTTPRoute', 'public-https-redirect', 'gateway').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', sectionName: 'http' }],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
    expect(env.find('ClientTrafficPolicy', 'public', 'gateway').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }],
      tls: { minVersion: '1.2' },
    });

    // The seed's gaps, filled: no secret values (ExternalSecret), PSS restricted, PDB, spread, NetworkPolicy.
    const es = env.find('ExternalSecret', 'api-gateway-secrets');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault-production' });
    expect(es.spec.target).toMatchObject({ name: 'api-gateway-secrets', creationPolicy: 'Owner' });
    expect(es.spec.data).toEqual([
      { secretKey: 'supabase-url', remoteRef: { key: 'i-invoyisi/supabase-credentials', property: 'url' } },
      { secretKey: 'supabase-key', remoteRef: { key: 'i-invoyisi/supabase-credentials', property: 'key' } },
    ]);
    expect(env.all('Secret')).toEqual([]);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(env.find('PodDisruptionBudget', 'api-gateway').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'api-gateway', 'app.kubernetes.io/instance': 'api-gateway' } },
      maxUnavailable: 1,
    });
    expect(d.spec.template.spec.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable, t.matchLabelKeys])).toEqual([
      ['topology.kubernetes.io/zone', 'ScheduleAnyway', ['pod-template-hash']],
      ['kubernetes.io/hostname', 'ScheduleAnyway', ['pod-template-hash']],
    ]);
    const np = env.find('NetworkPolicy', 'api-gateway');
    // Admitted: the Envoy proxies of the environment's Gateway (they run in Envoy Gateway's namespace), not its controller.
    expect(np.spec.ingress[0]).toEqual({
      from: [GATEWAY_PROXY_PEER],
      ports: [{ protocol: 'TCP', port: 5000 }],
    });
  });

  test('GIVEN the auth-service seed WHEN built in production THEN probes, secrets, config, scheduling, RollingUpdate 1/1, HPA, VPA, Service and Ingress match', () => {
    const config = 'server:\n  port: 3001\n  host: "0.0.0.0"\nauth:\n  jwt_expiry: "15m"\n';
    const env = synthEnv((chart) => {
      new MicroserviceDeployment(chart, 'auth-service', {
        name: 'auth-service',
        namespace: 'production',
        image: ImageReference.fromDigest('project/auth-service', DIGEST, 'v1.2.3'),
        ports: [{ name: 'http', port: 3001, servicePort: 80 }],
        env: {
          NODE_ENV: EnvValue.value('production'),
          DATABASE_URL: EnvValue.fromSecret('database-url'),
          REDIS_URL: EnvValue.fromSecret('redis-url'),
          JWT_SECRET: EnvValue.fromSecret('jwt-secret'),
        },
        secrets: {
          'database-url': { key: 'production/auth-service/database', property: 'url' },
          'redis-url': { key: 'production/auth-service/redis', property: 'url' },
          'jwt-secret': { key: 'production/auth-service/jwt', property: 'secret' },
        },
        resources: { requests: { cpu: '200m', memory: '400Mi' }, limits: { cpu: '400m', memory: '800Mi' } },
        probes: {
          liveness: HealthProbe.http('/health', { initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
          readiness: HealthProbe.http('/ready', { initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 }),
          startup: HealthProbe.http('/health', { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 }),
        },
        config: { files: { 'config.yaml': config }, mountPath: '/app/config' },
        nodeSelector: { 'kubernetes.io/arch': 'amd64' },
        tolerations: [{ key: 'app', operator: 'Equal', value: 'auth', effect: 'NoSchedule' }],
        strategy: RolloutStrategy.rollingUpdate({ maxSurge: 1, maxUnavailable: 1 }),
        autoscaling: {
          minReplicas: 2,
          maxReplicas: 10,
          cpuUtilization: 70,
          memoryUtilization: 80,
          podsMetrics: [{ name: 'requests_per_second', averageValue: '100' }],
          scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
          scaleUp: {
            stabilizationWindowSeconds: 60,
            policies: [
              { type: 'Percent', value: 100, periodSeconds: 60 },
              { type: 'Pods', value: 2, periodSeconds: 60 },
            ],
          },
        },
        // The seed sets updateMode Auto next to an HPA on the same resources; that is rejected (see the error
        // tests), so the VPA recommends only.
        verticalAutoscaling: {
          mode: VpaMode.recommend(),
          minAllowed: { cpu: '100m', memory: '128Mi' },
          maxAllowed: { cpu: '1', memory: '2Gi' },
          controlledResources: ['cpu', 'memory'],
        },
        ingress: { hosts: [IngressHost.subdomain('api', [{ path: '/api/v1/auth' }])], rateLimitRps: 100 },
        team: 'identity',
      });
    }, production);

    const d = env.find('Deployment', 'auth-service', 'production');
    expect(d.spec.replicas).toBeUndefined();
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
    expect(d.metadata.labels).toMatchObject({ 'app.kubernetes.io/version': 'v1.2.3', 'platform.io/team': 'identity' });
    const pod = d.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(pod.tolerations).toEqual([{ key: 'app', operator: 'Equal', value: 'auth', effect: 'NoSchedule' }]);
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: {} },
      { name: 'config', configMap: { name: 'auth-service-config' } },
    ]);
    const c = container(d);
    expect(c.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'config', mountPath: '/app/config', readOnly: true },
    ]);
    expect(c.env.map((e: any) => e.valueFrom?.secretKeyRef?.key ?? e.value)).toEqual(['production', 'database-url', 'redis-url', 'jwt-secret']);
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/health', port: 3001 },
      initialDelaySeconds: 30,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/ready', port: 3001 },
      initialDelaySeconds: 5,
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
    expect(c.startupProbe).toEqual({
      httpGet: { path: '/health', port: 3001 },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 30,
    });
    expect(c.resources).toEqual({ requests: { cpu: '200m', memory: '400Mi' }, limits: { cpu: '400m', memory: '800Mi' } });
    expect(d.spec.template.metadata.annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
    expect(env.find('ConfigMap', 'auth-service-config').data).toEqual({ 'config.yaml': config });

    // A Pods metric is served by KEDA: a ScaledObject (owning an HPA of the same name) instead of a bare HPA.
    expect(env.all('HorizontalPodAutoscaler')).toEqual([]);
    const so = env.find('ScaledObject', 'auth-service');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'auth-service' },
      minReplicaCount: 2,
      maxReplicaCount: 10,
      advanced: {
        horizontalPodAutoscalerConfig: {
          name: 'auth-service',
          behavior: {
            scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
            scaleUp: {
              stabilizationWindowSeconds: 60,
              policies: [
                { type: 'Percent', value: 100, periodSeconds: 60 },
                { type: 'Pods', value: 2, periodSeconds: 60 },
              ],
            },
          },
        },
      },
      triggers: [
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
        { type: 'memory', metricType: 'Utilization', metadata: { value: '80' } },
        {
          type: 'prometheus',
          name: 'requests_per_second',
          metricType: 'AverageValue',
          metadata: {
            serverAddress: 'http://prometheus.monitoring.svc:9090',
            query: 'sum(requests_per_second{namespace="production",service="auth-service"})',
            threshold: '100',
          },
        },
      ],
    });
    const vpa = env.find('VerticalPodAutoscaler', 'auth-service');
    expect(vpa.spec).toEqual({
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'auth-service' },
      updatePolicy: { updateMode: 'Off' },
      resourcePolicy: {
        containerPolicies: [
          {
            containerName: 'auth-service',
            minAllowed: { cpu: '100m', memory: '128Mi' },
            maxAllowed: { cpu: '1', memory: '2Gi' },
            controlledResources: ['cpu', 'memory'],
          },
        ],
      },
    });
    expect(env.find('Service', 'auth-service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const route = env.find('HTTPRoute', 'auth-service');
    expect(route.spec.hostnames).toEqual(['api.example.com']);
    expect(route.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway', sectionName: 'https.api.example.com' },
    ]);
    expect(route.spec.rules).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/api/v1/auth' } }], backendRefs: [{ group: '', kind: 'Service', name: 'auth-service', port: 80 }] },
    ]);
    // The seed's limit-rps: Envoy Gateway's local rate limit on the service's route.
    expect(env.find('BackendTrafficPolicy', 'auth-service').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'auth-service' }],
      rateLimit: { type: 'Local', local: { rules: [{ limit: { requests: 100, unit: 'Second' } }] } },
    });
    // Richer than the seed: a PDB consistent with minReplicas 2.
    expect(env.find('PodDisruptionBudget', 'auth-service').spec.maxUnavailable).toBe(1);
  });
});

describe('MicroserviceDeployment: containers', () => {
  test('GIVEN env from plain values, ConfigMap keys, secrets and fields WHEN synthesized THEN each renders its source', () => {
    const env = build({
      env: {
        A: EnvValue.value('1'),
        B: EnvValue.fromConfigMap('shared', 'b', { optional: true }),
        C: EnvValue.fromExistingSecret('postgres-credentials', 'password'),
        POD_NAME: EnvValue.fromField('metadata.name'),
      },
    });
    expect(container(env.find('Deployment', 'api')).env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', valueFrom: { configMapKeyRef: { name: 'shared', key: 'b', optional: true } } },
      { name: 'C', valueFrom: { secretKeyRef: { name: 'postgres-credentials', key: 'password' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
    expect(env.all('ExternalSecret')).toEqual([]);
  });

  test('GIVEN extra volumes WHEN synthesized THEN each kind is mounted (config and secret read-only)', () => {
    const env = build({
      secrets: { 'tls.crt': { key: 'api/tls', property: 'crt' } },
      volumes: [
        { volume: PodVolume.emptyDir('cache', { sizeLimit: '1Gi', memory: true }), mountPath: '/cache' },
        { volume: PodVolume.configMap('rules', 'shared-rules'), mountPath: '/rules' },
        { volume: PodVolume.secret('certs'), mountPath: '/certs' },
        { volume: PodVolume.persistentVolumeClaim('data', 'api-data'), mountPath: '/data', subPath: 'api' },
      ],
    });
    const d = env.find('Deployment', 'api');
    expect(d.spec.template.spec.volumes.slice(1)).toEqual([
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
      { name: 'rules', configMap: { name: 'shared-rules' } },
      { name: 'certs', secret: { secretName: 'api-secrets' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'api-data' } },
    ]);
    expect(container(d).volumeMounts.slice(1)).toEqual([
      { name: 'cache', mountPath: '/cache' },
      { name: 'rules', mountPath: '/rules', readOnly: true },
      { name: 'certs', mountPath: '/certs', readOnly: true },
      { name: 'data', mountPath: '/data', subPath: 'api' },
    ]);
  });

  test('GIVEN init and sidecar containers WHEN synthesized THEN they get the restricted context, /tmp, resources and the image policy', () => {
    const env = build({
      initContainers: [
        { name: 'migrate', image: ImageReference.fromTag('ghcr.io/acme/api', '1.0.0'), command: ['./migrate'], env: { MODE: EnvValue.value('up') } },
      ],
      sidecars: [
        {
          name: 'proxy',
          image: ImageReference.parse('envoyproxy/envoy:v1.31.0'),
          ports: [{ name: 'admin', port: 9901 }],
          resources: { limits: { cpu: '100m' } },
          volumeMounts: [{ volume: 'tmp', mountPath: '/tmp' }],
        },
      ],
    });
    const pod = env.find('Deployment', 'api').spec.template.spec;
    expect(pod.initContainers[0]).toMatchObject({
      name: 'migrate',
      command: ['./migrate'],
      env: [{ name: 'MODE', value: 'up' }],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    });
    expect(pod.initContainers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(pod.containers[1]).toMatchObject({
      name: 'proxy',
      image: 'envoyproxy/envoy:v1.31.0',
      ports: [{ name: 'admin', containerPort: 9901, protocol: 'TCP' }],
    });
    expect(pod.containers[1].resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '256Mi' } });
    expect(pod.containers[1].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.containers[1].readinessProbe.tcpSocket).toEqual({ port: 9901 });
    expect(pod.initContainers[0].readinessProbe).toBeUndefined();
  });

  test('GIVEN a preStop hook, a command and exec/tcp probes WHEN synthesized THEN the container carries them', () => {
    const env = build({
      command: ['node'],
      args: ['server.js'],
      preStop: PreStopHook.sleep(5),
      terminationGracePeriodSeconds: 45,
      probes: { liveness: HealthProbe.exec(['/bin/health']), readiness: HealthProbe.tcp({ port: 'http', successThreshold: 2 }), startup: HealthProbe.none() },
    });
    const d = env.find('Deployment', 'api');
    const c = container(d);
    expect(c.command).toEqual(['node']);
    expect(c.args).toEqual(['server.js']);
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(c.livenessProbe.exec).toEqual({ command: ['/bin/health'] });
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 8080 }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 2 });
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(45);
  });

  test('GIVEN staging (pinned tags) WHEN a versioned tag is used THEN it is accepted with pull policy IfNotPresent', () => {
    const env = build({}, staging);
    expect(container(env.find('Deployment', 'api')).imagePullPolicy).toBe('IfNotPresent');
  });

  test('GIVEN ImageReference.parse WHEN given registry ports, tags and digests THEN the parts are split correctly', () => {
    expect(ImageReference.parse('registry:5000/team/app')).toMatchObject({ repository: 'registry:5000/team/app', tag: undefined, digest: undefined });
    expect(ImageReference.parse('registry:5000/team/app:1.2')).toMatchObject({ repository: 'registry:5000/team/app', tag: '1.2' });
    expect(ImageReference.parse(`app:1.2@${DIGEST}`)).toMatchObject({ repository: 'app', tag: '1.2', digest: DIGEST });
    expect(ImageReference.parse(`app:1.2@${DIGEST}`).reference).toBe(`app:1.2@${DIGEST}`);
  });

  test('GIVEN apiAccess WHEN synthesized THEN a Role with exactly those verbs, a RoleBinding, the token mounted and API egress', () => {
    const env = build({
      apiAccess: { rules: [{ resources: ['configmaps'], verbs: ['get', 'watch'], resourceNames: ['api-flags'] }], serverCidrs: ['10.0.0.1/32'] },
    });
    expect(env.find('Role', 'api').rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'], resourceNames: ['api-flags'] }]);
    expect(env.find('RoleBinding', 'api')).toMatchObject({
      roleRef: { kind: 'Role', name: 'api' },
      subjects: [{ kind: 'ServiceAccount', name: 'api', namespace: 'backend' }],
    });
    expect(env.find('Deployment', 'api').spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(env.find('NetworkPolicy', 'api').spec.egress[1]).toEqual({
      to: [{ ipBlock: { cidr: '10.0.0.1/32' } }],
      ports: [
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 6443 },
      ],
    });
  });
});

describe('MicroserviceDeployment: networking', () => {
  test('GIVEN a LoadBalancer WHEN synthesized THEN the Service is a LoadBalancer and the policy admits the source ranges', () => {
    const env = build({
      service: { exposure: ServiceExposure.loadBalancer(['203.0.113.0/24']), annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } },
    });
    const svc = env.find('Service', 'api');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.loadBalancerSourceRanges).toEqual(['203.0.113.0/24']);
    expect(svc.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    expect(env.find('NetworkPolicy', 'api').spec.ingress).toContainEqual({
      from: [{ ipBlock: { cidr: '203.0.113.0/24' } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
  });

  test('GIVEN a headless Service WHEN synthesized THEN clusterIP is None', () => {
    expect(build({ service: { exposure: ServiceExposure.headless() } }).find('Service', 'api').spec.clusterIP).toBe('None');
  });

  test('GIVEN an environment without tlsIssuer WHEN hosts with different paths are exposed THEN plain HTTP listeners, one route per set of paths, no redirect', () => {
    const env = build(
      { ingress: { hosts: [IngressHost.subdomain('api'), IngressHost.apex([{ path: '/v1', pathType: 'Exact' }])] } },
      { ...development, tlsIssuer: undefined },
    );
    const gw = env.find('Gateway', 'public', 'gateway');
    expect(gw.metadata.annotations).toBeUndefined();
    expect(gw.spec.listeners.map((l: any) => [l.name, l.hostname, l.protocol, l.port, l.tls])).toEqual([
      ['http.api.dev.example.com', 'api.dev.example.com', 'HTTP', 80, undefined],
      ['http.dev.example.com', 'dev.example.com', 'HTTP', 80, undefined],
    ]);
    expect(
      env
        .all('HTTPRoute')
        .map((r) => r.metadata.name)
        .sort(),
    ).toEqual(['api', 'api-2']);
    expect(env.find('HTTPRoute', 'api-2').spec).toMatchObject({
      parentRefs: [{ sectionName: 'http.dev.example.com' }],
      hostnames: ['dev.example.com'],
      rules: [{ matches: [{ path: { type: 'Exact', value: '/v1' } }] }],
    });
    expect(env.all('ClientTrafficPolicy')).toEqual([]);
  });

  test('GIVEN the same exposure WHEN the environment keeps Ingress (TrafficLayer.ingress) THEN an Ingress with the same hosts, paths and TLS', () => {
    const exposure = {
      image: ImageReference.fromDigest('ghcr.io/acme/api', DIGEST, '1.0.0'),
      ingress: { hosts: [IngressHost.subdomain('api'), IngressHost.apex([{ path: '/v1', pathType: 'Exact' as const }])], rateLimitRps: 20 },
    };
    const gateway = build(exposure, production);
    const ingress = build(exposure, PRODUCTION_INGRESS);
    expect(ingress.all('HTTPRoute')).toEqual([]);
    expect(ingress.all('Gateway')).toEqual([]);
    const ing = ingress.find('Ingress', 'api');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.tls).toEqual([{ hosts: ['api.example.com', 'example.com'], secretName: 'api-tls' }]);
    expect(ing.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/limit-rps': '20',
    });
    // Same hosts and paths as the routes of the Gateway API environment.
    const viaIngress = ing.spec.rules.flatMap((r: any) =>
      r.http.paths.map((p: any) => [r.host, p.path, p.pathType === 'Prefix' ? 'PathPrefix' : p.pathType, p.backend.service.port.number]),
    );
    const viaRoutes = gateway
      .all('HTTPRoute')
      .filter((r) => r.metadata.namespace === 'backend')
      .flatMap((r) =>
        r.spec.hostnames.flatMap((h: string) => r.spec.rules[0].matches.map((m: any) => [h, m.path.value, m.path.type, r.spec.rules[0].backendRefs[0].port])),
      )
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(viaIngress).toEqual([
      ['api.example.com', '/', 'PathPrefix', 8080],
      ['example.com', '/v1', 'Exact', 8080],
    ]);
    expect(viaIngress).toEqual(viaRoutes);
    // The ingress controller is the peer now, not the Envoy proxies.
    expect(ingress.find('NetworkPolicy', 'api').spec.ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
  });

  test('GIVEN the default policy WHEN synthesized THEN DNS egress only and monitoring ingress on the metrics port', () => {
    const np = build({
      ports: [
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 9090 },
      ],
    }).find('NetworkPolicy', 'api');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' } });
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    expect(np.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
  });

  test("GIVEN a.connectsTo(b) across namespaces, declared before b exists THEN egress on a and ingress on b on b's client ports", () => {
    const env = synthEnv((chart) => {
      const a = new MicroserviceDeployment(chart, 'a', minimal({ name: 'web', namespace: 'frontend' }));
      a.connectsTo({ name: 'api', namespace: 'backend' });
      new MicroserviceDeployment(
        chart,
        'b',
        minimal({
          ports: [
            { name: 'http', port: 8080 },
            { name: 'grpc', port: 9000 },
            { name: 'metrics', port: 9090 },
          ],
        }),
      );
    });
    const peer = (ns: string, name: string) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name } },
    });
    // The dedicated metrics port is not a client port.
    expect(env.find('NetworkPolicy', 'web').spec.egress[1]).toEqual({
      to: [peer('backend', 'api')],
      ports: [
        { protocol: 'TCP', port: 8080 },
        { protocol: 'TCP', port: 9000 },
      ],
    });
    expect(env.find('NetworkPolicy', 'api').spec.ingress[0]).toEqual({
      from: [peer('frontend', 'web')],
      ports: [
        { protocol: 'TCP', port: 8080 },
        { protocol: 'TCP', port: 9000 },
      ],
    });
  });

  test('GIVEN the connectsTo prop with named ports, an IWorkload and an external endpoint THEN egress is limited accordingly', () => {
    class ManagedDb extends Construct implements IWorkload {
      public readonly workloadName = 'orders-db';
      public readonly namespace = 'backend';
      public readonly podSelector = {};
      public readonly clientPorts = [{ name: 'postgres', port: 5432 }];
      public readonly external = { cidrs: ['10.20.0.0/16'], ports: [{ name: 'postgres', port: 5432 }] };
    }
    const env = synthEnv((chart) => {
      const db = new ManagedDb(chart, 'db');
      const cache = new MicroserviceDeployment(
        chart,
        'cache',
        minimal({
          name: 'cache',
          ports: [
            { name: 'redis', port: 6379 },
            { name: 'admin', port: 8081 },
          ],
        }),
      );
      new MicroserviceDeployment(chart, 'svc', minimal({ connectsTo: [db, { to: cache, ports: ['redis'] }] }));
    });
    const egress = env.find('NetworkPolicy', 'api').spec.egress;
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(egress).toContainEqual(expect.objectContaining({ ports: [{ protocol: 'TCP', port: 6379 }] }));
    expect(env.find('NetworkPolicy', 'cache').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 6379 }]);
  });
});

describe('MicroserviceDeployment: availability and scaling', () => {
  test('GIVEN production WHEN no replicas are set THEN profile replicas, a PDB and topology spread', () => {
    const env = build({ image: ImageReference.fromDigest('ghcr.io/acme/api', DIGEST) }, production);
    expect(env.find('Deployment', 'api').spec.replicas).toBe(3);
    expect(env.find('PodDisruptionBudget', 'api').spec.maxUnavailable).toBe(1);
    expect(env.find('Deployment', 'api').spec.template.spec.topologySpreadConstraints).toHaveLength(2);
  });

  test('GIVEN autoscaling {} WHEN synthesized THEN min/max and utilizations come from the profile and replicas is absent', () => {
    const env = build({ autoscaling: {} });
    expect(env.find('Deployment', 'api').spec.replicas).toBeUndefined();
    const hpa = env.find('HorizontalPodAutoscaler', 'api');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([1, 2]);
    expect(hpa.spec.metrics.map((m: any) => m.resource.target.averageUtilization)).toEqual([80, 80]);
    expect(hpa.spec.behavior).toBeUndefined();
    // max 2 replicas can run: a PDB that still allows an eviction at 1 replica.
    expect(env.find('PodDisruptionBudget', 'api').spec.maxUnavailable).toBe(1);
  });

  test('GIVEN a minAvailable percentage below the minimum WHEN synthesized THEN the PDB uses it', () => {
    const env = build({ replicas: 4, disruptionBudget: { minAvailable: '50%' } });
    expect(env.find('PodDisruptionBudget', 'api').spec).toMatchObject({ minAvailable: '50%' });
  });

  test('GIVEN a VPA in Auto mode next to an HPA on the pods metric only WHEN synthesized THEN it is allowed', () => {
    const env = build({
      autoscaling: { cpuUtilization: false, memoryUtilization: false, podsMetrics: [{ name: 'rps', averageValue: '100' }] },
      verticalAutoscaling: { mode: VpaMode.auto() },
    });
    expect(env.find('VerticalPodAutoscaler', 'api').spec.updatePolicy).toEqual({ updateMode: 'Auto' });
  });

  test('GIVEN Pods metrics WHEN synthesized THEN a KEDA ScaledObject scales on their Prometheus queries, no HPA', () => {
    const env = build({
      autoscaling: {
        cpuUtilization: false,
        memoryUtilization: false,
        podsMetrics: [
          { name: 'queue_depth', averageValue: '500m' },
          { name: 'rps', averageValue: '20', query: MetricQuery.httpRequestRate('1m') },
          { name: 'custom', averageValue: '3', query: MetricQuery.promql('sum(jobs_waiting{queue="invoices"})') },
        ],
      },
    });
    expect(env.all('HorizontalPodAutoscaler')).toEqual([]);
    const so = env.find('ScaledObject', 'api');
    expect(so.spec.triggers.map((t: any) => [t.name, t.metadata.query, t.metadata.threshold])).toEqual([
      ['queue_depth', 'sum(queue_depth{namespace="backend",service="api"})', '0.5'],
      ['rps', 'sum(rate(http_requests_total{namespace="backend",service="api"}[1m]))', '20'],
      ['custom', 'sum(jobs_waiting{queue="invoices"})', '3'],
    ]);
    expect(so.spec.advanced).toEqual({ horizontalPodAutoscalerConfig: { name: 'api' } });
    expect(env.find('Deployment', 'api').spec.replicas).toBeUndefined();
  });

  test('GIVEN priorityClassName WHEN synthesized THEN the pod carries it', () => {
    expect(build({ priorityClassName: 'business-critical' }).find('Deployment', 'api').spec.template.spec.priorityClassName).toBe('business-critical');
  });
});

describe('MicroserviceDeployment: progressive delivery', () => {
  test('GIVEN a canary with an ingress and an HPA WHEN synthesized THEN a Rollout with steps, services, Gateway API routing and an AnalysisTemplate', () => {
    const env = build(
      {
        ingress: { hosts: [IngressHost.subdomain('api')] },
        autoscaling: { minReplicas: 2, maxReplicas: 4 },
        strategy: RolloutStrategy.canary({
          steps: [CanaryStep.setWeight(20), CanaryStep.pause('5m'), CanaryStep.analysis(), CanaryStep.setWeight(60), CanaryStep.pause()],
        }),
      },
      WEIGHTED,
    );
    expect(env.all('Deployment')).toEqual([]);
    const ro = env.find('Rollout', 'api');
    expect(ro.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(ro.spec.replicas).toBeUndefined();
    expect(ro.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' } });
    expect(ro.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(ro.spec.strategy.canary).toEqual({
      stableService: 'api',
      canaryService: 'api-canary',
      // The analysis measures the new pods: the ReplicaSet hash of the latest version is passed to the template.
      steps: [
        { setWeight: 20 },
        { pause: { duration: '5m' } },
        { analysis: { templates: [{ templateName: 'api-analysis' }], args: [{ name: 'pod-template-hash', valueFrom: { podTemplateHashValue: 'Latest' } }] } },
        { setWeight: 60 },
        { pause: {} },
      ],
      trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { namespace: 'backend', httpRoutes: [{ name: 'api' }] } } },
    });
    expect(env.find('HTTPRoute', 'api').spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'api', port: 8080, weight: 100 },
      { group: '', kind: 'Service', name: 'api-canary', port: 8080, weight: 0 },
    ]);
    expect(env.find('Service', 'api-canary').metadata.labels['platform.io/service-role']).toBe('canary');
    expect(env.find('HorizontalPodAutoscaler', 'api').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' });
    const at = env.find('AnalysisTemplate', 'api-analysis');
    expect(at.spec.metrics.map((m: any) => [m.name, m.successCondition, m.provider.prometheus.address])).toEqual([
      ['error-rate', 'len(result) == 0 || isNaN(result[0]) || result[0] <= 0.01', 'http://prometheus.monitoring.svc:9090'],
      ['latency-p95', 'len(result) == 0 || isNaN(result[0]) || result[0] <= 0.5', 'http://prometheus.monitoring.svc:9090'],
    ]);
    expect(at.spec.args).toEqual([{ name: 'pod-template-hash' }]);
    // Today both queries aggregated every pod of the service: the stable pods' traffic diluted the canary's errors.
    expect(at.spec.metrics[0].provider.prometheus.query).toBe(
      'sum(rate(http_requests_total{namespace="backend",service="api",rollouts_pod_template_hash="{{args.pod-template-hash}}",status=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="backend",service="api",rollouts_pod_template_hash="{{args.pod-template-hash}}"}[5m]))',
    );
    expect(at.spec.metrics[1].provider.prometheus.query).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="backend",service="api",rollouts_pod_template_hash="{{args.pod-template-hash}}"}[5m])))',
    );
    // Up to 4 replicas: spread even though development is not highly available.
    expect(ro.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  test('GIVEN a canary without ingress WHEN synthesized THEN default steps and no traffic routing', () => {
    const ro = build({ strategy: RolloutStrategy.canary() }).find('Rollout', 'api');
    expect(ro.spec.replicas).toBe(1);
    expect(ro.spec.strategy.canary.trafficRouting).toBeUndefined();
    expect(ro.spec.strategy.canary.steps.map((s: any) => Object.keys(s)[0])).toEqual(['setWeight', 'pause', 'analysis', 'setWeight', 'pause', 'analysis']);
  });

  test('GIVEN blue-green WHEN synthesized THEN active/preview Services, manual promotion, pre-promotion analysis and scale-down delay', () => {
    const env = build({
      ports: [
        { name: 'http', port: 8080 },
        { name: 'admin', port: 8081 },
      ],
      strategy: RolloutStrategy.blueGreen({
        previewPort: 'http',
        scaleDownDelaySeconds: 120,
        analysis: { prometheusAddress: 'http://thanos.monitoring.svc:9090', maxErrorRate: 0.05 },
      }),
    });
    expect(env.find('Rollout', 'api').spec.strategy).toEqual({
      blueGreen: {
        activeService: 'api',
        previewService: 'api-preview',
        autoPromotionEnabled: false,
        scaleDownDelaySeconds: 120,
        // Before promotion the new (preview) pods are measured, not the active ones (today: the old pods only).
        prePromotionAnalysis: {
          templates: [{ templateName: 'api-analysis' }],
          args: [{ name: 'pod-template-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
        },
      },
    });
    expect(
      env
        .find('AnalysisTemplate', 'api-analysis')
        .spec.metrics.every((x: any) => x.provider.prometheus.query.includes('rollouts_pod_template_hash="{{args.pod-template-hash}}"')),
    ).toBe(true);
    expect(env.find('Service', 'api-preview').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    const m = env.find('AnalysisTemplate', 'api-analysis').spec.metrics[0];
    expect([m.successCondition, m.provider.prometheus.address]).toEqual([
      'len(result) == 0 || isNaN(result[0]) || result[0] <= 0.05',
      'http://thanos.monitoring.svc:9090',
    ]);
  });

  test('GIVEN blue-green with auto-promotion and no analysis WHEN synthesized THEN no AnalysisTemplate', () => {
    const env = build({ strategy: RolloutStrategy.blueGreen({ autoPromotion: true, autoPromotionSeconds: 60, prePromotionAnalysis: false }) });
    expect(env.find('Rollout', 'api').spec.strategy.blueGreen).toEqual({
      activeService: 'api',
      previewService: 'api-preview',
      autoPromotionEnabled: true,
      autoPromotionSeconds: 60,
      scaleDownDelaySeconds: 30,
    });
    expect(env.all('AnalysisTemplate')).toEqual([]);
  });
});

describe('MicroserviceDeployment: observability', () => {
  test('GIVEN operator mode WHEN synthesized THEN a ServiceMonitor and a PrometheusRule with the four default alerts, and no scrape annotations', () => {
    const env = build(
      {
        team: 'payments',
        ports: [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 9090 },
        ],
        metrics: { path: '/prom' },
      },
      testProfile({ monitoring: { ...development.monitoring, mode: MonitoringMode.operator() } }),
    );
    expect(env.find('Deployment', 'api').spec.template.metadata.annotations).toBeUndefined();
    const sm = env.find('ServiceMonitor', 'api');
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/prom', interval: '30s' }]);
    expect(sm.spec.selector.matchExpressions).toEqual([{ key: 'platform.io/service-role', operator: 'DoesNotExist' }]);
    const rules = env.find('PrometheusRule', 'api').spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(['ServiceHighErrorRate', 'ServiceHighLatency', 'ServicePodRestarting', 'ServiceReplicasUnavailable']);
    expect(rules[0].labels).toEqual({ severity: 'critical', service: 'api', namespace: 'backend', team: 'payments' });
    expect(rules[0].expr).toContain('> 0.01');
    expect(rules[1].expr).toContain('> 0.5');
    expect(Object.keys(rules[0].annotations)).toEqual(['summary', 'description', 'runbook_url']);
  });

  test('GIVEN a service WHEN built THEN it is registered with the monitoring registry', () => {
    const env = build({
      team: 'payments',
      costCenter: 'cc-42',
      alerts: {
        extraRules: [
          { alert: 'QueueBacklog', expr: 'queue_depth > 100', for: '5m', severity: 'warning', summary: 's', description: 'd', runbookUrl: 'https://r' },
        ],
      },
    });
    const t = MonitoringRegistry.of(env.chart).find('api', 'backend')!;
    expect(t).toMatchObject({ kind: 'service', team: 'payments', metricsPort: { name: 'http', port: 8080 }, metricsPath: '/metrics', httpMetrics: true });
    expect(t.rules.map((r) => r.alert)).toEqual([
      'ServiceHighErrorRate',
      'ServiceHighLatency',
      'ServicePodRestarting',
      'ServiceReplicasUnavailable',
      'QueueBacklog',
    ]);
    expect(env.find('Deployment', 'api').metadata.labels['platform.io/cost-center']).toBe('cc-42');
  });

  test('GIVEN httpMetrics false WHEN built THEN only restart and availability alerts', () => {
    const env = build({ metrics: { httpMetrics: false } });
    expect(
      MonitoringRegistry.of(env.chart)
        .find('api')!
        .rules.map((r) => r.alert),
    ).toEqual(['ServicePodRestarting', 'ServiceReplicasUnavailable']);
  });

  test('GIVEN every PromQL expression emitted WHEN parsed with lezer-promql THEN none has a syntax error', () => {
    const t = { namespace: 'backend', service: 'api' };
    const exprs = [
      httpErrorRatioQuery(t),
      httpLatencyP95Query(t),
      restartsQuery('backend', 'api'),
      unavailableReplicasQuery('backend', 'api', false),
      unavailableReplicasQuery('backend', 'api', true),
      ...microserviceAlertRules({ ...t, httpMetrics: true, rollout: true, maxErrorRate: 0.01, maxP95LatencySeconds: 0.5, runbookBaseUrl: 'https://r' }).map(
        (r) => r.expr,
      ),
    ];
    for (const e of exprs) {
      let errors = 0;
      parser.parse(e).iterate({
        enter: (n) => {
          if (n.type.isError) errors++;
        },
      });
      expect({ e, errors }).toEqual({ e, errors: 0 });
    }
  });
});

describe('MicroserviceDeployment: policy gate', () => {
  test.each([
    ['rollingUpdate', RolloutStrategy.rollingUpdate()],
    ['canary', RolloutStrategy.canary()],
    ['blueGreen', RolloutStrategy.blueGreen()],
  ])('GIVEN production services (%s, HPA, ingress, connections, a worker) WHEN the policy engine runs THEN no violation', (_kind, strategy) => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: production });
    const img = (repo: string) => ImageReference.fromDigest(repo, DIGEST, '1.0.0');
    const db = new MicroserviceDeployment(chart, 'db', { name: 'db', namespace: 'data', image: img('ghcr.io/acme/db'), ports: [{ name: 'pg', port: 5432 }] });
    new MicroserviceDeployment(chart, 'api', {
      name: 'api',
      namespace: 'backend',
      image: img('ghcr.io/acme/api'),
      ports: [{ name: 'http', port: 8080 }],
      strategy,
      autoscaling: {},
      ingress: { hosts: [IngressHost.subdomain('api')] },
      connectsTo: [db],
      secrets: { k: { key: 'x' } },
      env: { K: EnvValue.fromSecret('k') },
      config: { files: { a: 'b' } },
    });
    new MicroserviceDeployment(chart, 'worker', {
      name: 'worker',
      namespace: 'backend',
      image: img('ghcr.io/acme/worker'),
      probes: { liveness: HealthProbe.exec(['true']) },
    });
    const { envs, problems } = synthesizeToJson(app);
    expect(problems).toEqual([]);
    expect(evaluatePolicies(envs[0]!).violations.map((v) => v.text)).toEqual([]);
  });
});

describe('MicroserviceDeployment: spread outside HA profiles', () => {
  const img = ImageReference.fromDigest('ghcr.io/acme/api', DIGEST, '1.0.0');
  test.each([
    ['development', development, 'rollingUpdate', RolloutStrategy.rollingUpdate()],
    ['development', development, 'canary', RolloutStrategy.canary()],
    ['staging', staging, 'rollingUpdate', RolloutStrategy.rollingUpdate()],
    ['staging', staging, 'blueGreen', RolloutStrategy.blueGreen()],
  ] as const)(
    'GIVEN an autoscaled service in %s (%s) WHEN the policy engine runs THEN its pods spread and no ha-spread warning',
    (_env, profile, _kind, strategy) => {
      const app = new App();
      const chart = new EnvironmentChart(app, { profile });
      new MicroserviceDeployment(chart, 'api', { ...minimal({ image: img, strategy }), autoscaling: { minReplicas: 1, maxReplicas: 4 } });
      const { envs, problems } = synthesizeToJson(app);
      expect(problems).toEqual([]);
      const workload = envs[0]!.documents.map((d) => d.object).find((o) => o.kind === 'Deployment' || o.kind === 'Rollout')!;
      expect(workload.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
      expect(evaluatePolicies(envs[0]!).violations.map((v) => v.text)).toEqual([]);
    },
  );

  test('GIVEN one replica that can never be more WHEN synthesized in development THEN no spread constraints', () => {
    const d = build({ replicas: 1 }).find('Deployment', 'api');
    expect(d.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });
});

/** Every prop (except `replicas`, which cannot go with `autoscaling` and is covered above). */
const ALL: Required<MicroserviceDeploymentProps> = {
  name: 'checkout',
  namespace: 'shop',
  image: ImageReference.fromDigest('ghcr.io/acme/checkout', DIGEST, '2.3.1'),
  ports: [
    { name: 'http', port: 8080, servicePort: 80 },
    { name: 'metrics', port: 9090, protocol: 'TCP' },
  ],
  command: ['/app/checkout'],
  args: ['--listen=:8080'],
  env: { LOG_LEVEL: EnvValue.value('info'), DB_URL: EnvValue.fromSecret('db-url') },
  secrets: { 'db-url': { key: 'production/checkout/db', property: 'url', version: '3' } },
  config: { files: { 'app.yaml': 'currency: EUR\n' }, mountPath: '/etc/checkout' },
  volumes: [{ volume: PodVolume.emptyDir('cache'), mountPath: '/var/cache/checkout', readOnly: false, subPath: 'c' }],
  initContainers: [
    { name: 'wait', image: ImageReference.fromDigest('busybox', DIGEST), command: ['true'], args: [], env: {}, ports: [], resources: {}, volumeMounts: [] },
  ],
  sidecars: [
    {
      name: 'proxy',
      image: ImageReference.fromDigest('envoyproxy/envoy', DIGEST),
      ports: [{ name: 'admin', port: 9901 }],
      volumeMounts: [{ volume: 'config', mountPath: '/etc/envoy', readOnly: true }],
      probes: { readiness: HealthProbe.http('/ready', { port: 'admin' }) },
    },
  ],
  preStop: PreStopHook.http('/drain', 'http'),
  terminationGracePeriodSeconds: 60,
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  probes: {
    liveness: HealthProbe.http('/livez'),
    readiness: HealthProbe.http('/readyz', { scheme: 'HTTP' }),
    startup: HealthProbe.http('/livez', { failureThreshold: 60 }),
  },
  runAs: { runAsUser: 20000, runAsGroup: 20000, fsGroup: 20000 },
  apiAccess: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }] },
  service: { exposure: ServiceExposure.clusterIP(), annotations: { 'example.com/owner': 'shop' } },
  ingress: {
    hosts: [IngressHost.subdomain('shop', [{ path: '/checkout' }])],
    port: 'http',
    className: 'nginx',
    sslRedirect: true,
    rateLimitRps: 50,
    annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' },
  },
  connectsTo: [{ name: 'payments' }],
  // Endpoints need a server in the chart: buildAll adds one (see also 'MicroserviceDeployment: connections').
  connections: [],
  replicas: 3,
  autoscaling: {
    minReplicas: 3,
    maxReplicas: 12,
    cpuUtilization: 70,
    memoryUtilization: false,
    podsMetrics: [{ name: 'http_requests_per_second', averageValue: '50' }],
    scaleUp: { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] },
    scaleDown: { stabilizationWindowSeconds: 600 },
  },
  disruptionBudget: { minAvailable: 2 },
  verticalAutoscaling: { mode: VpaMode.recommend(), minAllowed: { cpu: '100m' }, maxAllowed: { memory: '2Gi' }, controlledResources: ['memory'] },
  strategy: RolloutStrategy.canary({
    steps: [CanaryStep.setWeight(25), CanaryStep.analysis(), CanaryStep.setWeight(75), CanaryStep.pause('10m')],
    nginxTrafficRouting: true,
    analysis: {
      prometheusAddress: 'http://prometheus.monitoring.svc:9090',
      maxErrorRate: 0.02,
      maxP95LatencySeconds: 0.3,
      interval: '30s',
      count: 10,
      failureLimit: 2,
    },
  }),
  topologySpread: true,
  nodeSelector: { 'node.kubernetes.io/pool': 'general' },
  tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  priorityClassName: 'shop-critical',
  metrics: { enabled: true, port: 'metrics', path: '/metrics', httpMetrics: true },
  alerts: { enabled: true, maxErrorRate: 0.02, maxP95LatencySeconds: 0.3, runbookBaseUrl: 'https://runbooks.acme.dev/shop', extraRules: [] },
  team: 'shop',
  costCenter: 'cc-1234',
  partOf: 'storefront',
  component: 'api',
  version: '2.3.1',
};

describe('MicroserviceDeployment: all props', () => {
  function buildAll() {
    const { replicas: _fixed, ...withHpa } = ALL;
    return synthEnv(
      (chart) => {
        const payments = new MicroserviceDeployment(
          chart,
          'payments',
          minimal({ name: 'payments', namespace: 'shop', image: ImageReference.fromDigest('ghcr.io/acme/payments', DIGEST) }),
        );
        const api = new Endpoint(payments, {
          name: 'http',
          host: 'payments.shop.svc.cluster.local',
          port: { name: 'http', port: 8080 },
          protocol: 'http',
          tls: EndpointTls.disabled(),
          auth: EndpointAuth.none(),
        });
        new MicroserviceDeployment(chart, 'checkout', {
          ...withHpa,
          connections: [{ to: api, env: { PAYMENTS_URL: ConnectionValue.url({ path: 'v1' }) }, expect: { tls: false, auth: 'none' }, user: 'checkout' }],
        });
      },
      { ...PRODUCTION_INGRESS, monitoring: OPERATOR },
    );
  }

  test('GIVEN every prop WHEN synthesized in production (operator monitoring) THEN every document is valid and specific fields are set', () => {
    const env = buildAll();
    const ro = env.find('Rollout', 'checkout');
    expect(ro.metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'api',
      'app.kubernetes.io/part-of': 'storefront',
      'app.kubernetes.io/version': '2.3.1',
      'platform.io/team': 'shop',
      'platform.io/cost-center': 'cc-1234',
    });
    const pod = ro.spec.template.spec;
    expect(pod.securityContext.runAsUser).toBe(20000);
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { httpGet: { path: '/drain', port: 8080 } } });
    expect(pod.topologySpreadConstraints[0].matchLabelKeys).toEqual(['rollouts-pod-template-hash']);
    expect(env.find('PodDisruptionBudget', 'checkout').spec.minAvailable).toBe(2);
    expect(env.find('ExternalSecret', 'checkout-secrets').spec.data[0].remoteRef).toEqual({ key: 'production/checkout/db', property: 'url', version: '3' });
    expect(env.find('Ingress', 'checkout').metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('1m');
    expect(env.find('NetworkPolicy', 'payments').spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/name']).toBe('checkout');
    expect(env.find('AnalysisTemplate', 'checkout-analysis').spec.metrics[0]).toMatchObject({ interval: '30s', count: 10, failureLimit: 2 });
    expect(env.find('ExternalSecret', 'checkout-payments-http').spec.target.template.data).toEqual({
      PAYMENTS_URL: 'http://payments.shop.svc.cluster.local:8080/v1',
    });
    // The Rollout's analysis selects its new pods by the ReplicaSet hash: the monitor copies the pod label onto the series.
    expect(env.find('ServiceMonitor', 'checkout').spec.podTargetLabels).toEqual(['rollouts-pod-template-hash']);
    // The priority class comes with the cluster: the profile says so, and the reference resolves.
    const profile = { ...PRODUCTION_INGRESS, clusterProvides: { ...production.clusterProvides, priorityClasses: ['shop-critical'] } };
    expect(evaluatePolicies({ name: 'production', directory: 'production', profile, documents: env.documents }).violations.map((v) => v.text)).toEqual([]);
    expect(
      evaluatePolicies({ name: 'production', directory: 'production', profile: PRODUCTION_INGRESS, documents: env.documents }).violations.map((v) => v.text),
    ).toEqual([
      'production/shop/Rollout/checkout: spec.template.spec.priorityClassName: refers to PriorityClass shop-critical, which no object of environment production creates; emit it, or declare it in profile.clusterProvides.priorityClasses if the cluster provides it [references-resolve]',
    ]);
  });

  test('GIVEN every prop WHEN synthesized THEN the snapshot matches', () => {
    expect(buildAll().docs).toMatchSnapshot();
  });

  test('GIVEN every prop with fixed replicas instead of autoscaling WHEN synthesized THEN replicas is written and no HPA', () => {
    const env = synthEnv((chart) => {
      new MicroserviceDeployment(
        chart,
        'payments',
        minimal({ name: 'payments', namespace: 'shop', image: ImageReference.fromDigest('ghcr.io/acme/payments', DIGEST) }),
      );
      new MicroserviceDeployment(chart, 'checkout', { ...ALL, autoscaling: undefined, verticalAutoscaling: { mode: VpaMode.auto() } });
    }, PRODUCTION_INGRESS);
    expect(env.find('Rollout', 'checkout').spec.replicas).toBe(3);
    expect(env.all('HorizontalPodAutoscaler')).toEqual([]);
  });
});

describe('MicroserviceDeployment: connections', () => {
  const img = ImageReference.fromDigest('ghcr.io/acme/invoices', DIGEST, '1.0.0');
  function platform(
    connections: (db: StatefulDatastore, cache: StatefulDatastore) => MicroserviceDeploymentProps['connections'],
    profile: EnvironmentProfile = development,
  ) {
    return synthEnv((chart) => {
      const db = new StatefulDatastore(chart, 'db', { name: 'postgres', namespace: 'db-postgres', engine: Engine.postgres() });
      const cache = new StatefulDatastore(chart, 'cache', { name: 'redis', namespace: 'db-redis', engine: Engine.redis() });
      new MicroserviceDeployment(chart, 'svc', { ...minimal({ name: 'invoice-service', image: img }), connections: connections(db, cache) });
    }, profile);
  }

  test('GIVEN a connection to postgres rw WHEN synthesized THEN the URL is composed from the stored credential the server reads, and both NetworkPolicies admit the flow', () => {
    const env = platform((db) => [{ to: db.endpoint('rw'), env: { DATABASE_URL: ConnectionValue.url({ path: 'invoices' }), PGHOST: ConnectionValue.host() } }]);
    const es = env.find('ExternalSecret', 'invoice-service-postgres-rw', 'backend');
    // No databases declared: every client uses the datastore's one database `app` as its owner `app`, over TLS.
    expect(es.spec.target.template.data).toEqual({
      DATABASE_URL: 'postgresql://app:{{ .password | urlquery }}@postgres.db-postgres.svc.cluster.local:5432/invoices?sslmode=require',
      PGHOST: 'postgres.db-postgres.svc.cluster.local',
    });
    // The same remote key and property as the password CloudNativePG sets on the role.
    expect(es.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'db-postgres/postgres/roles/app', property: 'password' } }]);
    expect(env.find('ExternalSecret', 'postgres-role-app').spec.data).toContainEqual({
      secretKey: 'password',
      remoteRef: { key: 'db-postgres/postgres/roles/app', property: 'password' },
    });
    expect(container(env.find('Deployment', 'invoice-service')).env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'invoice-service-postgres-rw', key: 'DATABASE_URL' } } },
      { name: 'PGHOST', valueFrom: { secretKeyRef: { name: 'invoice-service-postgres-rw', key: 'PGHOST' } } },
    ]);
    const egress = env.find('NetworkPolicy', 'invoice-service').spec.egress;
    expect(egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db-postgres' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'postgres' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
    expect(env.find('NetworkPolicy', 'postgres').spec.ingress[0]).toEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'backend' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'invoice-service', 'app.kubernetes.io/instance': 'invoice-service' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
  });

  test('GIVEN a Sentinel-aware client of HA Redis WHEN synthesized THEN it is admitted to Sentinel and to the servers, and gets the master set', () => {
    const env = platform(
      (_db, cache) => [
        { to: cache.endpoint('sentinel'), env: { REDIS_SENTINEL_URL: ConnectionValue.url(), REDIS_MASTER_SET: ConnectionValue.attribute('masterSet') } },
      ],
      production,
    );
    expect(env.find('ExternalSecret', 'invoice-service-redis-sentinel').spec.target.template.data).toEqual({
      REDIS_SENTINEL_URL: 'redis+sentinel://:{{ .password | urlquery }}@redis-sentinel.db-redis.svc.cluster.local:26379/mymaster',
      REDIS_MASTER_SET: 'mymaster',
    });
    const ingress = env.find('NetworkPolicy', 'redis').spec.ingress[0];
    expect(ingress.ports).toEqual([
      { protocol: 'TCP', port: 26379 },
      { protocol: 'TCP', port: 6379 },
    ]);
  });

  test('GIVEN a client expecting TLS WHEN the endpoint is plain text THEN synth fails naming both ends', () => {
    expect(() => platform((_db, cache) => [{ to: cache.endpoint('master'), env: { REDIS_URL: ConnectionValue.url() }, expect: { tls: true } }])).toThrow(
      'development/svc: connections[0].expect: got {"tls":true}; the client asks for TLS but the server offers plain text (db-redis/redis endpoint "master" (redis on port 6379, plain text, auth password), declared at development/cache): change the client\'s expectation or the server',
    );
  });

  test('GIVEN a client not authenticating WHEN the endpoint requires a password THEN synth fails naming both ends', () => {
    expect(() => platform((_db, cache) => [{ to: cache.endpoint('master'), env: { REDIS_URL: ConnectionValue.url() }, expect: { auth: 'none' } }])).toThrow(
      'the client authenticates with none but the server requires password (db-redis/redis endpoint "master" (redis on port 6379, plain text, auth password), declared at development/cache)',
    );
  });

  test('GIVEN an env var set twice WHEN synthesized THEN synth fails: every env var has one source', () => {
    expect(() =>
      synthEnv((chart) => {
        const db = new StatefulDatastore(chart, 'db', { name: 'postgres', namespace: 'db-postgres', engine: Engine.postgres() });
        new MicroserviceDeployment(chart, 'svc', {
          ...minimal(),
          env: { DATABASE_URL: EnvValue.value('x') },
          connections: [{ to: db.endpoint('rw'), env: { DATABASE_URL: ConnectionValue.url() } }],
        });
      }),
    ).toThrow(
      'development/svc: connections[0].env.DATABASE_URL: got "DATABASE_URL"; is already set by `env` or another connection; every env var has one source',
    );
  });

  test('GIVEN a connection to something that is not an endpoint WHEN synthesized THEN synth fails saying what is expected', () => {
    expect(() => build({ connections: [{ to: { name: 'postgres' } as any, env: { DATABASE_URL: ConnectionValue.url() } }] })).toThrow(
      'development/svc: connections[0].to: got {"name":"postgres"}; must be an Endpoint a server offers, e.g. postgres.endpoint(\'rw\')',
    );
  });

  test('GIVEN an endpoint the server does not offer WHEN asked THEN the error lists the endpoints it has', () => {
    expect(() =>
      synthEnv((chart) => {
        const db = new StatefulDatastore(chart, 'db', { name: 'postgres', namespace: 'db-postgres', engine: Engine.postgres() });
        db.endpoint('replica');
      }),
    ).toThrow('development/db: endpoint: got "replica"; db-postgres/postgres offers no endpoint named "replica"; its endpoints: rw, ro');
  });
});

describe('MicroserviceDeployment: bad input', () => {
  const P = 'development/svc';
  const prod = (o: Partial<MicroserviceDeploymentProps>) => () => build(o, production);

  test('invalid name', () => {
    expect(() => build({ name: 'Api_Gateway' })).toThrow(
      `${P}: name: got "Api_Gateway"; must be a DNS-1035 label of at most 55 characters: lowercase letters, digits and "-", starting with a letter and ending alphanumeric (derived names such as "<name>-preview" must stay within 63)`,
    );
  });

  test('name too long', () => {
    const name = `a${'b'.repeat(55)}`;
    expect(() => build({ name })).toThrow(`${P}: name: got "${name}"; must be a DNS-1035 label of at most 55 characters`);
  });

  test('invalid namespace', () => {
    expect(() => build({ namespace: 'Backend' })).toThrow(
      `${P}: namespace: got "Backend"; must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric`,
    );
  });

  test('port out of range', () => {
    expect(() => build({ ports: [{ name: 'http', port: 70000 }] })).toThrow(`${P}: ports[0].port: got 70000; must be an integer from 1 to 65535`);
  });

  test('duplicated port name', () => {
    expect(() =>
      build({
        ports: [
          { name: 'http', port: 8080 },
          { name: 'http', port: 8081 },
        ],
      }),
    ).toThrow(`${P}: ports[1].name: got "http"; port names must be unique`);
  });

  test('duplicated port number', () => {
    expect(() =>
      build({
        ports: [
          { name: 'http', port: 8080 },
          { name: 'admin', port: 8080 },
        ],
      }),
    ).toThrow(`${P}: ports[1].port: got 8080; port numbers must be unique`);
  });

  test('invalid port name', () => {
    expect(() => build({ ports: [{ name: 'http-endpoint-long', port: 8080 }] })).toThrow(
      `${P}: ports[0].name: got "http-endpoint-long"; must be an IANA service name: at most 15 characters of [a-z0-9-] with at least one letter, starting and ending alphanumeric`,
    );
  });

  test('unparsable CPU quantity', () => {
    expect(() => build({ resources: { requests: { cpu: 'two cores' } } })).toThrow(
      `${P}: resources.requests.cpu: got "two cores"; must be a positive Kubernetes quantity, e.g. "250m" or "0.5"`,
    );
  });

  test('unparsable memory quantity', () => {
    expect(() => build({ resources: { limits: { memory: '1GB!' } } })).toThrow(
      `${P}: resources.limits.memory: got "1GB!"; must be a positive Kubernetes quantity, e.g. "256Mi" or "1Gi"`,
    );
  });

  test('requests above limits', () => {
    expect(() => build({ resources: { requests: { memory: '1Gi' } } })).toThrow(
      `${P}: resources.requests.memory: got "1Gi"; must not exceed the memory limit "256Mi" (resources.limits.memory)`,
    );
  });

  test('min replicas above max', () => {
    expect(() => build({ autoscaling: { minReplicas: 5, maxReplicas: 3 } })).toThrow(
      `${P}: autoscaling.minReplicas: got 5; must not exceed autoscaling.maxReplicas (3)`,
    );
  });

  test('PDB minAvailable that blocks every eviction', () => {
    expect(() => build({ autoscaling: { minReplicas: 2, maxReplicas: 4 }, disruptionBudget: { minAvailable: 2 } })).toThrow(
      `${P}: disruptionBudget.minAvailable: got 2; blocks every voluntary eviction (node drains hang) with 2 replica(s): must keep fewer than 2 pod(s) available`,
    );
  });

  test('PDB maxUnavailable 0', () => {
    expect(() => build({ replicas: 3, disruptionBudget: { maxUnavailable: '0%' } })).toThrow(
      `${P}: disruptionBudget.maxUnavailable: got "0%"; blocks every voluntary eviction (node drains hang): must allow at least one pod`,
    );
  });

  test('latest image in production', () => {
    expect(prod({ image: ImageReference.parse('api-gateway:latest') })).toThrow(
      `production/svc: image: got "api-gateway:latest"; the production image policy forbids "latest": pin a version tag or a digest`,
    );
  });

  test('untagged image in production', () => {
    expect(prod({ image: ImageReference.parse('ghcr.io/acme/api') })).toThrow(
      `production/svc: image: got "ghcr.io/acme/api"; the production image policy forbids untagged images (they mean "latest"): pin a version tag or a digest`,
    );
  });

  test('GIVEN a tag without digest where the profile requires digests WHEN synthesized THEN synth reports it (not construction), with both fixes', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: production });
    expect(() => new MicroserviceDeployment(chart, 'svc', minimal({ image: ImageReference.fromTag('ghcr.io/acme/api', '1.0.0') }))).not.toThrow();
    expect(synthesizeToJson(app).problems).toContain(
      `production/svc: image: got "ghcr.io/acme/api:1.0.0"; the production image policy accepts only digests: use "ghcr.io/acme/api@sha256:<64 hex characters>" or add "ghcr.io/acme/api:1.0.0" to profile.imageDigests`,
    );
  });

  test('GIVEN a tag with an entry in profile.imageDigests WHEN synthesized in production THEN it is accepted and written with the digest', () => {
    const pinned = { ...production, imageDigests: { ...production.imageDigests, 'ghcr.io/acme/api:1.0.0': DIGEST } };
    const r = build({ image: ImageReference.fromTag('ghcr.io/acme/api', '1.0.0') }, pinned);
    expect(container(r.find('Deployment', 'api')).image).toBe(`ghcr.io/acme/api:1.0.0@${DIGEST}`);
  });

  test('latest sidecar image in staging', () => {
    expect(() => build({ sidecars: [{ name: 'proxy', image: ImageReference.parse('envoy:latest') }] }, staging)).toThrow(
      `staging/svc: sidecars[0].image: got "envoy:latest"; the staging image policy forbids "latest": pin a version tag or a digest`,
    );
  });

  test('HPA together with fixed replicas', () => {
    expect(() => build({ replicas: 3, autoscaling: {} })).toThrow(
      `${P}: replicas: got 3; an HPA owns the replica count when \`autoscaling\` is set: remove \`replicas\` or \`autoscaling\``,
    );
  });

  test('canary weights not increasing', () => {
    expect(() => build({ strategy: RolloutStrategy.canary({ steps: [CanaryStep.setWeight(50), CanaryStep.pause('1m'), CanaryStep.setWeight(30)] }) })).toThrow(
      `${P}: strategy.steps[2].setWeight: got 30; weights must increase: the previous step set 50`,
    );
  });

  test('canary weight above 100', () => {
    expect(() => build({ strategy: RolloutStrategy.canary({ steps: [CanaryStep.setWeight(50), CanaryStep.setWeight(120)] }) })).toThrow(
      `${P}: strategy.steps[1].setWeight: got 120; must be an integer from 1 to 100`,
    );
  });

  test('blue-green without a preview service port', () => {
    expect(() =>
      build({ ports: [], probes: { liveness: HealthProbe.exec(['true']) }, strategy: RolloutStrategy.blueGreen({ prePromotionAnalysis: false }) }),
    ).toThrow(`${P}: strategy.previewPort: got undefined; a blue-green rollout needs a preview Service port: declare \`ports\``);
  });

  test('blue-green preview port that does not exist', () => {
    expect(() => build({ strategy: RolloutStrategy.blueGreen({ previewPort: 'web' }) })).toThrow(
      `${P}: strategy.previewPort: got "web"; must name one of the ports: http`,
    );
  });

  test('probe on a port the container does not expose', () => {
    expect(() => build({ probes: { readiness: HealthProbe.http('/ready', { port: 9999 }) } })).toThrow(
      `${P}: probes.readiness.port: got 9999; the container does not expose this port; exposed ports: http (8080)`,
    );
  });

  test('connection to a service that does not exist: clear error and nothing written', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'msd-')), 'dist');
    const app = new App({ outdir: '.cdk8s.out' });
    const chart = new EnvironmentChart(app, { profile: development });
    new MicroserviceDeployment(chart, 'svc', minimal({ connectsTo: [{ name: 'ghost' }] }));
    expect(() => synthesize(app, { outdir })).toThrow(
      `${P}: connectsTo[0]: got "backend/ghost"; no workload named "ghost" in namespace "backend"; known workloads: backend/api`,
    );
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('literal secret value smuggled into secrets (never echoed)', () => {
    expect(() => build({ secrets: { 'db-password': { value: 'hunter2' } as any } })).toThrow(
      `${P}: secrets.db-password: got {"value":"<redacted>"}; must be a remote reference { key, property?, version? } into the secret store; literal secret values are never written to Git`,
    );
  });

  test('literal value for a secret-looking env var', () => {
    expect(() => build({ env: { JWT_SECRET: EnvValue.value('hunter2') } })).toThrow(
      `${P}: env.JWT_SECRET: got "<redacted>"; looks like a secret: a literal value would be written to Git; declare it in \`secrets\` and use EnvValue.fromSecret(key)`,
    );
  });

  test('plain string smuggled into env', () => {
    expect(() => build({ env: { NODE_ENV: 'production' as any } })).toThrow(
      `${P}: env.NODE_ENV: got "<redacted>"; must be an EnvValue (EnvValue.value, fromConfigMap, fromSecret, fromExistingSecret, fromField)`,
    );
  });

  test('env from an undeclared secret key', () => {
    expect(() => build({ env: { DATABASE_URL: EnvValue.fromSecret('db-url') } })).toThrow(
      `${P}: env.DATABASE_URL: got "db-url"; must be a key of \`secrets\`; declared keys: none`,
    );
  });

  test('VPA Auto together with an HPA on the same resource', () => {
    expect(() => build({ autoscaling: {}, verticalAutoscaling: { mode: VpaMode.auto() } })).toThrow(
      `${P}: verticalAutoscaling.mode: got "Auto"; the HPA scales on cpu and memory utilization, so a VPA that changes those requests fights it: use VpaMode.recommend(), or leave cpu and memory out of controlledResources`,
    );
  });

  test('team that is not a label value', () => {
    expect(() => build({ team: 'Team Payments' })).toThrow(
      `${P}: team: got "Team Payments"; must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric`,
    );
  });

  test('worker without ports and without probes', () => {
    expect(() => build({ ports: [] })).toThrow(
      `${P}: probes: got undefined; a service without ports has no default probe: set probes.liveness or probes.readiness (e.g. HealthProbe.exec([...]))`,
    );
  });

  test('sidecar without ports and without probes', () => {
    expect(() => build({ sidecars: [{ name: 'shipper', image: ImageReference.fromTag('fluent/fluent-bit', '3.1.0') }] })).toThrow(
      `${P}: sidecars[0].probes: got undefined; a sidecar without ports has no default probe: set probes.liveness or probes.readiness (e.g. HealthProbe.exec([...]))`,
    );
  });

  test('sidecar probe on a port the sidecar does not expose', () => {
    expect(() =>
      build({ sidecars: [{ name: 'proxy', image: ImageReference.fromTag('envoy', '1.31.0'), probes: { liveness: HealthProbe.tcp({ port: 'http' }) } }] }),
    ).toThrow(`${P}: sidecars[0].probes.liveness.port: got "http"; the container does not expose this port; exposed ports: none`);
  });

  test('sidecar port that the main container already uses', () => {
    expect(() => build({ sidecars: [{ name: 'proxy', image: ImageReference.fromTag('envoy', '1.31.0'), ports: [{ name: 'proxy', port: 8080 }] }] })).toThrow(
      `${P}: sidecars[0].ports[0].port: got 8080; another container of the pod already uses this port (containers share the pod's network)`,
    );
  });

  test('root uid', () => {
    expect(() => build({ runAs: { runAsUser: 0 } })).toThrow(
      `${P}: runAs.runAsUser: got 0; must be a non-zero uid/gid (PSS restricted forbids running as root)`,
    );
  });

  test('wildcard RBAC verb', () => {
    expect(() => build({ apiAccess: { rules: [{ resources: ['pods'], verbs: ['*' as any] }] } })).toThrow(
      `${P}: apiAccess.rules[0].verbs: got "*"; must be one of: get, list, watch, create, update, patch, delete, deletecollection (no "*": least privilege)`,
    );
  });

  test('nginx traffic routing without an ingress', () => {
    expect(() => build({ strategy: RolloutStrategy.canary({ nginxTrafficRouting: true }) })).toThrow(
      `${P}: strategy.nginxTrafficRouting: got true; nginx traffic routing splits traffic at the service's Ingress: set \`ingress\``,
    );
  });

  test('preStop sleep longer than the grace period', () => {
    expect(() => build({ preStop: PreStopHook.sleep(30) })).toThrow(
      `${P}: preStop: got "sleep 30"; must end before terminationGracePeriodSeconds (30) or the container is killed mid-shutdown`,
    );
  });
});
