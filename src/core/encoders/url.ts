/**
 * URLs of object stores. Path segments are percent-encoded (RFC 3986: only unreserved characters stay as they are),
 * so a URL built here holds nothing but `[A-Za-z0-9._~%/:-]`: it is inert inside a double-quoted shell word, a SQL
 * string literal and a JSON string alike (the grammars of bucket names and prefixes never need the encoding).
 */

const UNRESERVED = /[A-Za-z0-9._~-]/;
const URL_ALPHABET = /^[A-Za-z0-9._~%/:-]+$/;

/** One path segment, percent-encoded (UTF-8). */
export function urlPathSegment(s: string): string {
  let out = '';
  for (const ch of s) {
    if (UNRESERVED.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `<scheme>://<endpoint>/<bucket>/<prefix...>` with every segment encoded; `endpoint` is a checked host[:port]. */
export function objectStoreUrl(scheme: 'https' | 'http', endpoint: string, bucket: string, prefix = ''): string {
  const path = [bucket, ...prefix.split('/').filter((s) => s !== '')].map(urlPathSegment).join('/');
  const url = `${scheme}://${endpoint}/${path}`;
  if (!URL_ALPHABET.test(url)) throw new Error(`object-store URL ${JSON.stringify(url)} holds characters outside ${URL_ALPHABET}`);
  return url;
}

/** `https://<endpoint>` of a checked host[:port]. */
export function endpointUrl(endpoint: string, scheme: 'https' | 'http' = 'https'): string {
  const url = `${scheme}://${endpoint}`;
  if (!URL_ALPHABET.test(url)) throw new Error(`endpoint URL ${JSON.stringify(url)} holds characters outside ${URL_ALPHABET}`);
  return url;
}
