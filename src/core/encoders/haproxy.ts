/**
 * HAProxy configuration words (server names and addresses). HAProxy splits lines on spaces and expands `"$VAR"` and
 * `${VAR}` inside double quotes; the words written here are host names and ports, so anything else is refused.
 */
export function haproxyWord(s: string): string {
  if (!/^[A-Za-z0-9._:-]+$/.test(s)) throw new Error(`not an HAProxy word (host name, port): ${JSON.stringify(s)}`);
  return s;
}
