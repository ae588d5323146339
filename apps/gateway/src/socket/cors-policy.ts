/**
 * Whether a browser page from `origin` may talk to the gateway: the gateway's
 * own origin (same host and port as the request was sent to, so the demo page
 * it serves always works) and the configured ones; never every origin.
 * Requests without an Origin header are not from a browser page.
 */
export function isAllowedOrigin(origin: string | undefined, host: string | undefined, configured: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (configured.includes(origin)) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
