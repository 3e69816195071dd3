/**
 * Environment profiles without boilerplate: presets for development, staging and production that a user overrides
 * field by field (nested objects merge, so `{ storage: { storageClass: 'gp3' } }` keeps the preset's size). Only
 * what nobody can choose for you is required: the environment's name, its cluster and its DNS domain.
 */
import { SyncPolicy } from '../gitops/sync-policy';
import { ClusterTarget, EnvironmentProfile, ImagePolicy, MonitoringMode } from './environment-profile';
import { fail } from './errors';
import type { TrafficLayer } from './traffic-layer';

/** Values replaced as a whole by an override, never merged key by key. */
type Atomic = ImagePolicy | MonitoringMode | SyncPolicy | TrafficLayer | readonly unknown[] | string | number | boolean | null | undefined;

/**
 * A partial value of `T` for {@link Profiles}: every field optional, nested objects partial too; arrays and choice
 * objects (`ImagePolicy`, `MonitoringMode`, `SyncPolicy`, `TrafficLayer`) are given whole.
 */
export type ProfileOverride<T> = T extends Atomic ? T : { readonly [K in keyof T]?: ProfileOverride<T[K]> };

/** Field-by-field overrides of a whole profile. A field given as `undefined` is unset (e.g. `tlsIssuer`). */
export type ProfileOverrides = ProfileOverride<EnvironmentProfile>;

/** What a preset needs: the three choices no default can make, plus any overrides. */
export interface ProfilePresetProps extends ProfileOverrides {
  /** Environment name: the output folder and the `platform.io/environment` label. A DNS-1123 label. */
  readonly name: string;
  /** Where the environment's manifests are applied. */
  readonly cluster: ClusterTarget;
  /** Base DNS domain; services are exposed as `<host>.<domain>`. */
  readonly domain: string;
}

/** ClusterSecretStore the presets read secrets from: name yours with `secretStore: { name }`. */
export const DEFAULT_SECRET_STORE_NAME = 'platform-secrets';
/** StorageClass of the presets: set your cluster's with `storage: { storageClass }`. */
export const DEFAULT_STORAGE_CLASS = 'standard';

type Preset = Omit<EnvironmentProfile, 'name' | 'cluster' | 'domain'>;

// No `traffic` in the presets: a profile that still sets the deprecated `ingress` keeps Ingress, every other one
// gets Gateway API (trafficOf).
function common(o: { readonly refresh: string; readonly size: string }): Pick<Preset, 'secretStore' | 'storage'> {
  return {
    secretStore: { kind: 'ClusterSecretStore', name: DEFAULT_SECRET_STORE_NAME, refreshInterval: o.refresh },
    storage: { storageClass: DEFAULT_STORAGE_CLASS, defaultSize: o.size },
  };
}

/** Development: one replica, small resources, no TLS, any image tag, no backups, policy violations are warnings. */
function developmentPreset(): Preset {
  return {
    ...common({ refresh: '1h', size: '1Gi' }),
    replicas: 1,
    highAvailability: false,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    autoscaling: { minReplicas: 1, maxReplicas: 2, cpuUtilization: 80, memoryUtilization: 80 },
    imagePolicy: ImagePolicy.anyTag(),
    backups: { enabled: false },
    monitoring: { mode: MonitoringMode.standalone(), namespace: 'monitoring', retention: '2d', retentionSize: '5GB', scrapeInterval: '30s' },
    protectStatefulResources: false,
    enforcePolicies: false,
  };
}

/** Staging: production-like at smaller scale; TLS from a staging issuer; pinned tags; daily backups (7 days). */
function stagingPreset(): Preset {
  return {
    ...common({ refresh: '1h', size: '10Gi' }),
    replicas: 2,
    highAvailability: false,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, memoryUtilization: 80 },
    tlsIssuer: 'letsencrypt-staging',
    imagePolicy: ImagePolicy.pinnedTag(),
    backups: { enabled: true, schedule: '0 3 * * *', retentionDays: 7, veleroSchedule: '0 2 * * *' },
    monitoring: { mode: MonitoringMode.standalone(), namespace: 'monitoring', retention: '7d', retentionSize: '20GB', scrapeInterval: '30s' },
    protectStatefulResources: true,
    enforcePolicies: false,
  };
}

