import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, UseGuards, UsePipes } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminCancelResult,
  AdminEventPage,
  AdminEventsQuery,
  AdminListQuery,
  AdminRequestPage,
  AdminRequestParams,
  AdminRequestState,
  RECORDED_MESSAGE_MODELS,
} from '@app/contracts';
import { AdminApi, UnknownRequestResponse } from './admin-api.decorators';
import { AdminGuard, type AdminHttpRequest } from './admin.guard';
import { AdminRequests } from './admin-requests.service';
import { ContractValidationPipe } from './contract-validation.pipe';

/** docs/protocol.md §3 admin API: inspect, page through and cancel requests. */
@ApiTags('admin')
@ApiExtraModels(...RECORDED_MESSAGE_MODELS)
@AdminApi()
@Controller('admin/requests')
@UseGuards(AdminGuard)
@UsePipes(ContractValidationPipe)
export class AdminController {
  constructor(private readonly requests: AdminRequests) {}

  @Get()
  @ApiOperation({ summary: 'List requests, newest first', description: 'Keyset pages: pass `nextCursor` as `cursor` until it is null. Stable while requests are created.' })
  @ApiOkResponse({ type: AdminRequestPage })
  list(@Query() query: AdminListQuery): Promise<AdminRequestPage> {
    return this.requests.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: "One request's state snapshot, with its owner and watchers" })
  @ApiOkResponse({ type: AdminRequestState })
  @UnknownRequestResponse()
  get(@Param() { id }: AdminRequestParams): Promise<AdminRequestState> {
    return this.requests.get(id);
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'Recorded events after a seq', description: 'Pass `nextSeq` as `afterSeq` for the next page; it is null when there is no more.' })
  @ApiOkResponse({ type: AdminEventPage })
  @UnknownRequestResponse()
  events(@Param() { id }: AdminRequestParams, @Query() query: AdminEventsQuery): Promise<AdminEventPage> {
    return this.requests.events(id, query);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel a request', description: "Exactly as a frontend's `cancel`: the agents stop and the request ends `cancelled`." })
  @ApiOkResponse({ type: AdminCancelResult })
  @UnknownRequestResponse()
  cancel(@Param() { id }: AdminRequestParams, @Req() request: AdminHttpRequest): Promise<AdminCancelResult> {
    return this.requests.cancel(request.principal!, id);
  }
}
