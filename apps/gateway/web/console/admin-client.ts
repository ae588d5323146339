import type {
  AdminCancelResult,
  AdminDeadLetterPage,
  AdminEventPage,
  AdminHealthSummary,
  AdminInstancesView,
  AdminRequestPage,
  AdminRequestState,
  DeadLetterActionResult,
  ErrorBody,
} from '@app/contracts';

/** A failed admin call: the HTTP status (0: the gateway could not be reached) and the contract's error body. */
export class AdminCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
}

export interface ListFilter {
  status?: string;
  owner?: string;
  q?: string;
}

/**
 * The admin API, with the token in the Authorization header: never in a URL,
 * so it reaches no access log and no browser history.
 */
export class AdminClient {
  /** Called when the gateway stops accepting the token (expired meanwhile). */
  onUnauthorized: (error: AdminCallError) => void = () => undefined;

  constructor(private readonly token: string) {}

  listRequests(filter: ListFilter, cursor: string | null, limit: number): Promise<AdminRequestPage> {
    return this.get(`/admin/requests${query({ ...filter, limit: String(limit), ...(cursor ? { cursor } : {}) })}`);
  }

  request(id: string): Promise<AdminRequestState> {
    return this.get(`/admin/requests/${encodeURIComponent(id)}`);
  }

  events(id: string, afterSeq: number, limit: number): Promise<AdminEventPage> {
    return this.get(`/admin/requests/${encodeURIComponent(id)}/events${query({ afterSeq: String(afterSeq), limit: String(limit) })}`);
  }

  cancel(id: string): Promise<AdminCancelResult> {
    return this.call('POST', `/admin/requests/${encodeURIComponent(id)}/cancel`);
  }

  instances(): Promise<AdminInstancesView> {
    return this.get('/admin/instances');
  }

  health(): Promise<AdminHealthSummary> {
    return this.get('/admin/health');
  }

  deadLetters(limit: number): Promise<AdminDeadLetterPage> {
    return this.get(`/admin/dead-letters${query({ limit: String(limit) })}`);
  }

  deadLetterAction(id: string, action: 'discard' | 'requeue'): Promise<DeadLetterActionResult> {
    return this.call('POST', `/admin/dead-letters/${encodeURIComponent(id)}/${action}`);
  }

  private get<T>(path: string): Promise<T> {
    return this.call('GET', path);
  }

  private async call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(path, { method, headers: { authorization: `Bearer ${this.token}` }, cache: 'no-store' });
    } catch {
      throw new AdminCallError(0, { code: 'UNAVAILABLE' as ErrorBody['code'], message: 'the gateway cannot be reached' });
    }
    const body = await response.json().catch(() => null);
    if (response.ok) return body as T;
    const error = new AdminCallError(response.status, body && typeof body.code === 'string' ? body : { code: 'INTERNAL' as ErrorBody['code'], message: `HTTP ${response.status}` });
    if (response.status === 401) this.onUnauthorized(error);
    throw error;
  }
}

function query(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