/**
 * Production: HA, autoscaling from 3, digests only, backups every 6 hours (30 days), policy violations fail synth,
 * stateful resources never pruned by Argo CD / Flux and guarded by synth.
 */
function productionPreset(): Preset {
  return {
    ...common({ refresh: '15m', size: '50Gi' }),
    replicas: 3,
    highAvailability: true,
    resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 80 },
    tlsIssuer: 'letsencrypt-prod',
    imagePolicy: ImagePolicy.digestOnly(),
    backups: { enabled: true, schedule: '0 */6 * * *', retentionDays: 30, veleroSchedule: '0 2 * * *' },
    monitoring: { mode: MonitoringMode.standalone(), namespace: 'monitoring', retention: '15d', retentionSize: '45GB', scrapeInterval: '15s' },
    protectStatefulResources: true,
    enforcePolicies: true,
    delivery: { syncPolicy: SyncPolicy.automatedProtectingState(), pruneGuard: true },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `override` merged over `base`: plain objects key by key, everything else replaced; `undefined` unsets a key. */
function merge(where: string, field: string, base: unknown, override: unknown): unknown {
  if (!isPlainObject(override)) return override;
  if (base !== undefined && !isPlainObject(base)) {
    // A plain object where the preset holds a choice object (ImagePolicy, ...), a list or a scalar.
    const what =
      base !== null && typeof base === 'object' && !Array.isArray(base)
        ? `${base.constructor.name} (from its static factories)`
        : Array.isArray(base)
          ? 'list'
          : typeof base;
    fail(where, field, override, `must be ${/^[AEIOUaeiou]/.test(what) ? 'an' : 'a'} ${what}, not an object`);
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown> | undefined) };
  for (const [k, v] of Object.entries(override)) {
    if (v === undefined) delete out[k];
    else out[k] = merge(where, field === '' ? k : `${field}.${k}`, out[k], v);
  }
  return out;
}

function build(kind: string, preset: Preset, props: ProfilePresetProps): EnvironmentProfile {
  const where = `Profiles.${kind}(${JSON.stringify(props.name)})`;
  for (const field of ['name', 'domain'] as const) {
    if (typeof props[field] !== 'string' || props[field] === '') fail(where, field, props[field], 'is required: a non-empty string');
  }
  if (!isPlainObject(props.cluster)) fail(where, 'cluster', props.cluster, 'is required: { name, server, region }');
  return merge(where, '', preset, props) as EnvironmentProfile;
}

/**
 * Presets of {@link EnvironmentProfile}: `Profiles.production({ name, cluster, domain, ...overrides })`. Overrides
 * merge field by field into the preset (nested objects too; lists and choice objects are replaced). Every value of
 * a preset is listed in the README's environment table.
 */
export class Profiles {
  /** Development: one replica, small resources, no TLS, any image tag, no backups, policy violations warn. */
  public static development(props: ProfilePresetProps): EnvironmentProfile {
    return build('development', developmentPreset(), props);
  }

  /**
   * Staging: two replicas, TLS from `letsencrypt-staging`, pinned tags, daily backups kept 7 days (set
   * `backups.destination`, or `backups: { enabled: false }`), stateful resources protected, policy violations warn.
   */
  public static staging(props: ProfilePresetProps): EnvironmentProfile {
    return build('staging', stagingPreset(), props);
  }

  /**
   * Production: three replicas, HA, autoscaling 3-10, TLS from `letsencrypt-prod`, digests only, backups every 6 hours
   * kept 30 days (set `backups.destination`), policy violations fail synth, stateful groups never pruned, prune guard.
   */
  public static production(props: ProfilePresetProps): EnvironmentProfile {
    return build('production', productionPreset(), props);
  }

  /** `base` with `overrides` merged field by field (e.g. a dr profile from production's). */
  public static extend(base: EnvironmentProfile, overrides: ProfileOverrides): EnvironmentProfile {
    return merge(`Profiles.extend(${JSON.stringify(base.name)})`, '', base, overrides) as EnvironmentProfile;
  }

  private constructor() {}
}
