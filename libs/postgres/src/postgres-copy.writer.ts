import type { PoolClient } from 'pg';

/**
 * `COPY <table> (<columns>) FROM STDIN` in PostgreSQL's text format, on the
 * caller's connection (so inside the caller's transaction), with no extra
 * dependency: a pg "submittable" that answers the server's CopyInResponse with
 * the rows and CopyDone. Why COPY: it is PostgreSQL's cheapest way in for many
 * rows (no per-statement parse, no JSON to decode server-side); measured in
 * docs/decisions/0003-billing.md.
 *
 * Guarantees: all rows or none, like any statement. A constraint or trigger
 * error fails the statement (and so the transaction); COPY has no
 * ON CONFLICT, so callers that need "insert unless present" must handle the
 * error themselves (e.g. roll back and take an INSERT ... ON CONFLICT path).
 */
export async function copyRows(client: PoolClient, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number> {
  return copyFromBuffers(client, `COPY ${table} (${columns.join(', ')}) FROM STDIN`, copyText(rows));
}

/** The rows as COPY text data, in bounded Buffers (~1 MB of text each): what `copyRows` sends. */
export function copyText(rows: Iterable<readonly CopyValue[]>): Buffer[] {
  // Each line is encoded straight into a preallocated buffer (profiled, issue 18, seventh round: joining the
  // lines into one string and then encoding it copied every byte twice more). A line that might not fit (UTF-8
  // is at most 3 bytes a UTF-16 unit) closes the current buffer first; one longer than a buffer gets its own.
  // The first line allocates the first buffer, so no rows cost nothing.
  const chunks: Buffer[] = [];
  let buf = NO_BUFFER;
  let used = 0;
  for (const row of rows) {
    const line = copyLine(row);
    const worst = line.length * 3;
    if (used + worst > buf.length) {
      if (used > 0) chunks.push(buf.subarray(0, used));
      buf = Buffer.allocUnsafe(Math.max(COPY_BUFFER_BYTES, worst));
      used = 0;
    }
    used += buf.write(line, used, 'utf8');
  }
  if (used > 0) chunks.push(buf.subarray(0, used));
  return chunks;
}

/** The size of each Buffer copyText fills. */
const COPY_BUFFER_BYTES = 1 << 20;
const NO_BUFFER = Buffer.alloc(0);

/** A value as COPY text receives it: null is \N; strings are escaped; numbers and booleans as written. */
export type CopyValue = string | number | boolean | null;

/** One row in COPY text format (tab separated, newline terminated). */
export function copyLine(row: readonly CopyValue[]): string {
  let out = '';
  for (let i = 0; i < row.length; i++) {
    if (i > 0) out += '\t';
    const v = row[i];
    if (v === null || v === undefined) out += '\\N';
    else if (typeof v === 'string') out += escapeCopy(v);
    else if (typeof v === 'boolean') out += v ? 't' : 'f';
    else out += String(v);
  }
  return `${out}\n`;
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** Backslash, tab, newline and carriage return are the characters COPY text gives meaning to. */
export function escapeCopy(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

interface CopyConnection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  query(text: string): void;
}

/** Sends `sql` (a COPY ... FROM STDIN) and then `chunks` (COPY data as the statement expects it); resolves with the row count. */
export function copyFromBuffers(client: PoolClient, sql: string, chunks: readonly Buffer[]): Promise<number> {
  return runCopy(client, sql, chunks, null);
}

/** Runs `sql` (a COPY ... TO STDOUT) and resolves with its data, one Buffer per row as the server sends them. */
export async function copyToBuffers(client: PoolClient, sql: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  await runCopy(client, sql, [], out);
  return out;
}

function runCopy(client: PoolClient, sql: string, chunks: readonly Buffer[], out: Buffer[] | null): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let rowCount = 0;
    let settled = false;
    const submittable = {
      // What the statement is, for anyone who observes queries on the client.
      text: sql,
      submit(connection: CopyConnection): void {
        connection.query(sql);
      },
      handleCopyInResponse(connection: CopyConnection): void {
        for (const chunk of chunks) connection.sendCopyFromChunk(chunk);
        connection.endCopyFrom();
      },
      handleCommandComplete(msg: { text?: string }): void {
        const m = /COPY (\d+)/.exec(msg.text ?? '');
        rowCount = m ? Number(m[1]) : 0;
      },
      // The client calls this for a server error (then ReadyForQuery follows) and for a dropped connection (nothing follows).
      handleError(err: Error): void {
        settled = true;
        reject(err);
      },
      handleReadyForQuery(): void {
        if (!settled) resolve(rowCount);
      },
      // Not expected for COPY; present because the client may call them.
      handleRowDescription(): void {},
      handleDataRow(): void {},
      handleEmptyQuery(): void {},
      handlePortalSuspended(): void {},
      handleCopyData(msg: { chunk: Buffer }): void {
        // A copy: the parser may reuse the buffer the message was sliced from.
        out?.push(Buffer.from(msg.chunk));
      },
    };
    (client as unknown as { query(s: unknown): unknown }).query(submittable);
  });
}
