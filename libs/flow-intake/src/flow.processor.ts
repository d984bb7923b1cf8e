import { StringDecoder } from 'node:string_decoder';
import { D0010Parser } from '@surge/industry-flow/d0010.parser';
import type { D0010Event } from '@surge/industry-flow/d0010.events';
import { D0010StructureError } from '@surge/industry-flow/d0010-structure.tracker';
import { splitFlowLineBatches } from '@surge/industry-flow/flow-line.splitter';
import { encodeFlowAccountIngested, flowAccountEventId, FLOW_ACCOUNT_INGESTED_SCHEMA } from '@surge/flow-contracts/flow-account-ingested.event';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { OutgoingRecord } from '@surge/kafka/kafka-record';
import type { FlowRejection, StoredFlow } from './flow.model';
import type { FlowProgress, FlowRepository } from './flow.repository';
import { FlowReadingIdHasher } from './flow-reading-id.hasher';
import { mapFlowReading, type HeldFlowReading, type RegisterLookup } from './flow-reading.mapper';

export interface FlowProcessorOptions {
  /** Who this processor is in leases (unique per process). */
  readonly processorId: string;
  /** Records published per batch, each batch then checkpointed: what a crash can make the sink see twice. */
  readonly batchReadings: number;
  /** A processor that stops renewing its lease for this long is presumed dead; another takes the flow over. */
  readonly leaseMs: number;
  readonly topic: string;
  /**
   * industry-flows.v1: where a processed flow is announced, one event per account it carried readings for (the
   * account timeline's "industry flow ingested"). Unset: no announcement.
   */
  readonly flowsTopic?: string;
  /** Batches published ahead of their checkpoints (1: publish, checkpoint, then the next batch). */
  readonly pipelineDepth?: number;
}

export interface FlowRegistry {
  readonly lookup: RegisterLookup;
  caughtUp(): Promise<boolean>;
}

export interface FlowProcessorObserver {
  published(readings: number): void;
  /** Readings of these supply points were held for want of a registry match (the releaser watches them). */
  held?(supplyPointIds: readonly string[]): void;
  finished(flow: StoredFlow, state: 'done' | 'failed', seconds: number): void;
}

export type ProcessOutcome = 'idle' | 'done' | 'failed' | 'waiting' | 'lost';

/**
 * Turns stored flows into readings on meter-readings.v1, one flow at a time per processor.
 *
 * Guarantees:
 * - No loss: a flow is durable before it is here (FlowUploadService), taken under a lease, and read back
 *   from its stored bytes. A processor that dies mid-file stops renewing its lease; the flow is taken again
 *   (here or elsewhere) and resumes after its checkpoint.
 * - No double count: batches are published (acks=all) before their checkpoint, counts and rejections are
 *   committed in one transaction. A crash in between republishes that batch with the same reading ids
 *   (flow id + line), which the sink stores once; the counts are added only once, with the checkpoint.
 * - Same pipeline: the events are API submissions' contract (channel d0010), keyed by supply point, so a
 *   register's readings from a flow and from customers are judged in order by the same sink.
 * - A processor that lost its lease stops at its next checkpoint and writes nothing more.
 * - Unknown supply points, meters and registers are not dropped: such readings are held (industry_flow_held,
 *   committed with the batch's checkpoint) and released by FlowHeldReleaser when registry.v1 brings their
 *   register. Only a register id that names no platform register is a rejection (in the report).
 */
export class FlowProcessor {
  constructor(
    private readonly flows: FlowRepository,
    private readonly publisher: EventPublisher,
    private readonly registry: FlowRegistry,
    private readonly options: FlowProcessorOptions,
    private readonly observer: FlowProcessorObserver = { published: () => undefined, finished: () => undefined },
  ) {}

  /** Takes one flow and processes it to the end; 'idle' when there was none. */
  async processNext(): Promise<ProcessOutcome> {
    const flow = await this.flows.claim(this.options.processorId, this.options.leaseMs);
    if (!flow) return 'idle';
    if (!(await this.registry.caughtUp().catch(() => false))) {
      await this.flows.release(flow.flowId, this.options.processorId, 'waiting for the registry (registry.v1) to be read to its end');
      return 'waiting';
    }
    return this.process(flow);
  }

