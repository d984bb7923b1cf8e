import { ACCOUNT_OUTCOME_CODES } from '@surge/billing/bill-run/account-billing.error';
import { MAX_PERIOD_DAYS, resumeBillRunSchema, settlementQuerySchema, startBillRunSchema } from '@surge/billing/bill-run/bill-run.schema';
import {
  bodyResponses,
  buildOpenApiDocument,
  edgeResponses,
  jsonBody,
  jsonResponse,
  operationalPaths,
  pathParameter,
  queryParameter,
  queryParametersOf,
  schemaOf,
  type OpenApiObject,
} from '@surge/http/openapi.builder';

const ref = (name: string): OpenApiObject => ({ $ref: `#/components/schemas/${name}` });
const date = (description: string): OpenApiObject => ({ type: 'string', format: 'date', description });
const pence = (description: string): OpenApiObject => ({ type: 'string', pattern: '^-?[0-9]+$', description: `${description} (whole pence, exact decimal string)` });

const idempotencyKey: OpenApiObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'The same key (per caller) answers the run it started instead of starting another.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$' },
};

const runId = pathParameter('runId', 'Bill run id (from POST /v1/bill-runs)', { type: 'string', format: 'uuid' });
const accountId = pathParameter('accountId', 'Account id', { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' });

/**
 * Billing's OpenAPI 3.1 document (GET /openapi.json), built with the shared
 * builder from the zod schemas the controllers validate with and the error
 * catalogue. billing.openapi.spec.ts fails when a route of the module's
 * controllers is not here.
 */
export function buildBillingOpenApi(): OpenApiObject {
  return buildOpenApiDocument({
    title: 'Surge billing',
    description:
      'Bill runs (staff API keys: billing:run to start and resume, billing:read to watch), bills (the account\u2019s customer, or staff with billing:read) and settlement. Issued bills never change: a correction is a new bill carrying the difference.',
    outcomeCodes: ACCOUNT_OUTCOME_CODES,
    paths: {
      ...operationalPaths('PostgreSQL and Redis required; ClickHouse reported (bills and runs can be read while it is down)'),
      '/v1/bill-runs': {
        post: {
          summary: 'Start a bill run (or a correction run) for a period',
          description: `Accounts are split into chunks and billed by workers; watch with GET /v1/bill-runs/{runId}. A period is half-open [periodStart, periodEnd), at most ${MAX_PERIOD_DAYS} days.`,
          parameters: [idempotencyKey],
          requestBody: jsonBody(schemaOf(startBillRunSchema)),
          responses: { '202': jsonResponse('The run, just started', ref('BillRunStatus')), ...edgeResponses(), ...bodyResponses() },
        },
        get: {
          summary: 'Recent bill runs, newest first',
          parameters: [queryParameter('limit', 'How many (default 20)', { type: 'integer', minimum: 1, default: 20 })],
          responses: { '200': jsonResponse('{ items }', { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('BillRunStatus') } } }), ...edgeResponses() },
        },
      },
      '/v1/bill-runs/{runId}': {
        get: { summary: 'Progress of a run: counts, rate, ETA', parameters: [runId], responses: { '200': jsonResponse('The run', ref('BillRunStatus')), ...edgeResponses() } },
      },
      '/v1/bill-runs/{runId}/failures': {
        get: {
          summary: 'Accounts of the run that failed, with their reason code (see x-outcome-codes), paged by account id',
          parameters: [
            runId,
            queryParameter('limit', 'Page size', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
            queryParameter('after', 'nextAfter of the previous page', { type: 'string' }),
          ],
          responses: {
            '200': jsonResponse('{ items, nextAfter }', {
              type: 'object',
              required: ['items', 'nextAfter'],
              properties: {
                items: {
                  type: 'array',
                  items: { type: 'object', properties: { accountId: { type: 'string' }, reasonCode: { type: 'string', enum: Object.keys(ACCOUNT_OUTCOME_CODES) }, reason: { type: 'string' } } },
                },
                nextAfter: { type: ['string', 'null'] },
              },
            }),
            ...edgeResponses(),
          },
        },
      },
      '/v1/bill-runs/{runId}/resume': {
        post: {
          summary: 'Re-queue the unfinished chunks of a run (after a crash or an outage); optionally retry failed accounts',
          parameters: [runId],
          requestBody: jsonBody(schemaOf(resumeBillRunSchema), false),
          responses: {
            '202': jsonResponse('The run, with how many chunks were re-queued', { allOf: [ref('BillRunStatus'), { type: 'object', properties: { requeuedChunks: { type: 'integer' } } }] }),
            ...edgeResponses(),
            ...bodyResponses(),
          },
        },
      },
      '/v1/accounts/{accountId}/bills': {
        get: {
          summary: "An account's bills and corrections, newest period first",
          parameters: [accountId, queryParameter('limit', 'How many (1 to 100, default 24)', { type: 'integer', minimum: 1, maximum: 100, default: 24 })],
          responses: { '200': jsonResponse('{ items }', { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('BillSummary') } } }), ...edgeResponses() },
        },
      },
      '/v1/accounts/{accountId}/bills/{billId}': {
        get: {
          summary: 'One bill with every line, register and reading it used',
          parameters: [accountId, pathParameter('billId', 'Bill id', { type: 'string', format: 'uuid' })],
          responses: { '200': jsonResponse('The bill', ref('Bill')), ...edgeResponses({ notFound: 'NOT_FOUND: no such bill on this account (another account\u2019s bill looks the same)' }) },
        },
      },
      '/v1/settlement': {
        get: {
          summary: 'Settlement for bills whose period lies within [from, to): totals by tariff rate period, fuel, category, line kind and estimated/actual',
          parameters: queryParametersOf(settlementQuerySchema),
          responses: {
            '200': {
              description: 'JSON report (format=json) or CSV attachment (format=csv)',
              content: { 'application/json': { schema: ref('SettlementReport') }, 'text/csv': { schema: { type: 'string' } } },
            },
            ...edgeResponses(),
          },
        },
      },
    },
    schemas: {
      BillRunStatus: {
        type: 'object',
        description:
          'done = billed + skipped. billed counts bills this run issued; skipped counts accounts finished without a new bill: alreadyBilled (bill runs: an earlier run billed exactly this period) plus unchanged (correction runs: nothing to correct).',
        properties: {
          runId: { type: 'string', format: 'uuid' },
          kind: { type: 'string', enum: ['bill', 'correction'] },
          period: { type: 'object', properties: { start: date('First day billed'), end: date('First day not billed') } },
          selection: { type: 'string', enum: ['all', 'accounts'] },
          status: { type: 'string', enum: ['running', 'completed', 'completed_with_failures'] },
          requestedBy: { type: 'string' },
          totalAccounts: { type: 'integer' },
          totalChunks: { type: 'integer' },
          chunkSize: { type: 'integer' },
          done: { type: 'integer' },
          billed: { type: 'integer', description: 'Bills (or correction bills) issued by this run' },
          skipped: { type: 'integer', description: 'alreadyBilled + unchanged: finished, no bill issued' },
          alreadyBilled: { type: 'integer', description: 'Bill runs: accounts an earlier run already billed for exactly this period (ALREADY_BILLED); no new bill' },
          unchanged: { type: 'integer', description: 'Correction runs: accounts whose recomputed bill equals the issued one (NO_CHANGE)' },
          failed: { type: 'integer', description: 'See GET /v1/bill-runs/{runId}/failures' },
          remaining: { type: 'integer' },
          pendingChunks: { type: 'integer' },
          failedChunks: { type: 'integer' },
          ratePerSecond: { type: 'number' },
          etaSeconds: { type: ['integer', 'null'] },
          createdAt: { type: 'string', format: 'date-time' },
          finishedAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      BillTotals: {
        type: 'object',
        properties: { netPence: pence('Net of VAT'), vatPence: pence('VAT'), totalPence: pence('net + VAT'), total: { type: 'string', description: "For people, e.g. '\u00a3168.18'" } },
      },
      BillSummary: {
        type: 'object',
        properties: {
          billId: { type: 'string', format: 'uuid' },
          kind: { type: 'string', enum: ['bill', 'correction'] },
          revision: { type: 'integer', description: '0 for the bill, 1, 2, ... for its corrections' },
          correctsBillId: { type: ['string', 'null'], format: 'uuid' },
          period: { type: 'object', properties: { start: date('First day billed'), end: date('First day not billed (exclusive)') } },
          lastDay: date('Last day billed (inclusive)'),
          estimated: {
            type: 'boolean',
            description:
              'A bill: any line rests on an estimated reading. A correction: whether the bill it brings the account to (correction.recomputed) rests on estimates; its own lines keep their flags (the reversal of an estimate is estimated, the re-bill from an actual is not).',
          },
          totals: ref('BillTotals'),
          issuedAt: { type: 'string', format: 'date-time' },
          runId: { type: ['string', 'null'], format: 'uuid' },
        },
      },
      Bill: {
        allOf: [
          ref('BillSummary'),
          {
            type: 'object',
            properties: {
              accountId: { type: 'string' },
              category: { type: 'string', enum: ['A', 'B', 'C', 'D'] },
              domestic: { type: 'boolean' },
              supplyDays: { type: 'integer' },
              lines: { type: 'array', items: { type: 'object', description: 'energy, export-credit, standing-charge or vat line: days, kWh, rate (pence, ex VAT), amountPence, estimated' } },
              registers: {
                type: 'array',
                items: {
                  type: 'object',
                  description: 'Per register: the readings billed and the advance',
                  properties: {
                    readings: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          readAt: { type: 'string' },
                          value: { type: 'string' },
                          estimated: { type: 'boolean' },
                          estimate: ref('EstimateBasis'),
                        },
                      },
                    },
                  },
                },
              },
              readingSources: { description: 'The ClickHouse reading ids the bill stands on' },
              correction: {
                type: 'object',
                description: 'Corrections only: both sides in full and the difference this bill charges (recomputed - issued, line by line; equals its own lines and totals)',
                properties: {
                  corrects: {
                    type: 'object',
                    description: 'What had been issued for the period (the bill, or the previous correction\u2019s recomputed bill)',
                    properties: { billId: { type: 'string', format: 'uuid' }, kind: { type: 'string', enum: ['bill', 'correction'] }, revision: { type: 'integer' }, estimated: { type: 'boolean' }, totals: ref('BillTotals') },
                  },
                  recomputed: {
                    type: 'object',
                    description: 'The full recomputed bill the account is now charged for the period',
                    properties: { estimated: { type: 'boolean' }, totals: ref('BillTotals'), lines: { type: 'array', items: { type: 'object' } }, registers: { type: 'array', items: { type: 'object' } } },
                  },
                  difference: { type: 'object', properties: { totals: ref('BillTotals'), lines: { type: 'array', items: { type: 'object' } } } },
                },
              },
            },
          },
        ],
      },
      EstimateBasis: {
        type: 'object',
        description:
          'Estimated readings only: how the estimate was made. average-daily: usage per day between the earliest and latest actual readings x days from basedOnReadAt. eac-pro-rata: EAC / daysPerYear per day (365.25, the same figure the read path uses for its expected-advance check).',
        required: ['method', 'dailyUsage', 'basedOnReadAt'],
        properties: {
          method: { type: 'string', enum: ['average-daily', 'eac-pro-rata'] },
          dailyUsage: { type: 'string', description: 'Register units a day' },
          basedOnReadAt: { type: 'string', description: 'The reading the estimate advances from' },
          eacKwh: { type: 'string', description: 'eac-pro-rata: the estimated annual consumption held for the register, kWh' },
          eac: { type: 'string', description: 'eac-pro-rata: the same in the register\u2019s unit (m3 or hundreds of ft3 for gas)' },
          daysPerYear: { type: 'string', const: '365.25' },
        },
      },
      SettlementReport: {
        type: 'object',
        properties: {
          period: { type: 'object', properties: { start: date('from'), end: date('to') } },
          rows: { type: 'array', items: { type: 'object' } },
          totals: {
            type: 'object',
            properties: { bills: { type: 'integer' }, corrections: { type: 'integer' }, netPence: pence('Sum of the rows'), vatPence: pence('VAT'), totalPence: pence('net + VAT') },
          },
        },
      },
    },
  });
}
