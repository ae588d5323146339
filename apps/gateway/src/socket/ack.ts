import { Logger } from '@nestjs/common';
import { CommandError, ErrorCode, type AckFailure } from '@app/contracts';
import { BrokerUnavailableError } from '@app/messaging';

const logger = new Logger('Commands');

/** Database errors that mean "not now" rather than "never". */
function isUnavailable(error: unknown): boolean {
  if (error instanceof BrokerUnavailableError) return true;
  const code = (error as { code?: string })?.code ?? '';
  const message = (error as Error)?.message ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08003'].includes(code) || /timeout|terminat|connection/i.test(message);
}

/** The one mapping from a thrown error to a failure ack; never leaks a stack trace. */
export function toAckFailure(error: unknown): AckFailure {
  if (error instanceof CommandError) return { ok: false, error: error.toBody() };
  if (isUnavailable(error)) {
    logger.warn(`command refused, dependency unavailable: ${(error as Error).message}`);
    return { ok: false, error: { code: ErrorCode.UNAVAILABLE, message: 'the service cannot take this command right now; retry later' } };
  }
  logger.error(`command failed: ${(error as Error)?.stack ?? String(error)}`);
  return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'internal error' } };
}
