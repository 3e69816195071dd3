/**
 * Fluent Bit on every node: tails container logs, enriches them with Kubernetes metadata and ships them to
 * the log backend. It needs hostPath volumes, so it lives in its own namespace exempted from PSS restricted.
 */
import { Construct } from 'constructs';
import { IntOrString, KubeClusterRole, KubeClusterRoleBinding, KubeConfigMap, KubeDaemonSet, KubeServiceAccount } from '../../imports/k8s';
import { ConnectionGraph, IWorkload, WorkloadPort } from '../core/connections';
import { FluentBitSection, fluentBitEnvRef, renderFluentBitConfig as renderSections } from '../core/encoders';
import { selectorLabels } from '../core/labels';
import { NamespaceTier } from '../gitops/delivery-group';
import { PlatformNamespace } from '../tenancy/platform-namespace';
import { LogBackend, LogConnection } from './backends';
import { checksum, componentNetworkPolicy, credentialSecret, scrapedByPrometheus, k8sResources, tcpPorts } from './common';
import { componentLabels, StackContext } from './context';

export const FLUENT_BIT_NAME = 'fluent-bit';
export const FLUENT_BIT_METRICS_PORT = 2020;
const CREDENTIALS_SECRET = 'fluent-bit-credentials';
/** `platform.io/concern` of the logging namespace. */
export const LOGGING_CONCERN = 'logging';
/** Why the logging namespace may not enforce PSS restricted (written on the namespace for auditors). */
export const PSS_EXEMPTION_REASON =
  'Fluent Bit reads container logs from the node through read-only hostPath volumes (/var/log) and keeps its read offsets in /var/lib/fluent-bit; PSS baseline and restricted forbid hostPath. Only this DaemonSet runs here.';
/**
 * Retries of a chunk the backend refused before it is dropped. Backoff grows to {@link FLUENT_BIT_RETRY_CAP_SECONDS},
 * so ten retries ride out about half an hour of backend outage; after that the node's disk matters more.
 */
export const FLUENT_BIT_RETRY_LIMIT = 10;
export const FLUENT_BIT_RETRY_CAP_SECONDS = 300;
/** Most the output's filesystem buffer may hold on a node; the oldest chunks are dropped beyond it. */
export const FLUENT_BIT_BUFFER_LIMIT = '1G';
/** Chunks held in memory at once (each up to 2 MB), and memory for replaying the backlog after a restart. */
export const FLUENT_BIT_MAX_CHUNKS_UP = 64;
export const FLUENT_BIT_BACKLOG_MEM_LIMIT = '16M';

export interface FluentBitProps {
  readonly context: StackContext;
  /** Namespace of the agent (exempted from PSS restricted). */
  readonly namespace: string;
  readonly backend: LogBackend;
}

/**
 * The fluent-bit.conf of an agent shipping to `backend` through `connection` (from the backend's endpoint or its
 * stated host). The user and password are expanded by Fluent Bit from its environment, never written here. The
 * filesystem buffer is bounded (`storage.total_limit_size`) and retries are bounded, so a dead backend cannot fill
 * the node's disk.
 */
