/** The contract's error codes (docs/protocol.md §1), shared by Socket.IO acks and HTTP bodies. */
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
  /** The field, dotted for nested ones (`(payload)` for the whole body). */
  field: string;
  reasons: string[];
}

/** A failure: in a socket's failure ack, and as the body of every HTTP error. */
export interface ErrorBody {
  code: ErrorCode;
  /** For people; never a stack trace. */
  message: string;
  /** With VALIDATION_FAILED: each field and why. */
  details?: FieldError[];
}
