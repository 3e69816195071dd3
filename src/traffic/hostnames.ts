/**
 * Host names as the traffic layer takes them: DNS names (lowercase labels, optionally one leading `*.` wildcard
 * label), and the stable names of a Gateway's listeners and certificate Secrets derived from them.
 */

/** A DNS name with an optional leading wildcard label, as Gateway API listeners and routes take it. */
export const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Longest DNS name. */
export const MAX_HOSTNAME_LENGTH = 253;
/** Longest label of a DNS name. */
const MAX_LABEL_LENGTH = 63;

/** What is wrong with `host` as a host name (`wildcard`: whether `*.` is allowed), or undefined. */
export function hostnameProblem(host: unknown, wildcard: boolean): string | undefined {
  const allowed = wildcard
    ? 'must be a DNS name: lowercase labels of [a-z0-9-] separated by dots, at most 253 characters, optionally starting with one "*." wildcard label'
    : 'must be a DNS name: lowercase labels of [a-z0-9-] separated by dots, at most 253 characters';
  if (typeof host !== 'string' || host.length > MAX_HOSTNAME_LENGTH || !HOSTNAME.test(host)) return allowed;
  if (!wildcard && host.startsWith('*.')) return allowed;
  if (host.split('.').some((l) => l.length > MAX_LABEL_LENGTH)) return `${allowed}; each label at most ${MAX_LABEL_LENGTH} characters`;
  // A single label (`localhost`, `*.com`) is no name anyone can be given a certificate for.
  if (host.replace(/^\*\./, '').split('.').length < 2) return `${allowed}, with at least two labels below any wildcard (e.g. "shop.example.com")`;
  return undefined;
}

/** True when `host` is `zone` or a name below it (`*.zone` counts as below it). */
export function isWithin(host: string, zone: string): boolean {
  const h = host.startsWith('*.') ? host.slice(2) : host;
  return h === zone || h.endsWith(`.${zone}`);
}

/** True when a request for some name could match both `a` and `b` (equal, or one a wildcard covering the other). */
export function hostsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (w: string, h: string) => w.startsWith('*.') && (h.endsWith(w.slice(1)) || (h.startsWith('*.') && h.slice(1).endsWith(w.slice(1))));
  return covers(a, b) || covers(b, a);
}

/**
 * The name of a Gateway listener for `host` on `scheme`: `https.api.example.com`, or for a wildcard
 * `https-any.example.com` (`*` is not allowed in listener names; the dash keeps it apart from a host whose first
 * label is `any`).
 */
export function listenerName(scheme: 'http' | 'https', host: string): string {
  return host.startsWith('*.') ? `${scheme}-any.${host.slice(2)}` : `${scheme}.${host}`;
}

/** The Secret holding the certificate of `host` (cert-manager's Gateway support issues it): `tls.api.example.com`. */
export function certificateSecretName(host: string): string {
  return host.startsWith('*.') ? `tls-any.${host.slice(2)}` : `tls.${host}`;
}

/** Name of the listener of plain HTTP that only redirects to HTTPS (and answers ACME HTTP-01 challenges). */
export const HTTP_REDIRECT_LISTENER = 'http';
