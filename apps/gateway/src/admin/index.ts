export { AdminModule } from './admin.module';
export { setUpOpenApi } from './openapi';
export { HttpErrorFilter } from './http-error.filter';
export { answerClientErrorsWithContractBodies } from './http-client-errors';
