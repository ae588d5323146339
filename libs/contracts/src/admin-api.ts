import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, registerDecorator } from 'class-validator';
import { MAX_ID_CHARS, REQUEST_ID_MESSAGE, REQUEST_ID_PATTERN, REQUEST_STATUSES, type RequestStatus } from './request-status';
import { RECORDED_MESSAGE_SCHEMA, StateMessage, type RecordedMessage } from './server-messages';
import { NoNulCharacters } from './validation';

/** The admin API of docs/protocol.md §3: its query, path and response shapes, validated and documented in one place. */

export const ADMIN_PAGE_DEFAULT = 50;
export const ADMIN_PAGE_MAX = 500;
/** Longest `q` text filter of the list. */
export const ADMIN_TEXT_FILTER_MAX = 200;
/** `seq` is a Postgres integer. */
const MAX_SEQ = 2_147_483_647;

/** Statuses a stored request can have: `unknown` is what a missing one answers. */
export const STORED_REQUEST_STATUSES = REQUEST_STATUSES.filter((s) => s !== 'unknown');

/** Query strings are text: decimal digits become a number, anything else stays as sent and fails `IsInt` naming the field. */
const queryInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value);

/** Where a list page ends: the last item's creation time (microseconds, as stored) and id. */
export interface RequestCursorPosition {
  createdAt: string;
  requestId: string;
}

const EXACT_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** An opaque cursor for the next list page. */
export function encodeRequestCursor(position: RequestCursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.requestId]), 'utf8').toString('base64url');
}

/** The position a cursor stands for, or null when it is not one this API handed out. */
export function decodeRequestCursor(cursor: string): RequestCursorPosition | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return null;
    const [createdAt, requestId] = decoded as unknown[];
    if (typeof createdAt !== 'string' || !EXACT_TIMESTAMP.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return null;
    if (typeof requestId !== 'string' || !REQUEST_ID_PATTERN.test(requestId)) return null;
    return { createdAt, requestId };
  } catch {
    return null;
  }
}

function IsRequestCursor(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isRequestCursor',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a nextCursor returned by this API' },
      validator: { validate: (value: unknown) => typeof value === 'string' && decodeRequestCursor(value) !== null },
    });
}

function PageLimit(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: ADMIN_PAGE_MAX, default: ADMIN_PAGE_DEFAULT })(target, key);
    Transform(queryInt)(target, key);
    IsInt()(target, key);
    Min(1)(target, key);
    Max(ADMIN_PAGE_MAX)(target, key);
  };
}

/** Path parameters of `/admin/requests/:id…`. */
export class AdminRequestParams {
  @ApiProperty({ description: 'the request id', pattern: REQUEST_ID_PATTERN.source })
  @IsString()
  @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE.replace('requestId', 'id') })
  id!: string;
}

/** `GET /admin/requests` query. */
export class AdminListQuery {
  @ApiPropertyOptional({ enum: STORED_REQUEST_STATUSES, description: 'only requests in this status' })
  @IsOptional()
  @IsIn(STORED_REQUEST_STATUSES)
  status?: RequestStatus;

  @ApiPropertyOptional({ description: "only this user's requests (the token `sub` that started them)" })
  @IsOptional()
  @IsString()
  @Length(1, MAX_ID_CHARS)
  @NoNulCharacters()
  owner?: string;

  @ApiPropertyOptional({ description: 'only requests whose userQuery or id contains this text (case-insensitive)', maxLength: ADMIN_TEXT_FILTER_MAX })
  @IsOptional()
  @IsString()
  @Length(1, ADMIN_TEXT_FILTER_MAX)
  @NoNulCharacters()
  q?: string;

  @PageLimit()
  limit: number = ADMIN_PAGE_DEFAULT;

  @ApiPropertyOptional({ description: "the previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @IsRequestCursor()
  cursor?: string;
}

/** `GET /admin/requests/:id/events` query. */
export class AdminEventsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, default: 0, description: 'events with a greater seq' })
  @Transform(queryInt)
  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  afterSeq = 0;

  @PageLimit()
  limit: number = ADMIN_PAGE_DEFAULT;
}

/** One item of the admin list. */
export class AdminRequestSummary {
  @ApiProperty()
  requestId!: string;

  @ApiProperty({ description: 'the user who started it' })
  owner!: string;

  @ApiProperty({ enum: STORED_REQUEST_STATUSES })
  status!: RequestStatus;

  @ApiProperty()
  userQuery!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'the last recorded seq' })
  seq!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'sockets watching it on all gateway instances (may lag a few seconds)' })
  watchers!: number;
}

export class AdminRequestPage {
  @ApiProperty({ type: [AdminRequestSummary], description: 'newest first' })
  items!: AdminRequestSummary[];

  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

/** `GET /admin/requests/:id`: the `state` snapshot plus who owns and who watches it. */
export class AdminRequestState extends StateMessage {
  @ApiProperty({ description: 'the user who started it' })
  owner!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'sockets watching it on all gateway instances (may lag a few seconds)' })
  watchers!: number;
}

export class AdminEventPage {
  @ApiProperty({ type: 'array', items: RECORDED_MESSAGE_SCHEMA, description: 'recorded messages, shaped as the live ones, ascending seq' })
  items!: RecordedMessage[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'the afterSeq of the next page; null when there is no more' })
  nextSeq!: number | null;
}

export class AdminCancelResult {
  @ApiProperty({ enum: ['cancelling', 'completed', 'failed', 'cancelled'], description: '`cancelling`, or the final status when it had already ended' })
  status!: RequestStatus;
}
