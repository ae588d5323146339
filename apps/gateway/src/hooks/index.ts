export {
  OnRequestEvent,
  type OnRequestEventOptions,
  type RequestEventContext,
  type RequestEventHandler,
  type RequestEventTypes,
} from './on-request-event.decorator';
export { RequestEventHooksModule } from './request-event-hooks.module';
export { RequestEventHooksPublisher } from './request-event-hooks.publisher';
