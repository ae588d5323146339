export { AdminModule } from './admin.module';
export { setUpOpenApi } from './openapi';
