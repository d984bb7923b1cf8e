import { z } from 'zod';
import { MAX_SCORE, MIN_SCORE } from './csat.calculator';
import { commentLength, MAX_COMMENT_LENGTH, sanitizeComment } from './survey-comment.sanitizer';

/**
 * The body of `POST /v1/surveys/{id}/answer`. Strict: unknown fields are an
 * error. The score is a whole JSON number 1 to 5. The comment is optional;
 * it is sanitised first and its length checked after (what we store is what
 * is limited). A hard cap on the raw string bounds the work done on it.
 */
export const surveyAnswerSchema = z.strictObject({
  score: z.number().int().min(MIN_SCORE).max(MAX_SCORE),
  comment: z
    .string()
    .max(MAX_COMMENT_LENGTH * 4)
    .nullable()
    .optional()
    .transform((c) => sanitizeComment(c))
    .refine((c) => c === null || commentLength(c) <= MAX_COMMENT_LENGTH, `at most ${MAX_COMMENT_LENGTH} characters`),
});

export type SurveyAnswerInput = z.infer<typeof surveyAnswerSchema>;
