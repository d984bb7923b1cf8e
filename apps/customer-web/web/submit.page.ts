/**
 * The customer's page: plain TypeScript and the DOM, bundled by esbuild with the
 * same pure validators read-api runs (libs/meter-domain), so the browser's
 * immediate feedback and the API's answer cannot disagree.
 *
 * Delivery: a reading is kept (sessionStorage) with its Idempotency-Key from the
 * first press of Submit until the API answered 202 or a 4xx. A 503/429 or a
 * network failure is said plainly and retried by itself with the same key, so
 * a retry names the same reading and is stored once. "Received" is shown only
 * after a 202.
 */
import { validateReadingFields, type ValidationIssue } from '@surge/meter-domain/reading-submission.validator';
import { DEFAULT_REGISTER_DIGITS } from '@surge/meter-domain/reading-value.parser';
import { meterOptions, registersOf, type MeterOption, type RegisterOption } from './meter.catalog';

interface Session {
  token: string;
  accountId: string;
  supplyPoints: string[];
  meterSerials: string[];
}
interface Pending {
  key: string;
  body: Record<string, unknown>;
  pressedAt: number;
}
interface ReadingView {
  readingId: string;
  status: 'received' | 'accepted' | 'rejected' | 'held' | 'billed';
  reason: { code: string; message: string } | null;
  readAt: string;
  value: string;
  meterSerial: string;
  registerId: string;
  bills?: { billId: string }[];
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const timings: { metric: string; ms: number }[] = [];
(window as unknown as { __surge: unknown }).__surge = { timings };

// ---------- session ----------
const loadSession = (): Session | null => {
  try {
    return JSON.parse(sessionStorage.getItem('surge.session') ?? 'null') as Session | null;
  } catch {
    return null;
  }
};
let session = loadSession();

async function api(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<{ status: number; body: any; retryAfter: number | null }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.key) headers['idempotency-key'] = init.key;
  const res = await fetch(path, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const ra = Number(res.headers.get('retry-after'));
  return { status: res.status, body: await res.json().catch(() => null), retryAfter: Number.isFinite(ra) && ra > 0 ? ra : null };
}

// ---------- views ----------
const VIEWS: Record<string, { id: string; title: string }> = {
  '/': { id: 'view-submit', title: 'Submit a meter reading' },
  '/readings': { id: 'view-readings', title: 'My readings' },
  '/bills': { id: 'view-bills', title: 'My bills' },
};

function show(path: string): void {
  const signedIn = session !== null;
  $('nav').hidden = !signedIn;
  for (const v of ['view-sign-in', 'view-submit', 'view-readings', 'view-bills']) $(v).hidden = true;
  $('lead').hidden = path !== '/' && signedIn;
  if (!signedIn) {
    $('view-sign-in').hidden = false;
    $('title').textContent = 'Sign in to submit a meter reading';
    return;
  }
  const view = VIEWS[path] ?? VIEWS['/']!;
  $('view-' + view.id.slice(5)).hidden = false;
  $('title').textContent = view.title;
  document.title = `${view.title} | Surge Energy`;
  if (view.id === 'view-submit') renderForm();
  if (view.id === 'view-readings') void loadReadings();
  if (view.id === 'view-bills') void loadBills();
}

function navigate(path: string): void {
  history.pushState(null, '', path);
  show(path);
  $('title').focus?.();
}

document.addEventListener('click', (e) => {
  const a = (e.target as HTMLElement).closest('a');
  if (a && a.origin === location.origin && VIEWS[a.pathname]) {
    e.preventDefault();
    navigate(a.pathname);
  }
});
window.addEventListener('popstate', () => show(location.pathname));

// ---------- sign in ----------
$('sign-in-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('account');
  const err = $('account-error');
  err.textContent = '';
  input.removeAttribute('aria-invalid');
  try {
    const r = await api('/api/dev/sign-in', { method: 'POST', body: { accountId: input.value.trim(), supplyPointId: $<HTMLInputElement>('sign-in-mpan').value.trim(), meterSerial: $<HTMLInputElement>('sign-in-serial').value.trim() } });
    if (r.status !== 200) {
      err.textContent = r.body?.error?.message ?? 'We could not sign you in; try again in a moment.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    session = r.body as Session;
    sessionStorage.setItem('surge.session', JSON.stringify(session));
    show(location.pathname);
  } catch {
    err.textContent = 'We could not reach the sign-in service; check your connection and try again.';
  }
});
$('sign-out').addEventListener('click', () => {
  sessionStorage.clear();
  session = null;
  navigate('/');
});

// ---------- submit ----------
let meters: MeterOption[] = [];
let registers: RegisterOption[] = [];

function renderForm(): void {
  if (!session) return;
  meters = meterOptions(session);
  const meter = $<HTMLSelectElement>('meter');
  if (meter.options.length === 0) {
    for (const m of meters) meter.add(new Option(`${m.meterSerial} (supply ${m.supplyPointId})`, String(meters.indexOf(m))));
    meter.addEventListener('change', renderRegisters);
    renderRegisters();
    const date = $<HTMLInputElement>('read-date');
    date.value = localDate(new Date());
    date.max = localDate(new Date());
  }
  const pending = loadPending();
  if (pending) void send(pending);
}

function renderRegisters(): void {
  const m = meters[Number($<HTMLSelectElement>('meter').value)];
  registers = m ? registersOf(m) : [];
  const reg = $<HTMLSelectElement>('register');
  reg.replaceChildren(...registers.map((r, i) => new Option(r.label, String(i))));
  reg.onchange = renderDigits;
  renderDigits();
}

function renderDigits(): void {
  const r = registers[Number($<HTMLSelectElement>('register').value)];
  const n = r?.digits ?? DEFAULT_REGISTER_DIGITS;
  const box = $('digits');
  box.replaceChildren();
  $('digits-group').querySelector('legend')!.textContent = `Reading (${n} digits)`;
  for (let i = 0; i < n; i++) {
    const d = document.createElement('input');
    Object.assign(d, { id: `digit-${i}`, inputMode: 'numeric', maxLength: 1, autocomplete: 'off' });
    d.setAttribute('aria-label', `Digit ${i + 1} of ${n}`);
    d.setAttribute('aria-describedby', 'value-error');
    d.addEventListener('input', () => {
      if (d.value.length === 1 && i < n - 1) $<HTMLInputElement>(`digit-${i + 1}`).focus();
    });
    d.addEventListener('keydown', (e) => {
      if (e.key === 'Backspace' && d.value === '' && i > 0) $<HTMLInputElement>(`digit-${i - 1}`).focus();
    });
    box.append(d);
  }
}

const localDate = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** Today: now. An earlier day: noon that day, local time (a date is enough for a non-smart meter). */
function readAtOf(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return date;
  if (date === localDate(new Date())) return new Date().toISOString();
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d, 12).toISOString();
}

