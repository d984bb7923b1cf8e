import type { Principal } from '@surge/auth/principal.model';
import type { AnswerCommand, AnswerResult, SurveyRecord, SurveyRepository } from './survey.repository';
import { SurveyService } from './survey.service';

const NOW = Date.parse('2022-03-31T12:00:00Z');
const ID = '6f1c1f0e-1b7e-4c3e-9d1e-3b0f6a1d2c3b';
const record: SurveyRecord = {
  id: ID,
  readingId: 'r-1',
  accountId: 'A-1',
  channel: 'web',
  category: 'D',
  outcome: 'rejected',
  reasonCode: 'NEGATIVE_ADVANCE',
  outcomeMessage: 'lower than last time',
  interactionAtMs: NOW - 3600_000,
  createdAtMs: NOW - 3500_000,
  expiresAtMs: NOW + 3600_000,
  answer: null,
};
const customer = (accountId = 'A-1'): Principal => ({ kind: 'customer', id: `c-${accountId}`, accountId, supplyPointIds: [], meterSerials: [] });
const staff: Principal = { kind: 'service', id: 'staff', scopes: ['csat:read'] };
const collector: Principal = { kind: 'service', id: 'collector', scopes: ['readings:submit'] };

class FakeRepo implements SurveyRepository {
  commands: AnswerCommand[] = [];
  result: AnswerResult = { kind: 'answered', survey: { ...record, answer: { score: 5, comment: null, answeredAtMs: NOW } } };
  find = async (accountId: string, id: string) => (accountId === record.accountId && id === record.id ? record : null);
  listOpen = async (accountId: string) => (accountId === record.accountId ? [record] : []);
  listForAccount = async (accountId: string) => (accountId === record.accountId ? [{ ...record, answer: { score: 2, comment: 'slow', answeredAtMs: NOW } }] : []);
  answer = async (c: AnswerCommand) => {
    this.commands.push(c);
    return this.result;
  };
}

describe('SurveyService', () => {
  const setup = () => {
    const repo = new FakeRepo();
    const answered: number[] = [];
    return { repo, answered, service: new SurveyService(repo, () => NOW, (e) => answered.push(e.score)) };
  };

  it('a customer sees their own survey with the outcome they saw; another account gets 404', async () => {
    const { service } = setup();
    await expect(service.get(customer(), ID)).resolves.toMatchObject({ id: ID, status: 'open', readingId: 'r-1', outcome: { status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE' } });
    await expect(service.get(customer('A-2'), ID)).rejects.toMatchObject({ code: 'SURVEY_NOT_FOUND', kind: 'not_found' });
    await expect(service.get(customer(), 'not-a-uuid')).rejects.toMatchObject({ code: 'SURVEY_NOT_FOUND' });
  });

  it('answers are the customer\u2019s own: services get 403', async () => {
    const { service } = setup();
    await expect(service.answer(staff, ID, { score: 5 })).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
    await expect(service.listOpen(staff)).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
  });

  it('stores the cleaned answer for the caller\u2019s account and reports it once committed', async () => {
    const { service, repo, answered } = setup();
    const view = await service.answer(customer(), ID, { score: 5, comment: ' great\u0007 ' });
    expect(repo.commands).toEqual([{ invitationId: ID, accountId: 'A-1', score: 5, comment: 'great', answeredAtMs: NOW, answeredBy: 'c-A-1' }]);
    expect(view).toMatchObject({ status: 'answered', answer: { score: 5, satisfied: true } });
    expect(answered).toEqual([5]);
  });

  it('maps refusals to stable codes: 409 already answered, 409 expired, 404 not found, 400 bad body', async () => {
    const { service, repo, answered } = setup();
    repo.result = { kind: 'already_answered' };
    await expect(service.answer(customer(), ID, { score: 4 })).rejects.toMatchObject({ kind: 'conflict', code: 'SURVEY_ALREADY_ANSWERED' });
    repo.result = { kind: 'expired' };
    await expect(service.answer(customer(), ID, { score: 4 })).rejects.toMatchObject({ kind: 'conflict', code: 'SURVEY_EXPIRED' });
    repo.result = { kind: 'not_found' };
    await expect(service.answer(customer(), ID, { score: 4 })).rejects.toMatchObject({ kind: 'not_found', code: 'SURVEY_NOT_FOUND' });
    await expect(service.answer(customer(), ID, { score: 9 })).rejects.toMatchObject({ kind: 'validation', code: 'VALIDATION_FAILED' });
    expect(answered).toEqual([]);
  });

  it('customer service (csat:read) or the customer themself see an account\u2019s surveys with answers; nobody else', async () => {
    const { service } = setup();
    const page = await service.listForAccount(staff, 'A-1', {});
    expect(page.items[0]).toMatchObject({ id: ID, readingId: 'r-1', category: 'D', answer: { score: 2, comment: 'slow', satisfied: false } });
    await expect(service.listForAccount(customer(), 'A-1', {})).resolves.toBeDefined();
    await expect(service.listForAccount(customer('A-2'), 'A-1', {})).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(service.listForAccount(collector, 'A-1', {})).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(service.listForAccount(staff, 'A-1', { limit: '0' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(service.listForAccount(staff, 'A-1', { cursor: 'zzz' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});
