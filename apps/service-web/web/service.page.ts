/**
 * The customer-service page: find an account (account id, MPAN or meter serial), read its timeline newest
 * first, open a reading (outcome, reason, staff notes), a bill (lines and totals) or a survey answer.
 * Plain TypeScript and the DOM, bundled by esbuild. Every call goes same-origin to /api/timeline; the
 * staff session is sent as X-Staff-Session and swapped for the staff key by the server, so the browser
 * never holds a key. What the API refuses (a customer token, an unknown account) is said in words.
 */
interface Entry {
  id: string;
  kind: string;
  occurredAt: string;
  source: string;
  summary: string;
  link: { type: string; id: string; href: string };
  details: Record<string, unknown>;
  staffNote?: string | null;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const SESSION_KEY = 'surge.staff.session';
const TOKEN_KEY = 'surge.session'; // a customer's page session, if one is in this browser: sent as is, and refused

let account: string | null = null;
let cursor: string | null = null;
let entries: Entry[] = [];

function credentials(): Record<string, string> {
  const staff = sessionStorage.getItem(SESSION_KEY);
  if (staff) return { 'x-staff-session': staff };
  try {
    const customer = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null') as { token?: string } | null;
    if (customer?.token) return { authorization: `Bearer ${customer.token}` };
  } catch {
    /* nothing usable */
  }
  return {};
}

async function api(path: string): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(`/api/timeline${path}`, { headers: { accept: 'application/json', ...credentials() } });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch {
    return { status: 0, body: null };
  }
}

function problem(status: number, body: any, what: string): string {
  if (status === 401) return 'Please sign in again: your staff session has ended.';
  if (status === 403) return 'This page is for customer service staff. Sign in with a staff account to search accounts.';
  if (status === 404) return `No account ${what} is known. Check the account id, MPAN or meter serial and try again.`;
  if (status === 400) return body?.error?.message ?? 'That search is not valid.';
  if (status === 0 || status >= 500) return 'The timeline service is not answering just now. Try again in a few seconds.';
  return body?.error?.message ?? `Something went wrong (HTTP ${status}).`;
}

function show(view: 'sign-in' | 'search'): void {
  $('view-sign-in').hidden = view !== 'sign-in';
  $('view-search').hidden = view !== 'search';
}

function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'medium' });
const pounds = (pence: unknown) => {
  const n = Number(pence);
  return Number.isFinite(n) ? `${n < 0 ? '-' : ''}£${(Math.abs(n) / 100).toFixed(2)}` : String(pence);
};

async function search(q: string): Promise<void> {
  const message = $('search-message');
  const list = $('matches');
  list.replaceChildren();
  $('view-timeline').hidden = true;
  message.textContent = 'Searching…';
  const res = await api(`/v1/account-lookup?q=${encodeURIComponent(q)}`);
  if (res.status !== 200) {
    message.textContent = problem(res.status, res.body, `for “${q}”`);
    return;
  }
  const matches = (res.body?.matches ?? []) as { accountId: string; matchedOn: string }[];
  if (matches.length === 0) {
    message.textContent = `No account found for “${q}”. Check the account id, MPAN or meter serial and try again.`;
    return;
  }
  if (matches.length === 1) {
    message.textContent = `Found account ${matches[0]!.accountId} (by ${matches[0]!.matchedOn.replace('_', ' ')}).`;
    await openAccount(matches[0]!.accountId);
    return;
  }
  message.textContent = `${matches.length} accounts match “${q}”.`;
  for (const m of matches) {
    const li = document.createElement('li');
    const b = text('button', `Account ${m.accountId}`);
    b.addEventListener('click', () => void openAccount(m.accountId));
    li.append(b, text('span', ` matched on ${m.matchedOn.replace('_', ' ')}`));
    list.append(li);
  }
}

async function openAccount(accountId: string): Promise<void> {
  account = accountId;
  cursor = null;
  entries = [];
  $('entries').replaceChildren();
  $('detail').hidden = true;
  $('timeline-title').textContent = `Timeline of account ${accountId}`;
  $('view-timeline').hidden = false;
  await loadPage();
}

async function loadPage(): Promise<void> {
  if (!account) return;
  const message = $('timeline-message');
  const kind = ($('kind') as HTMLSelectElement).value;
  const params = new URLSearchParams({ limit: '50' });
  if (kind) params.set('kind', kind);
  if (cursor) params.set('cursor', cursor);
  message.textContent = 'Loading…';
  const res = await api(`/v1/accounts/${encodeURIComponent(account)}/timeline?${params.toString()}`);
  if (res.status !== 200) {
    message.textContent = problem(res.status, res.body, account);
    return;
  }
  const page = res.body as { items: Entry[]; nextCursor: string | null };
  entries.push(...page.items);
  cursor = page.nextCursor;
  for (const e of page.items) $('entries').append(renderEntry(e));
  message.textContent = entries.length === 0 ? 'Nothing has happened on this account yet.' : `${entries.length} entries, newest first.`;
  $('more').hidden = cursor === null;
}

function renderEntry(e: Entry): HTMLElement {
  const li = document.createElement('li');
  li.dataset.kind = e.kind;
  li.dataset.entry = e.id;
  const time = text('time', when(e.occurredAt));
  time.setAttribute('datetime', e.occurredAt);
  const open = text('button', 'Open', 'link');
  open.setAttribute('aria-label', `Open: ${e.summary}`);
  open.addEventListener('click', () => openDetail(e));
  li.append(time, document.createElement('br'), text('span', e.source, 'src'), text('span', `${e.summary} `), open);
  return li;
}

