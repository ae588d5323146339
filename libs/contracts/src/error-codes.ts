import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The contract's error codes (PROTOCOL.md §1), shared by Socket.IO acks and HTTP bodies. */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  UNAVAILABLE = 'UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

// Classes rather than interfaces so that the OpenAPI document is generated from
// these very declarations; as types they are used exactly like interfaces.

/** One field that failed validation, and why. */
export class FieldError {
  @ApiProperty({ description: 'the field, dotted for nested ones (`(payload)` for the whole body)', example: 'limit' })
  field!: string;

  @ApiProperty({ type: [String], example: ['limit must not be greater than 500'] })
  reasons!: string[];
}

/** A failure: in a socket's failure ack, and as the body of every HTTP error. */
export class ErrorBody {
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
