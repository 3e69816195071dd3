/** Grafana with provisioned datasources (Prometheus, logs, Jaeger) and dashboards from ConfigMaps. */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeConfigMap, KubeDeployment, KubeService, KubeServiceAccount } from '../../imports/k8s';
import { ConnectionGraph, IWorkload, WorkloadPort } from '../core/connections';
import { restrictedPodSecurityContext } from '../core/security';
import { selectorLabels } from '../core/labels';
import { LogBackend, LogConnection, TraceEndpoint } from './backends';
import {
  checksum,
  configYaml,
  componentNetworkPolicy,
  credentialSecret,
  scrapedByPrometheus,
  containerSecurity,
  externalSecret,
  k8sResources,
  tcpPorts,
} from './common';
import { componentLabels, StackContext } from './context';
import { LOGS_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID, TRACES_DATASOURCE_UID } from './dashboards';

export const GRAFANA_NAME = 'grafana';
export const GRAFANA_PORT = 3000;
const GRAFANA_UID = 472;
const ADMIN_SECRET = 'grafana-admin';
const LOGS_SECRET = 'grafana-logs-credentials';
const LOGS_USER_ENV = 'LOGS_USER';
const LOGS_PASSWORD_ENV = 'LOGS_PASSWORD';
const DASHBOARDS_DIR = '/etc/grafana/dashboards';
/** Label the kube-prometheus-stack Grafana sidecar collects dashboards by (operator mode). */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

export interface GrafanaServerProps {
  readonly context: StackContext;
  /** Prometheus base URL. */
  readonly prometheusUrl: string;
  readonly logs?: LogBackend;
  /** Where the Jaeger datasource points; an in-cluster Jaeger (no `peer`) is reached through a ConnectionGraph edge. */
  readonly traces?: TraceEndpoint;
  /** Remote key (properties `admin-user`, `admin-password`) of the admin credentials. */
  readonly adminRemoteKey: string;
  /** Checksum of the dashboards ConfigMap content, produced at synth (rolls Grafana when a dashboard changes). */
  readonly dashboardsChecksum: () => string;
}

/**
 * The datasources provisioning file. The logs datasource authenticates as the connection's user: Grafana expands
 * `$LOGS_USER` and `$LOGS_PASSWORD` from its environment (the connection Secret), so neither is written here.
 */
export function renderDatasources(prometheusUrl: string, logs?: LogBackend, logsConnection?: LogConnection, traces?: TraceEndpoint): string {
  const datasources: Record<string, unknown>[] = [
    {
      name: 'Prometheus',
      uid: PROMETHEUS_DATASOURCE_UID,
      type: 'prometheus',
      access: 'proxy',
      url: prometheusUrl,
      isDefault: true,
      editable: false,
    },
  ];
  if (logs && logsConnection) {
    const auth = logsConnection.credential
      ? { basicAuth: true, basicAuthUser: `$${LOGS_USER_ENV}`, secureJsonData: { basicAuthPassword: `$${LOGS_PASSWORD_ENV}` } }
      : {};
    if (logs.kind === 'elasticsearch') {
      datasources.push({
        name: 'Logs',
        uid: LOGS_DATASOURCE_UID,
        type: 'elasticsearch',
        access: 'proxy',
        url: logsConnection.url,
        editable: false,
        ...auth,
        jsonData: { index: `${logs.indexPrefix}-*`, timeField: '@timestamp', logMessageField: 'log', logLevelField: 'level' },
      });
    } else {
      datasources.push({ name: 'Logs', uid: LOGS_DATASOURCE_UID, type: 'loki', access: 'proxy', url: logsConnection.url, editable: false, ...auth });
    }
  }
  if (traces) {
    datasources.push({ name: 'Jaeger', uid: TRACES_DATASOURCE_UID, type: 'jaeger', access: 'proxy', url: traces.queryUrl, editable: false });
  }
  return configYaml({ apiVersion: 1, datasources });
}

/** A single Grafana (its SQLite database cannot be shared by replicas; dashboards are code, so nothing is lost). */
export class GrafanaServer extends Construct implements IWorkload {
  public readonly workloadName = GRAFANA_NAME;
  public readonly namespace: string;
  public readonly podSelector = selectorLabels(GRAFANA_NAME);
  public readonly clientPorts: readonly WorkloadPort[] = [{ name: 'http', port: GRAFANA_PORT }];

