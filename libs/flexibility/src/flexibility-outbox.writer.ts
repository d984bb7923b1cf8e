import type { PoolClient } from 'pg';
import type { DispatchRecordV1, EarnedValueV1, MembershipV1, NotificationV1 } from '@surge/flexibility-contracts/flexibility.events';

/** Which flex.* topic an outbox row goes to (resolved to a name, with the deployment's prefix, by the relay). */
export type FlexTopicKey = 'flexDispatch' | 'flexNotifications' | 'flexEarnedValue' | 'flexMembership';

export type FlexFact =
  | { topic: 'flexDispatch'; payload: DispatchRecordV1 }
  | { topic: 'flexNotifications'; payload: NotificationV1 }
  | { topic: 'flexEarnedValue'; payload: EarnedValueV1 }
  | { topic: 'flexMembership'; payload: MembershipV1 };

/** Queues facts in the caller's transaction: they are published exactly when it commits (at least once). */
export async function enqueueFacts(client: PoolClient, facts: readonly FlexFact[]): Promise<void> {
  if (facts.length === 0) return;
  await client.query(
    `INSERT INTO flex_outbox (topic, record_key, payload)
     SELECT x.topic, x.record_key, x.payload FROM json_to_recordset($1::json) AS x(topic text, record_key text, payload json)`,
    [JSON.stringify(facts.map((f) => ({ topic: f.topic, record_key: f.payload.accountId, payload: f.payload })))],
  );
}
