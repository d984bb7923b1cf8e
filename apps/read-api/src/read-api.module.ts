import { type DynamicModule, Module } from '@nestjs/common';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { Authenticator, parseApiKeys } from '@surge/auth/authenticator';
import { AUTHENTICATOR, AuthGuard } from '@surge/http/auth.guard';
import { ClickHouseMeterReadingRepository } from '@surge/ingest/meter-reading.repository';
import { ReadingIntakeService } from '@surge/ingest/reading-intake.service';
import { ReadingQueryService } from '@surge/ingest/reading-query.service';
import { EVENT_PUBLISHER, type EventPublisher } from '@surge/kafka/event-publisher';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { resolveTopics } from '@surge/kafka/topic.catalog';
import { HealthController } from './health.controller';
import { MeterReadingsController } from './meter-readings.controller';
import type { ReadApiConfig } from './read-api.config';

export const READ_API_CONFIG = Symbol('READ_API_CONFIG');
export const CLICKHOUSE = Symbol('CLICKHOUSE');

/** Wiring only: every adapter is built from the validated config here and nowhere else. */
@Module({})
export class ReadApiModule {
  static forRoot(config: ReadApiConfig): DynamicModule {
    return {
      module: ReadApiModule,
      controllers: [MeterReadingsController, HealthController],
      providers: [
        { provide: READ_API_CONFIG, useValue: config },
        {
          provide: EVENT_PUBLISHER,
          useFactory: (): EventPublisher =>
            new PlatformaticEventPublisher({
              brokers: config.KAFKA_BROKERS,
              clientId: config.KAFKA_CLIENT_ID ?? 'read-api',
              deadlineMs: config.KAFKA_ACK_DEADLINE_MS,
              maxBufferedRecords: config.KAFKA_MAX_BUFFERED_RECORDS,
              maxBatchRecords: config.KAFKA_MAX_BATCH_RECORDS,
              lingerMs: config.KAFKA_LINGER_MS,
              maxInFlightRequests: config.KAFKA_MAX_IN_FLIGHT,
            }),
        },
        {
          provide: CLICKHOUSE,
          useFactory: () =>
            createClickHouse({ url: config.CLICKHOUSE_URL, database: config.CLICKHOUSE_DATABASE, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD }),
        },
        {
          provide: AUTHENTICATOR,
          useFactory: () =>
            Authenticator.create({
              jwtPublicKeyPem: config.JWT_PUBLIC_KEY,
              jwtAlgorithm: config.JWT_ALGORITHM,
              issuer: config.JWT_ISSUER,
              audience: config.JWT_AUDIENCE,
              apiKeys: parseApiKeys(config.API_KEYS),
            }),
        },
        AuthGuard,
        { provide: ReadingIntakeService, useFactory: (p: EventPublisher) => new ReadingIntakeService(p, resolveTopics(config.KAFKA_TOPIC_PREFIX)), inject: [EVENT_PUBLISHER] },
        {
          provide: ReadingQueryService,
          useFactory: (ch: ReturnType<typeof createClickHouse>) => new ReadingQueryService(new ClickHouseMeterReadingRepository(ch)),
          inject: [CLICKHOUSE],
        },
      ],
    };
  }
}
