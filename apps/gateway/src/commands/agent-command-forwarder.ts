import { Injectable } from '@nestjs/common';
import { agentCommandRoutingKey, EXTENSION_COMMAND_PATTERN, Exchanges, isForwardableCommandName } from '@app/contracts';
import { BrokerPublisher } from '@app/messaging';

/**
 * Sends an extension command to the agent running the request: `agent.commands`,
 * routing key `request.<name>`. Every agent worker gets it; the one running the
 * request hands it to the run's `run.onCommand(name, handler)`. Nothing is kept:
 * a command for a request no worker runs right now is dropped there.
 */
@Injectable()
export class AgentCommandForwarder {
  constructor(private readonly broker: BrokerPublisher) {}

  /** Resolves once the broker took it; rejects (UNAVAILABLE in the ack) when it could not. */
  async forward(name: string, body: { requestId: string } & Record<string, unknown>): Promise<void> {
    const routingKey = agentCommandRoutingKey(name);
    // start, cancel and feedback have their own paths (records, markers): never forwarded raw.
    if (!isForwardableCommandName(name)) {
      throw new TypeError(`cannot forward '${name}': the name must match ${EXTENSION_COMMAND_PATTERN} and not be start, cancel or feedback`);
    }
    await this.broker.publish(Exchanges.agentCommands, routingKey, body, { headers: { 'x-request-id': body.requestId } });
  }
}
