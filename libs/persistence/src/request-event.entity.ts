import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { RequestEntity } from './request.entity';

/** The `request_events` table: the append-only log, one row per recorded message. */
@Entity({ name: 'request_events' })
@Unique('request_events_request_id_event_id_key', ['requestId', 'eventId'])
export class RequestEventEntity {
  @PrimaryColumn({ name: 'request_id', type: 'text' })
  requestId!: string;

  @PrimaryColumn({ name: 'seq', type: 'integer' })
  seq!: number;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'type', type: 'text' })
  type!: string;

  @Column({ name: 'agent', type: 'text', nullable: true })
  agent!: string | null;

  /** The message minus `type`, `requestId`, `seq`, `ts`. */
  @Column({ name: 'payload', type: 'json' })
  payload!: Record<string, unknown>;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @ManyToOne(() => RequestEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'request_id', referencedColumnName: 'id' })
  request?: RequestEntity;
}
