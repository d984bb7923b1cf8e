import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Pool, PoolClient } from 'pg';
import { hasScope, principalKey, type Principal } from '@surge/auth/principal.model';
import { AppError, conflict, forbidden, unavailable, validationError } from '@surge/errors/app.error';
import { D0010StructureTracker } from '@surge/industry-flow/d0010-structure.tracker';
import { splitFlowLineBatches } from '@surge/industry-flow/flow-line.splitter';
import { flowIdOf } from './flow-id';
import type { StoredFlow } from './flow.model';
import { FlowRepository } from './flow.repository';

export interface FlowUploadOptions {
  /** Bytes a file may have (413 FLOW_TOO_LARGE past it). */
  readonly maxBytes: number;
  /** Bytes per stored chunk: the most of a file held in memory while it is received. */
  readonly chunkBytes: number;
  /**
   * Uploads received at once. Each holds one PostgreSQL connection (its transaction) for as long as the
   * sender takes to send the file, so without a cap slow senders could take the whole pool from the
   * processor and the status routes. Past it: 503 FLOW_INTAKE_BUSY with Retry-After, nothing read.
   */
  readonly maxConcurrent?: number;
}

export interface FlowUploadMeta {
  readonly owner: string;
  readonly via: 'api' | 'inbox';
  readonly fileName?: string;
}

/** accepted: stored now (202); duplicate: the same bytes were stored before (200, changes nothing). */
export type FlowReceipt = { readonly outcome: 'accepted' | 'duplicate'; readonly flow: StoredFlow };

const FLOW_TYPE = 'D0010';

/**
 * Takes one D0010 file from a stream (an HTTP body or a file dropped in the inbox) and makes it durable.
 *
 * Guarantees:
 * - Bounded memory: the bytes go to PostgreSQL in chunks of `chunkBytes` as they arrive; the file is never
 *   held whole. The structure check (pass 1: header, record order, trailer counts) runs on the same pass.
 * - All or nothing: chunks and the flow row are one transaction. It commits only when the whole file has
 *   arrived and passed the structure check, so a refused file (400 FLOW_REFUSED with line and reason), a file
 *   too large (413) or a connection cut mid-upload leaves nothing, and nothing of it is ever published.
 * - Resolves only after COMMIT (PostgreSQL's fsync): a 202 means the raw bytes are durable and the flow
 *   will be processed. PostgreSQL down: 503 DEPENDENCY_UNAVAILABLE, nothing taken.
 * - Idempotent on the file's own identity (sender role, MPID and file id, the flow id derives from them):
 *   the same bytes again are answered `duplicate` with the first flow and change nothing; other bytes under
 *   the same identity are 409 FLOW_ID_REUSED.
 */
export class FlowUploadService {
  private readonly flows: FlowRepository;
  private receiving = 0;

  constructor(
    private readonly pool: Pool,
    private readonly options: FlowUploadOptions,
    private readonly onStored: (flow: StoredFlow) => void = () => undefined,
  ) {
    this.flows = new FlowRepository(pool);
  }

  /** The API's way in: a collector's key with flows:submit; the flow is theirs (only they see it). */
  async submit(principal: Principal, body: AsyncIterable<Buffer | string>, contentLength: number | undefined): Promise<FlowReceipt> {
    if (!hasScope(principal, 'flows:submit')) throw forbidden('INSUFFICIENT_SCOPE', 'These credentials may not send industry flows (scope flows:submit).');
    if (contentLength !== undefined && contentLength > this.options.maxBytes) throw tooLarge(this.options.maxBytes);
    return this.receive(body, { owner: principalKey(principal), via: 'api' });
  }

  async receive(body: AsyncIterable<Buffer | string>, meta: FlowUploadMeta): Promise<FlowReceipt> {
    if (this.receiving >= (this.options.maxConcurrent ?? 2)) {
      throw unavailable('FLOW_INTAKE_BUSY', `${this.receiving} files are being received already; nothing was taken. Send this one again after Retry-After seconds.`);
    }
    this.receiving++;
    try {
      return await this.receiveOne(body, meta);
    } finally {
      this.receiving--;
    }
  }

