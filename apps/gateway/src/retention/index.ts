export { RetentionJob } from './retention-job';
export { RetentionModule } from './retention.module';
