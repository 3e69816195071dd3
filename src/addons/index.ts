// The public API of cluster add-ons: the add-ons an environment chooses (`profile.addOns`), their typed options and
// configuration choices, the construct holding their namespaces and configuration, and the kind table. Catalog
// internals (definitions, values shapes) stay internal.
export { ADD_ON_NAMESPACES, AddOn, DEFAULT_ADD_ONS, defaultAddOns } from './add-on';
export type { AddOnOptions } from './add-on';
export { environmentAddOns, recordAddOnUse, resolveAddOns } from './resolution';
export type { AddOnUse, AddOnUses, ResolvedAddOns } from './resolution';
export type { HelmChartRef } from './chart';
export { ClusterAddOns, LABEL_ADD_ON } from './cluster-add-ons';
export type { AddOnNamespace } from './cluster-add-ons';
export { addOnObjectName, addOnsUnitName } from './delivery';
export { kindServer } from './kinds';
export type { KindServer } from './kinds';
export { addOnRequirementsPlugin, requireAddOn } from './requirements';
export { clusterVersionPlugin, KUBERNETES_VERSION_FIELD, kubernetesVersionOf } from './cluster-version';
export { AcmeSolver, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, TlsIssuer } from './catalog/cert-manager';
export type { AcmeIssuerProps, CertManagerOptions } from './catalog/cert-manager';
export { AwsAuth, SecretBackend, VaultAuth } from './catalog/external-secrets';
export type { ExternalSecretsOptions } from './catalog/external-secrets';
export { DEFAULT_GATEWAY_API_PLUGIN_VERSION, GATEWAY_API_PLUGIN_NAME, TrafficRouterPlugin, trafficRouterFeature } from './catalog/argo-rollouts';
export type { ArgoRolloutsOptions } from './catalog/argo-rollouts';
export type { StrimziOptions } from './catalog/strimzi';
export { VELERO_DEFAULT_LOCATION, VeleroCredentials } from './catalog/velero';
export type { VeleroOptions } from './catalog/velero';
export { INGRESS_NGINX_CHART } from './catalog/ingress';
export { ENVOY_GATEWAY_CONTROLLER_NAME, ENVOY_PROXY_LABELS } from './catalog/envoy-gateway';
export type { EnvoyGatewayOptions } from './catalog/envoy-gateway';
export type { IngressNginxOptions } from './catalog/ingress';
export { KUBE_PROMETHEUS_STACK_CHART } from './catalog/kube-prometheus-stack';
export type { KubePrometheusStackOptions } from './catalog/kube-prometheus-stack';
