/**
 * Whether a browser page from `origin` may talk to the gateway. With no
 * configured list, only the gateway's own origin (same host and port as the
 * request was sent to) may; never every origin. Requests without an Origin
 * header are not from a browser page and are not CORS requests.
 */
export function isAllowedOrigin(origin: string | undefined, host: string | undefined, configured: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (configured.length > 0) return configured.includes(origin);
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
