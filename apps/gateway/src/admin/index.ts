export { AdminModule } from './admin.module';
export { setUpOpenApi } from './openapi';
export { HttpErrorFilter } from './http-error.filter';
export { answerClientErrorsWithContractBodies } from './http-client-errors';
export { AdminOnly } from './admin-only.decorator';
export { AdminGuard } from './admin.guard';
