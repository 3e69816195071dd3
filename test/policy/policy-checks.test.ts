import { describe, expect, it } from 'vitest';
import { POLICY_CHECKS, WAIVER_CHECK_ID, evaluatePolicies } from '../../src/policy';
import { EnvironmentProfile } from '../../src';
import { development, production, staging } from '../helpers';
import { DIGEST_IMAGE, envOf, goodEnvironment, pick } from './fixtures';

type Objs = Record<string, any>[];

const api = (o: Objs) => pick(o, 'Deployment', 'api');
const apiPod = (o: Objs) => api(o).spec.template.spec;
const apiC = (o: Objs) => apiPod(o).containers[0];

interface Case {
  readonly check: string;
  readonly name: string;
  readonly mutate: (o: Objs) => void;
  /** The exact violation line. */
  readonly text: string;
  readonly profile?: EnvironmentProfile;
}

const P = 'production/shop';

/** A Gateway in `shop` (HTTP listener and one HTTPS listener) and an HTTPRoute `api` bound to it. */
function gatewayAndRoute(o: { service?: string; port?: number; sectionName?: string; allowed?: string } = {}): Record<string, any>[] {
  const selector = { matchLabels: { 'kubernetes.io/metadata.name': o.allowed ?? 'shop' } };
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'public', namespace: 'shop' },
      spec: {
        gatewayClassName: 'eg',
        listeners: [
          { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'All' } } },
          {
            name: 'https.api.example.com',
            hostname: 'api.example.com',
            protocol: 'HTTPS',
            port: 443,
            tls: { certificateRefs: [{ name: 'tls.api.example.com' }] },
            allowedRoutes: { namespaces: { from: 'Selector', selector } },
          },
        ],
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'api', namespace: 'shop' },
      spec: {
        parentRefs: [{ name: 'public', sectionName: o.sectionName ?? 'https.api.example.com' }],
        hostnames: ['api.example.com'],
        rules: [{ backendRefs: [{ name: o.service ?? 'api', port: o.port ?? 80 }] }],
      },
    },
  ];
}
const C = 'spec.template.spec.containers[0]';

