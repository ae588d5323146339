/**
 * A channel's deliveries in the order the broker sent them, acked only as a
 * prefix: RabbitMQ's multiple-ack covers every earlier delivery on the
 * channel, so when batches finish out of order (they are recorded side by
 * side), a delivery may be acked only once every one before it is done.
 */
export class AckWindow<M> {
  private readonly outstanding: M[] = [];
  private head = 0;
  private readonly done = new Set<M>();

  /** A delivery taken from the channel (call in delivery order). */
  add(message: M): void {
    this.outstanding.push(message);
  }

  /**
   * Marks `messages` done; returns the delivery to ack with `multiple` — the
   * newest of the done prefix — or undefined when the oldest outstanding one
   * is not done yet.
   */
  complete(messages: Iterable<M>): M | undefined {
    for (const message of messages) this.done.add(message);
    let last: M | undefined;
    while (this.head < this.outstanding.length && this.done.delete(this.outstanding[this.head])) last = this.outstanding[this.head++];
    if (this.head > 1024 && this.head * 2 > this.outstanding.length) {
      this.outstanding.splice(0, this.head);
      this.head = 0;
    }
    return last;
  }

  /** Deliveries taken and not yet acked. */
  get size(): number {
    return this.outstanding.length - this.head;
  }
}
