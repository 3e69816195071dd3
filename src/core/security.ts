/**
 * Pod Security Standards "restricted" building blocks. cdk8s-plus-27 sets neither seccomp nor capabilities,
 * so every construct of this library uses these instead.
 */

/** Default non-root uid/gid for images that do not say otherwise. */
export const DEFAULT_RUN_AS_USER = 10001;

export interface PodSecurityOptions {
  /** @default DEFAULT_RUN_AS_USER */
  readonly runAsUser?: number;
  /** @default same as runAsUser */
  readonly runAsGroup?: number;
  /** Group owning mounted volumes. @default same as runAsGroup */
  readonly fsGroup?: number;
}

/** Pod-level security context meeting PSS restricted. */
export function restrictedPodSecurityContext(o: PodSecurityOptions = {}) {
  const runAsUser = o.runAsUser ?? DEFAULT_RUN_AS_USER;
  const runAsGroup = o.runAsGroup ?? runAsUser;
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup,
    fsGroup: o.fsGroup ?? runAsGroup,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export interface ContainerSecurityOptions {
  /** Write to the root filesystem (discouraged; mount an emptyDir instead). @default false */
  readonly writableRootFilesystem?: boolean;
  /** The only capability PSS restricted allows adding. @default false */
  readonly netBindService?: boolean;
}

/** Container-level security context meeting PSS restricted. */
export function restrictedContainerSecurityContext(o: ContainerSecurityOptions = {}) {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: !(o.writableRootFilesystem ?? false),
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
    capabilities: o.netBindService ? { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } : { drop: ['ALL'] },
  };
}