/** One violating input per check (several for some); each must produce exactly this violation. */
const CASES: readonly Case[] = [
  {
    check: 'pss-host-process',
    name: 'Windows HostProcess container',
    mutate: (o) => {
      apiC(o).securityContext.windowsOptions = { hostProcess: true };
    },
    text: `${P}/Deployment/api: ${C}.securityContext.windowsOptions.hostProcess: container "app" is a Windows HostProcess container; remove hostProcess [pss-host-process]`,
  },
  {
    check: 'pss-host-namespaces',
    name: 'hostNetwork',
    mutate: (o) => {
      apiPod(o).hostNetwork = true;
    },
    text: `${P}/Deployment/api: spec.template.spec.hostNetwork: the pod shares the node's network namespace; remove hostNetwork (or run it in a namespace exempted from PSS restricted) [pss-host-namespaces]`,
  },
  {
    check: 'pss-host-namespaces',
    name: 'hostPID',
    mutate: (o) => {
      apiPod(o).hostPID = true;
    },
    text: `${P}/Deployment/api: spec.template.spec.hostPID: the pod shares the node's pid namespace; remove hostPID (or run it in a namespace exempted from PSS restricted) [pss-host-namespaces]`,
  },
  {
    check: 'pss-privileged',
    name: 'privileged container',
    mutate: (o) => {
      apiC(o).securityContext.privileged = true;
    },
    text: `${P}/Deployment/api: ${C}.securityContext.privileged: container "app" runs privileged; set privileged: false [pss-privileged]`,
  },
  {
    check: 'pss-capabilities',
    name: 'adds SYS_ADMIN',
    mutate: (o) => {
      apiC(o).securityContext.capabilities.add = ['NET_BIND_SERVICE', 'SYS_ADMIN'];
    },
    text: `${P}/Deployment/api: ${C}.securityContext.capabilities.add: container "app" adds SYS_ADMIN; only NET_BIND_SERVICE may be added [pss-capabilities]`,
  },
  {
    check: 'pss-capabilities',
    name: 'does not drop ALL',
    mutate: (o) => {
      apiC(o).securityContext.capabilities = { drop: ['NET_RAW'] };
    },
    text: `${P}/Deployment/api: ${C}.securityContext.capabilities.drop: container "app" does not drop ALL capabilities; set capabilities.drop: [ALL] [pss-capabilities]`,
  },
  {
    check: 'pss-host-path',
    name: 'hostPath volume',
    mutate: (o) => {
      apiPod(o).volumes = [{ name: 'logs', hostPath: { path: '/var/log' } }];
    },
    text: `${P}/Deployment/api: spec.template.spec.volumes[0].hostPath: volume "logs" mounts "/var/log" from the node; use an emptyDir or a PersistentVolumeClaim (or a namespace exempted from PSS restricted) [pss-host-path]`,
  },
  {
    check: 'pss-host-ports',
    name: 'hostPort',
    mutate: (o) => {
      apiC(o).ports[0].hostPort = 8080;
    },
    text: `${P}/Deployment/api: ${C}.ports[0].hostPort: container "app" binds host port 8080; expose it through a Service instead [pss-host-ports]`,
  },
  {
    check: 'pss-apparmor',
    name: 'unconfined AppArmor',
    mutate: (o) => {
      api(o).spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' };
    },
    text: `${P}/Deployment/api: spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/app: AppArmor profile "unconfined" is not allowed; use runtime/default or localhost/<profile> [pss-apparmor]`,
  },
  {
    check: 'pss-selinux',
    name: 'custom SELinux type',
    mutate: (o) => {
      apiPod(o).securityContext.seLinuxOptions = { type: 'spc_t' };
    },
    text: `${P}/Deployment/api: spec.template.spec.securityContext.seLinuxOptions.type: the pod uses SELinux type "spc_t"; allowed: container_t, container_init_t, container_kvm_t [pss-selinux]`,
  },
  {
    check: 'pss-proc-mount',
    name: 'unmasked /proc',
    mutate: (o) => {
      apiC(o).securityContext.procMount = 'Unmasked';
    },
    text: `${P}/Deployment/api: ${C}.securityContext.procMount: container "app" uses procMount "Unmasked"; use Default [pss-proc-mount]`,
  },
  {
    check: 'pss-sysctls',
    name: 'unsafe sysctl',
    mutate: (o) => {
      apiPod(o).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }];
    },
    text: `${P}/Deployment/api: spec.template.spec.securityContext.sysctls[0]: sysctl "kernel.msgmax" is not in the safe set (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports) [pss-sysctls]`,
  },
  {
    check: 'pss-volume-types',
    name: 'nfs volume',
    mutate: (o) => {
      apiPod(o).volumes = [{ name: 'share', nfs: { server: 'nfs', path: '/' } }];
    },
    text: `${P}/Deployment/api: spec.template.spec.volumes[0].nfs: volume "share" is of type nfs; allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret [pss-volume-types]`,
  },
  {
    check: 'pss-privilege-escalation',
    name: 'allowPrivilegeEscalation unset',
    mutate: (o) => {
      delete apiC(o).securityContext.allowPrivilegeEscalation;
    },
    text: `${P}/Deployment/api: ${C}.securityContext.allowPrivilegeEscalation: container "app" may escalate privileges; set allowPrivilegeEscalation: false [pss-privilege-escalation]`,
  },
  {
    check: 'pss-run-as-non-root',
    name: 'runAsNonRoot nowhere',
    mutate: (o) => {
      delete apiC(o).securityContext.runAsNonRoot;
      delete apiPod(o).securityContext.runAsNonRoot;
    },
    text: `${P}/Deployment/api: ${C}.securityContext.runAsNonRoot: container "app" may run as root; set runAsNonRoot: true on the pod or the container [pss-run-as-non-root]`,
  },
  {
    check: 'pss-run-as-non-root',
    name: 'container overrides with false',
    mutate: (o) => {
      apiC(o).securityContext.runAsNonRoot = false;
    },
    text: `${P}/Deployment/api: ${C}.securityContext.runAsNonRoot: container "app" sets runAsNonRoot: false; set it to true [pss-run-as-non-root]`,
  },
  {
    check: 'pss-run-as-non-root-user',
    name: 'uid 0',
    mutate: (o) => {
      apiC(o).securityContext.runAsUser = 0;
    },
    text: `${P}/Deployment/api: ${C}.securityContext.runAsUser: container "app" runs as uid 0 (root); use a non-zero uid [pss-run-as-non-root-user]`,
  },
  {
    check: 'pss-seccomp',
    name: 'no seccomp profile',
    mutate: (o) => {
      delete apiC(o).securityContext.seccompProfile;
      delete apiPod(o).securityContext.seccompProfile;
    },
    text: `${P}/Deployment/api: ${C}.securityContext.seccompProfile: container "app" has no seccomp profile; set seccompProfile.type: RuntimeDefault on the pod or the container [pss-seccomp]`,
  },
  {
    check: 'pss-seccomp',
    name: 'Unconfined',
    mutate: (o) => {
      apiC(o).securityContext.seccompProfile = { type: 'Unconfined' };
    },
    text: `${P}/Deployment/api: ${C}.securityContext.seccompProfile.type: container "app" uses seccomp profile "Unconfined"; use RuntimeDefault or Localhost [pss-seccomp]`,
  },
  {
    check: 'read-only-root-filesystem',
    name: 'writable root fs',
    mutate: (o) => {
      apiC(o).securityContext.readOnlyRootFilesystem = false;
    },
    text: `${P}/Deployment/api: ${C}.securityContext.readOnlyRootFilesystem: container "app" has a writable root filesystem; set readOnlyRootFilesystem: true and mount an emptyDir where it writes [read-only-root-filesystem]`,
  },
  {
    check: 'resources-requests',
    name: 'no cpu request',
    mutate: (o) => {
      delete apiC(o).resources.requests.cpu;
    },
    text: `${P}/Deployment/api: ${C}.resources.requests: container "app" has no cpu request; set resources.requests.cpu and .memory [resources-requests]`,
  },
  {
    check: 'resources-memory-limit',
    name: 'no memory limit',
    mutate: (o) => {
      delete apiC(o).resources.limits;
    },
    text: `${P}/Deployment/api: ${C}.resources.limits.memory: container "app" has no memory limit; set resources.limits.memory [resources-memory-limit]`,
  },
  {
    check: 'image-tag-pinned',
    name: 'latest',
    mutate: (o) => {
      apiC(o).image = 'ghcr.io/acme/api:latest';
      apiC(o).imagePullPolicy = 'Always';
    },
    profile: staging,
    text: 'staging/shop/Deployment/api: spec.template.spec.containers[0].image: image "ghcr.io/acme/api:latest" has no pinned tag; use a version tag or a digest, never "latest" [image-tag-pinned]',
  },
  {
    check: 'image-tag-pinned',
    name: 'untagged',
    mutate: (o) => {
      apiC(o).image = 'ghcr.io/acme/api';
      apiC(o).imagePullPolicy = 'Always';
    },
    profile: staging,
    text: 'staging/shop/Deployment/api: spec.template.spec.containers[0].image: image "ghcr.io/acme/api" has no pinned tag; use a version tag or a digest, never "latest" [image-tag-pinned]',
  },
  {
    check: 'image-digest',
    name: 'tag without digest in production',
    mutate: (o) => {
      apiC(o).image = 'ghcr.io/acme/api:1.4.2';
    },
    text: `${P}/Deployment/api: ${C}.image: image "ghcr.io/acme/api:1.4.2" is not pinned by digest; the environment's image policy requires repository@sha256:<64 hex> [image-digest]`,
  },
  {
    check: 'image-pull-policy',
    name: 'unset',
    mutate: (o) => {
      delete apiC(o).imagePullPolicy;
    },
    text: `${P}/Deployment/api: ${C}.imagePullPolicy: container "app" does not set imagePullPolicy; set Always or IfNotPresent explicitly [image-pull-policy]`,
  },
  {
    check: 'image-pull-policy',
    name: 'mutable tag with IfNotPresent',
    mutate: (o) => {
      apiC(o).image = 'ghcr.io/acme/api:latest';
    },
    profile: development,
    text: 'development/shop/Deployment/api: spec.template.spec.containers[0].imagePullPolicy: container "app" uses a mutable image tag with imagePullPolicy IfNotPresent; use Always (or pin the image) [image-pull-policy]',
  },
  {
    check: 'probes-configured',
    name: 'no liveness probe',
    mutate: (o) => {
      delete apiC(o).livenessProbe;
    },
    text: `${P}/Deployment/api: ${C}.livenessProbe: container "app" has no livenessProbe [probes-configured]`,
  },
  {
    check: 'probes-distinct',
    name: 'identical probes',
    mutate: (o) => {
      apiC(o).livenessProbe = { ...apiC(o).readinessProbe };
    },
    text: `${P}/Deployment/api: ${C}.livenessProbe: container "app" has identical liveness and readiness probes; make liveness cheaper and more tolerant (other path or higher failureThreshold) [probes-distinct]`,
  },
  {
    check: 'pdb-present',
    name: 'three replicas, no PDB',
    mutate: (o) => {
      o.splice(o.indexOf(pick(o, 'PodDisruptionBudget', 'api')), 1);
    },
    text: `${P}/Deployment/api: spec.template.metadata.labels: no PodDisruptionBudget selects the pods of Deployment "api" (3 replicas); add one that allows one eviction (maxUnavailable: 1) [pdb-present]`,
  },
  {
    check: 'pdb-allows-eviction',
    name: 'maxUnavailable 0',
    mutate: (o) => {
      pick(o, 'PodDisruptionBudget', 'api').spec.maxUnavailable = 0;
    },
    text: `${P}/PodDisruptionBudget/api: spec.maxUnavailable: maxUnavailable 0 allows no eviction; use at least 1 [pdb-allows-eviction]`,
  },
  {
    check: 'pdb-allows-eviction',
    name: 'minAvailable equals HPA minimum',
    mutate: (o) => {
      pick(o, 'PodDisruptionBudget', 'worker').spec.minAvailable = 2;
    },
    text: `${P}/PodDisruptionBudget/worker: spec.minAvailable: minAvailable 2 allows no eviction when Deployment "worker" runs 2 pod(s); use maxUnavailable: 1 (or more replicas) [pdb-allows-eviction]`,
  },
  {
    check: 'pdb-allows-eviction',
    name: 'neither field',
    mutate: (o) => {
      delete pick(o, 'PodDisruptionBudget', 'api').spec.maxUnavailable;
    },
    text: `${P}/PodDisruptionBudget/api: spec: sets neither minAvailable nor maxUnavailable; set maxUnavailable: 1 [pdb-allows-eviction]`,
  },
  {
    check: 'pdb-matches-pods',
    name: 'selector typo',
    mutate: (o) => {
      pick(o, 'PodDisruptionBudget', 'api').spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'apii' } };
      api(o).spec.replicas = 1;
    },
    text: `${P}/PodDisruptionBudget/api: spec.selector: selects no pod template in namespace "shop"; fix the selector [pdb-matches-pods]`,
  },
  {
    check: 'hpa-target-exists',
    name: 'missing target',
    mutate: (o) => {
      o.push({
        ...pick(o, 'HorizontalPodAutoscaler', 'worker'),
        metadata: { name: 'ghost', namespace: 'shop' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'wrker' }, maxReplicas: 3 },
      });
    },
    text: `${P}/HorizontalPodAutoscaler/ghost: spec.scaleTargetRef: targets Deployment "wrker", which is not in namespace "shop" of this environment [hpa-target-exists]`,
  },
  {
    check: 'hpa-owns-replicas',
    name: 'replicas beside an HPA',
    mutate: (o) => {
      pick(o, 'Deployment', 'worker').spec.replicas = 2;
    },
    text: `${P}/Deployment/worker: spec.replicas: is scaled by HorizontalPodAutoscaler "worker"; remove spec.replicas so a sync does not reset the scale [hpa-owns-replicas]`,
  },
  {
    check: 'ha-spread',
    name: 'no spread',
    mutate: (o) => {
      delete apiPod(o).topologySpreadConstraints;
    },
    text: `${P}/Deployment/api: spec.template.spec.topologySpreadConstraints: Deployment "api" (3 replicas) does not spread its replicas; add topologySpreadConstraints or podAntiAffinity selecting its own pod labels [ha-spread]`,
  },
  {
    check: 'ha-spread',
    name: 'spread on other labels',
    mutate: (o) => {
      apiPod(o).topologySpreadConstraints[0].labelSelector = { matchLabels: { app: 'other' } };
    },
    text: `${P}/Deployment/api: spec.template.spec.topologySpreadConstraints: Deployment "api" (3 replicas) does not spread its replicas; add topologySpreadConstraints or podAntiAffinity selecting its own pod labels [ha-spread]`,
  },
  {
    check: 'selector-matches-labels',
    name: 'selector differs from template',
    mutate: (o) => {
      api(o).spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'api', tier: 'web' } };
    },
    text: `${P}/Deployment/api: spec.selector: the selector {"matchLabels":{"app.kubernetes.io/name":"api","tier":"web"}} does not match the template labels {"app.kubernetes.io/name":"api","app.kubernetes.io/instance":"api"} [selector-matches-labels]`,
  },
  {
    check: 'cronjob-limits',
    name: 'no deadline',
    mutate: (o) => {
      delete pick(o, 'CronJob', 'report').spec.startingDeadlineSeconds;
    },
    text: `${P}/CronJob/report: spec.startingDeadlineSeconds: sets no startingDeadlineSeconds [cronjob-limits]`,
  },
  {
    check: 'job-ttl',
    name: 'no TTL',
    mutate: (o) => {
      delete pick(o, 'Job', 'migrate').spec.ttlSecondsAfterFinished;
    },
    text: `${P}/Job/migrate: spec.ttlSecondsAfterFinished: is not set; finished Jobs are never cleaned up [job-ttl]`,
  },
  {
    check: 'networkpolicy-covers-pod',
    name: 'api has no egress policy',
    mutate: (o) => {
      pick(o, 'NetworkPolicy', 'default-deny').spec.policyTypes = ['Ingress'];
      pick(o, 'NetworkPolicy', 'allow-dns').spec.podSelector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['api'] }] };
      pick(o, 'Namespace', 'shop').metadata.annotations = {
        'policy.platform.io/waive': 'namespace-default-deny',
        'policy.platform.io/waive-reason': 'test: only the pod-level check',
      };
    },
    text: `${P}/Deployment/api: spec.template.metadata.labels: no NetworkPolicy in namespace "shop" selects the pods of Deployment "api" for egress [networkpolicy-covers-pod]`,
  },
  {
    check: 'network-policy-peers-agree',
    name: 'one-sided egress',
    mutate: (o) => {
      o.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'api-egress', namespace: 'shop' },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'operator' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
        },
      });
    },
    text: `${P}/NetworkPolicy/api-egress: spec.egress[0].to[0]: egress to shop/Deployment "operator" on port 8080 is not admitted by any NetworkPolicy selecting those pods; declare the connection in the graph (connectsTo / clients) so both ends agree [network-policy-peers-agree]`,
  },
  {
    check: 'namespace-default-deny',
    name: 'egress open',
    mutate: (o) => {
      pick(o, 'NetworkPolicy', 'allow-dns').spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] });
      pick(o, 'NetworkPolicy', 'default-deny').spec.policyTypes = ['Ingress'];
    },
    text: `production/_cluster/Namespace/shop: metadata.name: namespace has no default-deny NetworkPolicy for egress (podSelector: {}, no rules except DNS egress) [namespace-default-deny]`,
  },
  {
    check: 'namespace-pod-security',
    name: 'baseline',
    mutate: (o) => {
      pick(o, 'Namespace', 'shop').metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline';
    },
    text: `production/_cluster/Namespace/shop: metadata.labels.pod-security.kubernetes.io/enforce: is "baseline"; use "restricted", or "privileged" with annotation platform.io/pss-exemption-reason saying why [namespace-pod-security]`,
  },
  {
    check: 'namespace-pod-security',
    name: 'privileged without reason',
    mutate: (o) => {
      pick(o, 'Namespace', 'shop').metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
    },
    text: `production/_cluster/Namespace/shop: metadata.labels.pod-security.kubernetes.io/enforce: is "privileged"; use "restricted", or "privileged" with annotation platform.io/pss-exemption-reason saying why [namespace-pod-security]`,
  },
  {
    check: 'service-targets-pods',
    name: 'selector typo',
    mutate: (o) => {
      pick(o, 'Service', 'api').spec.selector = { 'app.kubernetes.io/name': 'apii' };
    },
    text: `${P}/Service/api: spec.selector: selects no pod template in namespace "shop" (selector {"app.kubernetes.io/name":"apii"}) [service-targets-pods]`,
  },
  {
    check: 'service-targets-pods',
    name: 'unknown named port',
    mutate: (o) => {
      pick(o, 'Service', 'api').spec.ports[0].targetPort = 'web';
    },
    text: `${P}/Service/api: spec.ports[0].targetPort: targets port "web", which no selected container declares (declared: http) [service-targets-pods]`,
  },
  {
    check: 'service-targets-pods',
    name: 'unknown port number',
    mutate: (o) => {
      pick(o, 'Service', 'api').spec.ports[0].targetPort = 9090;
    },
    text: `${P}/Service/api: spec.ports[0].targetPort: targets port 9090, which no selected container declares (declared: 8080) [service-targets-pods]`,
  },
  {
    check: 'ingress-targets-service',
    name: 'missing Service',
    mutate: (o) => {
      pick(o, 'Ingress', 'api').spec.rules[0].http.paths[0].backend.service.name = 'web';
    },
    text: `${P}/Ingress/api: spec.rules[0].http.paths[0].backend.service.name: Service "web" does not exist in namespace "shop" [ingress-targets-service]`,
  },
  {
    check: 'ingress-targets-service',
    name: 'missing port',
    mutate: (o) => {
      pick(o, 'Ingress', 'api').spec.rules[0].http.paths[0].backend.service.port = { number: 8080 };
    },
    text: `${P}/Ingress/api: spec.rules[0].http.paths[0].backend.service.port: Service "api" has no port 8080 (ports: http) [ingress-targets-service]`,
  },
  {
    check: 'service-no-nodeport',
    name: 'NodePort',
    mutate: (o) => {
      pick(o, 'Service', 'api').spec.type = 'NodePort';
    },
    text: `${P}/Service/api: spec.type: is NodePort; use ClusterIP behind the ingress controller (or LoadBalancer) [service-no-nodeport]`,
  },
  {
    check: 'secret-no-data',
    name: 'Secret with data',
    mutate: (o) => {
      pick(o, 'Secret', 'placeholder').data = { password: 'aHVudGVyMg==' };
    },
    text: `${P}/Secret/placeholder: data: the Secret carries values (password) that would be committed; reference them with an ExternalSecret [secret-no-data]`,
  },
  {
    check: 'rbac-no-cluster-admin',
    name: 'binds cluster-admin',
    mutate: (o) => {
      pick(o, 'RoleBinding', 'operator').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' };
    },
    text: `${P}/RoleBinding/operator: roleRef.name: binds cluster-admin to ServiceAccount "operator"; bind a role that grants only the verbs and resources needed (only an add-on's chart may keep cluster-admin, declared with the reason in AddOnDefinition.clusterAdmin) [rbac-no-cluster-admin]`,
  },
  {
    check: 'rbac-no-wildcards',
    name: 'wildcard verbs',
    mutate: (o) => {
      pick(o, 'Role', 'operator').rules[0].verbs = ['*'];
    },
    text: `${P}/Role/operator: rules[0].verbs: uses a wildcard (*); list the verbs explicitly [rbac-no-wildcards]`,
  },
  {
    check: 'rbac-no-wildcards',
    name: 'wildcard resources',
    mutate: (o) => {
      pick(o, 'Role', 'operator').rules[0].resources = ['*'];
    },
    text: `${P}/Role/operator: rules[0].resources: uses a wildcard (*); list the resources explicitly [rbac-no-wildcards]`,
  },
  {
    check: 'literal-secret',
    name: 'password in a plain env value',
    mutate: (o) => {
      apiC(o).env = [{ name: 'DB_PASS', value: 'hunter2' }];
    },
    text: `${P}/Deployment/api: ${C}.env[0].value: env DB_PASS holds a literal value for DB_PASS, whose name says it is a secret (secret-name); dist/ is committed to Git: take the value from a Secret filled by an ExternalSecret; if it is not a secret, annotate the resource with policy.platform.io/not-secret: "sha256:f52fbd32b2b3 <why it is not a secret>" [literal-secret]`,
  },
  {
    check: 'tenant-guardrails-read-only',
    name: 'tenant bound to built-in edit',
    mutate: (o) => {
      pick(o, 'Namespace', 'shop').metadata.labels['platform.io/tenant'] = 'shop';
      pick(o, 'RoleBinding', 'operator').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' };
    },
    text: `${P}/RoleBinding/operator: roleRef.name: ServiceAccount "operator" may change networkpolicies (create, delete, deletecollection, patch, update), serviceaccounts (impersonate) in shop through ClusterRole "edit"; tenants must not change their NetworkPolicies, quotas, limit ranges or RBAC: bind platform-tenant-admin, platform-tenant-edit or view (src/tenancy/tenant-roles.ts) [tenant-guardrails-read-only]`,
  },
  {
    check: 'tenant-guardrails-read-only',
    name: 'tenant Role that may patch NetworkPolicies',
    mutate: (o) => {
      pick(o, 'Namespace', 'shop').metadata.labels['platform.io/tenant'] = 'shop';
      pick(o, 'Role', 'operator').rules.push({ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'patch'] });
    },
    text: `${P}/RoleBinding/operator: roleRef.name: ServiceAccount "operator" may change networkpolicies (patch) in shop through Role "operator"; tenants must not change their NetworkPolicies, quotas, limit ranges or RBAC: bind platform-tenant-admin, platform-tenant-edit or view (src/tenancy/tenant-roles.ts) [tenant-guardrails-read-only]`,
  },
  {
    check: 'argocd-project-no-escalation',
    name: 'environment project whitelists AppProject',
    mutate: (o) => {
      o.push({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'production', namespace: 'argocd' },
        spec: {
          sourceRepos: ['https://github.com/acme/gitops.git'],
          destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'shop' }],
          namespaceResourceWhitelist: [
            { group: 'apps', kind: 'Deployment' },
            { group: 'argoproj.io', kind: 'AppProject' },
          ],
        },
      });
    },
    text: `production/argocd/AppProject/production: spec.namespaceResourceWhitelist[1]: allows AppProject ({"group":"argoproj.io","kind":"AppProject"}); a commit under a path this project deploys could then create a project or application without restrictions; only the bootstrap project (destinations limited to Argo CD's namespace) may [argocd-project-no-escalation]`,
  },
  {
    check: 'argocd-project-no-escalation',
    name: 'tenant project without whitelist or Argo CD blacklist',
    mutate: (o) => {
      o.push({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'tenant-shop', namespace: 'argocd' },
        spec: {
          sourceRepos: ['https://github.com/shop/deploy.git'],
          destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'shop' }],
          clusterResourceWhitelist: [],
          namespaceResourceBlacklist: [{ group: 'argoproj.io', kind: 'AppProject' }],
        },
      });
    },
    text: `production/argocd/AppProject/tenant-shop: spec.namespaceResourceBlacklist: has no namespaceResourceWhitelist, so it allows Application, ApplicationSet unless blacklisted; a commit under a path this project deploys could then create a project or application without restrictions; only the bootstrap project (destinations limited to Argo CD's namespace) may: add them to namespaceResourceBlacklist [argocd-project-no-escalation]`,
  },
  {
    check: 'pod-dedicated-service-account',
    name: 'serviceAccountName unset',
    mutate: (o) => {
      delete apiPod(o).serviceAccountName;
    },
    text: `${P}/Deployment/api: spec.template.spec.serviceAccountName: is not set, so the pod runs as the namespace's "default" ServiceAccount; give the workload its own ServiceAccount named after it (automountServiceAccountToken: false unless it calls the API) [pod-dedicated-service-account]`,
  },
  {
    check: 'pod-dedicated-service-account',
    name: 'serviceAccountName "default" in a CronJob',
    mutate: (o) => {
      pick(o, 'CronJob', 'report').spec.jobTemplate.spec.template.spec.serviceAccountName = 'default';
    },
    text: `${P}/CronJob/report: spec.jobTemplate.spec.template.spec.serviceAccountName: runs as the namespace's "default" ServiceAccount; give the workload its own ServiceAccount named after it (automountServiceAccountToken: false unless it calls the API) [pod-dedicated-service-account]`,
  },
  {
    check: 'pod-dedicated-service-account',
    name: 'deprecated serviceAccount "default"',
    mutate: (o) => {
      delete apiPod(o).serviceAccountName;
      apiPod(o).serviceAccount = 'default';
    },
    text: `${P}/Deployment/api: spec.template.spec.serviceAccountName: runs as the namespace's "default" ServiceAccount; give the workload its own ServiceAccount named after it (automountServiceAccountToken: false unless it calls the API) [pod-dedicated-service-account]`,
  },
  {
    check: 'automount-service-account-token',
    name: 'unset',
    mutate: (o) => {
      delete apiPod(o).automountServiceAccountToken;
      delete pick(o, 'ServiceAccount', 'api').automountServiceAccountToken;
    },
    text: `${P}/Deployment/api: spec.template.spec.automountServiceAccountToken: is not set, so ServiceAccount "api"'s token is mounted; set automountServiceAccountToken: false (or true with a role binding when the pod calls the API) [automount-service-account-token]`,
  },
  {
    check: 'automount-service-account-token',
    name: 'true without binding',
    mutate: (o) => {
      o.splice(o.indexOf(pick(o, 'RoleBinding', 'operator')), 1);
    },
    text: `${P}/Deployment/operator: spec.template.spec.automountServiceAccountToken: mounts an API token but ServiceAccount "operator" has no RoleBinding or ClusterRoleBinding here; set automountServiceAccountToken: false [automount-service-account-token]`,
  },
  {
    check: 'references-resolve',
    name: 'ConfigMap volume nothing emits',
    mutate: (o) => {
      apiPod(o).volumes = [{ name: 'config', configMap: { name: 'api-config' } }];
    },
    text: `${P}/Deployment/api: spec.template.spec.volumes[0].configMap.name: refers to ConfigMap shop/api-config, which no object of environment production creates; emit it, or declare it in profile.clusterProvides.objects as "ConfigMap/shop/api-config" if the cluster provides it [references-resolve]`,
  },
  {
    check: 'references-resolve',
    name: 'unknown ClusterIssuer in the cert-manager annotation',
    mutate: (o) => {
      pick(o, 'Ingress', 'api').metadata.annotations = { 'cert-manager.io/cluster-issuer': 'letsencrypt-prd' };
    },
    text: `${P}/Ingress/api: metadata.annotations["cert-manager.io/cluster-issuer"]: refers to ClusterIssuer letsencrypt-prd, which no object of environment production creates; emit it, or declare it in AddOn.certManager({ issuers: [...] }) or profile.clusterProvides.clusterIssuers if the cluster provides it [references-resolve]`,
  },
  {
    check: 'route-targets-service',
    name: 'backendRef naming a Service nothing emits',
    mutate: (o) => {
      o.push(...gatewayAndRoute({ service: 'ghost' }));
    },
    text: `${P}/HTTPRoute/api: spec.rules[0].backendRefs[0].name: Service "ghost" does not exist in namespace "shop" [route-targets-service]`,
  },
  {
    check: 'route-targets-service',
    name: 'backendRef port the Service lacks',
    mutate: (o) => {
      o.push(...gatewayAndRoute({ port: 8443 }));
    },
    text: `${P}/HTTPRoute/api: spec.rules[0].backendRefs[0].port: Service shop/api has no port 8443 (ports: 80) [route-targets-service]`,
  },
  {
    check: 'route-targets-service',
    name: 'parentRef naming a listener the Gateway lacks',
    mutate: (o) => {
      o.push(...gatewayAndRoute({ sectionName: 'https.other.example.com' }));
    },
    text: `${P}/HTTPRoute/api: spec.parentRefs[0].sectionName: Gateway shop/public has no listener "https.other.example.com" (listeners: http, https.api.example.com) [route-targets-service]`,
  },
  {
    check: 'route-targets-service',
    name: 'listener admitting another namespace only',
    mutate: (o) => {
      o.push(...gatewayAndRoute({ allowed: 'tenant-a' }));
    },
    text: `${P}/HTTPRoute/api: spec.parentRefs[0]: no listener of Gateway shop/public named "https.api.example.com" admits HTTPRoutes from namespace "shop" (allowedRoutes) [route-targets-service]`,
  },
  {
    check: 'route-requires-tls',
    name: 'a route serving on the plain-HTTP listener',
    mutate: (o) => {
      o.push(...gatewayAndRoute({ sectionName: 'http' }));
    },
    text: `${P}/HTTPRoute/api: spec.parentRefs[0]: binds plain-HTTP listener "http" of Gateway shop/public, and environment production requires TLS (profile.tlsIssuer); bind an HTTPS listener (sectionName), or make every rule of the route a RequestRedirect to https [route-requires-tls]`,
  },
  {
    check: 'wildcard-certificate-dns01',
    name: 'a wildcard listener certified by an HTTP-01-only ACME issuer',
    mutate: (o) => {
      const [gateway, route] = gatewayAndRoute();
      gateway!.metadata.annotations = { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' };
      gateway!.spec.listeners[1].hostname = '*.api.example.com';
      route!.spec.hostnames = ['shop.api.example.com'];
      o.push(gateway!, route!, {
        apiVersion: 'cert-manager.io/v1',
        kind: 'ClusterIssuer',
        metadata: { name: 'letsencrypt-prod' },
        spec: {
          acme: {
            server: 'https://acme-v02.api.letsencrypt.org/directory',
            privateKeySecretRef: { name: 'letsencrypt-prod-account' },
            solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'public', namespace: 'shop' }] } } }],
          },
        },
      });
    },
    text: `${P}/Gateway/public: spec.listeners[1].hostname: listener "https.api.example.com" needs a certificate for "*.api.example.com", and ClusterIssuer letsencrypt-prod solves ACME challenges with HTTP-01 only (ACME issues wildcard names through DNS-01 alone); add a DNS-01 solver to the issuer (AcmeSolver.dns01Route53(), AcmeSolver.dns01CloudDns()), or list the names without the wildcard [wildcard-certificate-dns01]`,
  },
  {
    check: 'references-resolve',
    name: 'storage class the cluster lacks',
    mutate: (o) => {
      o.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'shop' },
        spec: { storageClassName: 'io2', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      });
    },
    text: `${P}/PersistentVolumeClaim/data: spec.storageClassName: refers to StorageClass io2, which no object of environment production creates; emit it, or declare it in profile.clusterProvides.storageClasses if the cluster provides it [references-resolve]`,
  },
  {
    check: WAIVER_CHECK_ID,
    name: 'waiver without reason',
    mutate: (o) => {
      api(o).metadata.annotations = { 'policy.platform.io/waive': 'ha-spread' };
    },
    text: `${P}/Deployment/api: metadata.annotations.policy.platform.io/waive-reason: the waiver of ha-spread has no reason; say why the check does not apply (the waiver is ignored until then) [policy-waiver-valid]`,
  },
  {
    check: WAIVER_CHECK_ID,
    name: 'waiver of an unknown check',
    mutate: (o) => {
      api(o).metadata.annotations = { 'policy.platform.io/waive': 'no-such-check', 'policy.platform.io/waive-reason': 'because' };
    },
    text: `${P}/Deployment/api: metadata.annotations.policy.platform.io/waive: names unknown or unwaivable check(s) no-such-check; use ids from the policy report [policy-waiver-valid]`,
  },
];

