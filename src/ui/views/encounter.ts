/**
 * One Encounter side by side: the lines its documentation gives now (the service's dry run),
 * the Claim draft on the FHIR server, the charges billing posted, and every gap with its
 * history. Pure: reads/encounter.ts gathers the resources.
 */
import type {
  ChargeItem,
  Claim,
  ClaimItem,
  Condition,
  DetectedIssue,
  Encounter,
  Medication,
  MedicationAdministration,
  Patient,
  Practitioner,
} from '@medplum/fhirtypes';
import { codesOf } from '../../domain/fhir-values.ts';
import { localDate as localDateOf } from '../../domain/time-zone.ts';
import type { BillingLine, Evaluation } from '../../domain/types.ts';
import { GAP_SID, SYSTEMS } from '../../domain/vocabulary.ts';
import { isDraft, readClaimItem, readGap } from '../../fhir/codec/index.ts';
import type { EncounterView, GapView, LineView } from '../contract.ts';
import {
  atRiskBasis,
  combineBasis,
  gapCodeHints,
  lineBasis,
  NO_BASIS,
  priceBasisTags,
  type PriceBasisCode,
} from '../price-basis.ts';
import {
  acknowledgementsOf,
  conceptText,
  gapCodeOf,
  gapDefinition,
  gapDisplay,
  idOf,
  ILLUSTRATIVE_NOTE,
  indexResources,
  isVialwiseIssue,
  issueDateOfService,
  dateTimeText,
  DATES_AS_WRITTEN,
  type TimeZoneOf,
  personName,
  resolvedAt,
  revenueAtRisk,
  SEVERITY_RANK,
  summarizeAdministration,
  summarizeCharge,
  type PriceInfo,
} from '../shape.ts';

export function lineFromBilling(l: BillingLine, prices: PriceInfo): LineView {
  return {
    code: l.code,
    modifiers: [...l.modifiers],
    units: l.units,
    dateOfService: l.dateOfService,
    ...(l.ndc ? { ndc: l.ndc.ndc, ndcQuantity: `${l.ndc.quantity} ${l.ndc.unit}` } : {}),
    ...(l.unitPrice ? { unitPrice: l.unitPrice.value } : {}),
    ...(l.net ? { net: l.net.value } : {}),
    illustrative: !!l.priceIllustrative,
    basis: lineBasis(l.code, l.dateOfService, l.unitPrice?.value, prices),
  };
}

/** `tags`: the Claim's price-basis tags (its charges are the hospital's, or CMS limits standing in). */
export function lineFromClaimItem(
  item: ClaimItem,
  prices: PriceInfo,
  tags: ReadonlySet<PriceBasisCode> = new Set(),
): LineView {
  const line = readClaimItem(item);
  const code = line.code ?? line.text ?? '?';
  const date = line.dateOfService;
  const { ndc, net } = line;
  return {
    code,
    modifiers: [...line.modifiers],
    units: line.units ?? 0,
    ...(date ? { dateOfService: date } : {}),
    ...(ndc ? { ndc: ndc.code } : {}),
    ...(ndc?.quantity !== undefined ? { ndcQuantity: `${ndc.quantity} ${ndc.unit ?? ''}`.trim() } : {}),
    ...(line.unitPrice !== undefined ? { unitPrice: line.unitPrice } : {}),
    ...(net !== undefined ? { net } : {}),
    illustrative:
      net !== undefined && ((!!date && prices.illustrative(code, date)) || tags.has('illustrative')),
    basis: lineBasis(line.code, date, line.unitPrice ?? net, prices, tags),
  };
}

function lineKey(l: LineView): string {
  return [l.code, [...l.modifiers].sort().join('+'), l.units, l.dateOfService ?? '', l.ndc ?? ''].join('|');
}

