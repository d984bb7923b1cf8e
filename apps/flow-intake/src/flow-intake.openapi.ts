import { D0010_FILE_REFUSAL_CODES, D0010_GROUP_REJECTION_CODES } from '@surge/industry-flow/d0010-reason.codes';
import { buildOpenApiDocument, edgeResponses, errorResponse, jsonResponse, operationalPaths, pathParameter, type OpenApiObject } from '@surge/http/openapi.builder';

const flowId = pathParameter('flowId', 'The flow id the intake answered with (a UUID)', { type: 'string', format: 'uuid' });
const counts = (names: string[]): OpenApiObject => ({ type: 'object', properties: Object.fromEntries(names.map((n) => [n, { type: 'integer' }])) });
const flowView: OpenApiObject = {
  type: 'object',
  required: ['flowId', 'state', 'counts', 'outcomes', 'links'],
  properties: {
    flowId: { type: 'string', format: 'uuid' },
    duplicate: { type: 'boolean', description: 'On POST only: true when the same file was received before (200; nothing changed)' },
    flowType: { const: 'D0010' },
    fileId: { type: 'string' },
    sender: { type: 'object', properties: { role: { type: 'string' }, mpid: { type: 'string' } } },
    state: { enum: ['stored', 'processing', 'done', 'failed'] },
    receivedAt: { type: 'string', format: 'date-time' },
    receivedVia: { enum: ['api', 'inbox'] },
    counts: {
      ...counts(['lines', 'records', 'groups', 'readings', 'readingsPublished', 'readingsRejected', 'groupsRejected', 'estimated', 'heldForReview', 'heldUnmatched', 'released']),
      description: 'What the flow held and what the processor did with it (grows while processing; exact once done)',
    },
    outcomes: { ...counts(['accepted', 'duplicates', 'held', 'rejected', 'undecided']), description: 'What read-sink decided about the published readings (seconds behind)' },
    lastError: { type: ['string', 'null'] },
    links: { type: 'object', properties: { self: { type: 'string' }, rejections: { type: 'string' }, readings: { type: 'string' } } },
  },
};
const csv = (description: string): OpenApiObject => ({ description, content: { 'text/csv': { schema: { type: 'string' } } } });
const refusals = Object.keys(D0010_FILE_REFUSAL_CODES).join(', ');

/** flow-intake's OpenAPI 3.1 document (GET /openapi.json). */
export function buildFlowIntakeOpenApi(): OpenApiObject {
  return buildOpenApiDocument({
    title: 'Surge industry flows',
    description:
      'D0010 meter-reading flows from data collectors (API key scope flows:submit; flows:read for operations). The file is stored durably before the 202 and processed into readings on meter-readings.v1, the same pipeline as customers\u2019 readings (docs/industry-flows.md).',
    extraErrorCodes: Object.fromEntries(
      [...Object.entries(D0010_FILE_REFUSAL_CODES), ...Object.entries(D0010_GROUP_REJECTION_CODES)].map(([code, description]) => [code, { status: 400, description: `${description} (issue code inside FLOW_REFUSED, or a reason in the rejection report)` }]),
    ),
    paths: {
      ...operationalPaths('PostgreSQL required; Kafka reported (files are taken while it is down and processed after)'),
      '/v1/industry/flows': {
        post: {
          summary: 'Send a D0010 file (the body is the file, streamed)',
          requestBody: { required: true, content: { 'text/plain': { schema: { type: 'string' } }, 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            '202': jsonResponse('Stored durably; it will be processed. Location: the status URL', flowView),
            '200': jsonResponse('The same file was received before: nothing changed (duplicate: true)', flowView),
            ...edgeResponses(),
            '400': errorResponse(`FLOW_REFUSED: the file is refused whole, issues[0] names the line and one of ${refusals}; nothing was taken`),
            '409': errorResponse('FLOW_ID_REUSED: other bytes under a sender and file id already received'),
            '413': errorResponse('FLOW_TOO_LARGE: past FLOW_MAX_BYTES'),
            '415': errorResponse('UNSUPPORTED_MEDIA_TYPE: send text/plain or application/octet-stream'),
          },
        },
      },
      '/v1/industry/flows/{flowId}': {
        get: { summary: 'A flow\u2019s state and counts', parameters: [flowId], responses: { '200': jsonResponse('The flow', flowView), ...edgeResponses({ notFound: 'FLOW_NOT_FOUND (another collector\u2019s flow looks the same)' }) } },
      },
      '/v1/industry/flows/{flowId}/rejections.csv': {
        get: {
          summary: 'The rejection report: line, mpan, meter_id, register_id, reason_code, message, readings',
          parameters: [flowId],
          responses: { '200': csv('One row per rejected reading or group'), ...edgeResponses({ notFound: 'FLOW_NOT_FOUND' }) },
        },
      },
      '/v1/industry/flows/{flowId}/readings.csv': {
        get: {
          summary: 'Per-reading outcomes: line, reading_id, mpan, status, reason_code, duplicate_of',
          parameters: [flowId],
          responses: { '200': csv('One row per published reading, with what read-sink decided (undecided until it has)'), ...edgeResponses({ notFound: 'FLOW_NOT_FOUND' }) },
        },
      },
    },
  });
}
