export { CommandsModule } from './commands.module';
export { forbidden, RequestCommands } from './request-commands';