export interface EncounterViewInput {
  readonly encounter: Encounter;
  readonly patient?: Patient;
  readonly administrations: readonly MedicationAdministration[];
  readonly medications: readonly Medication[];
  readonly conditions: readonly Condition[];
  readonly chargeItems: readonly ChargeItem[];
  readonly claims: readonly Claim[];
  readonly issues: readonly DetectedIssue[];
  readonly practitioners?: readonly Practitioner[];
  /** The evaluation of the documentation as it is now (the service's dry run). */
  readonly evaluation?: Evaluation;
}

/** `tzOf`: the facility time zone the engine dates the encounter's services in (shape.ts). */
export function encounterView(
  input: EncounterViewInput,
  prices: PriceInfo,
  tzOf: TimeZoneOf = DATES_AS_WRITTEN,
): EncounterView {
  const { encounter, evaluation } = input;
  const tz = tzOf(encounter);
  const index = indexResources([
    encounter,
    ...input.administrations,
    ...input.medications,
    ...(input.practitioners ?? []),
  ]);
  const derivedLines = (evaluation?.lines ?? []).map((l) => lineFromBilling(l, prices));
  const claim = [...input.claims].sort((a, b) => Number(isDraft(b)) - Number(isDraft(a)))[0];
  const claimTags = priceBasisTags(claim);
  const claimLines = (claim?.item ?? []).map((i) => lineFromClaimItem(i, prices, claimTags));
  // The codes billed for each administration: what a gap about it is valued with.
  const billedCodes = (refs: readonly string[]) =>
    (evaluation?.lines ?? [])
      .filter((l) => l.sourceAdministrations.some((a) => refs.includes(a)))
      .map((l) => l.code);
  const chargeCode = new Map(
    input.chargeItems.map((ci) => [`ChargeItem/${ci.id ?? ''}`, summarizeCharge(ci, tz).code]),
  );
  const gaps: GapView[] = input.issues.filter(isVialwiseIssue).map((issue): GapView => {
    const code = gapCodeOf(issue);
    const state =
      issue.status === 'preliminary'
        ? 'open'
        : issue.status === 'entered-in-error'
          ? 'entered-in-error'
          : 'closed';
    const closed = resolvedAt(issue);
    const at = revenueAtRisk(issue);
    const refs = (issue.implicated ?? []).map((r) => r.reference ?? '');
    const basis =
      at === undefined
        ? undefined
        : atRiskBasis(
            issueDateOfService(issue, index, tzOf),
            gapCodeHints(readGap(issue)?.subjectKey, issue.detail, [
              ...billedCodes(refs),
              ...refs.map((r) => chargeCode.get(r)),
            ]),
            prices,
            priceBasisTags(issue),
          );
    return {
      ...(issue.id ? { id: issue.id } : {}),
      code,
      display: gapDisplay(code, issue),
      severity: issue.severity ?? 'moderate',
      state,
      detail: issue.detail ?? gapDefinition(code),
      ...(at !== undefined ? { revenueAtRisk: at } : {}),
      ...(basis ? { atRiskBasis: basis } : {}),
      ...(issue.identifiedDateTime ? { identified: issue.identifiedDateTime } : {}),
      ...(closed ? { closed } : {}),
      acknowledgements: acknowledgementsOf(issue),
    };
  });
  // Gaps the documentation raises now that the server does not have open yet.
  const openKeys = new Set(
    input.issues
      .filter((i) => i.status === 'preliminary')
      .map((i) => i.identifier?.find((x) => x.system === GAP_SID)?.value),
  );
  const foundNow = (evaluation?.gaps ?? []).map((g) => `${encounter.id ?? ''}:${g.code}:${g.subjectKey}`);
  for (const g of evaluation?.gaps ?? []) {
    if (openKeys.has(`${encounter.id ?? ''}:${g.code}:${g.subjectKey}`)) continue;
    const dates = g.implicated
      .map((r) => index.get(r))
      .map((r) =>
        r?.resourceType === 'MedicationAdministration'
          ? localDateOf(r.effectiveDateTime ?? r.effectivePeriod?.start, tz)
          : undefined,
      )
      .filter((d): d is string => !!d)
      .sort();
    gaps.push({
      code: g.code,
      display: gapDisplay(g.code),
      severity: g.severity,
      state: 'not-written',
      detail: g.detail,
      ...(g.revenueAtRisk
        ? {
            revenueAtRisk: g.revenueAtRisk.value,
            atRiskBasis: atRiskBasis(
              dates[0] ?? localDateOf(encounter.period?.start, tz),
              gapCodeHints(g.subjectKey, g.detail, billedCodes(g.implicated)),
              prices,
            ),
          }
        : {}),
      acknowledgements: [],
    });
  }
  const stateOrder = { open: 0, 'not-written': 1, closed: 2, 'entered-in-error': 3 } as const;
  gaps.sort(
    (a, b) =>
      stateOrder[a.state] - stateOrder[b.state] ||
      (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3),
  );
  const linesInSync =
    !claim ||
    !isDraft(claim) ||
    derivedLines.map(lineKey).sort().join('\n') === claimLines.map(lineKey).sort().join('\n');
  const gapsInSync =
    !evaluation || (foundNow.every((k) => openKeys.has(k)) && openKeys.size === foundNow.length);
  const conditionIndex = new Map(
    input.conditions.flatMap((c) =>
      codesOf(c.code, SYSTEMS.icd10cm).map((code) => [code, conceptText(c.code)] as const),
    ),
  );
  const diagnoses = (evaluation?.diagnoses ?? [...conditionIndex.keys()]).map((code) => {
    const display = conditionIndex.get(code);
    return { code, ...(display && display !== code ? { display } : {}) };
  });
  const illustrative =
    derivedLines.some((l) => l.illustrative) ||
    claimLines.some((l) => l.illustrative) ||
    (prices.anyIllustrative && gaps.some((g) => g.revenueAtRisk !== undefined));
  const basis = combineBasis([
    ...derivedLines.map((l) => l.basis),
    ...claimLines.map((l) => l.basis),
    ...gaps.map((g) => g.atRiskBasis ?? NO_BASIS),
  ]);
  const startText = dateTimeText(encounter.period?.start, tz);
  const endText = dateTimeText(encounter.period?.end, tz);
  const patientId = idOf(encounter.subject, 'Patient');
  const patientName = personName(input.patient?.name);
  return {
    encounter: {
      id: encounter.id ?? '',
      ...(encounter.status ? { status: encounter.status } : {}),
      ...(encounter.class?.code ? { class: encounter.class.code } : {}),
      ...(encounter.period?.start ? { start: encounter.period.start } : {}),
      ...(encounter.period?.end ? { end: encounter.period.end } : {}),
      ...(startText ? { startText } : {}),
      ...(endText ? { endText } : {}),
    },
    ...(patientId ? { patient: { id: patientId, name: patientName ?? `Patient/${patientId}` } } : {}),
    ...(evaluation?.payerCategory ? { payerCategory: evaluation.payerCategory } : {}),
    diagnoses,
    administrations: [...input.administrations]
      .map((ma) => summarizeAdministration(ma, index, tz))
      .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? '') || a.id.localeCompare(b.id)),
    derivedLines,
    ...(claim?.id
      ? {
          claim: {
            id: claim.id,
            status: claim.status,
            ...(claim.created ? { created: claim.created } : {}),
            ...(typeof claim.total?.value === 'number' ? { total: claim.total.value } : {}),
            totalBasis: combineBasis(claimLines.map((l) => l.basis)),
            lines: claimLines,
          },
        }
      : {}),
    charges: input.chargeItems
      .map((ci) => summarizeCharge(ci, tz))
      .sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.id.localeCompare(b.id)),
    gaps,
    inSync: linesInSync && gapsInSync,
    basis,
    ...(tz ? { timeZone: tz } : {}),
    pricesIllustrative: illustrative,
    ...(illustrative ? { priceNote: ILLUSTRATIVE_NOTE } : {}),
  };
}
