export { RequestCommands } from './request-commands';