/** Which form control shows an issue of a given API/validator field. */
const FIELD_ERRORS: Record<string, { error: string; control: string }> = {
  value: { error: 'value-error', control: 'digit-0' },
  digits: { error: 'value-error', control: 'digit-0' },
  readAt: { error: 'read-date-error', control: 'read-date' },
  supplyPointId: { error: 'meter-error', control: 'meter' },
  meterSerial: { error: 'meter-error', control: 'meter' },
  fuel: { error: 'meter-error', control: 'meter' },
  registerId: { error: 'register-error', control: 'register' },
};

function showIssues(issues: readonly { field: string; message: string }[]): void {
  for (const f of Object.values(FIELD_ERRORS)) {
    $(f.error).textContent = '';
    $(f.control).removeAttribute('aria-invalid');
  }
  document.querySelectorAll('#digits input').forEach((d) => d.removeAttribute('aria-invalid'));
  let first: HTMLElement | null = null;
  for (const i of issues) {
    const f = FIELD_ERRORS[i.field] ?? FIELD_ERRORS.value!;
    const el = $(f.error);
    el.textContent = el.textContent ? `${el.textContent} ${i.message}` : i.message;
    const controls = f.error === 'value-error' ? [...document.querySelectorAll<HTMLElement>('#digits input')] : [$(f.control)];
    controls.forEach((c) => c.setAttribute('aria-invalid', 'true'));
    first ??= controls[0] ?? null;
  }
  first?.focus();
}

$('reading-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const pressedAt = performance.now();
  const m = meters[Number($<HTMLSelectElement>('meter').value)];
  const r = registers[Number($<HTMLSelectElement>('register').value)];
  if (!m || !r) return;
  const value = [...document.querySelectorAll<HTMLInputElement>('#digits input')].map((d) => d.value.trim()).join('');
  const body = { supplyPointId: m.supplyPointId, meterSerial: m.meterSerial, registerId: r.registerId, readAt: readAtOf($<HTMLInputElement>('read-date').value), value, digits: r.digits };
  // The API's own rules, run here first: a wrong reading is explained at its field before anything is sent.
  const issues: ValidationIssue[] = validateReadingFields({ ...body, fuel: m.fuel }, new Date());
  showIssues(issues);
  if (issues.length > 0) return;
  const pending: Pending = { key: newKey(), body, pressedAt };
  sessionStorage.setItem('surge.pending', JSON.stringify(pending));
  void send(pending);
});

function loadPending(): Pending | null {
  try {
    return JSON.parse(sessionStorage.getItem('surge.pending') ?? 'null') as Pending | null;
  } catch {
    return null;
  }
}

function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

