import { EnvironmentChart } from '../src';
import {
  IntOrString, KubeDeployment, KubeNamespace, KubeNetworkPolicy, KubePodDisruptionBudget, KubeService, KubeServiceAccount, Quantity,
} from '../imports/k8s';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, selectorLabels, workloadLabels } from '../src';

/** One typical service for the benchmark (replaced by MicroserviceDeployment once it exists). */
export function benchService(chart: EnvironmentChart, i: number): void {
  const name = `svc-${i}`;
  const ns = `team-${i % 10}`;
  const p = chart.profile;
  if (i < 10) new KubeNamespace(chart, `ns-${ns}`, { metadata: { name: ns } });
  const labels = workloadLabels({ name, component: 'api', partOf: 'bench', team: `team-${i % 10}` });
  new KubeServiceAccount(chart, `${name}-sa`, { metadata: { name, namespace: ns, labels }, automountServiceAccountToken: false });
  new KubeDeployment(chart, name, {
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas: p.replicas,
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name,
          securityContext: restrictedPodSecurityContext(),
          containers: [{
            name,
            image: `registry.example.com/${name}:1.0.${i}`,
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: {
              requests: { cpu: Quantity.fromString(p.resources.requests.cpu), memory: Quantity.fromString(p.resources.requests.memory) },
              limits: { memory: Quantity.fromString(p.resources.limits.memory) },
            },
            readinessProbe: { httpGet: { path: '/ready', port: IntOrString.fromString('http') } },
            livenessProbe: { httpGet: { path: '/health', port: IntOrString.fromString('http') } },
            securityContext: restrictedContainerSecurityContext(),
          }],
        },
      },
    },
  });
  new KubeService(chart, `${name}-svc`, {
    metadata: { name, namespace: ns, labels },
    spec: { selector: selectorLabels(name), ports: [{ name: 'http', port: 80, targetPort: IntOrString.fromString('http') }] },
  });
  new KubePodDisruptionBudget(chart, `${name}-pdb`, {
    metadata: { name, namespace: ns, labels },
    spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(name) } },
  });
  new KubeNetworkPolicy(chart, `${name}-np`, {
    metadata: { name, namespace: ns, labels },
    spec: { podSelector: { matchLabels: selectorLabels(name) }, policyTypes: ['Ingress', 'Egress'], ingress: [{ ports: [{ port: IntOrString.fromNumber(8080) }] }] },
  });
}

/** n tenants (replaced by TenantNamespace once it exists). */
export function benchTenants(chart: EnvironmentChart, n: number): void {
  for (let i = 0; i < n; i++) {
    new KubeNamespace(chart, `tenant-${i}`, { metadata: { name: `tenant-${i}` } });
  }
}
