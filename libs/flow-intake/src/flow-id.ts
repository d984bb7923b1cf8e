import { uuidFromKey } from '@surge/reading-intake/reading-intake.service';

/**
 * A flow's id is derived from what names the file in the industry (flow type, sender role and MPID, file
 * id), so a resubmitted file names the same flow however it arrives (API or inbox), and its readings the
 * same reading ids: the same file can never be counted twice, even if its first copy's row were lost.
 */
export const flowIdOf = (flowType: string, senderRole: string, senderMpid: string, fileId: string): string =>
  uuidFromKey(`industry-flow|${flowType}|${senderRole}|${senderMpid}|${fileId}`);

/** A reading's id: the flow and the 030's line. A reprocessed flow (after a crash) names the same readings, which the sink stores once. */
export const flowReadingId = (flowId: string, line: number): string => uuidFromKey(`industry-flow-reading|${flowId}|${line}`);
