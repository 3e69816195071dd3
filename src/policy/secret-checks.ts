/**
 * Literal secrets in dist/ (which is committed to Git): values are scanned with secretlint's recommended rule
 * preset (run in-process, rule by rule, on each value; the rules are maintained upstream and pinned in
 * package.json), plus credentials in URLs (`scheme://user:password@host`) and environment variables whose names
 * say they hold a secret. Values are never echoed: messages name the rule and a fingerprint of the value.
 */
import { createHash } from 'crypto';
import { rules as SECRETLINT_RECOMMENDED } from '@secretlint/secretlint-rule-preset-recommend';
import { SynthDocument } from '../synth/synthesizer';
import { annotationsOf } from './policy-index';
import { eachContainer } from './pod-security-checks';
import { PolicyCheck, PolicyContext, PolicyFinding } from './types';
import { DocValue } from '../core/documents';

/** Id of the check (waivable per value, see {@link NOT_SECRET_ANNOTATION}). */
export const LITERAL_SECRET_CHECK_ID = 'literal-secret';
/**
 * Annotation that waives false positives on one resource, one value per line: `sha256:<12 hex> <reason>`, the
 * fingerprint printed by the violation. The waiver lapses when the value changes.
 */
export const NOT_SECRET_ANNOTATION = 'policy.platform.io/not-secret';

/** What a scan found in one value. */
export interface SecretMatch {
  /** `secretlint-rule-stripe`, `url-credentials`, `secret-name`. */
  readonly rule: string;
  /** What it looks like, without the value: `a Stripe Live Secret Key`. */
  readonly what: string;
}

/** The part of a secretlint rule this check drives (secretlint's rule API, `@secretlint/types`). */
interface ScannerRule {
  readonly meta: { readonly id: string; readonly type?: string };
  create(context: unknown, options: Record<string, unknown>): { file?(source: unknown): unknown };
}

/** Comment directives (`secretlint-disable`) make no sense for single values: waivers replace them. */
const SKIPPED_RULES = new Set(['@secretlint/secretlint-rule-filter-comments']);
const SCANNERS = (SECRETLINT_RECOMMENDED as readonly ScannerRule[]).filter((r) => !SKIPPED_RULES.has(r.meta.id));
/** Rules that look at the name beside a value (`aws_secret_access_key = ...`): they also get `NAME=value`. */
const NAME_AWARE_SCANNERS = SCANNERS.filter((r) => r.meta.id === '@secretlint/secretlint-rule-aws');
/** No recommended rule matches a credential this short; the name rule still sees it. */
const MIN_SCANNED_LENGTH = 8;

/**
 * Runs every recommended secretlint rule on `content` synchronously (the rules' text scanners are synchronous;
 * the one asynchronous check, GCP's `.p12` key files, never applies to text). Returns `[rule id, message]`.
 */
function secretlint(content: string, scanners: readonly ScannerRule[] = SCANNERS): { rule: string; message: string }[] {
  const found: { rule: string; message: string }[] = [];
  const source = { content, filePath: 'value.txt', ext: '.txt', contentType: 'text' };
  for (const rule of scanners) {
    const context = {
      createTranslator: (messages: Record<string, { en: string | ((data: unknown) => string) }>) => (id: string, data: unknown) => {
        const m = messages[id]?.en;
        return { message: typeof m === 'function' ? m(data) : (m ?? id), messageId: id, data };
      },
      report: (d: { message: { message?: string } | string }) => {
        found.push({ rule: rule.meta.id.replace('@secretlint/', ''), message: typeof d.message === 'string' ? d.message : (d.message.message ?? '') });
      },
      ignore: () => undefined,
    };
    rule.create(context, {}).file?.(source);
  }
  return found;
}

/** `found Stripe Live Secret Key: sk_live_...` → `a Stripe Live Secret Key` (the value itself is cut off). */
function describe(message: string): string {
  const [found = ''] = message.split(':');
  const head = found.replace(/^found\s+/i, '').trim();
  return head === '' ? 'a secret' : /^[aeiou]/i.test(head) ? `an ${head}` : `a ${head}`;
}

/** `scheme://user:password@` with a password that is not a reference (`$(VAR)`, `${VAR}`, `$VAR`, `{{ ... }}`). */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:@/]*):([^\s@/]+)@/gi;
const REFERENCE = /^(\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\})$/;

