export { AuthModule } from './auth.module';
export { TokenService, JWKS_ALGORITHMS, type TokenVerification } from './token.service';
export { readRolesClaim } from './roles-claim';
export { signToken, signTokenFor } from './sign-token';
export { ADMIN_ROLE, mayAccess, type Principal } from './principal';
