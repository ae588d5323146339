import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './app-config';

/**
 * Structured JSON logs (pino) for every process; one line per event, with
 * the level from LOG_LEVEL. HTTP request logging is off: health probes
 * would drown the interesting lines.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: { level: config.LOG_LEVEL, autoLogging: false, quietReqLogger: true },
      }),
    }),
  ],
})
export class AppLoggingModule {}
