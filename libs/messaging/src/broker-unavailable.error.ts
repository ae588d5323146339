/** The broker could not confirm a publish in time: the caller answers UNAVAILABLE. */
export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError';
}
