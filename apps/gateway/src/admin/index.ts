export { AdminModule } from './admin.module';
export { setUpOpenApi } from './openapi';
export { AdminOnly } from './admin-only.decorator';
export { AdminGuard } from './admin.guard';
