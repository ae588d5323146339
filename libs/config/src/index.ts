export { AppConfig, ConfigError, DEV_JWT_SECRET, loadConfig } from './app-config';
export { AppConfigModule } from './config.module';
