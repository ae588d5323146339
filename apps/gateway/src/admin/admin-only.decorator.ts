import { applyDecorators, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { AdminApi } from './admin-api.decorators';
import { HttpErrorFilter } from './http-error.filter';
import { AdminGuard } from './admin.guard';
import { ContractValidationPipe } from './contract-validation.pipe';

/**
 * What our admin controllers have, for an extension's controller: the admin
 * bearer token (401 / 403), class-validator `@Query()` / `@Param()` DTOs
 * (400 VALIDATION_FAILED naming each field), errors as `{ code, message, details? }`,
 * and the OpenAPI security and error responses.
 */
export function AdminOnly(): ClassDecorator {
  return applyDecorators(AdminApi(), UseGuards(AdminGuard), UsePipes(ContractValidationPipe), UseFilters(HttpErrorFilter));
}
