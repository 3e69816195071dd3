/**
 * Pod Security Standards (Kubernetes 1.27), baseline and restricted: one check per control, over every pod
 * template (containers, init containers and ephemeral containers).
 */
import { ContainerView, PodView } from './policy-index';
import { PolicyCheck, PolicyContext, PolicyFinding } from './types';
import { DocObject, DocValue } from '../core/documents';

const PSS_BASELINE = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline';
const PSS_RESTRICTED = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted';

/** Volume sources PSS restricted allows (hostPath is reported by pss-host-path alone). */
const ALLOWED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** Sysctls PSS baseline allows (Kubernetes 1.27). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
]);

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);

const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** The only capability PSS restricted lets a container add. */
export const ALLOWED_ADDED_CAPABILITY = 'NET_BIND_SERVICE';

function sc(c: ContainerView): DocObject {
  const s = c.container.securityContext;
  return s !== null && typeof s === 'object' ? s : {};
}

function podSc(p: PodView): DocObject {
  const s = p.spec.securityContext;
  return s !== null && typeof s === 'object' ? s : {};
}

function cname(c: ContainerView): string {
  return JSON.stringify(String(c.container.name ?? ''));
}

/** Runs `fn` for every container of every pod and collects its findings. */
export function eachContainer(ctx: PolicyContext, fn: (c: ContainerView, p: PodView) => Omit<PolicyFinding, 'doc'> | undefined): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const p of ctx.index.pods) {
    for (const c of p.containers) {
      const f = fn(c, p);
      if (f) out.push({ doc: p.doc, ...f });
    }
  }
  return out;
}

/** Runs `fn` for every pod and collects its findings. */
export function eachPod(ctx: PolicyContext, fn: (p: PodView) => Omit<PolicyFinding, 'doc'>[] | Omit<PolicyFinding, 'doc'> | undefined): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const p of ctx.index.pods) {
    const r = fn(p);
    for (const f of Array.isArray(r) ? r : r ? [r] : []) out.push({ doc: p.doc, ...f });
  }
  return out;
}

