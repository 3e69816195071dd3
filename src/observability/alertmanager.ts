/** Alertmanager: a StatefulSet (clustered through gossip when replicated) reading its receivers' credentials from files. */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeConfigMap, KubePodDisruptionBudget, KubeService, KubeServiceAccount, KubeStatefulSet } from '../../imports/k8s';
import { IWorkload, WorkloadPort } from '../core/connections';
import { restrictedPodSecurityContext } from '../core/security';
import { selectorLabels } from '../core/labels';
import { AlertingProps, ALERTMANAGER_SECRETS_DIR, receiverSecrets } from './alertmanager-config';
import { checksum, componentNetworkPolicy, containerSecurity, externalSecret, k8sResources, spreadOverNodes, tcpPorts } from './common';
import { componentLabels, StackContext } from './context';

export const ALERTMANAGER_NAME = 'alertmanager';
export const ALERTMANAGER_PORT = 9093;
const CLUSTER_PORT = 9094;
const CLUSTER_SERVICE = 'alertmanager-cluster';
const CREDENTIALS_SECRET = 'alertmanager-credentials';
const ALERTMANAGER_UID = 65534;

export interface AlertmanagerServerProps {
  readonly context: StackContext;
  readonly alerting: AlertingProps;
  /** alertmanager.yml, produced at synth. */
  readonly config: () => string;
  readonly replicas: number;
}

/** Alertmanager; with more than one replica the peers form a gossip cluster and deduplicate notifications. */
export class AlertmanagerServer extends Construct implements IWorkload {
  public readonly workloadName = ALERTMANAGER_NAME;
  public readonly namespace: string;
  public readonly podSelector = selectorLabels(ALERTMANAGER_NAME);
  public readonly clientPorts: readonly WorkloadPort[] = [{ name: 'web', port: ALERTMANAGER_PORT }];
  /** `host:port` of every replica: Prometheus must notify each of them. */
  public readonly peers: readonly string[];

