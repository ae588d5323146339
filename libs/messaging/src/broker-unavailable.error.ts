/** The broker could not confirm a publish in time: the caller answers UNAVAILABLE. */
export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError';
}

/** A `mandatory` publish that the broker returned: no queue is bound to its routing key. */
export class UnroutableMessageError extends Error {
  override name = 'UnroutableMessageError';
}
