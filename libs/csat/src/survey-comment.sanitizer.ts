/**
 * A survey comment as we store it: plain text, at most MAX_COMMENT_LENGTH
 * characters (Unicode code points), with control characters removed.
 *
 * "Stored safely" means: it reaches PostgreSQL only as a bound parameter
 * (never spliced into SQL), it never goes to ClickHouse (aggregates hold no
 * free text), and our APIs return it as a JSON string: we never render it as
 * HTML. A client that does must escape it like any user text. We do not
 * HTML-escape on the way in: that would corrupt the text for every other use.
 *
 * Removed: C0 controls except tab and newline, DEL, C1 controls, and the
 * Unicode bidirectional overrides/isolates (which can make text display in
 * an order other than the stored one). CRLF and lone CR become LF. Lone
 * UTF-16 surrogates become U+FFFD. Leading/trailing whitespace is trimmed;
 * an empty result is no comment.
 */
export const MAX_COMMENT_LENGTH = 1000;

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function sanitizeComment(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const text = raw.replace(/\r\n?/g, '\n').replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '').trim();
  return text === '' ? null : text;
}

/** Length as a person counts it (code points), not UTF-16 units: an emoji is one character. */
export const commentLength = (text: string): number => [...text].length;