describe('policy checks', () => {
  it('GIVEN the reference environment WHEN evaluated in production THEN every check runs and passes', () => {
    const e = evaluatePolicies(envOf(goodEnvironment()));
    expect(e.violations.map((v) => v.text)).toEqual([]);
    expect(e.checks.filter((c) => c.skipped !== undefined)).toEqual([]);
    expect(e.checks.map((c) => c.check.id)).toEqual([...POLICY_CHECKS.map((c) => c.id), WAIVER_CHECK_ID]);
  });

  it('GIVEN the case table THEN every check has at least one violating case', () => {
    const covered = new Set(CASES.map((c) => c.check));
    expect([...POLICY_CHECKS.map((c) => c.id), WAIVER_CHECK_ID].filter((id) => !covered.has(id))).toEqual([]);
  });

  it.each(CASES.map((c) => [c.check, c.name, c] as const))('GIVEN %s violated (%s) WHEN evaluated THEN exactly that violation is reported', (_id, _name, c) => {
    // GIVEN
    const objs = goodEnvironment();
    c.mutate(objs);
    // WHEN
    const e = evaluatePolicies(envOf(objs, c.profile ?? production));
    // THEN
    expect(e.violations.map((v) => v.text)).toEqual([c.text]);
    expect(e.violations[0]!.checkId).toBe(c.check);
  });

  it('GIVEN the same resource checked in each environment THEN image-tag-pinned and image-digest follow the image policy', () => {
    const objs = goodEnvironment();
    pick(objs, 'Deployment', 'api').spec.template.spec.containers[0].image = 'ghcr.io/acme/api:1.4.2';
    const skipped = (p: EnvironmentProfile) =>
      evaluatePolicies(envOf(objs, p))
        .checks.filter((c) => c.skipped !== undefined)
        .map((c) => `${c.check.id}: ${c.skipped}`);
    expect(skipped(development)).toEqual([
      "image-tag-pinned: the environment's image policy accepts any tag",
      "image-digest: the environment's image policy does not require digests",
    ]);
    expect(skipped(staging)).toEqual(["image-digest: the environment's image policy does not require digests"]);
    expect(skipped(production)).toEqual([]);
    expect(evaluatePolicies(envOf(objs, staging)).violations).toEqual([]);
    expect(DIGEST_IMAGE).toMatch(/@sha256:/);
  });

  it('GIVEN a single-replica workload without PDB THEN pdb-present and ha-spread do not apply', () => {
    const objs = goodEnvironment();
    pick(objs, 'Deployment', 'api').spec.replicas = 1;
    objs.splice(objs.indexOf(pick(objs, 'PodDisruptionBudget', 'api')), 1);
    delete pick(objs, 'Deployment', 'api').spec.template.spec.topologySpreadConstraints;
    expect(evaluatePolicies(envOf(objs)).violations).toEqual([]);
  });

  it('GIVEN podAntiAffinity on own labels THEN ha-spread passes', () => {
    const objs = goodEnvironment();
    const pod = pick(objs, 'Deployment', 'api').spec.template.spec;
    delete pod.topologySpreadConstraints;
    pod.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              topologyKey: 'kubernetes.io/hostname',
              labelSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['api'] }] },
            },
          },
        ],
      },
    };
    expect(evaluatePolicies(envOf(objs)).violations).toEqual([]);
  });

  it('GIVEN NET_BIND_SERVICE added after dropping ALL THEN pss-capabilities passes', () => {
    const objs = goodEnvironment();
    pick(objs, 'Deployment', 'api').spec.template.spec.containers[0].securityContext.capabilities = { drop: ['ALL'], add: ['NET_BIND_SERVICE'] };
    expect(evaluatePolicies(envOf(objs)).violations).toEqual([]);
  });

  it('GIVEN violations in init containers and CronJob pods THEN they are found at their own paths', () => {
    const objs = goodEnvironment();
    const cj = pick(objs, 'CronJob', 'report');
    cj.spec.jobTemplate.spec.template.spec.initContainers = [
      { ...JSON.parse(JSON.stringify(cj.spec.jobTemplate.spec.template.spec.containers[0])), name: 'init' },
    ];
    cj.spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged = true;
    expect(evaluatePolicies(envOf(objs)).violations.map((v) => v.text)).toEqual([
      'production/shop/CronJob/report: spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged: container "init" runs privileged; set privileged: false [pss-privileged]',
    ]);
  });

  it('GIVEN a pod naming its own ServiceAccount only through the deprecated serviceAccount field THEN pod-dedicated-service-account passes', () => {
    // GIVEN
    const objs = goodEnvironment();
    const pod = pick(objs, 'Deployment', 'api').spec.template.spec;
    delete pod.serviceAccountName;
    pod.serviceAccount = 'api';
    // WHEN
    const e = evaluatePolicies(envOf(objs));
    // THEN
    expect(e.violations).toEqual([]);
    expect(e.checks.find((c) => c.check.id === 'pod-dedicated-service-account')).toMatchObject({ violations: 0 });
  });

  it('GIVEN pod-dedicated-service-account THEN it is a medium access check with no kube-score equivalent, citing the Kubernetes docs and CIS 5.1.5', () => {
    const check = POLICY_CHECKS.find((c) => c.id === 'pod-dedicated-service-account')!;
    expect(check.severity).toBe('medium');
    expect(check.docs).toBe('https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/');
    expect(check.rationale).toContain('CIS Kubernetes Benchmark 5.1.5');
    expect(check.coverage).toEqual({});
  });

  it('GIVEN a bare Pod THEN pod checks apply to spec directly', () => {
    const objs = goodEnvironment();
    const podSpec = JSON.parse(JSON.stringify(pick(objs, 'Deployment', 'api').spec.template.spec));
    podSpec.hostIPC = true;
    objs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' } },
      spec: podSpec,
    });
    expect(evaluatePolicies(envOf(objs)).violations.map((v) => v.text)).toEqual([
      "production/shop/Pod/debug: spec.hostIPC: the pod shares the node's ipc namespace; remove hostIPC (or run it in a namespace exempted from PSS restricted) [pss-host-namespaces]",
    ]);
  });
});