let sending = false;
function outcome(cls: string, html: Node[]): void {
  const o = $('outcome');
  o.className = cls;
  o.replaceChildren(...html);
}
const p = (text: string, strong = false): HTMLElement => {
  const el = document.createElement('p');
  if (strong) el.append(Object.assign(document.createElement('strong'), { textContent: text }));
  else el.textContent = text;
  return el;
};

async function send(pending: Pending): Promise<void> {
  if (sending) return;
  sending = true;
  $<HTMLButtonElement>('submit').disabled = true;
  let attempt = 0;
  try {
    for (;;) {
      attempt++;
      let waitS: number;
      try {
        const r = await api('/api/read/v1/meter-readings', { method: 'POST', body: pending.body, key: pending.key });
        if (r.status === 202) {
          sessionStorage.removeItem('surge.pending');
          answered(pending);
          outcome('received', [p('Reading received', true), p('We have your reading safely. Checking it now…')]);
          void follow(r.body.readingId as string);
          return;
        }
        if (r.status !== 503 && r.status !== 429 && r.status < 500) {
          sessionStorage.removeItem('surge.pending');
          answered(pending);
          const err = r.body?.error ?? {};
          if (Array.isArray(err.issues) && err.issues.length > 0) showIssues(err.issues);
          outcome('rejected', [p('Reading not sent', true), p(err.message ?? 'Please check the reading and try again.')]);
          return;
        }
        waitS = Math.min(r.retryAfter ?? 2 * attempt, 30);
        outcome('waiting', [p('We are very busy right now', true), p(`Your reading is kept on this page and has not been received yet. We will send it again by ourselves in ${waitS} second${waitS === 1 ? '' : 's'} (attempt ${attempt + 1}); you do not need to do anything.`)]);
      } catch {
        waitS = Math.min(2 * attempt, 30);
        outcome('waiting', [p('We cannot reach our service', true), p(`Check your connection. Your reading is kept on this page and has not been received yet. We will try again by ourselves in ${waitS} second${waitS === 1 ? '' : 's'} (attempt ${attempt + 1}).`)]);
      }
      await new Promise((res) => setTimeout(res, waitS * 1000));
    }
  } finally {
    sending = false;
    $<HTMLButtonElement>('submit').disabled = false;
  }
}

/** Submit-to-answer: from the press of Submit to the API's answer on screen (202 or a 4xx), retries included. */
function answered(pending: Pending): void {
  // pressedAt is only comparable within the page load that pressed Submit.
  if (pending.pressedAt <= performance.now()) beacon('submit_to_answer', performance.now() - pending.pressedAt);
}

const WHAT_TO_DO: Record<string, string> = {
  accepted: 'Thank you: this reading will be used for your next bill.',
  held: 'We are checking this reading by hand and will contact you if we need a photo of your meter.',
  billed: 'This reading is on a bill: see My bills.',
};

async function follow(readingId: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    const r = await api(`/api/read/v1/meter-readings/${encodeURIComponent(readingId)}`).catch(() => null);
    const v = r?.status === 200 ? (r.body as ReadingView) : null;
    if (!v || v.status === 'received') continue;
    const title = { accepted: 'Reading accepted', rejected: 'Reading rejected', held: 'Reading held for review', billed: 'Reading billed' }[v.status];
    const detail = v.status === 'rejected' ? `${v.reason?.message ?? 'It did not pass our checks.'} Check the digits left to right and submit it again.` : WHAT_TO_DO[v.status]!;
    outcome(v.status, [p(title, true), p(detail)]);
    void offerSurvey(readingId);
    return;
  }
  outcome('received', [p('Reading received', true), p('We are still checking it; see My readings later for the result.')]);
}

// ---------- satisfaction ----------
async function offerSurvey(readingId: string): Promise<void> {
  for (let i = 0; i < 15; i++) {
    const r = await api('/api/csat/v1/surveys').catch(() => null);
    const survey = (r?.body?.items as { id: string; readingId: string }[] | undefined)?.find((s) => s.readingId === readingId);
    if (survey) return renderSurvey(survey.id);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

const SCALE = ['Very dissatisfied', 'Dissatisfied', 'Neither', 'Satisfied', 'Very satisfied'];
function renderSurvey(surveyId: string): void {
  const form = $<HTMLFormElement>('survey');
  $('scale').replaceChildren(
    ...SCALE.map((label, i) => {
      const l = document.createElement('label');
      const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'score', value: String(i + 1) });
      l.append(input, `${i + 1} ${label}`);
      return l;
    }),
  );
  form.hidden = false;
  $('survey-done').hidden = true;
  form.onsubmit = async (e) => {
    e.preventDefault();
    const score = Number((form.querySelector('input[name=score]:checked') as HTMLInputElement | null)?.value);
    if (!score) {
      $('survey-error').textContent = 'Choose how satisfied you are, from 1 to 5.';
      return;
    }
    const comment = $<HTMLTextAreaElement>('comment').value.trim();
    const r = await api(`/api/csat/v1/surveys/${encodeURIComponent(surveyId)}/answer`, { method: 'POST', body: { score, ...(comment ? { comment } : {}) } }).catch(() => null);
    if (r && (r.status === 201 || r.status === 409)) {
      form.hidden = true;
      const done = $('survey-done');
      done.hidden = false;
      done.textContent = r.status === 201 ? 'Thank you for your answer.' : 'You have already answered this question.';
      return;
    }
    $('survey-error').textContent = r?.body?.error?.message ?? 'We could not send your answer; try again in a moment.';
  };
}

