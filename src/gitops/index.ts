// The public API of GitOps delivery: Argo CD and Flux delivery of the synthesized environments, their roots, sync
// policies, namespace tiers and the repository check. Planning and scanning helpers stay internal.
export {
  ANNOTATION_SYNC_WAVE,
  ARGOCD_CASCADE_FINALIZER,
  ArgoCdDelivery,
  DEFAULT_DELIVERY_ARGOCD_NAMESPACE,
  GROUP_SYNC_OPTIONS,
  LABEL_DELIVERY_GROUP,
  SYNC_RETRY,
} from './argo-cd-delivery';
export type { ArgoCdDeliveryProps } from './argo-cd-delivery';
export { ArgoCdRoot, IN_CLUSTER_SERVER } from './argo-cd-root';
export type { ArgoCdRootProps } from './argo-cd-root';
export { checkGitOpsDelivery, PREEXISTING_NAMESPACES } from './delivery-check';
export type { DeliveryCheckOptions } from './delivery-check';
export { CLUSTER_CONFIG_DIRECTORY, CLUSTER_CONFIG_GROUP, CLUSTER_DIRECTORY, CLUSTER_GROUP, CLUSTER_WAVE, LABEL_TIER, NamespaceTier } from './delivery-group';
export type { DeliveryGroup, DeliveryPlanOptions, TieredNamespace } from './delivery-group';
export { DEFAULT_FLUX_NAMESPACE, FLUX_INTERVAL, FLUX_RETRY_INTERVAL, FLUX_TIMEOUT, FluxDelivery } from './flux-delivery';
export type { FluxDeliveryProps } from './flux-delivery';
export { FLUX_GIT_INTERVAL, FluxRoot } from './flux-root';
export type { FluxRootProps } from './flux-root';
export { DEFAULT_DIST_PATH, DEFAULT_TARGET_REVISION } from './git-source';
export type { GitSource } from './git-source';
export { addGitOpsDelivery, DEFAULT_DELIVERY_TOOLS, DeliveryTool, FLUX_ADD_ONS_DIRECTORY } from './gitops-delivery';
export { deriveNamespaceTiers, NamespaceTiers } from './namespace-tiers';
export type { GitOpsDelivery, GitOpsDeliveryProps } from './gitops-delivery';
export { DEFAULT_PRUNE_GUARD, DEFAULT_SYNC_POLICY, SyncPolicy } from './sync-policy';
export type { DeliveryDefaults } from './sync-policy';
