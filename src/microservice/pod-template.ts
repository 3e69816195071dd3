/** The pod template of a MicroserviceDeployment: main container, init containers and sidecars, volumes, scheduling. */
import { isSecretName } from '../policy/secret-checks';
import { Construct } from 'constructs';
import { Container, EnvVar, PodTemplateSpec, Quantity, Volume, VolumeMount } from '../../imports/k8s';
import { fail } from '../core/errors';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/security';
import { isDns1123Label } from '../synth/schema-validator';
import { EnvValue } from './env';
import { checkImage } from './image';
import { HealthProbe, ProbePort } from './probes';
import { DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS, ExtraContainerSpec, MicroserviceDeploymentProps, TMP_MOUNT_PATH } from './props';
import { CONFIG_VOLUME, redact, ResolvedMicroservice, resolvePorts, resolveResources, TMP_VOLUME } from './resolve';

const ZONE_KEY = 'topology.kubernetes.io/zone';
const HOSTNAME_KEY = 'kubernetes.io/hostname';
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The pod template (PSS restricted, read-only root filesystem with a writable `/tmp`, probes, spreading). */
export function podTemplate(scope: Construct, r: ResolvedMicroservice, props: MicroserviceDeploymentProps): PodTemplateSpec {
  const profile = r.profile;
  const secretKeys = new Set(r.secrets.map(([k]) => k));
  const probePorts: ProbePort[] = r.ports.map((p) => ({ name: p.name, port: p.port }));

  const runAs = props.runAs ?? {};
  for (const k of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
    const v = runAs[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) fail(scope, `runAs.${k}`, v, 'must be a non-zero uid/gid (PSS restricted forbids running as root)');
  }

  // Volumes every pod gets: /tmp (the root filesystem is read-only) and the config files.
  const volumes: Volume[] = [{ name: TMP_VOLUME, emptyDir: {} }];
  const mounts: VolumeMount[] = [];
  const userMountsTmp = r.volumes.some((v) => v.mountPath === TMP_MOUNT_PATH);
  if (!userMountsTmp) mounts.push({ name: TMP_VOLUME, mountPath: TMP_MOUNT_PATH });
  if (r.config) {
    volumes.push({ name: CONFIG_VOLUME, configMap: { name: `${props.name}-config` } });
    mounts.push({ name: CONFIG_VOLUME, mountPath: r.config.mountPath, readOnly: true });
  }
  for (const v of r.volumes) {
    volumes.push(v.volume.render(r.secretName, (q) => Quantity.fromString(q)));
    const readOnlyKind = v.volume.source.kind === 'configMap' || v.volume.source.kind === 'secret';
    mounts.push({ name: v.volume.name, mountPath: v.mountPath, readOnly: v.readOnly ?? (readOnlyKind ? true : undefined), subPath: v.subPath });
  }
  const volumeNames = new Set(volumes.map((v) => v.name));

  const probes = props.probes ?? {};
  if (r.ports.length === 0 && probes.liveness === undefined && probes.readiness === undefined) {
    // Nothing to derive a default from, and a pod without probes is never restarted when it hangs.
    fail(scope, 'probes', props.probes, 'a service without ports has no default probe: set probes.liveness or probes.readiness (e.g. HealthProbe.exec([...]))');
  }
  const defaultProbe = r.ports.length > 0 ? HealthProbe.tcp() : HealthProbe.none();
  const grace = props.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (!Number.isInteger(grace) || grace < 0) fail(scope, 'terminationGracePeriodSeconds', grace, 'must be an integer >= 0');
  if (props.preStop && props.preStop.sleepSeconds >= grace) {
    fail(
      scope,
      'preStop',
      `sleep ${props.preStop.sleepSeconds}`,
      `must end before terminationGracePeriodSeconds (${grace}) or the container is killed mid-shutdown`,
    );
  }

  const main: Container = {
    name: props.name,
    image: props.image.reference,
    imagePullPolicy: profile.imagePolicy.pullPolicy,
    command: props.command ? [...props.command] : undefined,
    args: props.args ? [...props.args] : undefined,
    ports: r.ports.length > 0 ? r.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) : undefined,
    env: renderEnv(scope, r, 'env', props.env ?? {}, secretKeys),
    resources: resolveResources(scope, 'resources', props.resources, profile.resources),
    livenessProbe: (probes.liveness ?? defaultProbe).render(scope, 'probes.liveness', 'liveness', probePorts),
    // A worker's liveness check doubles as its readiness check, so rollouts still wait for healthy pods.
    readinessProbe: (probes.readiness ?? (r.ports.length === 0 ? probes.liveness : undefined) ?? defaultProbe).render(
      scope,
      'probes.readiness',
      'readiness',
      probePorts,
    ),
    startupProbe: probes.startup?.render(scope, 'probes.startup', 'startup', probePorts),
    lifecycle: props.preStop ? { preStop: props.preStop.render(scope, 'preStop', probePorts) } : undefined,
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: mounts,
  };

  const usedNames = new Set([props.name]);
  // Containers of a pod share one network namespace: a port number can be bound only once per pod.
  const podPorts = new Set(r.ports.map((p) => p.port));
  const extra = (field: string, list: readonly ExtraContainerSpec[], init: boolean): Container[] =>
    list.map((c, i) => {
      const f = `${field}[${i}]`;
      if (!isDns1123Label(c.name)) fail(scope, `${f}.name`, c.name, 'must be a DNS-1123 label');
      if (usedNames.has(c.name)) fail(scope, `${f}.name`, c.name, 'container names must be unique in the pod');
      usedNames.add(c.name);
      checkImage(scope, `${f}.image`, c.image, profile);
      const ports = resolvePorts(scope, `${f}.ports`, c.ports ?? []);
      ports.forEach((p, j) => {
        if (podPorts.has(p.port))
          fail(scope, `${f}.ports[${j}].port`, p.port, "another container of the pod already uses this port (containers share the pod's network)");
        podPorts.add(p.port);
      });
      const cm = (c.volumeMounts ?? []).map((m, j) => {
        if (!volumeNames.has(m.volume)) fail(scope, `${f}.volumeMounts[${j}].volume`, m.volume, `must name a pod volume: ${[...volumeNames].join(', ')}`);
        return { name: m.volume, mountPath: m.mountPath, readOnly: m.readOnly };
      });
      if (!cm.some((m) => m.mountPath === TMP_MOUNT_PATH)) cm.unshift({ name: TMP_VOLUME, mountPath: TMP_MOUNT_PATH, readOnly: undefined });
      const p = c.probes ?? {};
      if (init && c.probes !== undefined) fail(scope, `${f}.probes`, 'set', 'init containers take no probes: they run to completion before the pod starts');
      if (!init && ports.length === 0 && p.liveness === undefined && p.readiness === undefined) {
        fail(
          scope,
          `${f}.probes`,
          c.probes,
          'a sidecar without ports has no default probe: set probes.liveness or probes.readiness (e.g. HealthProbe.exec([...]))',
        );
      }
      const sidecarPorts = ports.map((x) => ({ name: x.name, port: x.port }));
      const sidecarDefault = ports.length > 0 ? HealthProbe.tcp() : HealthProbe.none();
      return {
        name: c.name,
        image: c.image.reference,
        imagePullPolicy: profile.imagePolicy.pullPolicy,
        command: c.command ? [...c.command] : undefined,
        args: c.args ? [...c.args] : undefined,
        ports: ports.length > 0 ? ports.map((x) => ({ name: x.name, containerPort: x.port, protocol: x.protocol })) : undefined,
        env: renderEnv(scope, r, `${f}.env`, c.env ?? {}, secretKeys),
        resources: resolveResources(scope, `${f}.resources`, c.resources, profile.resources),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: cm,
        ...(init
          ? {}
          : {
              livenessProbe: (p.liveness ?? sidecarDefault).render(scope, `${f}.probes.liveness`, 'liveness', sidecarPorts),
              readinessProbe: (p.readiness ?? (ports.length === 0 ? p.liveness : undefined) ?? sidecarDefault).render(
                scope,
                `${f}.probes.readiness`,
                'readiness',
                sidecarPorts,
              ),
              startupProbe: p.startup?.render(scope, `${f}.probes.startup`, 'startup', sidecarPorts),
            }),
      };
    });
  const initContainers = extra('initContainers', props.initContainers ?? [], true);
  const sidecars = extra('sidecars', props.sidecars ?? [], false);

  const annotations: Record<string, string> = {};
  if (r.config) annotations['checksum/config'] = r.config.checksum;
  if (r.metrics && !profile.monitoring.mode.usesOperator) {
    annotations['prometheus.io/scrape'] = 'true';
    annotations['prometheus.io/port'] = String(r.metrics.port.port);
    annotations['prometheus.io/path'] = r.metrics.path;
  }

  const hashLabel = r.isRollout ? 'rollouts-pod-template-hash' : 'pod-template-hash';
  const nodeSelector = props.nodeSelector ?? {};
  const tolerations = props.tolerations ?? [];
  if (props.priorityClassName !== undefined && !isDns1123Label(props.priorityClassName) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(props.priorityClassName)) {
    fail(scope, 'priorityClassName', props.priorityClassName, 'must be a DNS-1123 subdomain');
  }
  const needsApi = props.apiAccess !== undefined;

  return {
    metadata: { labels: { ...r.labels }, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
    spec: {
      serviceAccountName: props.name,
      automountServiceAccountToken: needsApi,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(runAs),
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
      priorityClassName: props.priorityClassName,
      nodeSelector: Object.keys(nodeSelector).length > 0 ? { ...nodeSelector } : undefined,
      tolerations: tolerations.length > 0 ? tolerations.map((t) => ({ ...t })) : undefined,
      topologySpreadConstraints: r.topologySpread
        ? [ZONE_KEY, HOSTNAME_KEY].map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            // Soft: a lost zone or a small node pool must not leave pods unschedulable.
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...r.podSelector } },
            matchLabelKeys: [hashLabel],
          }))
        : undefined,
      initContainers: initContainers.length > 0 ? initContainers : undefined,
      containers: [main, ...sidecars],
      volumes,
    },
  };
}

