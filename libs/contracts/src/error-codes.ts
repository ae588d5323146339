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

/** One field that failed validation, and why. */
export interface FieldError {
  field: string;
  reasons: string[];
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
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