  public constructor(scope: Construct, id: string, props: GrafanaServerProps) {
    super(scope, id);
    const ctx = props.context;
    const ns = ctx.namespace;
    this.namespace = ns;
    const labels = componentLabels(GRAFANA_NAME, 'dashboards');
    const logs = props.logs?.connectionFor(this, 'reader', 'logs');
    const datasources = renderDatasources(props.prometheusUrl, props.logs, logs, props.traces);
    if (logs?.server) ConnectionGraph.of(this).connect(this, logs.server, logs.serverPorts, 'logs');
    if (logs?.credential)
      credentialSecret(this, 'LogsCredentials', LOGS_SECRET, ns, labels, logs.credential, { user: LOGS_USER_ENV, password: LOGS_PASSWORD_ENV });
    const providers = configYaml({
      apiVersion: 1,
      providers: [{ name: 'platform', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: DASHBOARDS_DIR } }],
    });

    new KubeConfigMap(this, 'Datasources', { metadata: { name: 'grafana-datasources', namespace: ns, labels }, data: { 'datasources.yaml': datasources } });
    new KubeConfigMap(this, 'Providers', { metadata: { name: 'grafana-dashboard-providers', namespace: ns, labels }, data: { 'providers.yaml': providers } });
    externalSecret(this, 'Admin', ADMIN_SECRET, ns, labels, () => [
      { secretKey: 'admin-user', remoteKey: props.adminRemoteKey, property: 'admin-user' },
      { secretKey: 'admin-password', remoteKey: props.adminRemoteKey, property: 'admin-password' },
    ]);

    // Its own identity, not the namespace's `default` account (CIS 5.1.5); it never calls the API, so no token.
    new KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: GRAFANA_NAME, namespace: ns, labels }, automountServiceAccountToken: false });
    new KubeService(this, 'Service', {
      metadata: { name: GRAFANA_NAME, namespace: ns, labels },
      spec: { selector: this.podSelector, ports: [{ name: 'http', port: GRAFANA_PORT, targetPort: IntOrString.fromString('http') }] },
    });

    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: ADMIN_SECRET, key } } });
    new KubeDeployment(this, 'Resource', {
      metadata: { name: GRAFANA_NAME, namespace: ns, labels },
      spec: {
        replicas: 1,
        // Two Grafanas on one SQLite file would corrupt it: stop the old pod before starting the new one.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: this.podSelector },
        template: {
          metadata: {
            labels,
            annotations: { 'checksum/config': Lazy.any({ produce: () => checksum(datasources + providers + props.dashboardsChecksum()) }) },
          },
          spec: {
            serviceAccountName: GRAFANA_NAME,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({ runAsUser: GRAFANA_UID }),
            containers: [
              {
                name: 'grafana',
                image: ctx.images.grafana,
                imagePullPolicy: ctx.profile.imagePolicy.pullPolicy,
                env: [
                  fromSecret('GF_SECURITY_ADMIN_USER', 'admin-user'),
                  fromSecret('GF_SECURITY_ADMIN_PASSWORD', 'admin-password'),
                  ...(logs?.credential
                    ? [LOGS_USER_ENV, LOGS_PASSWORD_ENV].map((k) => ({ name: k, valueFrom: { secretKeyRef: { name: LOGS_SECRET, key: k } } }))
                    : []),
                  { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
                  { name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' },
                  { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
                  { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
                  { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
                  { name: 'GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES', value: 'false' },
                ],
                ports: [{ name: 'http', containerPort: GRAFANA_PORT }],
                readinessProbe: { httpGet: { path: '/api/health', port: IntOrString.fromString('http') }, periodSeconds: 10 },
                livenessProbe: {
                  httpGet: { path: '/api/health', port: IntOrString.fromString('http') },
                  initialDelaySeconds: 30,
                  periodSeconds: 20,
                  failureThreshold: 6,
                },
                resources: k8sResources(ctx.resources.grafana),
                securityContext: containerSecurity(),
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/grafana' },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources', readOnly: true },
                  { name: 'providers', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true },
                  { name: 'dashboards', mountPath: DASHBOARDS_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'data', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
              { name: 'datasources', configMap: { name: 'grafana-datasources' } },
              { name: 'providers', configMap: { name: 'grafana-dashboard-providers' } },
              { name: 'dashboards', configMap: { name: 'grafana-dashboards' } },
            ],
          },
        },
      },
    });

    const egress = [];
    if (logs?.peer) egress.push({ to: [...logs.peer.peers], ports: tcpPorts(logs.port) });
    if (props.traces?.peer) egress.push({ to: [...props.traces.peer.peers], ports: tcpPorts(props.traces.queryPort) });
    componentNetworkPolicy(this, this, { ingress: [scrapedByPrometheus(ns, GRAFANA_PORT)], egress });
  }
}
