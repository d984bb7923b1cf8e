import { enrolmentSchema, eventSchema, preferenceSchema, programmeSchema, reportSchema } from '@surge/flexibility/flexibility.schema';
import {
  bodyResponses,
  buildOpenApiDocument,
  edgeResponses,
  errorResponse,
  jsonBody,
  jsonResponse,
  operationalPaths,
  pathParameter,
  queryParameter,
  schemaOf,
  type OpenApiObject,
} from '@surge/http/openapi.builder';

const accountId = pathParameter('accountId', 'The member\u2019s account id (a customer token acts on its own account only; another is 404)');
const deviceId = pathParameter('deviceId', 'An enrolled device');
const eventId = pathParameter('eventId', 'A flexibility event');
const programmeId = pathParameter('programmeId', 'A flexibility programme');
const obj: OpenApiObject = { type: 'object' };
const list: OpenApiObject = { type: 'array', items: { type: 'object' } };
const conflict = (what: string): Record<string, OpenApiObject> => ({ '409': errorResponse(what) });

/** The flexibility OpenAPI 3.1 document (GET /openapi.json), from the zod schemas the controllers validate with. */
export function buildFlexibilityOpenApi(): OpenApiObject {
  return buildOpenApiDocument({
    title: 'Surge flexibility',
    description:
      'Flexibility events that honour members\u2019 preferences and pay them on their bill (docs/decisions/0017-flexibility.md). Members enrol devices and set versioned preferences with their customer token; the programme team (API key flex:manage; flex:read to look) runs programmes, events, dispatch and settlement; devices (VENs) speak a subset of OpenADR 3 under /openadr3. Facts are published on flex.dispatch.v1, flex.notifications.v1, flex.earned-value.v1 and flex.membership.v1.',
    extraErrorCodes: {
      INVALID_MODE: { status: 400, description: "A preference mode is not 'allow' or 'protect' (issue code inside VALIDATION_FAILED)." },
      INVALID_TIME: { status: 400, description: 'A window time is not a London time of day HH:MM (issue code inside VALIDATION_FAILED).' },
      EMPTY_WINDOW: { status: 400, description: 'A window starts and ends at the same time (issue code inside VALIDATION_FAILED).' },
      INVALID_REPORT: { status: 400, description: 'An OpenADR 3 report lacks its event, resources, intervals or USAGE/BASELINE payloads (issue code inside VALIDATION_FAILED).' },
      INVALID_DURATION: { status: 400, description: 'An interval duration is not an ISO 8601 duration such as PT30M (issue code inside VALIDATION_FAILED).' },
    },
    paths: {
      ...operationalPaths('PostgreSQL required; Kafka reported (changes commit while it is down, their facts wait in the outbox)'),
      '/v1/flex/accounts/{accountId}/enrolment': {
        post: { summary: 'Enrol devices (a D member becomes C)', parameters: [accountId], requestBody: jsonBody(schemaOf(enrolmentSchema)), responses: { '201': jsonResponse('The member and devices', obj), ...conflict('DEVICE_ALREADY_ENROLLED'), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND' }), ...bodyResponses() } },
      },
      '/v1/flex/accounts/{accountId}/devices': {
        get: { summary: 'The member\u2019s devices with every preference version', parameters: [accountId], responses: { '200': jsonResponse('Devices', obj), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND' }) } },
      },
      '/v1/flex/accounts/{accountId}/devices/{deviceId}/preference': {
        put: { summary: 'Set a device\u2019s preference (a new version; the old ones are kept)', parameters: [accountId, deviceId], requestBody: jsonBody(schemaOf(preferenceSchema)), responses: { '200': jsonResponse('The new version and the history', obj), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND, DEVICE_NOT_FOUND' }), ...bodyResponses() } },
      },
      '/v1/flex/accounts/{accountId}/activity': {
        get: { summary: 'Decisions about the member\u2019s devices (with why), notifications sent, earned value', parameters: [accountId], responses: { '200': jsonResponse('Activity', obj), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND' }) } },
      },
      '/v1/flex/accounts/{accountId}/events/{eventId}/reports': {
        post: { summary: 'A device report for an event: USAGE per half-hour and resource, for the window and the 42 days before it (the history the baseline is computed from); 400 REPORT_INTERVAL_NOT_HALF_HOUR, REPORT_OUTSIDE_WINDOW', parameters: [accountId, eventId], requestBody: jsonBody(schemaOf(reportSchema)), responses: { '201': jsonResponse('The report as stored', obj), ...conflict('REPORT_ALREADY_RECEIVED, USAGE_ALREADY_REPORTED'), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND, FLEX_EVENT_NOT_FOUND, DEVICE_NOT_FOUND' }), ...bodyResponses() } },
      },
      '/v1/flex/programmes': {
        post: { summary: 'Create a programme (flex:manage)', requestBody: jsonBody(schemaOf(programmeSchema)), responses: { '201': jsonResponse('The programme', obj), ...conflict('PROGRAMME_ALREADY_EXISTS'), ...edgeResponses(), ...bodyResponses() } },
      },
      '/v1/flex/programmes/{programmeId}/view': {
        get: { summary: 'Participation, protection rates by device kind and part of day, delivered kWh and value by category A-D', parameters: [programmeId], responses: { '200': jsonResponse('The programme view', obj), ...edgeResponses({ notFound: 'PROGRAMME_NOT_FOUND' }) } },
      },
      '/v1/flex/programmes/{programmeId}/events': {
        post: { summary: 'Create an event (window, target, requested kW, price)', parameters: [programmeId], requestBody: jsonBody(schemaOf(eventSchema)), responses: { '201': jsonResponse('The event', obj), ...conflict('FLEX_EVENT_ALREADY_EXISTS'), ...edgeResponses({ notFound: 'PROGRAMME_NOT_FOUND' }), ...bodyResponses() } },
      },
      '/v1/flex/events/{eventId}': {
        get: { summary: 'An event', parameters: [eventId], responses: { '200': jsonResponse('The event', obj), ...edgeResponses({ notFound: 'FLEX_EVENT_NOT_FOUND' }) } },
      },
      '/v1/flex/events/{eventId}/dispatch': {
        post: { summary: 'Decide and record every targeted device (idempotent: a retry returns the recorded outcome)', parameters: [eventId], responses: { '200': jsonResponse('The dispatch summary', obj), ...edgeResponses({ notFound: 'FLEX_EVENT_NOT_FOUND' }) } },
      },
      '/v1/flex/events/{eventId}/settlement': {
        post: { summary: 'Earned value for every reporting member, once each; end notifications; credits for billing', parameters: [eventId], responses: { '200': jsonResponse('Credits settled now', obj), ...conflict('FLEX_EVENT_NOT_DISPATCHED, FLEX_EVENT_NOT_ENDED'), ...edgeResponses({ notFound: 'FLEX_EVENT_NOT_FOUND' }) } },
      },
      '/openadr3/programs': { get: { summary: 'OpenADR 3 programs', responses: { '200': jsonResponse('Programs', list), ...edgeResponses() } } },
      '/openadr3/events': { get: { summary: 'OpenADR 3 events (intervalPeriod, PRICE payload)', parameters: [queryParameter('programID', 'Only this program\u2019s events', { type: 'string' })], responses: { '200': jsonResponse('Events', list), ...edgeResponses() } } },
      '/openadr3/reports': {
        post: { summary: 'An OpenADR 3 report from the member\u2019s VEN: USAGE per half-hour (PT30M) and resource, history included as the event\u2019s reportDescriptors ask; a BASELINE is kept, never paid on', requestBody: jsonBody(obj), responses: { '201': jsonResponse('The created report', obj), ...conflict('REPORT_ALREADY_RECEIVED, USAGE_ALREADY_REPORTED'), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND, FLEX_EVENT_NOT_FOUND' }), ...bodyResponses() } },
      },
    },
  });
}
