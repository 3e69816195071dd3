/**
 * Grammars of values that come from input and reach other systems' syntax (object stores, DNS, PostgreSQL, Loki):
 * each returns why a value does not match, or undefined. Callers turn the reason into a PlatformConfigError naming
 * the construct path (or the input file and field) and the value.
 */

const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/** Why `host` is not a host name (DNS name, lowercase) or an IPv4 address, or undefined. */
export function hostProblem(host: unknown): string | undefined {
  if (typeof host !== 'string' || host.length > 253 || !(DNS_NAME.test(host) || IPV4.test(host))) {
    return 'must be a host name (lowercase letters, digits, "-" and ".") or an IPv4 address';
  }
  return undefined;
}

/** Why `endpoint` is not `host` or `host:port` (no scheme, no path), or undefined. */
export function endpointProblem(endpoint: unknown): string | undefined {
  const allowed = 'must be a host name or "host:port" such as "s3.eu-west-1.amazonaws.com" or "minio.storage.svc:9000" (no scheme, no path)';
  if (typeof endpoint !== 'string') return allowed;
  const m = /^([^:]*)(?::([0-9]{1,5}))?$/.exec(endpoint);
  if (!m || hostProblem(m[1]) !== undefined) return allowed;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return allowed;
  return undefined;
}

/**
 * Why `name` is not an S3 bucket name (AWS's rules for general purpose buckets: 3-63 characters of lowercase letters,
 * digits, "." and "-", starting and ending with a letter or digit, no "..", not an IP address, none of the reserved
 * prefixes and suffixes), or undefined.
 */
export function s3BucketProblem(name: string): string | undefined {
  const rules =
    'an S3 bucket name is 3-63 characters of lowercase letters, digits, "." and "-", starts and ends with a letter or digit, has no "..", is not an IP address and does not start with "xn--", "sthree-" or "amzn-s3-demo-" nor end with "-s3alias", "--ol-s3", ".mrap", "--x-s3" or "--table-s3"';
  if (name.length < 3 || name.length > 63 || !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) || name.includes('..') || IPV4.test(name)) return rules;
  if (['xn--', 'sthree-', 'amzn-s3-demo-'].some((p) => name.startsWith(p))) return rules;
  if (['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'].some((s) => name.endsWith(s))) return rules;
  return undefined;
}

/** Why `name` is not a Cloud Storage bucket name (3-63 characters of [a-z0-9._-], alphanumeric ends, not "goog..."), or undefined. */
export function gcsBucketProblem(name: string): string | undefined {
  if (
    name.length < 3 ||
    name.length > 63 ||
    !/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name) ||
    name.includes('..') ||
    IPV4.test(name) ||
    name.startsWith('goog') ||
    name.includes('google')
  ) {
    return 'a Cloud Storage bucket name is 3-63 characters of lowercase letters, digits, ".", "_" and "-", starts and ends with a letter or digit, is not an IP address and does not start with "goog" nor contain "google"';
  }
  return undefined;
}

/** Why `prefix` is not an object prefix of path segments of [A-Za-z0-9._-] (no "." or ".." segment), or undefined. */
export function objectPrefixProblem(prefix: string): string | undefined {
  const segments = prefix.split('/').filter((s) => s !== '');
  if (prefix.length > 512 || segments.some((s) => !/^[A-Za-z0-9._-]+$/.test(s) || s === '.' || s === '..')) {
    return 'a prefix is path segments of letters, digits, ".", "_" and "-" separated by "/" (no "." or ".." segment, at most 512 characters)';
  }
  return undefined;
}

/** An object-storage URL split into its parts. */
export interface ObjectStoreUrl {
  readonly scheme: 's3' | 'gs';
  readonly bucket: string;
  /** Path segments of the prefix (none for the bucket's root). */
  readonly prefix: readonly string[];
}

/** `s3://bucket[/prefix]` (or `gs://` where allowed) parsed and checked; a string says what is wrong. */
export function parseObjectStoreUrl(url: unknown, schemes: ReadonlyArray<'s3' | 'gs'>): ObjectStoreUrl | string {
  const shape = `must be an object-storage URL ${schemes.map((s) => `"${s}://<bucket>[/<prefix>]"`).join(' or ')}`;
  if (typeof url !== 'string') return shape;
  const m = /^([a-z0-9]+):\/\/([^/]*)(\/.*)?$/s.exec(url);
  const [, schemeText = '', bucket = '', prefix = ''] = m ?? [];
  if (!m || !(schemes as readonly string[]).includes(schemeText)) return `${shape} (a prefix of letters, digits, ".", "_", "-" and "/")`;
  const scheme = schemeText as 's3' | 'gs';
  const bucketProblem = scheme === 'gs' ? gcsBucketProblem(bucket) : s3BucketProblem(bucket);
  if (bucketProblem) return `${shape}: ${bucketProblem}`;
  const prefixProblem = objectPrefixProblem(prefix);
  if (prefixProblem) return `${shape}: ${prefixProblem}`;
  return { scheme, bucket, prefix: prefix.split('/').filter((s) => s !== '') };
}

/** Why `tenant` is not a Loki tenant id (1-150 characters of letters, digits and !-_.*'(), not "." or ".."), or undefined. */
export function lokiTenantProblem(tenant: unknown): string | undefined {
  if (typeof tenant !== 'string' || !/^[A-Za-z0-9!\-_.*'()]{1,150}$/.test(tenant) || tenant === '.' || tenant === '..') {
    return 'must be a Loki tenant id: 1-150 characters of letters, digits and !-_.*\'() (not "." or "..")';
  }
  return undefined;
}

/** Why `name` is not a Prometheus label name, or undefined. */
export function prometheusLabelNameProblem(name: unknown): string | undefined {
  return typeof name === 'string' && /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) ? undefined : 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)';
}

/** Why `url` is not an http(s) URL of a host name (optional port and path, nothing a config format would expand), or undefined. */
export function httpUrlProblem(url: unknown): string | undefined {
  const allowed = 'must be an http(s) URL such as "http://jaeger-query.tracing.svc:16686" (host name, optional port and path of letters, digits and -._~/%)';
  if (typeof url !== 'string') return allowed;
  const m = /^https?:\/\/([^/:]+)(?::([0-9]{1,5}))?(\/[A-Za-z0-9\-._~/%]*)?$/.exec(url);
  if (!m || hostProblem(m[1]) !== undefined || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) return allowed;
  return undefined;
}