  private async process(flow: StoredFlow): Promise<ProcessOutcome> {
    const started = process.hrtime.bigint();
    const me = this.options.processorId;
    const ctx = { flowId: flow.flowId, receivedAt: flow.receivedAt, readingIds: new FlowReadingIdHasher(flow.flowId), correlationId: `flow-${flow.flowId}` };
    // Every record of the flow carries the same headers: one object, not one a record.
    const headers = { 'correlation-id': `flow-${flow.flowId}`, schema: 'meter-reading.submitted.v1' };
    const parser = new D0010Parser();
    const events: D0010Event[] = [];
    let batch = emptyBatch();
    // Batches are pipelined: a full batch is handed to the publisher at once (in file order, so per supply
    // point order holds: the publisher keeps a key's records in order) while the next is parsed, and up to
    // `pipelineDepth` batches wait for their acks. Checkpoints are chained: each commits only after its own
    // batch was acknowledged and the previous checkpoint committed, so a checkpoint never covers a batch that
    // is not durable on the topic, and a crash republishes only batches after the last checkpoint (same ids).
    const depth = Math.max(1, this.options.pipelineDepth ?? 1);
    let chain: Promise<boolean> = Promise.resolve(true);
    const inFlight: Promise<boolean>[] = [];
    const flush = async (): Promise<boolean> => {
      const b = batch;
      batch = emptyBatch();
      const acked = b.records.length > 0 ? this.publisher.publish(b.records) : Promise.resolve();
      // The publisher took the records (it holds what it needs until the acks); the batch keeps only their count,
      // so up to `pipelineDepth` batches waiting for acks do not each hold a thousand record values.
      b.published = b.records.length;
      b.records = [];
      acked.catch(() => undefined); // seen through the chain below
      const link = chain.then(async (ok) => {
        if (!ok) return false;
        await acked;
        const recorded = await this.flows.recordProgress(flow.flowId, me, this.options.leaseMs, b.progress());
        if (recorded) this.observer.published(b.published);
        // Held rows are committed now: a registry change that came while they were being matched is looked at again.
        if (recorded && b.heldUnmatched.length > 0) this.observer.held?.(b.heldUnmatched.map((h) => h.supplyPointId));
        return recorded;
      });
      link.catch(() => undefined); // awaited below; a failure stops the flow there
      chain = link;
      inFlight.push(link);
      while (inFlight.length >= depth) if (!(await inFlight.shift()!)) return false;
      return true;
    };
    /** Every batch handed over is acknowledged and checkpointed (or the first failure is thrown). */
    const drain = async (): Promise<boolean> => {
      inFlight.length = 0;
      return chain;
    };
    /** Adds one event to the batch (synchronously: no promise per reading); true when the batch is full. */
    const add = (event: D0010Event): boolean => {
      if (event.kind === 'reading') {
        const r = event.reading;
        if (r.line <= flow.checkpointLine) return false;
        const mapped = mapFlowReading(r, ctx, this.registry.lookup);
        batch.line = r.line;
        batch.readings++;
        // Estimates and sender holds are counted for what will be published (now, or when released).
        if (mapped.kind !== 'rejected' && r.estimated) batch.estimated++;
        if (mapped.kind !== 'rejected' && r.review) batch.held++;
        if (mapped.kind === 'reading') {
          // A string: encodeSubmitted's bytes (the mapper builds the event in the contract's field order), written
          // by the publisher straight into its batch buffer. (A hand-written JSON template measured no faster than
          // V8's JSON.stringify of one-shape objects, docs/benchmarks.md "D0010 intake".)
          batch.records.push({ topic: this.options.topic, key: mapped.event.supplyPointId, value: JSON.stringify(mapped.event), headers });
          batch.publishedLines.push(r.line);
          batch.publishedSupplyPoints.push(mapped.event.supplyPointId);
          batch.publishedAccounts.push(mapped.event.accountId);
        } else if (mapped.kind === 'held') {
          batch.heldUnmatched.push(mapped.held);
        } else {
          batch.rejections.push(mapped.rejection);
        }
      } else if (event.kind === 'groupRejected') {
        if (event.groupLine <= flow.checkpointLine) return false;
        batch.line = event.groupLine;
        batch.readings += event.readingsRejected;
        batch.groupsRejected++;
        batch.rejections.push({ line: event.line, mpan: event.mpanCore, meterId: '', registerId: '', reasonCode: event.reasonCode, message: event.message, readings: event.readingsRejected });
      }
      return batch.records.length + batch.rejections.length + batch.heldUnmatched.length >= this.options.batchReadings;
    };
    const handle = async (event: D0010Event): Promise<boolean> => !add(event) || flush();
    try {
      for await (const lines of splitFlowLineBatches(this.text(flow.flowId))) {
        for (const line of lines) {
          parser.push(line, events);
          for (const event of events) if (add(event) && !(await flush())) return 'lost';
          events.length = 0;
        }
      }
      parser.end(events);
      for (const event of events) if (!(await handle(event))) return 'lost';
      // The last batch checkpoints at the file's last line, so even a flow ending in rejections moves its checkpoint.
      batch.line = Math.max(batch.line, flow.lines, flow.checkpointLine + 1);
      if (!(await flush()) || !(await drain())) return 'lost';
      await this.announce(flow);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (!(await this.flows.finish(flow.flowId, me, 'done', null))) return 'lost';
      this.observer.finished(flow, 'done', seconds);
      return 'done';
    } catch (error) {
      if (error instanceof D0010StructureError) {
        // The stored bytes no longer pass what they passed at intake: a person must look (the bytes are kept).
        await this.flows.finish(flow.flowId, me, 'failed', `stored bytes fail the structure check: ${error.message}`);
        this.observer.finished(flow, 'failed', Number(process.hrtime.bigint() - started) / 1e9);
        return 'failed';
      }
      // Kafka or PostgreSQL: give the flow back; it resumes from its checkpoint.
      await this.flows.release(flow.flowId, me, String((error as Error)?.message ?? error).slice(0, 500)).catch(() => undefined);
      throw error;
    }
  }

