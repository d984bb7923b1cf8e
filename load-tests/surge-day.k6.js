// Meter Reading Day, replayed: a ramping arrival rate from normal peak to 14x
// and back, with the mix of a real surge. Its thresholds ARE the SLOs: they
// come from slo-thresholds.json, generated from libs/slo (one definition).
//
//   k6 run -e TARGET=http://127.0.0.1:3000 -e FIXTURES=fixtures.json -e PROFILE=full surge-day.k6.js
//
// Mix (per request): 88% customer single submissions, of which 4% are invalid
// (a bad MPAN or a future date), 3% are retried with the same Idempotency-Key
// and 2% resubmit an earlier reading without a key (a duplicate the platform
// must count once); 12% data-collector batches of BATCH_SIZE readings.
// Every reading answered 202/207-received is logged ("A <ms> <readingId>") to
// the console file, for the loss audit. Bounded: the profile has a fixed
// length and the executor stops by itself; loopback only.
import http from 'k6/http';
import { check } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

const slo = JSON.parse(open('./slo-thresholds.json'));
// Parsed once and shared by every VU (a plain JSON.parse here would run in each VU: GBs at 1,000 VUs).
const customers = new SharedArray('customers', () => JSON.parse(open(__ENV.FIXTURES)).customers);
const collectorKey = new SharedArray('collector', () => [JSON.parse(open(__ENV.FIXTURES)).collectorKey])[0];
const TARGET = __ENV.TARGET || 'http://127.0.0.1:3000';
const PROFILE = __ENV.PROFILE || 'full';
const BATCH_SIZE = Number(__ENV.BATCH_SIZE || 40);
const NORMAL_PEAK = Number(__ENV.NORMAL_PEAK || 50); // requests/s on an ordinary busy evening
const LOG_ACCEPTED = __ENV.LOG_ACCEPTED !== '0';

const PROFILES = {
  // normal peak → 14x → normal: the shape of 31 March 2022, compressed
  full: [
    { target: NORMAL_PEAK, duration: '20s' },
    { target: NORMAL_PEAK * 14, duration: '40s' },
    { target: NORMAL_PEAK * 14, duration: '90s' },
    { target: NORMAL_PEAK, duration: '20s' },
    { target: NORMAL_PEAK, duration: '10s' },
  ],
  short: [
    { target: NORMAL_PEAK, duration: '5s' },
    { target: NORMAL_PEAK * 14, duration: '10s' },
    { target: NORMAL_PEAK * 14, duration: '15s' },
    { target: NORMAL_PEAK, duration: '5s' },
  ],
};

// A closed-loop capacity probe: as fast as the target answers, for comparing
// the platform with a bare HTTP server on the same machine.
const scenarios =
  PROFILE === 'capacity'
    ? { capacity: { executor: 'constant-vus', vus: Number(__ENV.VUS || 64), duration: __ENV.DURATION || '20s' } }
    : {
        surge: {
          executor: 'ramping-arrival-rate',
          startRate: NORMAL_PEAK,
          timeUnit: '1s',
          preAllocatedVUs: 100,
          maxVUs: 1000,
          stages: PROFILES[PROFILE],
        },
      };

export const options = {
  scenarios,
  thresholds: PROFILE === 'capacity' ? {} : slo.thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max'],
  discardResponseBodies: false,
  noConnectionReuse: false,
};

const submitErrors = new Rate('submit_errors'); // the availability SLI: 5xx and transport errors
const readingsAccepted = new Counter('readings_accepted');
const invalidAnswered = new Counter('invalid_answered_4xx');
const errorPattern = new RegExp(slo.errorDefinitions.submit_errors.statusPattern);

// One console line per response (a batch's ids together): logging is k6's most expensive per-reading work.
function logAccepted(ids) {
  if (LOG_ACCEPTED && ids.length > 0) console.log(`A ${Date.now()} ${ids.join(' ')}`);
}

