import { EventEmitter } from 'node:events';
import { SendQueueMeter } from './send-queue-meter';

/** engine.io's socket as the meter sees it: emits packetCreate before pushing, flush when handing the buffer over. */
class FakeConnection extends EventEmitter {
  writeBuffer: unknown[] = [];
  transport = { name: 'websocket', socket: { bufferedAmount: 0 } };
  queue(data: string): void {
    this.emit('packetCreate', { data });
    this.writeBuffer.push(data);
  }
  flush(): void {
    this.emit('flush', this.writeBuffer);
    this.transport.socket.bufferedAmount += this.writeBuffer.reduce((n: number, d) => n + (d as string).length, 0);
    this.writeBuffer = [];
  }
}

const tick = () => new Promise((resolve) => process.nextTick(resolve));

describe('SendQueueMeter', () => {
  it('trips once when more messages than allowed are waiting', async () => {
    const connection = new FakeConnection();
    const overflow = jest.fn();
    new SendQueueMeter(connection as never, { maxMessages: 3, maxBytes: 1e9 }, overflow);
    for (let i = 0; i < 3; i++) connection.queue('x');
    await tick();
    expect(overflow).not.toHaveBeenCalled();
    connection.queue('x');
    connection.queue('x');
    await tick();
    expect(overflow).toHaveBeenCalledTimes(1);
    expect(overflow).toHaveBeenCalledWith({ messages: 4, bytes: 4 });
  });

  it('counts bytes both in the write buffer and in the WebSocket the kernel has not drained', async () => {
    const connection = new FakeConnection();
    const overflow = jest.fn();
    new SendQueueMeter(connection as never, { maxMessages: 1000, maxBytes: 100 }, overflow);
    connection.queue('a'.repeat(60));
    connection.flush(); // 60 bytes now in the WebSocket's buffer
    connection.queue('b'.repeat(30));
    await tick();
    expect(overflow).not.toHaveBeenCalled();
    connection.queue('c'.repeat(20));
    await tick();
    expect(overflow).toHaveBeenCalledWith({ messages: 2, bytes: 110 });
  });

  it('a client that keeps up never trips: what was sent no longer counts', async () => {
    const connection = new FakeConnection();
    const overflow = jest.fn();
    new SendQueueMeter(connection as never, { maxMessages: 2, maxBytes: 100 }, overflow);
    for (let i = 0; i < 50; i++) {
      connection.queue('y'.repeat(50));
      connection.flush();
      connection.transport.socket.bufferedAmount = 0; // the kernel took it
    }
    await tick();
    expect(overflow).not.toHaveBeenCalled();
  });

  it('an allowed answer (a state) does not count until it is sent; what follows it does', async () => {
    const connection = new FakeConnection();
    const overflow = jest.fn();
    const meter = new SendQueueMeter(connection as never, { maxMessages: 1000, maxBytes: 100 }, overflow);
    meter.allowNextMessage();
    connection.queue('s'.repeat(500)); // the state
    connection.flush();
    connection.queue('a'.repeat(90)); // 590 waiting, 500 of them allowed
    await tick();
    expect(overflow).not.toHaveBeenCalled();
    connection.flush();
    connection.transport.socket.bufferedAmount = 140; // the kernel took all of the state but 50 bytes: the allowance shrinks with it
    connection.queue('b'.repeat(5));
    await tick();
    expect(overflow).not.toHaveBeenCalled(); // 145 waiting, 50 of them the state's
    connection.queue('c'.repeat(40));
    await tick();
    expect(overflow).toHaveBeenCalledTimes(1);
  });
});