  /**
   * After the flow's last batch is published and checkpointed, before it is marked done: one event per account
   * it carried readings for (acks=all, in batches). A crash or a Kafka failure here leaves the flow processing;
   * it is taken again, finds nothing left to publish, and announces again with the same event ids (consumers
   * deduplicate): at least once, never lost. The counts come from the checkpointed rows, not from this run's
   * memory, so a flow resumed after a crash announces all of its readings.
   */
  private async announce(flow: StoredFlow): Promise<void> {
    const topic = this.options.flowsTopic;
    if (!topic) return;
    const processedAt = new Date().toISOString();
    const accounts = await this.flows.accountsTouched(flow.flowId);
    for (let i = 0; i < accounts.length; i += this.options.batchReadings) {
      await this.publisher.publish(
        accounts.slice(i, i + this.options.batchReadings).map((a) => ({
          topic,
          key: a.accountId,
          value: encodeFlowAccountIngested({
            schema: FLOW_ACCOUNT_INGESTED_SCHEMA,
            eventId: flowAccountEventId(flow.flowId, a.accountId),
            flowId: flow.flowId,
            flowType: flow.flowType,
            fileId: flow.fileId,
            sender: { role: flow.senderRole, mpid: flow.senderMpid },
            accountId: a.accountId,
            readings: a.readings,
            supplyPointIds: a.supplyPointIds.slice(0, 1000),
            receivedAt: flow.receivedAt,
            processedAt,
          }),
          headers: { schema: FLOW_ACCOUNT_INGESTED_SCHEMA, 'correlation-id': `flow-${flow.flowId}` },
        })),
      );
    }
  }

  /** The stored bytes as text, one chunk in memory at a time. */
  private async *text(flowId: string): AsyncGenerator<string> {
    const decoder = new StringDecoder('utf8');
    for (let seq = 0; ; seq++) {
      const chunk = await this.flows.chunk(flowId, seq);
      if (!chunk) break;
      yield decoder.write(chunk);
    }
    yield decoder.end();
  }
}

function emptyBatch() {
  const b = {
    line: 0,
    readings: 0,
    estimated: 0,
    held: 0,
    groupsRejected: 0,
    records: [] as OutgoingRecord[],
    /** How many records the batch handed to the publisher (set when it is flushed). */
    published: 0,
    rejections: [] as FlowRejection[],
    heldUnmatched: [] as HeldFlowReading[],
    publishedLines: [] as number[],
    publishedSupplyPoints: [] as string[],
    publishedAccounts: [] as string[],
    progress(): FlowProgress {
      return {
        checkpointLine: b.line,
        readings: b.readings,
        published: b.published,
        rejected: b.rejections.reduce((n, r) => n + r.readings, 0),
        groupsRejected: b.groupsRejected,
        estimated: b.estimated,
        heldForReview: b.held,
        rejections: b.rejections,
        publishedLines: b.publishedLines,
        publishedSupplyPoints: b.publishedSupplyPoints,
        publishedAccounts: b.publishedAccounts,
        held: b.heldUnmatched,
      };
    },
  };
  return b;
}
