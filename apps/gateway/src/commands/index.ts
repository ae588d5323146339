export { forbidden, RequestCommands } from './request-commands';