function row(table: HTMLTableElement, label: string, value: unknown): void {
  const tr = table.insertRow();
  tr.append(text('th', label), text('td', value === null || value === undefined || value === '' ? '—' : String(value)));
}

function openDetail(e: Entry): void {
  const body = $('detail-body');
  body.replaceChildren();
  const d = e.details;
  const table = document.createElement('table');
  if (e.link.type === 'reading') {
    $('detail-title').textContent = `Reading ${d.value} on meter ${d.meterSerial}`;
    row(table, 'Outcome', d.status);
    row(table, 'Reason', d.reasonCode);
    row(table, 'What the customer was told', d.message);
    row(table, 'Read at', typeof d.readAt === 'string' ? when(d.readAt) : d.readAt);
    row(table, 'Register', d.registerId);
    row(table, 'Supply point (MPAN)', d.supplyPointId);
    row(table, 'Channel', d.channel === 'd0010' ? 'D0010 industry flow' : d.channel);
    if (d.flowId) row(table, 'Industry flow', d.flowId);
    if (d.reviewed) row(table, 'Decided on review', 'yes (the reviewer\'s note is in the staff note below)');
    row(table, 'Reading id', d.readingId);
    body.append(table);
  } else if (e.link.type === 'bill') {
    $('detail-title').textContent = `${d.kind === 'correction' ? 'Correction' : 'Bill'} ${d.periodStart} to ${d.periodEnd}`;
    const lines = document.createElement('table');
    lines.id = 'bill-lines';
    lines.createCaption().textContent = 'Lines';
    const head = lines.createTHead().insertRow();
    head.append(text('th', 'Line'), text('th', 'Period'), text('th', 'Amount'));
    const tbody = lines.createTBody();
    for (const l of (d.lines ?? []) as { description: string; periodFrom: string; periodTo: string; amountPence: string }[]) {
      const tr = tbody.insertRow();
      tr.append(text('td', l.description), text('td', `${l.periodFrom} to ${l.periodTo}`), text('td', pounds(l.amountPence)));
    }
    row(table, 'Net', pounds(d.netPence));
    row(table, 'VAT', pounds(d.vatPence));
    row(table, 'Total', pounds(d.totalPence));
    row(table, 'Estimated', d.estimated ? 'yes' : 'no');
    row(table, 'Bill id', d.billId);
    body.append(lines, table);
  } else if (e.link.type === 'survey') {
    $('detail-title').textContent = e.kind === 'survey.answered' ? 'Survey answer' : 'Survey invitation';
    if (e.kind === 'survey.answered') {
      row(table, 'Score', `${d.score} of 5`);
      row(table, 'Comment', d.comment);
    } else row(table, 'Expires', typeof d.expiresAt === 'string' ? when(d.expiresAt) : d.expiresAt);
    row(table, 'About reading', d.readingId);
    body.append(table);
  } else if (e.link.type === 'industry-flow') {
    const sender = d.sender as { role?: string; mpid?: string } | undefined;
    const outcomes = (d.outcomes ?? {}) as { accepted?: number; held?: number; rejected?: number; undecided?: number };
    $('detail-title').textContent = `Industry flow ${d.fileId}`;
    row(table, 'Flow type', d.flowType);
    row(table, 'Sender', sender ? `${sender.role} ${sender.mpid}` : undefined);
    row(table, 'Readings for this account', d.readings);
    row(table, 'Accepted', outcomes.accepted);
    row(table, 'Held for review', outcomes.held);
    row(table, 'Rejected', outcomes.rejected);
    row(table, 'Not decided yet', outcomes.undecided);
    row(table, 'Supply points', Array.isArray(d.supplyPointIds) ? d.supplyPointIds.join(', ') : d.supplyPointIds);
    row(table, 'Flow status (flow-intake)', e.link.href);
    row(table, 'Flow id', d.flowId);
    body.append(table);
  } else {
    $('detail-title').textContent = 'Account change';
    body.append(text('pre', JSON.stringify(d, null, 2)));
  }
  if (e.staffNote) body.append(text('p', `Staff note: ${e.staffNote}`, 'staff-note'));
  const detail = $('detail');
  detail.hidden = false;
  detail.focus();
}

function start(): void {
  const staff = sessionStorage.getItem(SESSION_KEY);
  const who = $('who');
  if (staff) {
    who.textContent = `Signed in as ${sessionStorage.getItem(`${SESSION_KEY}.id`) ?? 'staff'}`;
    who.hidden = false;
  }
  show(staff || sessionStorage.getItem(TOKEN_KEY) ? 'search' : 'sign-in');
}

$('sign-in-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void (async () => {
    const staffId = ($('staff-id') as HTMLInputElement).value.trim();
    const res = await fetch('/api/dev/staff-sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId }) }).catch(() => null);
    const body = await res?.json().catch(() => null);
    if (!res || res.status !== 200) {
      $('staff-error').textContent = body?.error?.message ?? 'Sign-in is not available.';
      return;
    }
    sessionStorage.setItem(SESSION_KEY, body.session);
    sessionStorage.setItem(`${SESSION_KEY}.id`, body.staffId);
    start();
    $('q').focus();
  })();
});

$('search-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const q = ($('q') as HTMLInputElement).value.trim();
  if (!q) {
    $('search-message').textContent = 'Enter an account id, an MPAN or a meter serial.';
    return;
  }
  void search(q);
});

$('kind').addEventListener('change', () => {
  if (account) void openAccount(account);
});
$('more').addEventListener('click', () => void loadPage());
$('detail-close').addEventListener('click', () => {
  $('detail').hidden = true;
});

start();
