export { AppConfig, ConfigError, DEV_JWT_SECRET, loadConfig } from './app-config';
export { AppConfigModule } from './config.module';
export { AppLoggingModule } from './logging.module';
export { bootstrapProcess, loadConfigOrExit } from './bootstrap';
export { loadConfigWithEnvFile } from './env-file';
