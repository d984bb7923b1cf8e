import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@surge/errors/app.error';
import type { FlowUploadService } from './flow-upload.service';

export interface FlowInboxOptions {
  /** The directory a file gateway drops flows into; processing/, done/ and rejected/ are made beside them. */
  readonly dir: string;
  /** principalKey the inbox's flows belong to (the collector whose gateway writes here). */
  readonly owner: string;
  readonly pollMs: number;
}

export interface FlowInboxObserver {
  taken(file: string, outcome: 'accepted' | 'duplicate' | 'rejected', detail: Record<string, unknown>): void;
  failed(file: string, error: unknown): void;
}

/** Names a gateway may be writing: hidden and temporary files are left until renamed into place. */
const IN_PROGRESS = /^\.|\.(tmp|part|partial)$/i;

/**
 * The file-gateway way in: a collector's gateway writes a flow into `dir` (under a temporary name, then
 * renamed, the usual atomic delivery). Each file is claimed by renaming it into processing/ (a rename is
 * atomic: of two watchers only one gets it), taken through the same FlowUploadService as the API, then moved
 * to done/ (with <name>.report.json: flow id and status) or rejected/ (with the refusal). A watcher that dies
 * mid-file leaves it in processing/, where the next start takes it again: the intake is idempotent by the
 * file's identity, so it is never counted twice. A dependency down leaves it in processing/ for the next pass.
 */
export class FlowInboxWatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly intake: FlowUploadService,
    private readonly options: FlowInboxOptions,
    private readonly observer: FlowInboxObserver = { taken: () => undefined, failed: () => undefined },
    private readonly statusUrl: (flowId: string) => string = (id) => `/v1/industry/flows/${id}`,
  ) {}

  async start(): Promise<void> {
    for (const sub of ['processing', 'done', 'rejected']) await mkdir(join(this.options.dir, sub), { recursive: true });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: files left in processing/ (a crash) first, then new ones. Resolves when all are handled. */
  async pass(): Promise<void> {
    const processing = join(this.options.dir, 'processing');
    for (const name of (await readdir(processing)).filter((n) => !IN_PROGRESS.test(n))) await this.take(name);
    const entries = await readdir(this.options.dir, { withFileTypes: true });
    for (const entry of entries) {
      if (this.stopped) return;
      if (!entry.isFile() || IN_PROGRESS.test(entry.name)) continue;
      try {
        await rename(join(this.options.dir, entry.name), join(processing, entry.name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another watcher claimed it
        throw error;
      }
      await this.take(entry.name);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch((error) => this.observer.failed(this.options.dir, error))
        .finally(() => {
          this.running = null;
          this.schedule(this.options.pollMs);
        });
    }, ms);
  }

  private async take(name: string): Promise<void> {
    const from = join(this.options.dir, 'processing', name);
    try {
      const receipt = await this.intake.receive(createReadStream(from, { highWaterMark: 256 * 1024 }), { owner: this.options.owner, via: 'inbox', fileName: name });
      const report = { outcome: receipt.outcome, flowId: receipt.flow.flowId, status: this.statusUrl(receipt.flow.flowId), fileId: receipt.flow.fileId };
      await this.move(from, 'done', name, report);
      this.observer.taken(name, receipt.outcome, report);
    } catch (error) {
      if (error instanceof AppError && !error.retriable) {
        const report = { outcome: 'rejected', code: error.code, message: error.message, issues: error.details.issues ?? [] };
        await this.move(from, 'rejected', name, report);
        this.observer.taken(name, 'rejected', report);
        return;
      }
      // Left in processing/: taken again on the next pass.
      this.observer.failed(name, error);
    }
  }

  private async move(from: string, to: 'done' | 'rejected', name: string, report: Record<string, unknown>): Promise<void> {
    // The report first: a crash between the two leaves the file in processing/, taken again (idempotently).
    await writeFile(join(this.options.dir, to, `${name}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
    await rename(from, join(this.options.dir, to, name));
  }
}