describe('network-policy-peers-agree', () => {
  const sel = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name });
  const egressApiToOperator = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'api-egress', namespace: 'shop' },
    spec: {
      podSelector: { matchLabels: sel('api') },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: sel('operator') } }],
          ports: [{ protocol: 'TCP', port: 8080 }],
        },
      ],
    },
  };
  const ingressOperatorFromApi = (port: number) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'operator-ingress', namespace: 'shop' },
    spec: {
      podSelector: { matchLabels: sel('operator') },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: sel('api') } }], ports: [{ protocol: 'TCP', port }] }],
    },
  });
  const violations = (objects: Record<string, any>[]) =>
    evaluatePolicies(envOf(objects))
      .violations.filter((v) => v.text.endsWith('[network-policy-peers-agree]'))
      .map((v) => v.text);

  it('GIVEN egress from api to the operator AND an ingress rule on the operator admitting api on that port THEN passes', () => {
    expect(violations([...goodEnvironment(), egressApiToOperator, ingressOperatorFromApi(8080)])).toEqual([]);
  });

  it('GIVEN egress from api to the operator that no policy of the operator admits THEN reports the one-sided connection', () => {
    expect(violations([...goodEnvironment(), egressApiToOperator])).toEqual([
      'production/shop/NetworkPolicy/api-egress: spec.egress[0].to[0]: egress to shop/Deployment "operator" on port 8080 is not admitted by any NetworkPolicy selecting those pods; declare the connection in the graph (connectsTo / clients) so both ends agree [network-policy-peers-agree]',
    ]);
  });

  it('GIVEN the operator admits api on another port only THEN reports it', () => {
    expect(violations([...goodEnvironment(), egressApiToOperator, ingressOperatorFromApi(9090)])).toHaveLength(1);
  });
});