function urlCredentials(value: string): boolean {
  for (const [, , password = ''] of value.matchAll(URL_CREDENTIALS)) if (!REFERENCE.test(password)) return true;
  return false;
}

/** Words that, as the last word of a name, make it a pointer to a secret or a setting about one, not a secret. */
const NOT_A_VALUE = new Set([
  'FILE',
  'PATH',
  'DIR',
  'NAME',
  'ID',
  'REF',
  'KEYREF',
  'URL',
  'URI',
  'ENDPOINT',
  'HOST',
  'PORT',
  'TTL',
  'TIMEOUT',
  'LENGTH',
  'SIZE',
  'EXPIRY',
  'EXPIRES',
  'AUDIENCE',
  'ISSUER',
  'HEADER',
  'TYPE',
  'ALGORITHM',
  'MODE',
  'ENABLED',
  'FORMAT',
  'PREFIX',
  'VERSION',
  'COUNT',
  'LIMIT',
  'POLICY',
]);
/** Words that name a secret by themselves. */
const SECRET_WORDS = new Set([
  'PASSWORD',
  'PASSWD',
  'PASS',
  'PWD',
  'PASSPHRASE',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'CREDENTIAL',
  'CREDENTIALS',
  'APIKEY',
  'PRIVATEKEY',
]);

/**
 * True when an environment variable (or ConfigMap key) name says it holds a secret: a secret word among its
 * words (`DB_PASS`, `JWT_SECRET`, `AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`), or a final `KEY` (`STRIPE_KEY`,
 * `API_KEY`), unless the last word makes it a pointer or a setting (`TOKEN_FILE`, `SECRET_NAME`, `TOKEN_TTL`).
 */
export function isSecretName(name: string): boolean {
  const words = name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== '');
  const last = words.at(-1);
  if (last === undefined || NOT_A_VALUE.has(last)) return false;
  return words.some((w) => SECRET_WORDS.has(w)) || last === 'KEY';
}

/**
 * What looks like a secret in `value` (optionally held by variable or key `name`): secretlint's recommended
 * rules on the value (and on `name=value`, for rules that need the name), credentials in URLs, and a secret name
 * with a literal value. Empty when nothing does.
 */
export function findSecrets(value: string, name?: string): SecretMatch[] {
  // Environments repeat the same values (dashboards, rule files): scan each distinct one once per process.
  const key = `${name ?? ''}\u0000${value}`;
  const cached = SCAN_CACHE.get(key);
  if (cached) return cached;
  const result = scan(value, name);
  if (SCAN_CACHE.size >= MAX_CACHED) SCAN_CACHE.clear();
  SCAN_CACHE.set(key, result);
  return result;
}

const SCAN_CACHE = new Map<string, SecretMatch[]>();
const MAX_CACHED = 20_000;

function scan(value: string, name: string | undefined): SecretMatch[] {
  const out = new Map<string, SecretMatch>();
  if (value.length >= MIN_SCANNED_LENGTH) {
    const found = [...secretlint(value), ...(name === undefined ? [] : secretlint(`${name}=${value}`, NAME_AWARE_SCANNERS))];
    for (const f of found) if (!out.has(f.rule)) out.set(f.rule, { rule: f.rule, what: describe(f.message) });
  }
  if (!out.has('secretlint-rule-basicauth') && !out.has('secretlint-rule-database-connection-string') && urlCredentials(value)) {
    out.set('url-credentials', { rule: 'url-credentials', what: 'a URL with a password (scheme://user:password@host)' });
  }
  if (out.size === 0 && name !== undefined && value !== '' && !REFERENCE.test(value) && isSecretName(name)) {
    out.set('secret-name', { rule: 'secret-name', what: `a literal value for ${name}, whose name says it is a secret` });
  }
  return [...out.values()];
}

