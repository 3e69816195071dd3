/** What every component of the stack needs to know: namespace, profile, images, resources, cluster addresses. */
import { EnvironmentProfile } from '../core/environment-profile';
import { LABEL_PART_OF, workloadLabels } from '../core/labels';
import { ComponentResources } from './common';

/** Container images of the stack (pinned; override with digests where the image policy demands them). */
export interface ObservabilityImages {
  readonly prometheus: string;
  readonly alertmanager: string;
  readonly grafana: string;
  readonly fluentBit: string;
  readonly otelCollector: string;
}

export const DEFAULT_IMAGES: ObservabilityImages = {
  prometheus: 'quay.io/prometheus/prometheus:v2.53.2',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.27.0',
  grafana: 'docker.io/grafana/grafana:11.2.2',
  fluentBit: 'cr.fluentbit.io/fluent/fluent-bit:3.1.9',
  otelCollector: 'docker.io/otel/opentelemetry-collector-contrib:0.111.0',
};

/** Resources of each component. */
export interface ObservabilityResources {
  readonly prometheus: ComponentResources;
  readonly alertmanager: ComponentResources;
  readonly grafana: ComponentResources;
  readonly fluentBit: ComponentResources;
  readonly otelCollector: ComponentResources;
}

export const DEFAULT_RESOURCES: ObservabilityResources = {
  prometheus: { cpu: '250m', memory: '1Gi', memoryLimit: '2Gi' },
  alertmanager: { cpu: '20m', memory: '64Mi', memoryLimit: '128Mi' },
  grafana: { cpu: '50m', memory: '128Mi', memoryLimit: '512Mi' },
  fluentBit: { cpu: '50m', memory: '64Mi', memoryLimit: '256Mi' },
  otelCollector: { cpu: '100m', memory: '256Mi', memoryLimit: '512Mi' },
};

/** Resolved settings shared by the components. */
export interface StackContext {
  readonly namespace: string;
  readonly profile: EnvironmentProfile;
  readonly images: ObservabilityImages;
  readonly resources: ObservabilityResources;
  /** Egress destinations of the Kubernetes API server (for service discovery and metadata lookups). */
  readonly apiServerCidrs: readonly string[];
  /** Ports of the API server endpoints (profile.cluster.apiServer.ports). */
  readonly apiServerPorts: readonly number[];
  /** Egress destinations of the kubelets (scraped by Prometheus on 10250). */
  readonly nodeCidrs: readonly string[];
}

/** Labels of a component of the stack. */
export function componentLabels(name: string, component: string): Record<string, string> {
  return { ...workloadLabels({ name, component }), [LABEL_PART_OF]: 'observability' };
}
