import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EventDraft } from '@app/contracts';
import type { BatchResult } from '../request-record';
import type { FromRecordingThread, RecordingThreadSettings, ToRecordingThread } from './thread-messages';

/** What records the ingest path's batches: the RequestStore itself, or a RecordingThread that runs one. */
export abstract class BatchRecorder {
  abstract recordBatch(drafts: EventDraft[]): Promise<BatchResult>;
}

interface Pending {
  resolve(result: BatchResult): void;
  reject(error: Error): void;
}

/** A started thread and the batches it holds (a thread that ends fails its own, never a newer thread's). */
interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Records batches on a thread of their own (RECORDING_THREAD): the
 * statements are built, sent and their results read there, so the socket
 * writes on the gateway's event loop never hold a batch's commit back, and
 * the database's round trips cost that loop nothing but one message each
 * way. A thread that fails fails the batches it held (the recorder retries
 * them, unacked); the next batch starts a new one.
 */
export class RecordingThread extends BatchRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RecordingThread.name);
  private thread: Promise<Thread> | undefined;
  /** The thread once it said it is ready: a batch is posted to it at once, not a microtask later. */
  private ready: Thread | undefined;
  private nextId = 1;

  constructor(private readonly settings: RecordingThreadSettings) {
    super();
  }

  /** Started with the app, so the first batch does not wait for it; a thread that cannot start is retried by that batch. */
  async onModuleInit(): Promise<void> {
    await this.started().catch((error: Error) => this.logger.warn(`the recording thread did not start: ${error.message}`));
  }

  async recordBatch(drafts: EventDraft[]): Promise<BatchResult> {
    const thread = this.ready ?? (await this.started());
    return new Promise<BatchResult>((resolve, reject) => {
      const id = this.nextId++;
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, drafts } satisfies ToRecordingThread);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const thread = this.thread;
    this.thread = this.ready = undefined;
    await (await thread?.catch(() => undefined))?.worker.terminate();
  }

  private started(): Promise<Thread> {
    this.thread ??= this.start();
    return this.thread;
  }

  private start(): Promise<Thread> {
    // Built: the compiled worker. From the sources (the tests): the same file, compiled as it loads.
    const compiled = __filename.endsWith('.js');
    const entry = join(__dirname, `recording-worker.${compiled ? 'js' : 'ts'}`);
    const worker = new Worker(compiled ? entry : join(__dirname, 'load-typescript.js'), { workerData: { ...this.settings, entry } });
    const thread: Thread = { worker, pending: new Map() };
    const started = new Promise<Thread>((resolve, reject) => {
      const ended = (why: string) => {
        if (this.thread === started) this.thread = this.ready = undefined;
        reject(new Error(why));
        const error = new Error(`the recording thread ended: ${why}`);
        for (const pending of thread.pending.values()) pending.reject(error);
        thread.pending.clear();
      };
      worker.on('message', (message: FromRecordingThread) => {
        if ('ready' in message) {
          if (this.thread === started) this.ready = thread;
          return resolve(thread);
        }
        if ('failed' in message) {
          ended(message.failed);
          return void worker.terminate();
        }
        const pending = thread.pending.get(message.id);
        thread.pending.delete(message.id);
        if ('error' in message) pending?.reject(new Error(message.error));
        else pending?.resolve(message.result);
      });
      worker.on('error', (error) => ended(error.message));
      worker.on('exit', (code) => ended(`exit code ${code}`));
    });
    return started;
  }
}