// Each customer submits once per "cycle" of the customer list; a cycle
// stands for one day of meter time (from 400 days ago), and each reading is
// 0.1 kWh above the last. Genuine submissions are therefore ordered, dated in
// the past, and far below twice the expected advance, so they are accepted;
// the invalid and duplicate ones in the mix are the only rejections.
const DAY_MS = 24 * 3600 * 1000;
const BASE_MS = Date.now() - 400 * DAY_MS;
const readAtOf = (n) => new Date(BASE_MS + Math.floor(n / customers.length) * DAY_MS + (n % customers.length) * 1000).toISOString();
const valueOf = (start, n) => (start + Math.floor(n / customers.length) * 0.1).toFixed(1);

export default function () {
  const it = exec.scenario.iterationInTest;
  const roll = (it * 7919) % 100; // deterministic mix, spread evenly over time
  if (roll < 12) return collectorBatch(it);
  const c = customers[it % customers.length];
  const body = {
    supplyPointId: c.supplyPointId,
    meterSerial: c.meterSerial,
    registerId: 'S',
    readAt: readAtOf(it),
    value: valueOf(10000, it),
  };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${c.token}` };
  const key = `k6-${__ENV.RUN_ID || 'run'}-${it}`;
  if (roll < 16) {
    // invalid input: expect a 4xx with a stable code, never a 5xx
    if (roll % 2 === 0) body.supplyPointId = '1000000000000';
    else body.readAt = '2099-01-01T00:00:00Z';
    submit(body, headers, key);
  } else if (roll < 19) {
    // a client retry with the same key and body: the first response replayed, stored once
    submit(body, headers, key);
    submit(body, headers, key);
  } else if (roll < 21) {
    // the same reading twice without a key: two ids, the second decided as a duplicate
    submit(body, headers, null);
    submit(body, headers, null);
  } else {
    submit(body, headers, key);
  }
}

function submit(body, headers, key) {
  const h = key ? Object.assign({ 'idempotency-key': key }, headers) : headers;
  const res = http.post(`${TARGET}/v1/meter-readings`, JSON.stringify(body), { headers: h, tags: { name: 'submit' } });
  const failed = res.status === 0 || errorPattern.test(String(res.status));
  submitErrors.add(failed);
  if (res.status === 202) {
    readingsAccepted.add(1);
    logAccepted([res.json('readingId')]);
  } else if (res.status >= 400 && res.status < 500) {
    invalidAnswered.add(1);
  }
  check(res, { 'submit answered 202 or a 4xx': (r) => r.status === 202 || (r.status >= 400 && r.status < 500) });
}

function collectorBatch(it) {
  const readings = [];
  for (let i = 0; i < BATCH_SIZE; i++) {
    const c = customers[(it * BATCH_SIZE + i) % customers.length];
    readings.push({
      accountId: c.accountId,
      supplyPointId: c.collectorSupplyPointId,
      meterSerial: c.meterSerial,
      registerId: 'S',
      readAt: readAtOf(it * BATCH_SIZE + i),
      value: valueOf(20000, it * BATCH_SIZE + i),
      source: 'R',
    });
  }
  const res = http.post(`${TARGET}/v1/meter-readings/batch`, JSON.stringify({ readings }), {
    headers: { 'content-type': 'application/json', 'x-api-key': collectorKey, 'idempotency-key': `k6-${__ENV.RUN_ID || 'run'}-batch-${it}` },
    tags: { name: 'batch' },
  });
  check(res, { 'batch answered 207': (r) => r.status === 207 || r.status === 202 });
  if (res.status === 207) {
    const ids = (res.json('results') || []).filter((r) => r.status === 'received').map((r) => r.readingId);
    readingsAccepted.add(ids.length);
    logAccepted(ids);
  }
}

export function handleSummary(data) {
  const out = {};
  if (__ENV.SUMMARY_FILE) out[__ENV.SUMMARY_FILE] = JSON.stringify(data, null, 2);
  out.stdout = '';
  return out;
}