/** Env entries of one container; secret-looking literals and undeclared secret keys are refused. */
function renderEnv(
  scope: Construct,
  r: ResolvedMicroservice,
  field: string,
  env: Readonly<Record<string, EnvValue>>,
  secretKeys: ReadonlySet<string>,
): EnvVar[] | undefined {
  const out: EnvVar[] = [];
  for (const [name, v] of Object.entries(env)) {
    const f = `${field}.${name}`;
    if (!ENV_NAME.test(name)) fail(scope, f, name, 'an environment variable name is [-._a-zA-Z][-._a-zA-Z0-9]*');
    if (!EnvValue.isEnvValue(v)) {
      fail(scope, f, redact(v), 'must be an EnvValue (EnvValue.value, fromConfigMap, fromSecret, fromExistingSecret, fromField)');
    }
    const s = v.source;
    // The same name rule as the policy gate's literal-secret check (which also scans values in every object).
    if (s.kind === 'value' && isSecretName(name)) {
      fail(scope, f, '<redacted>', 'looks like a secret: a literal value would be written to Git; declare it in `secrets` and use EnvValue.fromSecret(key)');
    }
    if (s.kind === 'secret' && s.name === undefined && !secretKeys.has(s.key)) {
      fail(scope, f, s.key, `must be a key of \`secrets\`; declared keys: ${[...secretKeys].join(', ') || 'none'}`);
    }
    out.push(v.render(name, r.secretName));
  }
  return out.length > 0 ? out : undefined;
}
