import type { ReadingSource } from '@surge/meter-domain/reading.model';
import type { BscValidationStatus, MeterReadingFlag, ReadingMethod, ValidationResultStatus } from './d0010.grammar';
import type { D0010ReadingType } from './d0010-reading-type.mapping';
import type { D0010GroupRejectionCode, D0010ReviewCode } from './d0010-reason.codes';
import type { D0010Header, D0010Trailer } from './d0010-structure.tracker';

/** A 027, 029 or 033 record: a site visit check code and its free text. */
export interface D0010SiteVisit {
  readonly line: number;
  readonly checkCode: string;
  readonly text: string;
}

/** Why a reading is held for review rather than taken as it stands. */
export interface D0010Review {
  readonly reasonCode: D0010ReviewCode;
  /** The industry validation reason code of a failed 032, when there was one. */
  readonly industryCode?: string;
  readonly message: string;
}

/** One 030 register reading with what the flow says about it. */
export interface D0010Reading {
  /** The 030's line: with the file id, the reading's stable identity within the flow. */
  readonly line: number;
  readonly mpanCore: string;
  /** As written in the 028 (may hold spaces: matching it to the registry's serial comes later). */
  readonly meterId: string;
  /** The meter register id of the 030 as written (1 or 2 characters; mapped to a platform register later). */
  readonly registerId: string;
  /** UTC ISO instant of the reading (the flow writes UK clock time; see flow-date-time.parser). */
  readonly readAt: string;
  /** The reading date-time exactly as written, CCYYMMDDHHMMSS UK time. */
  readonly readAtLocal: string;
  /** Exact decimal string as written, NUM(9,1): never a float. */
  readonly value: string;
  readonly readingType: D0010ReadingType;
  readonly source: ReadingSource;
  /** True for estimates (source D): never treated as an actual. */
  readonly estimated: boolean;
  readonly mdResetAt?: string;
  readonly mdResetCount?: number;
  readonly readingFlag: MeterReadingFlag;
  readonly readingMethod: ReadingMethod;
  /** The 032 after this 030, when the file has one. */
  readonly validation?: { readonly line: number; readonly reasonCode: string; readonly status: ValidationResultStatus };
  readonly siteVisits: readonly D0010SiteVisit[];
  /** Present when the reading must be held for review (suspect flag, failed validation, withdrawn). */
  readonly review?: D0010Review;
}

export type D0010Event =
  | { readonly kind: 'header'; readonly header: D0010Header }
  /** Start of an accepted 026 group; its meters and readings follow, before the next group or the trailer. */
  | {
      readonly kind: 'group';
      readonly line: number;
      readonly mpanCore: string;
      readonly bscValidationStatus: BscValidationStatus;
      readonly siteVisits: readonly D0010SiteVisit[];
      readonly readings: number;
    }
  | {
      readonly kind: 'meter';
      readonly line: number;
      readonly mpanCore: string;
      readonly meterId: string;
      readonly readingType: D0010ReadingType;
      readonly siteVisits: readonly D0010SiteVisit[];
    }
  | { readonly kind: 'reading'; readonly reading: D0010Reading }
  /** A whole 026 group rejected: none of its readings is yielded. `line` is the record at fault. */
  | {
      readonly kind: 'groupRejected';
      readonly line: number;
      readonly groupLine: number;
      /** As written: may be the invalid MPAN that caused the rejection. */
      readonly mpanCore: string;
      readonly reasonCode: D0010GroupRejectionCode;
      readonly message: string;
      /** 030 records in the group, none of them ingested. */
      readonly readingsRejected: number;
    }
  | {
      readonly kind: 'trailer';
      readonly trailer: D0010Trailer;
      readonly summary: D0010Summary;
    };

export interface D0010Summary {
  readonly groupsAccepted: number;
  readonly groupsRejected: number;
  readonly readings: number;
  readonly readingsRejected: number;
  readonly estimated: number;
  readonly heldForReview: number;
}
