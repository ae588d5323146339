import { Controller, Get, Header, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminDeadLetterPage, AdminDeadLetterParams, AdminDeadLetterQuery, DEAD_LETTER_SCAN_MAX, DeadLetterActionResult, ErrorBody } from '@app/contracts';
import { AdminOnly } from './admin-only.decorator';
import { DeadLetterQueue } from './dead-letter-queue';

const UnknownDeadLetter = () => ApiNotFoundResponse({ type: ErrorBody, description: `NOT_FOUND: no message with this id among the first ${DEAD_LETTER_SCAN_MAX} of the queue` });

/** `websocket.progress.dead`, read without consuming it; one message discarded or requeued by id. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin/dead-letters')
export class AdminDeadLettersController {
  constructor(private readonly deadLetters: DeadLetterQueue) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Dead-lettered agent events, oldest first',
    description: 'Reads the head of `websocket.progress.dead` and leaves every message where it was: the reason header, the routing key the agent used, a body preview.',
  })
  @ApiOkResponse({ type: AdminDeadLetterPage })
  list(@Query() { limit }: AdminDeadLetterQuery): Promise<AdminDeadLetterPage> {
    return this.deadLetters.list(limit);
  }

  @Post(':id/discard')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Delete one dead letter', description: 'Identical copies share an id: one of them is deleted.' })
  @ApiOkResponse({ type: DeadLetterActionResult })
  @UnknownDeadLetter()
  discard(@Param() { id }: AdminDeadLetterParams): Promise<DeadLetterActionResult> {
    return this.deadLetters.discard(id);
  }

  @Post(':id/requeue')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Send one dead letter to `agent.events` again',
    description: 'Published with its original routing key and headers (without the dead-letter ones); removed from the dead-letter queue once the broker confirmed the publish.',
  })
  @ApiOkResponse({ type: DeadLetterActionResult })
  @UnknownDeadLetter()
  @ApiConflictResponse({ type: ErrorBody, description: 'CONFLICT: the message has no original routing key' })
  requeue(@Param() { id }: AdminDeadLetterParams): Promise<DeadLetterActionResult> {
    return this.deadLetters.requeue(id);
  }
}
