export { PresenceModule } from './presence.module';
export { PresenceReporter } from './presence-reporter';
export { SocketCensus } from './socket-census';
export { InstanceGaugeSource } from './instance-gauge-source';
