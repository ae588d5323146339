import { createServer } from 'node:http';
import amqp, { type Message } from 'amqplib';
import { Server } from 'socket.io';
import { Exchanges } from '@app/contracts';

/**
 * The raw relay — for comparison only, never a product path: one amqplib
 * consumer on `agent.events` (`#`) → `io.to(room).emit(type, body)`. A
 * socket joins the room of its handshake `query.requestId`; no auth, no
 * validation, no recording, no seq. What the product is measured against:
 * the cost of RabbitMQ + Socket.IO alone on this machine.
 *
 * Acks: manual, one `multiple` ack per event-loop turn for everything
 * handled in it, with a prefetch of 1,000 — the broker keeps flow control
 * (a noAck consumer that falls behind would buffer without bound, amqplib#522)
 * at the price of one ack frame per burst, not per message.
 *
 * Its queue is named and auto-delete but not exclusive, so that the bench
 * can purge a backlog between runs (an exclusive queue refuses other
 * connections).
 *
 * Env: PORT, AMQP_URL. `GET /ready` answers 200 once it consumes.
 */
const QUEUE = 'bench.raw-relay';
const PREFETCH = 1000;

async function main(): Promise<void> {
  let ready = false;
  const http = createServer((req, res) => {
    res.statusCode = req.url === '/ready' && ready ? 200 : 503;
    res.end();
  });
  const io = new Server(http);
  io.on('connection', (socket) => {
    const { requestId } = socket.handshake.query;
    if (typeof requestId === 'string') void socket.join(`request:${requestId}`);
  });

  const connection = await amqp.connect(process.env.AMQP_URL!, { noDelay: true });
  connection.on('error', (error: Error) => console.error(`raw relay: broker connection: ${error.message}`));
  connection.on('close', () => process.exit(1)); // nothing to reconnect for: the bench restarts it
  const channel = await connection.createChannel();
  await channel.assertExchange(Exchanges.agentEvents, 'topic', { durable: true });
  await channel.assertQueue(QUEUE, process.env.RELAY_DURABLE_QUEUE ? { durable: true } : { durable: false, autoDelete: true });
  await channel.bindQueue(QUEUE, Exchanges.agentEvents, '#');
  await channel.prefetch(PREFETCH);

  let lastUnacked: Message | undefined;
  const ackAll = () => {
    channel.ack(lastUnacked!, true);
    lastUnacked = undefined;
  };
  await channel.consume(QUEUE, (message) => {
    if (!message) return;
    try {
      const body = JSON.parse(message.content.toString('utf8')) as { type: string; requestId: string };
      io.to(`request:${body.requestId}`).emit(body.type, body);
    } catch {
      // Not JSON: dropped (acked with the rest); the relay has no dead-letter queue.
    }
    if (!lastUnacked) setImmediate(ackAll);
    lastUnacked = message;
  });

  await new Promise<void>((resolve) => http.listen(Number(process.env.PORT), '127.0.0.1', resolve));
  ready = true;
  process.once('SIGTERM', () => {
    connection.removeAllListeners('close');
    io.close();
    void connection.close().finally(() => process.exit(0));
  });
}

main().catch((error: Error) => {
  console.error(`raw relay: ${error.message}`);
  process.exit(1);
});
