import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiInternalServerErrorResponse,
  ApiNotFoundResponse,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorBody } from '@app/contracts';

/** Bearer auth and the error responses every admin route can give. */
export function AdminApi(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    ApiBadRequestResponse({ type: ErrorBody, description: 'VALIDATION_FAILED: `details` names each bad query or path field' }),
    ApiUnauthorizedResponse({ type: ErrorBody, description: 'no valid bearer token (missing, malformed, wrongly signed, expired)' }),
    ApiForbiddenResponse({ type: ErrorBody, description: 'the token lacks the role `admin`' }),
    ApiServiceUnavailableResponse({ type: ErrorBody, description: 'UNAVAILABLE: the database or broker cannot answer now; retry' }),
    ApiInternalServerErrorResponse({ type: ErrorBody, description: 'INTERNAL' }),
  );
}

/** 404 for routes about one request. */
export const UnknownRequestResponse = () => ApiNotFoundResponse({ type: ErrorBody, description: 'NOT_FOUND: no such request (or purged by retention)' });
