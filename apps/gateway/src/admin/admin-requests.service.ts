import { Injectable } from '@nestjs/common';
import {
  CommandError,
  decodeRequestCursor,
  encodeRequestCursor,
  ErrorCode,
  type AdminCancelResult,
  type AdminEventPage,
  type AdminEventsQuery,
  type AdminListQuery,
  type AdminRequestPage,
  type AdminRequestState,
} from '@app/contracts';
import type { Principal } from '@app/auth';
import { AppConfig } from '@app/config';
import { RequestCatalog, RequestStore } from '@app/persistence';
import { RequestCommands } from '../commands';

const notFound = () => new CommandError(ErrorCode.NOT_FOUND, 'no such request');

/** What the admin routes do: reads through the store and the catalog, cancel through the socket's command path. */
@Injectable()
export class AdminRequests {
  constructor(
    private readonly store: RequestStore,
    private readonly catalog: RequestCatalog,
    private readonly commands: RequestCommands,
    private readonly config: AppConfig,
  ) {}

  async list(query: AdminListQuery): Promise<AdminRequestPage> {
    const after = query.cursor === undefined ? undefined : (decodeRequestCursor(query.cursor) ?? undefined);
    const { items, next } = await this.catalog.list({ status: query.status, owner: query.owner, text: query.q, limit: query.limit, after });
    const watchers = await this.watchersOf(items.map((item) => item.requestId));
    return {
      items: items.map((item) => ({
        requestId: item.requestId,
        owner: item.owner,
        status: item.status,
        userQuery: item.userQuery,
        createdAt: item.createdAt.toISOString(),
        updatedAt: item.updatedAt.toISOString(),
        seq: item.lastSeq,
        watchers: watchers.get(item.requestId) ?? 0,
      })),
      nextCursor: next ? encodeRequestCursor(next) : null,
    };
  }

  async get(requestId: string): Promise<AdminRequestState> {
    let owner: string | undefined;
    // The owner comes from the same row read as the snapshot.
    const state = await this.store.getState(requestId, undefined, this.config.REPLAY_LIMIT, (rowOwner) => (owner = rowOwner));
    if (owner === undefined) throw notFound();
    const watchers = await this.watchersOf([requestId]);
    return { ...state, owner, watchers: watchers.get(requestId) ?? 0 };
  }

  async events(requestId: string, { afterSeq, limit }: AdminEventsQuery): Promise<AdminEventPage> {
    if (!(await this.store.findRequest(requestId))) throw notFound();
    // One more than asked tells whether another page exists.
    const events = await this.store.listEvents(requestId, afterSeq, limit + 1);
    const items = events.slice(0, limit);
    return { items, nextSeq: events.length > limit ? items[items.length - 1].seq : null };
  }

  async cancel(principal: Principal, requestId: string): Promise<AdminCancelResult> {
    return { status: await this.commands.cancel(principal, requestId) };
  }

  private watchersOf(requestIds: string[]): Promise<Map<string, number>> {
    return this.catalog.watcherCounts(requestIds, this.config.PRESENCE_STALE_MS);
  }
}
