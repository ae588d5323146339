export { AuthModule } from './auth.module';
export { TokenService } from './token.service';
export { signToken } from './sign-token';
export { ADMIN_ROLE, mayAccess, type Principal } from './principal';