export const POD_SECURITY_CHECKS: readonly PolicyCheck[] = [
  {
    id: 'pss-host-process',
    severity: 'critical',
    rationale: 'Windows HostProcess containers have full access to the node.',
    docs: PSS_BASELINE,
    coverage: { pss: 'HostProcess (baseline)', polaris: ['hostProcess'] },
    exemptible: true,
    run: (ctx) =>
      eachPod(ctx, (p) => {
        const out: Omit<PolicyFinding, 'doc'>[] = [];
        if (podSc(p).windowsOptions?.hostProcess === true)
          out.push({ field: `${p.specPath}.securityContext.windowsOptions.hostProcess`, message: 'the pod is a Windows HostProcess pod; remove hostProcess' });
        for (const c of p.containers) {
          if (sc(c).windowsOptions?.hostProcess === true)
            out.push({
              field: `${c.path}.securityContext.windowsOptions.hostProcess`,
              message: `container ${cname(c)} is a Windows HostProcess container; remove hostProcess`,
            });
        }
        return out;
      }),
  },
  {
    id: 'pss-host-namespaces',
    severity: 'critical',
    rationale: 'Sharing the node network, PID or IPC namespace breaks container isolation.',
    docs: PSS_BASELINE,
    coverage: { pss: 'Host Namespaces (baseline)', polaris: ['hostNetworkSet', 'hostPIDSet', 'hostIPCSet'] },
    exemptible: true,
    run: (ctx) =>
      eachPod(ctx, (p) =>
        (['hostNetwork', 'hostPID', 'hostIPC'] as const)
          .filter((f) => p.spec[f] === true)
          .map((f) => ({
            field: `${p.specPath}.${f}`,
            message: `the pod shares the node's ${f.slice(4).toLowerCase()} namespace; remove ${f} (or run it in a namespace exempted from PSS restricted)`,
          })),
      ),
  },
  {
    id: 'pss-privileged',
    severity: 'critical',
    rationale: 'A privileged container has every capability and access to every device of the node.',
    docs: PSS_BASELINE,
    coverage: { pss: 'Privileged Containers (baseline)', kubeScore: ['container-security-context-privileged'], polaris: ['runAsPrivileged'] },
    exemptible: true,
    run: (ctx) =>
      eachContainer(ctx, (c) =>
        sc(c).privileged === true
          ? { field: `${c.path}.securityContext.privileged`, message: `container ${cname(c)} runs privileged; set privileged: false` }
          : undefined,
      ),
  },
  {
    id: 'pss-capabilities',
    severity: 'high',
    rationale: 'Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE.',
    docs: PSS_RESTRICTED,
    coverage: { pss: 'Capabilities (baseline and restricted)', polaris: ['dangerousCapabilities', 'insecureCapabilities'] },
    exemptible: true,
    run: (ctx) =>
      eachContainer(ctx, (c) => {
        const caps = sc(c).capabilities ?? {};
        const added = (Array.isArray(caps.add) ? caps.add : []).filter((x: unknown) => x !== ALLOWED_ADDED_CAPABILITY);
        if (added.length > 0)
          return {
            field: `${c.path}.securityContext.capabilities.add`,
            message: `container ${cname(c)} adds ${added.join(', ')}; only ${ALLOWED_ADDED_CAPABILITY} may be added`,
          };
        const dropped = Array.isArray(caps.drop) ? caps.drop : [];
        if (!dropped.includes('ALL'))
          return {
            field: `${c.path}.securityContext.capabilities.drop`,
            message: `container ${cname(c)} does not drop ALL capabilities; set capabilities.drop: [ALL]`,
          };
        return undefined;
      }),
  },
  {
    id: 'pss-host-path',
    severity: 'critical',
    rationale: 'hostPath volumes expose the node filesystem to the pod.',
    docs: PSS_BASELINE,
    coverage: { pss: 'HostPath Volumes (baseline)', polaris: ['hostPathSet'] },
    exemptible: true,
    run: (ctx) =>
      eachPod(ctx, (p) =>
        (Array.isArray(p.spec.volumes) ? p.spec.volumes : [])
          .map((v: DocValue, i: number) => ({ v, i }))
          .filter(({ v }) => v?.hostPath !== undefined)
          .map(({ v, i }) => ({
            field: `${p.specPath}.volumes[${i}].hostPath`,
            message: `volume ${JSON.stringify(String(v.name ?? ''))} mounts ${JSON.stringify(String(v.hostPath?.path ?? ''))} from the node; use an emptyDir or a PersistentVolumeClaim (or a namespace exempted from PSS restricted)`,
          })),
      ),
  },
  {
    id: 'pss-host-ports',
    severity: 'high',
    rationale: 'Host ports bypass NetworkPolicies and tie pods to nodes.',
    docs: PSS_BASELINE,
    coverage: { pss: 'Host Ports (baseline)', polaris: ['hostPortSet'] },
    exemptible: true,
    run: (ctx) =>
      eachContainer(ctx, (c) => {
        const ports = Array.isArray(c.container.ports) ? c.container.ports : [];
        const i = ports.findIndex((x: DocValue) => typeof x?.hostPort === 'number' && x.hostPort !== 0);
        return i >= 0
          ? {
              field: `${c.path}.ports[${i}].hostPort`,
              message: `container ${cname(c)} binds host port ${ports[i].hostPort}; expose it through a Service instead`,
            }
          : undefined;
      }),
  },
  {
    id: 'pss-apparmor',
    severity: 'high',
    rationale: 'Overriding or disabling the default AppArmor profile removes a confinement layer.',
    docs: PSS_BASELINE,
    coverage: { pss: 'AppArmor (baseline)' },
    run: (ctx) =>
      eachPod(ctx, (p) =>
        Object.entries(p.annotations)
          .filter(([k, v]) => k.startsWith(APPARMOR_PREFIX) && v !== 'runtime/default' && !v.startsWith('localhost/'))
          .map(([k, v]) => ({
            field: `${p.specPath.replace(/spec$/, 'metadata')}.annotations.${k}`,
            message: `AppArmor profile ${JSON.stringify(v)} is not allowed; use runtime/default or localhost/<profile>`,
          })),
      ),
  },
  {
    id: 'pss-selinux',
    severity: 'high',
    rationale: 'Custom SELinux users, roles or types can escape container confinement.',
    docs: PSS_BASELINE,
    coverage: { pss: 'SELinux (baseline)' },
    run: (ctx) =>
      eachPod(ctx, (p) => {
        const out: Omit<PolicyFinding, 'doc'>[] = [];
        const checkOpts = (o: DocValue, field: string, who: string): void => {
          if (!o || typeof o !== 'object') return;
          if (o.type !== undefined && !SELINUX_TYPES.has(o.type))
            out.push({
              field: `${field}.type`,
              message: `${who} uses SELinux type ${JSON.stringify(o.type)}; allowed: container_t, container_init_t, container_kvm_t`,
            });
          if (o.user !== undefined || o.role !== undefined)
            out.push({ field, message: `${who} sets a custom SELinux user or role; remove seLinuxOptions.user and .role` });
        };
        checkOpts(podSc(p).seLinuxOptions, `${p.specPath}.securityContext.seLinuxOptions`, 'the pod');
        for (const c of p.containers) checkOpts(sc(c).seLinuxOptions, `${c.path}.securityContext.seLinuxOptions`, `container ${cname(c)}`);
        return out;
      }),
  },
  {
    id: 'pss-proc-mount',
    severity: 'high',
    rationale: 'An unmasked /proc exposes host information.',
    docs: PSS_BASELINE,
    coverage: { pss: '/proc Mount Type (baseline)', polaris: ['procMount'] },
    run: (ctx) =>
      eachContainer(ctx, (c) =>
        sc(c).procMount !== undefined && sc(c).procMount !== 'Default'
          ? { field: `${c.path}.securityContext.procMount`, message: `container ${cname(c)} uses procMount ${JSON.stringify(sc(c).procMount)}; use Default` }
          : undefined,
      ),
  },
  {
    id: 'pss-sysctls',
    severity: 'high',
    rationale: 'Unsafe sysctls change kernel settings for every pod on the node.',
    docs: PSS_BASELINE,
    coverage: { pss: 'Sysctls (baseline)' },
    run: (ctx) =>
      eachPod(ctx, (p) =>
        (Array.isArray(podSc(p).sysctls) ? (podSc(p).sysctls as DocValue[]) : [])
          .map((s: DocValue, i: number) => ({ s, i }))
          .filter(({ s }) => !SAFE_SYSCTLS.has(String(s?.name)))
          .map(({ s, i }) => ({
            field: `${p.specPath}.securityContext.sysctls[${i}]`,
            message: `sysctl ${JSON.stringify(String(s?.name))} is not in the safe set (${[...SAFE_SYSCTLS].join(', ')})`,
          })),
      ),
  },
  {
    id: 'pss-volume-types',
    severity: 'high',
    rationale: 'Only ephemeral and projected volume types and PVCs avoid node and network filesystem access.',
    docs: PSS_RESTRICTED,
    coverage: { pss: 'Volume Types (restricted)' },
    run: (ctx) =>
      eachPod(ctx, (p) =>
        (Array.isArray(p.spec.volumes) ? p.spec.volumes : [])
          .map((v: DocValue, i: number) => ({ v, i, source: Object.keys(v ?? {}).find((k) => k !== 'name') }))
          .filter(({ source }) => source !== undefined && source !== 'hostPath' && !ALLOWED_VOLUME_SOURCES.has(source))
          .map(({ v, i, source }) => ({
            field: `${p.specPath}.volumes[${i}].${source}`,
            message: `volume ${JSON.stringify(String(v.name ?? ''))} is of type ${source}; allowed: ${[...ALLOWED_VOLUME_SOURCES].join(', ')}`,
          })),
      ),
  },
  {
    id: 'pss-privilege-escalation',
    severity: 'critical',
    rationale: 'setuid binaries must not let a process gain more privileges than its parent.',
    docs: PSS_RESTRICTED,
    coverage: { pss: 'Privilege Escalation (restricted)', polaris: ['privilegeEscalationAllowed'] },
    run: (ctx) =>
      eachContainer(ctx, (c) =>
        sc(c).allowPrivilegeEscalation !== false
          ? {
              field: `${c.path}.securityContext.allowPrivilegeEscalation`,
              message: `container ${cname(c)} may escalate privileges; set allowPrivilegeEscalation: false`,
            }
          : undefined,
      ),
  },
  {
    id: 'pss-run-as-non-root',
    severity: 'critical',
    rationale: 'Containers must be required to run as a non-root user.',
    docs: PSS_RESTRICTED,
    coverage: { pss: 'Running as Non-root (restricted)', kubeScore: ['container-security-context-user-group-id'], polaris: ['runAsRootAllowed'] },
    exemptible: true,
    run: (ctx) =>
      eachContainer(ctx, (c, p) => {
        const own = sc(c).runAsNonRoot;
        if (own === false)
          return { field: `${c.path}.securityContext.runAsNonRoot`, message: `container ${cname(c)} sets runAsNonRoot: false; set it to true` };
        if (own !== true && podSc(p).runAsNonRoot !== true)
          return {
            field: `${c.path}.securityContext.runAsNonRoot`,
            message: `container ${cname(c)} may run as root; set runAsNonRoot: true on the pod or the container`,
          };
        return undefined;
      }),
  },
  {
    id: 'pss-run-as-non-root-user',
    severity: 'critical',
    rationale: 'uid 0 is root, whatever runAsNonRoot says.',
    docs: PSS_RESTRICTED,
    coverage: { pss: 'Running as Non-root user (restricted)', kubeScore: ['container-security-context-user-group-id'], polaris: ['runAsRootAllowed'] },
    exemptible: true,
    run: (ctx) =>
      eachPod(ctx, (p) => {
        const out: Omit<PolicyFinding, 'doc'>[] = [];
        if (podSc(p).runAsUser === 0)
          out.push({ field: `${p.specPath}.securityContext.runAsUser`, message: 'the pod runs as uid 0 (root); use a non-zero uid' });
        for (const c of p.containers) {
          if (sc(c).runAsUser === 0)
            out.push({ field: `${c.path}.securityContext.runAsUser`, message: `container ${cname(c)} runs as uid 0 (root); use a non-zero uid` });
        }
        return out;
      }),
  },
  {
    id: 'pss-seccomp',
    severity: 'high',
    rationale: 'A seccomp profile (RuntimeDefault or Localhost) limits the syscalls a container can make.',
    docs: PSS_RESTRICTED,
    coverage: { pss: 'Seccomp (baseline and restricted)', kubeScore: ['container-seccomp-profile'], polaris: ['linuxHardening'] },
    run: (ctx) =>
      eachContainer(ctx, (c, p) => {
        const ok = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
        const own = sc(c).seccompProfile?.type;
        if (own !== undefined && !ok(own))
          return {
            field: `${c.path}.securityContext.seccompProfile.type`,
            message: `container ${cname(c)} uses seccomp profile ${JSON.stringify(own)}; use RuntimeDefault or Localhost`,
          };
        const pod = podSc(p).seccompProfile?.type;
        if (own === undefined && !ok(pod))
          return {
            field: `${c.path}.securityContext.seccompProfile`,
            message: `container ${cname(c)} has no seccomp profile; set seccompProfile.type: RuntimeDefault on the pod or the container`,
          };
        return undefined;
      }),
  },
  {
    id: 'read-only-root-filesystem',
    severity: 'medium',
    rationale: 'An immutable root filesystem stops an attacker from installing tools or altering binaries.',
    docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    coverage: { kubeScore: ['container-security-context-readonlyrootfilesystem'], polaris: ['notReadOnlyRootFilesystem'] },
    run: (ctx) =>
      eachContainer(ctx, (c) =>
        c.kind !== 'ephemeralContainer' && sc(c).readOnlyRootFilesystem !== true
          ? {
              field: `${c.path}.securityContext.readOnlyRootFilesystem`,
              message: `container ${cname(c)} has a writable root filesystem; set readOnlyRootFilesystem: true and mount an emptyDir where it writes`,
            }
          : undefined,
      ),
  },
];
