import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { FlowInboxWatcher } from '@surge/flow-intake/flow-inbox.watcher';
import { FlowOutcomeRecorder } from '@surge/flow-intake/flow-outcome.recorder';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import { FlowProcessor } from '@surge/flow-intake/flow.processor';
import { RegistryStateFollower } from '@surge/flow-intake/registry-state.follower';
import { HeldReadingReleaser } from '@surge/flow-intake/held-reading.releaser';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { SurgeLogger } from '@surge/observability/logger.factory';
import type { FlowIntakeConfig } from './flow-intake.config';
import { FLOW_CONFIG, LOGGER, OUTCOME_CONSUMER, PG_POOL, PUBLISHER } from './flow-intake.tokens';

/**
 * The background half: the registry follower, the outcome recorder, the processor loop (one flow at a time; woken by an upload,
 * otherwise polling) and the inbox watcher. On shutdown the processor finishes the batch in hand (published
 * and checkpointed, or not checkpointed and republished by whoever takes the flow next).
 */
/** Lets an upload wake the processor without the upload depending on the runner (which depends on the inbox, which uploads). */
export class ProcessorWake {
  private listener: () => void = () => undefined;
  on(listener: () => void): void {
    this.listener = listener;
  }
  wake(): void {
    this.listener();
  }
}

@Injectable()
export class FlowIntakeRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopping = false;
  private loop: Promise<void> | null = null;
  private releaseLoop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    @Inject(FLOW_CONFIG) private readonly config: FlowIntakeConfig,
    @Inject(LOGGER) private readonly logger: SurgeLogger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PUBLISHER) private readonly publisher: EventPublisher,
    private readonly registry: RegistryStateFollower,
    private readonly processor: FlowProcessor,
    @Optional() @Inject(FlowInboxWatcher) private readonly inbox: FlowInboxWatcher | null,
    wake: ProcessorWake,
    @Inject(OUTCOME_CONSUMER) private readonly outcomes: BatchConsumer,
    private readonly recorder: FlowOutcomeRecorder,
    private readonly releaser: HeldReadingReleaser,
  ) {
    wake.on(() => this.wake());
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.FLOW_PROCESSOR_ENABLED) {
      // Start-up fails (and the supervisor retries) when Kafka cannot be joined at all.
      await this.registry.start();
      this.loop = this.run();
      this.releaseLoop = this.runReleases();
    }
    if (this.config.FLOW_OUTCOMES_ENABLED) await this.outcomes.start((batch) => this.recorder.handle(batch));
    await this.inbox?.start();
  }

  /** An upload was stored: look now instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.inbox?.stop();
    await this.loop;
    await this.releaseLoop;
    if (this.config.FLOW_OUTCOMES_ENABLED) await this.outcomes.stop().catch(() => undefined);
    await this.registry.stop().catch(() => undefined);
    await this.publisher.close().catch((e: unknown) => this.logger.warn({ err: String(e) }, 'publisher close failed'));
    await this.pool.end().catch(() => undefined);
  }

  /**
   * Held readings out once the registry knows their register: a look whenever a change or a hold asks for
   * one (every 250 ms at most), a sweep of all of them once the registry is read to its end and then every
   * FLOW_HELD_SWEEP_MS. Errors back off; what was not released stays held and is looked at again.
   */
  private async runReleases(): Promise<void> {
    let caughtUp = false;
    let lastSweep = 0;
    let delay = 250;
    while (!this.stopping) {
      try {
        if (!caughtUp) caughtUp = await this.registry.caughtUp().catch(() => false);
        if (caughtUp) {
          if (Date.now() - lastSweep >= this.config.FLOW_HELD_SWEEP_MS) {
            this.releaser.sweep();
            lastSweep = Date.now();
          }
          if (this.releaser.pending) {
            const n = await this.releaser.releaseDue();
            if (n > 0) this.logger.info({ readings: n }, 'held flow readings released (the registry now knows their registers)');
          }
        }
        delay = 250;
      } catch (error) {
        this.logger.warn({ err: String((error as Error)?.message ?? error) }, 'held flow readings not released yet; retried');
        delay = Math.min(delay * 2, 10_000);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async run(): Promise<void> {
    let delay = this.config.FLOW_PROCESSOR_IDLE_MS;
    while (!this.stopping) {
      try {
        const outcome = await this.processor.processNext();
        delay = this.config.FLOW_PROCESSOR_IDLE_MS;
        if (outcome === 'done' || outcome === 'failed' || outcome === 'lost') continue;
        if (outcome === 'waiting') delay = 250;
      } catch (error) {
        // Kafka or PostgreSQL: the flow was given back and resumes from its checkpoint.
        this.logger.warn({ err: String((error as Error)?.message ?? error) }, 'flow processing interrupted; retried from its checkpoint');
        delay = Math.min(delay * 2, 10_000);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }
}
