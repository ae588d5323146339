import { Global, Logger, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '@app/config';
import { TokenService } from './token.service';

@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.JWT_SECRET) {
          new Logger('Auth').warn('JWT_SECRET is not set: using the fixed development secret. Set JWT_SECRET before exposing this service.');
        }
        return { secret: config.jwtSecret, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } };
      },
    }),
  ],
  providers: [TokenService],
  exports: [TokenService],
})
export class AuthModule {}
