import { hash } from 'node:crypto';

/**
 * A name-based UUID (v5 layout over SHA-1) in the flow feature's own namespace. One-shot `hash` (the same
 * digest as createHash().update(prefix).update(name)): a million-reading flow names a million readings, and
 * the streaming Hash object cost three native calls and an object each.
 */
function nameUuid(name: string): string {
  const h = hash('sha1', `surge-industry-flow:${name}`, 'buffer');
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * A flow's id is derived from what names the file in the industry (flow type, sender role and MPID, file
 * id), so a resubmitted file names the same flow however it arrives (API or inbox), and its readings the
 * same reading ids: the same file can never be counted twice, even if its first copy's row were lost.
 */
export const flowIdOf = (flowType: string, senderRole: string, senderMpid: string, fileId: string): string => nameUuid(`flow|${flowType}|${senderRole}|${senderMpid}|${fileId}`);

/** A reading's id: the flow and the 030's line. A reprocessed flow (after a crash) names the same readings, which the sink stores once. */
export const flowReadingId = (flowId: string, line: number): string => nameUuid(`reading|${flowId}|${line}`);