export function renderFluentBitConfig(backend: LogBackend, connection: LogConnection, environment: string): string {
  const service: FluentBitSection = {
    name: 'SERVICE',
    entries: [
      ['Flush', '5'],
      ['Log_Level', 'info'],
      ['Daemon', 'off'],
      ['Parsers_File', '/fluent-bit/etc/parsers.conf'],
      ['HTTP_Server', 'On'],
      ['HTTP_Listen', '0.0.0.0'],
      ['HTTP_Port', String(FLUENT_BIT_METRICS_PORT)],
      ['Health_Check', 'On'],
      ['storage.path', '/var/lib/fluent-bit/storage'],
      ['storage.sync', 'normal'],
      ['storage.max_chunks_up', String(FLUENT_BIT_MAX_CHUNKS_UP)],
      ['storage.backlog.mem_limit', FLUENT_BIT_BACKLOG_MEM_LIMIT],
      ['scheduler.cap', String(FLUENT_BIT_RETRY_CAP_SECONDS)],
    ],
  };
  const input: FluentBitSection = {
    name: 'INPUT',
    entries: [
      ['Name', 'tail'],
      ['Tag', 'kube.*'],
      ['Path', '/var/log/containers/*.log'],
      // Its own logs would loop back through the pipeline.
      ['Exclude_Path', `/var/log/containers/${FLUENT_BIT_NAME}-*.log`],
      ['multiline.parser', 'docker, cri'],
      ['DB', '/var/lib/fluent-bit/tail.db'],
      ['Mem_Buf_Limit', '32MB'],
      ['Skip_Long_Lines', 'On'],
      ['storage.type', 'filesystem'],
    ],
  };
  const kubernetes: FluentBitSection = {
    name: 'FILTER',
    entries: [
      ['Name', 'kubernetes'],
      ['Match', 'kube.*'],
      ['Kube_URL', 'https://kubernetes.default.svc:443'],
      ['Merge_Log', 'On'],
      ['Keep_Log', 'Off'],
      ['K8S-Logging.Parser', 'On'],
      ['K8S-Logging.Exclude', 'On'],
      ['Labels', 'On'],
      ['Annotations', 'Off'],
    ],
  };
  const modify: FluentBitSection = {
    name: 'FILTER',
    entries: [
      ['Name', 'modify'],
      ['Match', 'kube.*'],
      ['Add', `environment ${environment}`],
    ],
  };
  const tls: Array<[string, string]> = connection.tls
    ? [
        ['tls', 'On'],
        ['tls.verify', 'On'],
      ]
    : [['tls', 'Off']];
  const bounded: Array<[string, string]> = [
    ['Retry_Limit', String(FLUENT_BIT_RETRY_LIMIT)],
    ['storage.total_limit_size', FLUENT_BIT_BUFFER_LIMIT],
  ];
  const output: FluentBitSection =
    backend.kind === 'elasticsearch'
      ? {
          name: 'OUTPUT',
          entries: [
            ['Name', 'es'],
            ['Match', 'kube.*'],
            ['Host', connection.host],
            ['Port', String(connection.port)],
            // Expanded by Fluent Bit from the environment (the connection Secret), never written here.
            ['HTTP_User', fluentBitEnvRef('ES_USER')],
            ['HTTP_Passwd', fluentBitEnvRef('ES_PASSWORD')],
            // Documents are only ever added: the role the user has on the server allows exactly that.
            ['Write_Operation', 'create'],
            ['Logstash_Format', 'On'],
            ['Logstash_Prefix', backend.indexPrefix!],
            ['Suppress_Type_Name', 'On'],
            ['Replace_Dots', 'On'],
            ['Trace_Error', 'On'],
            ...bounded,
            ...tls,
          ],
        }
      : {
          name: 'OUTPUT',
          entries: [
            ['Name', 'loki'],
            ['Match', 'kube.*'],
            ['Host', connection.host],
            ['Port', String(connection.port)],
            ...(backend.tenant ? [['Tenant_ID', backend.tenant] as [string, string]] : []),
            ['Labels', `job=fluent-bit, environment=${environment}`],
            ['Label_Keys', "$kubernetes['namespace_name'],$kubernetes['pod_name'],$kubernetes['container_name']"],
            ['Remove_Keys', 'kubernetes'],
            ['Line_Format', 'json'],
            ...bounded,
            ...tls,
          ],
        };
  // One encoder for the format: it refuses a value with a line break or `${`, so nothing here can add an entry.
  return renderSections([service, input, kubernetes, modify, output]);
}

/** The node agent and its namespace. */
export class FluentBit extends Construct implements IWorkload {
  public readonly workloadName = FLUENT_BIT_NAME;
  public readonly namespace: string;
  public readonly podSelector = selectorLabels(FLUENT_BIT_NAME);
  public readonly clientPorts: readonly WorkloadPort[] = [{ name: 'metrics', port: FLUENT_BIT_METRICS_PORT }];