  private async receiveOne(body: AsyncIterable<Buffer | string>, meta: FlowUploadMeta): Promise<FlowReceipt> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable('DEPENDENCY_UNAVAILABLE', 'The flow store is unavailable; nothing was taken. Send the file again after Retry-After seconds.', { cause: error });
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const receipt = await this.spool(client, body, meta);
      if (receipt.outcome === 'accepted') await client.query('COMMIT');
      else await client.query('ROLLBACK');
      if (receipt.outcome === 'accepted') this.onStored(receipt.flow);
      return receipt;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      if (error instanceof AppError) throw error;
      throw unavailable('DEPENDENCY_UNAVAILABLE', 'The flow could not be stored; nothing was taken. Send the file again after Retry-After seconds.', { cause: error });
    } finally {
      client.release(broken);
    }
  }

  private async spool(client: PoolClient, body: AsyncIterable<Buffer | string>, meta: FlowUploadMeta): Promise<FlowReceipt> {
    const tracker = new D0010StructureTracker();
    const hash = createHash('sha256');
    const decoder = new StringDecoder('utf8');
    let bytes = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let seq = 0;
    let flowId: string | null = null;
    let existing: StoredFlow | null = null;
    let collided = false;
    let lastLine = 0;
    const maxBytes = this.options.maxBytes;
    const flush = async (force: boolean) => {
      // Until the header names the flow, chunks wait (the header is line 1, at most 1,025 characters in).
      if (flowId === null || existing !== null || collided || pendingBytes === 0 || (!force && pendingBytes < this.options.chunkBytes)) return;
      const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      try {
        await this.flows.insertChunk(client, flowId, seq++, data);
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        // The same file sent twice at once, and the other upload committed first: read on (for the hash), write nothing.
        await client.query('ROLLBACK TO SAVEPOINT flow_chunks');
        collided = true;
      }
    };
    async function* text(): AsyncGenerator<string> {
      for await (const piece of body) {
        const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
        bytes += buf.length;
        if (bytes > maxBytes) {
          throw tooLarge(maxBytes);
        }
        hash.update(buf);
        if (existing === null && !collided) {
          pending.push(buf);
          pendingBytes += buf.length;
        }
        yield decoder.write(buf);
      }
      yield decoder.end();
    }
    for await (const batch of splitFlowLineBatches(text())) {
      for (const line of batch) {
        const tracked = tracker.track(line);
        if (!tracked.ok) throw refused(tracked.problem);
        lastLine = line.lineNumber;
        if (flowId === null && tracker.header) {
          const h = tracker.header;
          flowId = flowIdOf(FLOW_TYPE, h.fromRole, h.fromMpid, h.fileId);
          existing = await this.flows.find(flowId, client);
          if (existing) {
            pending = [];
            pendingBytes = 0;
          } else {
            await client.query('SAVEPOINT flow_chunks');
          }
        }
      }
      await flush(false);
    }
    const problem = tracker.finish();
    if (problem) throw refused(problem);
    const header = tracker.header!;
    const sha256 = hash.digest('hex');
    if (existing) return duplicateOrReused(existing, sha256);
    await flush(true);
    try {
      if (collided) throw Object.assign(new Error('flow stored concurrently'), { code: '23505' });
      await this.flows.insertFlow(client, {
        flowId: flowId!,
        owner: meta.owner,
        flowType: FLOW_TYPE,
        senderRole: header.fromRole,
        senderMpid: header.fromMpid,
        fileId: header.fileId,
        sha256,
        bytes,
        lines: lastLine,
        records: tracker.recordCount,
        groups: tracker.groupCount,
        receivedVia: meta.via,
        fileName: meta.fileName ?? null,
      });
    } catch (error) {
      // The same file sent twice at once: the other upload committed first (its chunk or row key is taken).
      if ((error as { code?: string }).code !== '23505') throw error;
      await client.query('ROLLBACK TO SAVEPOINT flow_chunks');
      const first = await this.flows.find(flowId!, this.pool);
      if (!first) throw error;
      return duplicateOrReused(first, sha256);
    }
    return { outcome: 'accepted', flow: (await this.flows.find(flowId!, client))! };
  }
}

function duplicateOrReused(existing: StoredFlow, sha256: string): FlowReceipt {
  if (existing.sha256 === sha256) return { outcome: 'duplicate', flow: existing };
  throw conflict(
    'FLOW_ID_REUSED',
    `A different file from ${existing.senderRole} ${existing.senderMpid} with file id ${existing.fileId} was received at ${existing.receivedAt} (flow ${existing.flowId}); give a new file a new file id.`,
  );
}

function refused(problem: { line: number; reasonCode: string; message: string }): AppError {
  return validationError('FLOW_REFUSED', `The file is refused whole and nothing of it was taken: line ${problem.line}: ${problem.message}.`, [
    { code: problem.reasonCode, field: `line ${problem.line}`, message: problem.message },
  ]);
}

const tooLarge = (maxBytes: number): AppError =>
  new AppError('payload_too_large', 'FLOW_TOO_LARGE', `The file is larger than ${maxBytes} bytes, the most one flow may have; split it into several files.`);
