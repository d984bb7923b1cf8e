import { surveyAnswerSchema } from './survey-answer.schema';
import { commentLength, sanitizeComment } from './survey-comment.sanitizer';

describe('survey comments', () => {
  it('strips control and bidi characters, keeps newlines and tabs, normalises line ends', () => {
    expect(sanitizeComment('ok\u0000\u0007 then\r\nnext\rlast\tend\u202E\u2066x\u009B')).toBe('ok then\nnext\nlast\tendx');
  });

  it('trims, and empty or absent is no comment', () => {
    expect(sanitizeComment('  hi  ')).toBe('hi');
    expect(sanitizeComment(' \u0001 ')).toBeNull();
    expect(sanitizeComment(undefined)).toBeNull();
    expect(sanitizeComment(null)).toBeNull();
  });

  it('keeps markup as text (never rendered as HTML by us) and replaces lone surrogates', () => {
    expect(sanitizeComment('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
    expect(sanitizeComment('a\uD800b')).toBe('a\uFFFDb');
  });

  it('counts code points: an emoji is one character', () => {
    expect(commentLength('\u{1F600}\u{1F600}')).toBe(2);
  });

  it('the answer body: score 1..5 whole, optional comment of at most 1000 characters after cleaning, nothing else', () => {
    expect(surveyAnswerSchema.parse({ score: 5 })).toEqual({ score: 5, comment: null });
    expect(surveyAnswerSchema.parse({ score: 1, comment: ' fine\u0000 ' })).toEqual({ score: 1, comment: 'fine' });
    expect(surveyAnswerSchema.parse({ score: 3, comment: '\u{1F600}'.repeat(1000) }).comment).toHaveLength(2000);
    expect(surveyAnswerSchema.parse({ score: 3, comment: `${'a'.repeat(1000)}\u0000\u0000` }).comment).toHaveLength(1000);
    for (const bad of [{ score: 0 }, { score: 6 }, { score: 4.5 }, { score: '5' }, {}, { score: 5, extra: 1 }, { score: 5, comment: 'a'.repeat(1001) }]) {
      expect(surveyAnswerSchema.safeParse(bad).success).toBe(false);
    }
  });
});
