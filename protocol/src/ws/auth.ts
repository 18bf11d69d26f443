/**
 * How a browser authenticates the `/ws` upgrade without putting the token in the URL: it offers two
 * subprotocols, `activeseg` (which the daemon answers with) and `activeseg.bearer.<token>`.
 */
export const WS_SUBPROTOCOL = 'activeseg';
export const WS_BEARER_PREFIX = 'activeseg.bearer.';

/** The token in a `Sec-WebSocket-Protocol` header value (`a, b, c`), if one of them carries it. */
export function bearerFromSubprotocols(header: string | undefined): string | undefined {
  for (const part of header?.split(',') ?? []) {
    const p = part.trim();
    if (p.startsWith(WS_BEARER_PREFIX)) return p.slice(WS_BEARER_PREFIX.length);
  }
  return undefined;
}
