import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from './wire/error-codes';
import type * as wire from './wire/error-codes';

export { ErrorCode };

// The shapes are the interfaces of `wire/`; these classes describe them to
// OpenAPI (the document is generated from them) and are used as types alike.

/** One field that failed validation, and why. */
export class FieldError implements wire.FieldError {
  @ApiProperty({ description: 'the field, dotted for nested ones (`(payload)` for the whole body)', example: 'limit' })
  field!: string;

  @ApiProperty({ type: [String], example: ['limit must not be greater than 500'] })
  reasons!: string[];
}

/** A failure: in a socket's failure ack, and as the body of every HTTP error. */
export class ErrorBody implements wire.ErrorBody {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode' })
  code!: ErrorCode;

  @ApiProperty({ description: 'for people; never a stack trace' })
  message!: string;

  @ApiPropertyOptional({ type: [FieldError], description: 'with VALIDATION_FAILED: each field and why' })
  details?: FieldError[];
}

/**
 * A failure with a contract code. Thrown by use cases; each transport maps it
 * once (ack for sockets, status for HTTP).
 */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
  ) {
    super(message);
    this.name = 'CommandError';
  }

  toBody(): ErrorBody {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}
