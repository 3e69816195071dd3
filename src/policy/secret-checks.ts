/**
 * Literal secrets in dist/ (which is committed to Git): values are scanned with secretlint's recommended rule
 * preset (run in-process, rule by rule, on each value; the rules are maintained upstream and pinned in
 * package.json), plus credentials in URLs (`scheme://user:password@host`) and environment variables whose names
 * say they hold a secret. Values are never echoed: messages name the rule and a fingerprint of the value.
 */
import { createHash } from 'crypto';
import { SynthDocument } from '../synth/synthesizer';
import { annotationsOf } from './policy-index';
import { eachContainer } from './pod-security-checks';
import { PolicyCheck, PolicyContext, PolicyFinding } from './types';
import { DocValue } from '../core/documents';
import { ENV_LIKE_KEY, findSecrets, precomputedSecretsOf, scanKey } from './secret-scan';

export { findSecrets, isSecretName } from './secret-scan';
export type { SecretMatch } from './secret-scan';

/** Id of the check (waivable per value, see {@link NOT_SECRET_ANNOTATION}). */
export const LITERAL_SECRET_CHECK_ID = 'literal-secret';
/**
 * Annotation that waives false positives on one resource, one value per line: `sha256:<12 hex> <reason>`, the
 * fingerprint printed by the violation. The waiver lapses when the value changes.
 */
export const NOT_SECRET_ANNOTATION = 'policy.platform.io/not-secret';

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

/** A literal value worth scanning, with its field path and the name that holds it. */
interface ScannedValue {
  readonly field: string;
  readonly name?: string;
  readonly value: string;
}

/** Every literal value of a document worth scanning, with its field path and the name that holds it. */
function valuesOf(ctx: PolicyContext, doc: SynthDocument, pods: Map<SynthDocument, { field: string; name: string; value: string }[]>): ScannedValue[] {
  const out: ScannedValue[] = [...(pods.get(doc) ?? [])];
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
    // Scanned by synth's worker while it validated the document, where it did (documentSecrets, a superset).
    const scanned = precomputedSecretsOf(doc.object);
    for (const v of valuesOf(ctx, doc, pods)) {
      const matches = scanned !== undefined ? (scanned[scanKey(v.value, v.name)] ?? []) : findSecrets(v.value, v.name);
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
