/** vialwise's own Claim and DetectedIssue, built and read in one place. */
export { buildClaim } from './claim-build.ts';
export { type ClaimSources } from './claim-parties.ts';
export {
  PRICE_BASIS,
  PRICE_BASIS_SYSTEM,
  priceBasisOf,
  type ClaimPricing,
  type PriceBasis,
} from './claim-pricing.ts';
export {
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