  public constructor(scope: Construct, id: string, props: AlertmanagerServerProps) {
    super(scope, id);
    const ctx = props.context;
    const ns = ctx.namespace;
    this.namespace = ns;
    const labels = componentLabels(ALERTMANAGER_NAME, 'alerting');
    const replicas = props.replicas;
    const peerHost = (i: number) => `${ALERTMANAGER_NAME}-${i}.${CLUSTER_SERVICE}.${ns}.svc`;
    this.peers = Array.from({ length: replicas }, (_, i) => `${peerHost(i)}:${ALERTMANAGER_PORT}`);

    new KubeConfigMap(this, 'Config', {
      metadata: { name: 'alertmanager-config', namespace: ns, labels: { ...labels, 'platform.io/monitoring-config': 'alertmanager' } },
      data: Lazy.any({ produce: () => ({ 'alertmanager.yml': props.config() }) }),
    });
    const secrets = () => receiverSecrets(props.alerting);
    const hasSecrets = secrets().length > 0;
    if (hasSecrets) externalSecret(this, 'Credentials', CREDENTIALS_SECRET, ns, labels, secrets);

    // Its own identity, not the namespace's `default` account (CIS 5.1.5); it never calls the API, so no token.
    new KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: ALERTMANAGER_NAME, namespace: ns, labels }, automountServiceAccountToken: false });
    new KubeService(this, 'Service', {
      metadata: { name: ALERTMANAGER_NAME, namespace: ns, labels },
      spec: { selector: this.podSelector, ports: [{ name: 'web', port: ALERTMANAGER_PORT, targetPort: IntOrString.fromString('web') }] },
    });
    new KubeService(this, 'ClusterService', {
      metadata: { name: CLUSTER_SERVICE, namespace: ns, labels },
      spec: {
        clusterIp: 'None',
        // Peers must find each other before they are ready: readiness waits for the gossip to settle.
        publishNotReadyAddresses: true,
        selector: this.podSelector,
        ports: [
          { name: 'web', port: ALERTMANAGER_PORT, targetPort: IntOrString.fromString('web') },
          ...(replicas > 1
            ? [
                { name: 'cluster-tcp', port: CLUSTER_PORT, protocol: 'TCP', targetPort: IntOrString.fromString('cluster-tcp') },
                { name: 'cluster-udp', port: CLUSTER_PORT, protocol: 'UDP', targetPort: IntOrString.fromString('cluster-udp') },
              ]
            : []),
        ],
      },
    });

    const clusterArgs =
      replicas > 1
        ? [`--cluster.listen-address=0.0.0.0:${CLUSTER_PORT}`, ...Array.from({ length: replicas }, (_, i) => `--cluster.peer=${peerHost(i)}:${CLUSTER_PORT}`)]
        : // An empty listen address disables clustering (a single replica has no peers to gossip with).
          ['--cluster.listen-address='];

    new KubeStatefulSet(this, 'Resource', {
      metadata: { name: ALERTMANAGER_NAME, namespace: ns, labels },
      spec: {
        replicas,
        serviceName: CLUSTER_SERVICE,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: this.podSelector },
        template: {
          metadata: { labels, annotations: { 'checksum/config': Lazy.any({ produce: () => checksum(props.config()) }) } },
          spec: {
            serviceAccountName: ALERTMANAGER_NAME,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({ runAsUser: ALERTMANAGER_UID }),
            affinity: replicas > 1 ? spreadOverNodes(this.podSelector) : undefined,
            containers: [
              {
                name: 'alertmanager',
                image: ctx.images.alertmanager,
                imagePullPolicy: ctx.profile.imagePolicy.pullPolicy,
                args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager', ...clusterArgs],
                ports: [
                  { name: 'web', containerPort: ALERTMANAGER_PORT },
                  ...(replicas > 1
                    ? [
                        { name: 'cluster-tcp', containerPort: CLUSTER_PORT, protocol: 'TCP' },
                        { name: 'cluster-udp', containerPort: CLUSTER_PORT, protocol: 'UDP' },
                      ]
                    : []),
                ],
                readinessProbe: { httpGet: { path: '/-/ready', port: IntOrString.fromString('web') }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/-/healthy', port: IntOrString.fromString('web') }, periodSeconds: 15, failureThreshold: 4 },
                resources: k8sResources(ctx.resources.alertmanager),
                securityContext: containerSecurity(),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/alertmanager', readOnly: true },
                  ...(hasSecrets ? [{ name: 'credentials', mountPath: ALERTMANAGER_SECRETS_DIR, readOnly: true }] : []),
                  // Silences and the notification log; replicated between peers when clustered.
                  { name: 'data', mountPath: '/alertmanager' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'alertmanager-config' } },
              ...(hasSecrets ? [{ name: 'credentials', secret: { secretName: CREDENTIALS_SECRET, defaultMode: 0o440 } }] : []),
              { name: 'data', emptyDir: {} },
            ],
          },
        },
      },
    });

    if (replicas > 1) {
      new KubePodDisruptionBudget(this, 'Pdb', {
        metadata: { name: ALERTMANAGER_NAME, namespace: ns, labels },
        spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: this.podSelector } },
      });
    }

    const self = [{ podSelector: { matchLabels: { ...this.podSelector } } }];
    const gossip = [
      { protocol: 'TCP', port: IntOrString.fromNumber(CLUSTER_PORT) },
      { protocol: 'UDP', port: IntOrString.fromNumber(CLUSTER_PORT) },
    ];
    componentNetworkPolicy(this, this, {
      ingress: replicas > 1 ? [{ from: self, ports: gossip }] : [],
      egress: [
        ...(replicas > 1 ? [{ to: self, ports: gossip }] : []),
        // Slack, PagerDuty and SMTP relays are outside the cluster.
        { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcpPorts(443, 25, 465, 587) },
      ],
    });
  }
}
