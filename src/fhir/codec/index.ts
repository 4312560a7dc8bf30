/** vialwise's own Claim and DetectedIssue, built and read in one place. */
export {
  buildClaim,
  claimBills,
  claimIdentifierValue,
  deviceReference,
  encounterOfClaim,
  isClaimOf,
  isDraft,
  isSubmitted,
  isVoid,
  readClaimItem,
  readClaimLines,
  type ClaimLine,
  type WriteContext,
} from './claim.ts';
export {
  buildDetectedIssue,
  closedIssue,
  gapIdentifierValue,
  gapKeyOf,
  MITIGATION,
  mitigationCode,
  readGap,
  voidedIssue,
  type GapAcknowledgement,
  type GapRecord,
  type GapState,
} from './detected-issue.ts';
