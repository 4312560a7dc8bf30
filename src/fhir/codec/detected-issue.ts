/**
 * vialwise's own DetectedIssue (one per documentation gap), both ways: `buildDetectedIssue`
 * writes a gap, `readGap` reads one back (for the write plan, the web UI and the audit), and
 * `closedIssue` / `voidedIssue` are the two ways an open gap ends. Pure.
 */
import type { DetectedIssue, DetectedIssueMitigation } from '@medplum/fhirtypes';
import { GAPS } from '../../domain/gaps.ts';
import { calendarDate, extension, finiteNumber, localRef } from '../../domain/fhir-values.ts';
import type { Evaluation, Gap } from '../../domain/types.ts';
import { EXT, GAP_CODE_SYSTEM, GAP_SID, MITIGATION_CODE_SYSTEM } from '../../domain/vocabulary.ts';
import { deviceReference, type WriteContext } from './claim.ts';
import { priceBasisMeta, type PriceBasis } from './claim-pricing.ts';

/** Mitigation codes of the gap-mitigation CodeSystem: closed by vialwise, acknowledged by a clinician. */
export const MITIGATION = { resolved: 'resolved', acknowledged: 'acknowledged' } as const;

/** `<Encounter id>:<gap code>:<subject key>`: `:` cannot occur in a FHIR id (docs/writes.md). */
export function gapIdentifierValue(encounterId: string, gap: Pick<Gap, 'code' | 'subjectKey'>): string {
  return `${encounterId}:${gap.code}:${gap.subjectKey}`;
}

/** The code and date of service the gap's revenue at risk was priced for: its line's. */
function pricedAs(
  gap: Gap,
  evaluation: Evaluation,
): { code: string; date: string; illustrative: boolean } | undefined {
  const [code, , date] = gap.subjectKey.split('|');
  const byKey = evaluation.lines.find((l) => l.key === gap.subjectKey);
  const line =
    byKey ?? evaluation.lines.find((l) => l.sourceAdministrations.some((a) => gap.implicated.includes(a)));
  if (line) return { code: line.code, date: line.dateOfService, illustrative: !!line.priceIllustrative };
  return code && date ? { code, date, illustrative: false } : undefined;
}

/**
 * The price-basis tags of a gap's revenue at risk: it is always a CMS payment limit (what the payer
 * pays, not a charge), so it says only whether that limit is illustrative, from an earlier quarter
 * or suspect.
 */
function riskTags(gap: Gap, evaluation: Evaluation, ctx: WriteContext): PriceBasis[] {
  if (!gap.revenueAtRisk) return [];
  const at = pricedAs(gap, evaluation);
  if (!at) return [];
  const price = ctx.pricing?.catalog.priceOn(at.code, at.date);
  const tags: PriceBasis[] = [];
  if (price?.forQuarter) tags.push('earlier-quarter');
  if (price ? price.illustrative : at.illustrative) tags.push('illustrative');
  if (price?.suspect) tags.push('suspect');
  return tags;
}

/** One open (`preliminary`) DetectedIssue for a gap. `claim` is a reference to the draft when there is one. */
export function buildDetectedIssue(
  gap: Gap,
  evaluation: Evaluation,
  encounterId: string,
  ctx: WriteContext,
  claim: string | undefined,
  identified: string = ctx.now,
): DetectedIssue {
  const implicated = [...gap.implicated, ...(claim ? [claim] : []), evaluation.encounter];
  const meta = priceBasisMeta(riskTags(gap, evaluation, ctx));
  return {
    resourceType: 'DetectedIssue',
    ...(meta ? { meta } : {}),
    ...(gap.revenueAtRisk
      ? {
          extension: [
            { url: EXT.revenueAtRisk, valueMoney: { value: gap.revenueAtRisk.value, currency: 'USD' } },
          ],
        }
      : {}),
    identifier: [{ system: GAP_SID, value: gapIdentifierValue(encounterId, gap) }],
    status: 'preliminary',
    code: { coding: [{ system: GAP_CODE_SYSTEM, code: gap.code, display: GAPS[gap.code].display }] },
    severity: gap.severity,
    ...(evaluation.patient ? { patient: { reference: evaluation.patient } } : {}),
    identifiedDateTime: identified,
    author: deviceReference(ctx),
    implicated: [...new Set(implicated)].map((reference) => ({ reference })),
    detail: gap.detail,
  };
}

