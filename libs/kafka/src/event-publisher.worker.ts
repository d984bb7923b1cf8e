/*
 * The worker thread of WorkerEventPublisher (worker-event-publisher.ts): a PlatformaticEventPublisher with the
 * options it was started with, publishing the batches it is sent and answering each once its publish settled
 * (acks=all, or the KafkaUnavailableError's reason and message). Knows no domain.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KafkaUnavailableError } from './kafka-unavailable.error';
import { PlatformaticEventPublisher, type PublisherOptions } from './platformatic-event-publisher';
import { unpack, type FromWorker, type PackedBatch } from './worker-event-publisher';

const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);
const publisher: PlatformaticEventPublisher = new PlatformaticEventPublisher({
  ...(workerData as PublisherOptions),
  onFlush: (records, seconds, error) => send({ t: 'flush', records, seconds, failed: error !== undefined, healthy: publisher.isHealthy() }),
});

port.on('message', (m: PackedBatch | { t: 'close' }) => {
  if (m.t === 'close') {
    void publisher.close().finally(() => send({ t: 'closed' }));
    return;
  }
  publisher.publish(unpack(m)).then(
    () => send({ t: 'done', id: m.id }),
    (error: unknown) =>
      send({
        t: 'done',
        id: m.id,
        error: error instanceof KafkaUnavailableError ? { reason: error.reason, message: error.message } : { reason: 'not_confirmed', message: String((error as Error)?.message ?? error) },
      }),
  );
});