/** The fingerprint waivers name: `sha256:` and the first 12 hex digits of the value's SHA-256. */
export function secretFingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12)}`;
}

interface Waiver {
  readonly fingerprint: string;
  readonly reason: string;
  used: boolean;
}

function waiversOf(doc: SynthDocument): Waiver[] {
  const text = annotationsOf(doc)[NOT_SECRET_ANNOTATION];
  if (text === undefined) return [];
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [fingerprint = '', ...reason] = l.split(/\s+/);
      return { fingerprint, reason: reason.join(' '), used: false };
    });
}

/** Every literal value of a document worth scanning, with its field path and the name that holds it. */
function valuesOf(
  ctx: PolicyContext,
  doc: SynthDocument,
  pods: Map<SynthDocument, { field: string; name: string; value: string }[]>,
): { field: string; name?: string; value: string }[] {
  const out: { field: string; name?: string; value: string }[] = [...(pods.get(doc) ?? [])];
  const o = doc.object;
  const annotations = (base: string, a: unknown) => {
    if (a === null || typeof a !== 'object') return;
    for (const [k, v] of Object.entries(a as Record<string, unknown>)) {
      if (typeof v === 'string' && k !== NOT_SECRET_ANNOTATION) out.push({ field: `${base}.${k}`, value: v });
    }
  };
  annotations('metadata.annotations', o.metadata?.annotations);
  const pod = ctx.index.podOf(doc);
  // A Pod's own annotations are its metadata's, scanned above; templates have their own.
  if (pod && pod.kind !== 'Pod') annotations(`${pod.specPath.replace(/\.spec$/, '')}.metadata.annotations`, pod.annotations);
  if (o.kind === 'ConfigMap' && o.apiVersion === 'v1' && o.data !== null && typeof o.data === 'object') {
    // A key that looks like a variable (envFrom) is checked by its name too; file names (`app.conf`) are not.
    for (const [k, v] of Object.entries(o.data as Record<string, unknown>)) {
      if (typeof v === 'string') out.push({ field: `data.${k}`, ...(ENV_LIKE_KEY.test(k) ? { name: k } : {}), value: v });
    }
  }
  return out;
}

/** A ConfigMap key that `envFrom` would turn into a variable. */
const ENV_LIKE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function literalSecretFindings(ctx: PolicyContext): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  // Literal env values of every container, by the document that holds the pod template.
  const pods = new Map<SynthDocument, { field: string; name: string; value: string }[]>();
  eachContainer(ctx, (c, p) => {
    const env: unknown[] = Array.isArray(c.container.env) ? c.container.env : [];
    env.forEach((e: DocValue, i) => {
      if (typeof e?.value !== 'string' || typeof e?.name !== 'string') return;
      const list = pods.get(p.doc) ?? [];
      list.push({ field: `${c.path}.env[${i}].value`, name: e.name, value: e.value });
      pods.set(p.doc, list);
    });
    return undefined;
  });
  for (const doc of ctx.index.documents) {
    const waivers = waiversOf(doc);
    for (const v of valuesOf(ctx, doc, pods)) {
      const matches = findSecrets(v.value, v.name);
      if (matches.length === 0) continue;
      const fingerprint = secretFingerprint(v.value);
      const waiver = waivers.find((w) => w.fingerprint === fingerprint);
      if (waiver && waiver.reason !== '') {
        waiver.used = true;
        continue;
      }
      const holder = v.field.includes('.env[') ? `env ${v.name} holds` : 'holds';
      out.push({
        doc,
        field: v.field,
        message: `${holder} ${matches.map((m) => `${m.what} (${m.rule})`).join(', ')}; dist/ is committed to Git: take the value from a Secret filled by an ExternalSecret; if it is not a secret, annotate the resource with ${NOT_SECRET_ANNOTATION}: "${fingerprint} <why it is not a secret>"`,
      });
    }
    for (const w of waivers) {
      if (w.reason === '')
        out.push({
          doc,
          field: `metadata.annotations.${NOT_SECRET_ANNOTATION}`,
          message: `the waiver of ${w.fingerprint} has no reason; say why the value is not a secret (the waiver is ignored until then)`,
        });
      else if (!w.used)
        out.push({
          doc,
          field: `metadata.annotations.${NOT_SECRET_ANNOTATION}`,
          message: `the waiver of ${w.fingerprint} matches no flagged value of this resource (the value changed, or was never flagged); remove it`,
        });
    }
  }
  return out;
}

export const SECRET_CHECKS: readonly PolicyCheck[] = [
  {
    id: LITERAL_SECRET_CHECK_ID,
    severity: 'critical',
    rationale:
      'dist/ is committed to Git: a credential in an env value, a ConfigMap, an annotation or a URL leaks to everyone who can read the repository, forever (history).',
    docs: 'https://github.com/secretlint/secretlint/tree/master/packages/%40secretlint/secretlint-rule-preset-recommend',
    coverage: { polaris: ['sensitiveContainerEnvVar', 'sensitiveConfigmapContent'] },
    run: literalSecretFindings,
  },
];