/** The gap closed: `final`, with a `resolved` mitigation dated `now`. */
export function closedIssue(issue: DetectedIssue, now: string): DetectedIssue {
  return {
    ...issue,
    status: 'final',
    mitigation: [
      ...(issue.mitigation ?? []),
      {
        action: {
          coding: [
            {
              system: MITIGATION_CODE_SYSTEM,
              code: MITIGATION.resolved,
              display: 'Resolved by documentation',
            },
          ],
        },
        // R4 allows only a Practitioner as mitigation author: the service leaves it out.
        date: now,
      },
    ],
  };
}

/** The gap was never real: its administration was entered in error or deleted. */
export function voidedIssue(issue: DetectedIssue): DetectedIssue {
  return { ...issue, status: 'entered-in-error' };
}

export type GapState = 'open' | 'closed' | 'entered-in-error';

export interface GapAcknowledgement {
  readonly date?: string;
  readonly author?: string;
  readonly note?: string;
}

/** A documentation gap as read back from a DetectedIssue vialwise wrote. */
export interface GapRecord {
  /** The identifier value (`<Encounter id>:<gap code>:<subject key>`). */
  readonly key: string;
  readonly encounterId: string;
  /** The gap code from the gap CodeSystem (the identifier's when the coding is missing). */
  readonly code: string;
  readonly subjectKey: string;
  readonly state: GapState;
  readonly severity: string | undefined;
  readonly detail: string | undefined;
  readonly revenueAtRisk: number | undefined;
  readonly identified: string | undefined;
  /** Date of the `resolved` mitigation, for a closed gap. */
  readonly closed: string | undefined;
  /** `Type/id` of every implicated resource. */
  readonly implicated: readonly string[];
  readonly acknowledgements: readonly GapAcknowledgement[];
}

export function mitigationCode(m: DetectedIssueMitigation | undefined): string | undefined {
  const list = Array.isArray(m?.action?.coding) ? m.action.coding : [];
  return list.find((c) => c?.system === MITIGATION_CODE_SYSTEM)?.code;
}

/** The gap identifier value of a DetectedIssue, or undefined when vialwise did not write it. */
export function gapKeyOf(issue: DetectedIssue): string | undefined {
  const ids = Array.isArray(issue?.identifier) ? issue.identifier : [];
  const value = ids.find((i) => i?.system === GAP_SID)?.value;
  return typeof value === 'string' ? value : undefined;
}

/** Reads a DetectedIssue vialwise wrote; undefined for anyone else's. */
export function readGap(issue: DetectedIssue): GapRecord | undefined {
  const key = gapKeyOf(issue);
  if (!key) return undefined;
  const [encounterId = '', keyCode = '', ...rest] = key.split(':');
  const codings = Array.isArray(issue.code?.coding) ? issue.code.coding : [];
  const coded = codings.find((c) => c?.system === GAP_CODE_SYSTEM)?.code;
  const mitigations = Array.isArray(issue.mitigation) ? issue.mitigation : [];
  const state: GapState =
    issue.status === 'preliminary'
      ? 'open'
      : issue.status === 'entered-in-error'
        ? 'entered-in-error'
        : 'closed';
  const closed =
    state === 'closed' ? mitigations.find((m) => mitigationCode(m) === MITIGATION.resolved)?.date : undefined;
  return {
    key,
    encounterId,
    code: typeof coded === 'string' ? coded : keyCode || 'unknown',
    subjectKey: rest.join(':'),
    state,
    severity: typeof issue.severity === 'string' ? issue.severity : undefined,
    detail: typeof issue.detail === 'string' ? issue.detail : undefined,
    revenueAtRisk: finiteNumber(extension(issue.extension, EXT.revenueAtRisk)?.valueMoney?.value),
    identified: typeof issue.identifiedDateTime === 'string' ? issue.identifiedDateTime : undefined,
    closed: typeof closed === 'string' && calendarDate(closed) ? closed : undefined,
    implicated: (Array.isArray(issue.implicated) ? issue.implicated : [])
      .map((r) => localRef(r))
      .filter((r): r is string => r !== undefined),
    acknowledgements: mitigations
      .filter((m) => mitigationCode(m) === MITIGATION.acknowledged)
      .map((m) => {
        const author = m.author?.display ?? m.author?.reference;
        return {
          ...(m.date ? { date: m.date } : {}),
          ...(author ? { author } : {}),
          ...(m.action?.text ? { note: m.action.text } : {}),
        };
      }),
  };
}