// ---------- my readings, my bills ----------
async function loadReadings(): Promise<void> {
  if (!session) return;
  const msg = $('readings-msg');
  msg.textContent = 'Loading…';
  const r = await api(`/api/read/v1/accounts/${encodeURIComponent(session.accountId)}/meter-readings?limit=50`).catch(() => null);
  if (!r || r.status !== 200) {
    msg.textContent = r?.status === 503 ? 'Your readings cannot be shown right now; your submitted readings are safe. Try again in a few minutes.' : 'Your readings cannot be shown right now.';
    return;
  }
  const items = r.body.items as ReadingView[];
  $('readings').replaceChildren(
    ...items.map((v) => {
      const tr = document.createElement('tr');
      for (const text of [new Date(v.readAt).toLocaleDateString('en-GB'), `${v.meterSerial} ${v.registerId}`, v.value, v.status + (v.reason ? `: ${v.reason.message}` : '')]) tr.append(Object.assign(document.createElement('td'), { textContent: text }));
      return tr;
    }),
  );
  msg.textContent = items.length === 0 ? 'No readings yet.' : '';
}

async function loadBills(): Promise<void> {
  if (!session) return;
  const msg = $('bills-msg');
  msg.textContent = 'Loading…';
  const acc = encodeURIComponent(session.accountId);
  const r = await api(`/api/billing/v1/accounts/${acc}/bills`).catch(() => null);
  if (!r || r.status !== 200) {
    msg.textContent = r?.status === 404 ? 'No bills yet.' : 'Your bills cannot be shown right now; try again in a few minutes.';
    return;
  }
  const items = r.body.items as { billId: string; period: { from: string; to: string }; estimated: boolean; totals: { total: string } }[];
  const box = $('bills');
  box.replaceChildren();
  for (const b of items) {
    const div = Object.assign(document.createElement('div'), { className: 'bill' });
    div.append(Object.assign(document.createElement('h2'), { textContent: `Bill ${b.totals.total} (${b.estimated ? 'estimated' : 'actual'})` }));
    const d = await api(`/api/billing/v1/accounts/${acc}/bills/${encodeURIComponent(b.billId)}`).catch(() => null);
    const ul = document.createElement('ul');
    for (const l of (d?.body?.lines ?? []) as { description: string; periodFrom: string; periodTo: string; amountPence: string; estimated: boolean }[]) {
      ul.append(Object.assign(document.createElement('li'), { textContent: `${l.description}, ${l.periodFrom} to ${l.periodTo}: ${pounds(l.amountPence)}${l.estimated ? ' (estimated)' : ''}` }));
    }
    div.append(ul);
    box.append(div);
  }
  msg.textContent = items.length === 0 ? 'No bills yet.' : '';
}

/** Whole pence as pounds, by string, never through binary floating point. */
function pounds(pence: string): string {
  const m = /^(-?)(\d+)$/.exec(pence);
  if (!m) return `${pence}p`;
  const digits = m[2]!.padStart(3, '0');
  return `${m[1]}£${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

// ---------- page timings ----------
function beacon(metric: string, ms: number): void {
  timings.push({ metric, ms });
  const blob = new Blob([JSON.stringify({ page: 'submit', timings: [{ metric, ms }] })], { type: 'application/json' });
  // Best effort: a lost beacon loses a sample, never a reading.
  if (!navigator.sendBeacon?.('/api/telemetry/page-timings', blob)) void fetch('/api/telemetry/page-timings', { method: 'POST', body: blob, keepalive: true, headers: { 'content-type': 'application/json' } }).catch(() => undefined);
}

const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
if (nav) beacon('ttfb', nav.responseStart - nav.startTime);
let lcp = 0;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) lcp = e.startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
} catch {
  /* browsers without LCP report none */
}
const reportLcp = () => {
  if (lcp > 0) beacon('lcp', lcp);
  lcp = 0;
};
addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && reportLcp());
// LCP is final at the first input; a customer who only types still reports it.
addEventListener('pointerdown', reportLcp, { once: true, capture: true });
addEventListener('keydown', reportLcp, { once: true, capture: true });

show(location.pathname);