  public constructor(scope: Construct, id: string, props: FluentBitProps) {
    super(scope, id);
    const ctx = props.context;
    const ns = props.namespace;
    this.namespace = ns;
    const labels = componentLabels(FLUENT_BIT_NAME, 'logging');
    const backend = props.backend;
    const connection = backend.connectionFor(this, 'shipper', 'logs');
    const config = renderFluentBitConfig(backend, connection, ctx.profile.name);
    // A backend of the library: Fluent Bit is one of its clients in the graph (its policy admits this agent).
    if (connection.server) ConnectionGraph.of(this).connect(this, connection.server, connection.serverPorts, 'logs');

    // The same guard rails as every namespace (quota, LimitRange, default deny, DNS egress), but PSS privileged:
    // hostPath is not allowed by baseline either. Audit and warn stay restricted, and the policy gate accepts the
    // exemption only with its reason.
    new PlatformNamespace(this, 'Namespace', {
      name: ns,
      concern: LOGGING_CONCERN,
      exemptFromRestricted: { reason: PSS_EXEMPTION_REASON },
      tier: NamespaceTier.observability(),
    });

    new KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: FLUENT_BIT_NAME, namespace: ns, labels } });
    const clusterName = `${ns}-fluent-bit`;
    // The kubernetes filter only reads pod and namespace metadata.
    new KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: clusterName, labels },
      rules: [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }],
    });
    new KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: clusterName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name: FLUENT_BIT_NAME, namespace: ns }],
    });
    new KubeConfigMap(this, 'Config', { metadata: { name: 'fluent-bit-config', namespace: ns, labels }, data: { 'fluent-bit.conf': config } });

    const credential = connection.credential;
    if (credential) credentialSecret(this, 'Credentials', CREDENTIALS_SECRET, ns, labels, credential, { user: 'ES_USER', password: 'ES_PASSWORD' });

    new KubeDaemonSet(this, 'Resource', {
      metadata: { name: FLUENT_BIT_NAME, namespace: ns, labels },
      spec: {
        selector: { matchLabels: this.podSelector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: IntOrString.fromString('10%') } },
        template: {
          metadata: { labels, annotations: { 'checksum/config': checksum(config) } },
          spec: {
            serviceAccountName: FLUENT_BIT_NAME,
            // The kubernetes filter queries the API server with this token.
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            // Logs are needed from every node, including tainted ones.
            tolerations: [{ operator: 'Exists' }],
            securityContext: {
              // Container log files are owned by root with mode 0640 on the node; root needs no capability to
              // read files it owns, so everything else stays locked down.
              runAsNonRoot: false,
              runAsUser: 0,
              runAsGroup: 0,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'fluent-bit',
                image: ctx.images.fluentBit,
                imagePullPolicy: ctx.profile.imagePolicy.pullPolicy,
                args: ['--config=/fluent-bit/etc/conf/fluent-bit.conf'],
                env: credential ? ['ES_USER', 'ES_PASSWORD'].map((k) => ({ name: k, valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: k } } })) : [],
                ports: [{ name: 'metrics', containerPort: FLUENT_BIT_METRICS_PORT }],
                livenessProbe: { httpGet: { path: '/', port: IntOrString.fromString('metrics') }, periodSeconds: 20 },
                readinessProbe: { httpGet: { path: '/api/v1/health', port: IntOrString.fromString('metrics') }, periodSeconds: 10 },
                resources: k8sResources(ctx.resources.fluentBit),
                securityContext: {
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                volumeMounts: [
                  { name: 'config', mountPath: '/fluent-bit/etc/conf', readOnly: true },
                  { name: 'varlog', mountPath: '/var/log', readOnly: true },
                  { name: 'state', mountPath: '/var/lib/fluent-bit' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'fluent-bit-config' } },
              { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
              // Read offsets survive restarts, so logs are neither lost nor shipped twice.
              { name: 'state', hostPath: { path: '/var/lib/fluent-bit', type: 'DirectoryOrCreate' } },
            ],
          },
        },
      },
    });

    componentNetworkPolicy(this, this, {
      ingress: [scrapedByPrometheus(ctx.namespace, FLUENT_BIT_METRICS_PORT)],
      egress: [
        // A backend outside the graph; one of the library's comes from the graph.
        ...(connection.peer ? [{ to: [...connection.peer.peers], ports: tcpPorts(connection.port) }] : []),
        { to: ctx.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcpPorts(...ctx.apiServerPorts) },
      ],
    });
  }
}
