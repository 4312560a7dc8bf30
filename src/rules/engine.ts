/**
 * The billing engine (pure): gather facts per administration, group them into lines, decide
 * units and JW/JZ, then compare with what was posted. SPEC sections 3 to 5.
 */
import type { Condition, Medication, MedicationAdministration } from '@medplum/fhirtypes';
import type { DrugCatalog } from '../catalog/catalog.ts';
import type { PayerRules } from '../catalog/payer-rules.ts';
import type { EncounterInput } from '../domain/input.ts';
import type { BillingLine, Evaluation, Modifier, Money, NdcDetail } from '../domain/types.ts';
import { money, sumMoney } from '../domain/money.ts';
import { GapList, type Fact } from './facts.ts';
import { compareWithPostedCharges, compareWithSubmittedClaims } from './charges.ts';
import {
  amountGiven,
  concentrationOf,
  containerAmountOf,
  containersOpened,
  discardedAmount,
} from './dose.ts';
import { containerUseOf, identify } from './identify.ts';
import { payerContext, primaryCoverage, type PayerContext } from './payer.ts';
import { type Amount, toMeasure } from './quantity.ts';
import { administeredUnits, decideWaste, fewestContainers } from './units.ts';
import { encounterClassOf, isInstitutional } from '../domain/encounter.ts';
import { calendarDate, codesOf, localRef } from '../domain/fhir-values.ts';
import { SYSTEMS } from '../domain/vocabulary.ts';
import type { HcpcsCode, Product } from '../catalog/types.ts';

export interface EngineReference {
  readonly catalog: DrugCatalog;
  readonly payerRules: PayerRules;
}

/** JZ is required on claims from 2023-07-01 (CMS JW/JZ FAQ; BILLING.md section 3). */
const JZ_REQUIRED_FROM = '2023-07-01';
/** JW is required from 2017-01-01 (BILLING.md section 3). */
const JW_REQUIRED_FROM = '2017-01-01';
/**
 * vialwise's own plausibility bound, not a CMS rule: more units than this on one line is taken
 * as a unit error in the documentation (the UB-04 units field holds 7 digits; no drug here
 * comes near 10,000 units a day).
 */
const MAX_UNITS_PER_LINE = 9_999;

const BILLABLE = new Set(['completed', 'stopped']);
export function evaluateEncounter(input: EncounterInput, ref: EngineReference, now: string): Evaluation {
  const { catalog } = ref;
  const encounterRef = `Encounter/${input.encounter.id ?? ''}`;
  const patient = localRef(input.encounter.subject);
  const encounterClass = encounterClassOf(input.encounter);
  const nowDate = calendarDate(now) ?? '9999-12-31';
  const gaps = new GapList();
  const medications = new Map<string, Medication>();
  for (const m of input.medications) if (m?.id) medications.set(m.id, m);

  const diagnosisIndex = indexDiagnoses(input);
  const facts: Fact[] = [];
  const enteredInError: string[] = [];
  let skipped = 0;

  // Servers return search results in no guaranteed order: sort, so the same documentation
  // always gives the same Claim (and no needless rewrite).
  for (const admin of [...input.administrations].sort(compareIds)) {
    if (!admin || admin.resourceType !== 'MedicationAdministration' || !admin.id) continue;
    const adminRef = `MedicationAdministration/${admin.id}`;
    const context = localRef(admin.context);
    if (context && context !== encounterRef) continue;
    if (admin.status === 'entered-in-error') {
      enteredInError.push(adminRef);
      continue;
    }
    if (!BILLABLE.has(admin.status)) continue;

    const id = identify(admin, medications, catalog);
    if (id.kind === 'unknown') {
      skipped++;
      continue;
    }
    if (!context) {
      gaps.add(
        'missing-encounter',
        admin.id,
        [adminRef],
        'Link this drug administration to the visit it was given in, so it can be billed.',
      );
      continue;
    }
    const subject = localRef(admin.subject);
    if (!subject || (patient && subject !== patient)) {
      gaps.add(
        'patient-mismatch',
        admin.id,
        [adminRef, encounterRef],
        'This drug administration is recorded for a different patient than the visit: correct the patient or the visit; nothing of it is billed.',
      );
      continue;
    }
    if (id.kind === 'ambiguous') {
      gaps.add(
        'drug-not-identified',
        admin.id,
        [adminRef],
        `Record the exact product given (NDC from the vial or bag): ${id.reason}.`,
      );
      continue;
    }
    const ingredientName = catalog.ingredients.get(id.ingredient)?.name ?? id.ingredient;

    // Administration-level documentation checks that do not stop billing.
    if (!hasRoute(admin))
      gaps.add(
        'missing-route',
        admin.id,
        [adminRef],
        `Document the route (for example IV push or IV infusion) of the ${ingredientName} given.`,
      );
    if (
      !Array.isArray(admin.performer) ||
      !admin.performer.some((p) => p?.actor?.reference || p?.actor?.display)
    ) {
      gaps.add('missing-performer', admin.id, [adminRef], `Record who gave the ${ingredientName}.`);
    }

    const startText = admin.effectiveDateTime ?? admin.effectivePeriod?.start;
    const dos = calendarDate(startText);
    if (!dos || dos > nowDate) {
      const why = !startText
        ? 'no time is documented'
        : !dos
          ? 'the documented time is not a valid date'
          : 'the documented time is in the future';
      gaps.add(
        'missing-administration-time',
        admin.id,
        [adminRef],
        `Document when the ${ingredientName} was given: ${why}.`,
      );
      continue;
    }

    const candidates = catalog.candidateCodes(id.ingredient, id.product, dos);
    if (candidates.length === 0) {
      gaps.add(
        'drug-not-identified',
        admin.id,
        [adminRef],
        `No billing code for the ${ingredientName} product documented is valid on ${dos}: record the product (NDC) actually given.`,
      );
      continue;
    }

    const dose = amountGiven(admin, input.bodyWeights, patient);
    if (!dose.ok) {
      const what =
        dose.gap === 'missing-dose'
          ? `Document the dose of ${ingredientName} given (${dose.why}).`
          : dose.gap === 'missing-administration-time'
            ? `Document the start and stop time of the ${ingredientName} infusion (${dose.why}).`
            : `Document the ${ingredientName} dose in mg or mL (${dose.why}).`;
      gaps.add(dose.gap, admin.id, [adminRef], what);
      continue;
    }
    if (admin.effectivePeriod && !admin.effectivePeriod.end) {
      // A completed administration over a period (an infusion) needs its stop time (SPEC section 5);
      // the documented dose still bills.
      gaps.add(
        'missing-administration-time',
        admin.id,
        [adminRef],
        `Document when the ${ingredientName} infusion stopped.`,
      );
    }

    const medication = id.kind === 'identified' ? id.medication : undefined;
    const mgPerMl = concentrationOf(id.product, medication);
    const given = toMass(dose.amount, mgPerMl);
    if (!given) {
      gaps.add(
        'dose-unit-unconvertible',
        admin.id,
        [adminRef],
        `Document the ${ingredientName} dose in mg, or record the product's concentration, so the mL given can be billed.`,
      );
      continue;
    }
    const discardedRaw = discardedAmount(admin);
    let discarded: Amount | undefined;
    if (discardedRaw === 'invalid') {
      gaps.add(
        'wastage-inconsistent',
        admin.id,
        [adminRef],
        `The discarded amount of ${ingredientName} is not a usable quantity: document it in mg or mL.`,
      );
    } else if (discardedRaw !== 'none') {
      discarded = toMass(discardedRaw, mgPerMl);
      if (!discarded)
        gaps.add(
          'wastage-inconsistent',
          admin.id,
          [adminRef],
          `Document the discarded ${ingredientName} in mg, or record the product's concentration.`,
        );
    }
    const containerUse = id.product?.containerUse ?? containerUseOf(medication);
    const container = containerAmountOf(id.product, medication);
    const containerAmount = container && container.kind === given.kind ? amountValue(container) : undefined;
    const openedRaw = containersOpened(admin);
    if (openedRaw === 'invalid') {
      gaps.add(
        'wastage-inconsistent',
        admin.id,
        [adminRef],
        `The number of ${ingredientName} containers opened is not a whole number: correct it.`,
      );
    }
    const openedDocumented = typeof openedRaw === 'number';
    const opened = openedDocumented
      ? openedRaw
      : containerAmount !== undefined
        ? fewestContainers(amountValue(given), containerAmount)
        : undefined;
    facts.push({
      admin,
      ref: adminRef,
      id: admin.id,
      dos,
      ingredient: id.ingredient,
      ingredientName,
      ...(id.product ? { product: id.product } : {}),
      ...(id.ndc ? { ndc: id.ndc } : {}),
      candidates,
      given,
      ...(discarded ? { discarded } : {}),
      ...(containerAmount !== undefined ? { containerAmount } : {}),
      ...(opened !== undefined ? { opened } : {}),
      openedDocumented,
      ...(containerUse ? { containerUse } : {}),
      singleDose: containerUse === 'single-dose',
      ...(mgPerMl ? { mgPerMl } : {}),
      diagnoses: diagnosisIndex.forAdministration(admin),
    });
    if (containerUse === 'multi-dose' && discarded && amountValue(discarded) > 0) {
      gaps.add(
        'wastage-inconsistent',
        admin.id,
        [adminRef],
        `Waste is recorded for ${ingredientName} from a multi-dose vial; multi-dose containers are not billed for waste: remove or correct the discarded amount.`,
      );
    }
  }

  // Coverage and payer, on the dates of service.
  const dates = [...new Set(facts.map((f) => f.dos))].sort();
  const coverage = dates.length
    ? primaryCoverage(input.coverages, patient, dates)
    : primaryCoverage(input.coverages, patient, [calendarDate(input.encounter.period?.start) ?? nowDate]);
  const payer = payerContext(coverage, ref.payerRules);
  const lines = buildLines(facts, catalog, payer, encounterClass, gaps);
  const lineNet = lines.reduce<Money | undefined>((s, l) => sumMoney(s, l.net), undefined);

  if (facts.length && !coverage) {
    gaps.add(
      'no-coverage',
      'encounter',
      [encounterRef],
      'No active insurance is on file for the date of service: register the Coverage so a claim can be drafted.',
      lineNet,
    );
  }

  // Diagnoses: missing, or not supporting the code.
  const unitsByAdmin = adminUnitsByCode(lines);
  for (const f of facts) {
    const risk = adminRisk(f, unitsByAdmin, catalog);
    const code = unitsByAdmin.get(f.ref)?.code;
    const supporting = code ? payer.rules.supportingDiagnoses[code] : undefined;
    if (f.diagnoses.length === 0) {
      gaps.add(
        'missing-diagnosis',
        f.id,
        [f.ref],
        `Link the diagnosis that is the reason for the ${f.ingredientName} given on ${f.dos} (to the administration or the visit).`,
        risk,
      );
    } else if (code && supporting?.length) {
      const ok = f.diagnoses.some((d) =>
        supporting.some((s) => d.replace('.', '').toUpperCase().startsWith(s)),
      );
      if (!ok)
        gaps.add(
          'diagnosis-not-supported',
          f.id,
          [f.ref],
          `The payer covers ${code} only for specific diagnoses and none is linked to the ${f.ingredientName} given on ${f.dos}: document the diagnosis that supports it.`,
          risk,
        );
    }
    // Independent of the diagnosis: a missing NDC is its own gap.
    if (payer.rules.ndcRequired && !f.ndc) {
      gaps.add(
        'ndc-missing',
        f.id,
        [f.ref],
        `Scan or record the NDC of the ${f.ingredientName} package given on ${f.dos}; this payer requires it on the claim.`,
        risk,
      );
    }
  }

  // Payer restrictions per line.
  for (const l of lines) {
    if (l.modifiers.includes('JW')) continue;
    const key = `${l.code}:${l.dateOfService}`;
    const risk = l.net;
    if (
      payer.rules.notAllowed.some(
        (n) =>
          n.code === l.code &&
          encounterClass !== undefined &&
          n.encounterClasses.includes(encounterClass as never),
      )
    ) {
      gaps.add(
        'site-of-service-restricted',
        key,
        l.sourceAdministrations,
        `The payer does not cover ${l.code} in this care setting: review where the drug was given or the payer's site-of-care policy.`,
        risk,
      );
    }
    const pa = payer.rules.priorAuth;
    if (
      pa.codes.includes(l.code) &&
      !(encounterClass && pa.exemptEncounterClasses.includes(encounterClass as never))
    ) {
      if (!hasPriorAuthorization(input, patient, l.code, l.dateOfService)) {
        gaps.add(
          'prior-auth-missing',
          key,
          l.sourceAdministrations,
          `The payer requires prior authorization for ${l.code} and none is on file for ${l.dateOfService}: attach the authorization.`,
          risk,
        );
      }
    }
  }

  // MUE per code and date of service (all units of the code, JW included).
  const unitsPerCodeDay = new Map<string, { units: number; refs: string[] }>();
  for (const l of lines) {
    const k = `${l.code}:${l.dateOfService}`;
    const e = unitsPerCodeDay.get(k) ?? { units: 0, refs: [] };
    e.units += l.units;
    e.refs.push(...l.sourceAdministrations);
    unitsPerCodeDay.set(k, e);
  }
  for (const [k, e] of unitsPerCodeDay) {
    const code = catalog.codes.get(k.split(':')[0] ?? '');
    if (code?.mue && e.units > code.mue.value) {
      gaps.add(
        'units-exceed-mue',
        k,
        e.refs,
        `${e.units} units of ${code.code} on one day exceed the limit of ${code.mue.value}: check the dose documented.`,
      );
    }
  }

  compareWithPostedCharges(input, lines, facts, catalog, gaps);
  compareWithSubmittedClaims(input, lines, encounterRef, gaps);

  return {
    encounter: encounterRef,
    ...(patient ? { patient } : {}),
    ...(coverage?.id ? { coverage: `Coverage/${coverage.id}` } : {}),
    payerCategory: payer.category,
    lines,
    gaps: gaps.list(),
    diagnoses: diagnosisIndex.claimOrder(),
    skippedAdministrations: skipped,
    enteredInError,
  };
}

function hasRoute(admin: MedicationAdministration): boolean {
  const r = admin.dosage?.route;
  return Boolean(
    r && (typeof r.text === 'string' || (Array.isArray(r.coding) && r.coding.some((c) => c?.code))),
  );
}

function amountValue(a: Amount): number {
  return a.kind === 'mass' ? a.mg : a.kind === 'unit' ? a.units : a.mL;
}

function compareIds(a: { id?: string } | undefined, b: { id?: string } | undefined): number {
  return (a?.id ?? '').localeCompare(b?.id ?? '');
}

/** An amount in the fact's own kind (mass or units), for conversion into a code's measure. */
function massOrUnits(f: Fact, value: number): Amount {
  return f.given.kind === 'unit' ? { kind: 'unit', units: value } : { kind: 'mass', mg: value };
}

function toMass(a: Amount, mgPerMl: number | undefined): Amount | undefined {
  if (a.kind !== 'volume') return a;
  return mgPerMl ? { kind: 'mass', mg: a.mL * mgPerMl } : undefined;
}

function fmt(n: number): string {
  return `${Math.round(n * 1000) / 1000} mg`;
}

function inMeasure(a: Amount, code: HcpcsCode, mgPerMl?: number): number | undefined {
  return toMeasure(a, code.unit.measure, mgPerMl);
}

/** SPEC 4.2: the code that bills the smallest amount covering the dose, then the fewest units. */
export function chooseCode(
  candidates: readonly HcpcsCode[],
  total: Amount,
  mgPerMl?: number,
): HcpcsCode | undefined {
  let best: { code: HcpcsCode; billed: number; units: number } | undefined;
  for (const c of candidates) {
    const v = inMeasure(total, c, mgPerMl);
    if (v === undefined) continue;
    const units = administeredUnits(v, c.unit.amount);
    const billedAmount = toMeasure({ kind: 'mass', mg: 1 }, c.unit.measure, mgPerMl);
    const billed = billedAmount ? (units * c.unit.amount) / billedAmount : units * c.unit.amount;
    if (
      !best ||
      billed < best.billed - 1e-9 ||
      (Math.abs(billed - best.billed) <= 1e-9 && units < best.units)
    ) {
      best = { code: c, billed, units };
    }
  }
  return best?.code;
}

function buildLines(
  facts: Fact[],
  catalog: DrugCatalog,
  payer: PayerContext,
  encounterClass: string | undefined,
  gaps: GapList,
): BillingLine[] {
  // Pass 1: choose the code per (candidate codes, date, NDC) on the day's total.
  const choice = new Map<string, HcpcsCode | undefined>();
  const firstPass = groupBy(
    facts,
    (f) => `${f.candidates.map((c) => c.code).join('+')}|${f.dos}|${f.ndc ?? ''}`,
  );
  for (const [k, group] of firstPass) {
    const total: Amount = sumAmounts(group.map((f) => f.given));
    choice.set(k, chooseCode(group[0]?.candidates ?? [], total, group[0]?.mgPerMl));
  }
  const withCode: { fact: Fact; code: HcpcsCode }[] = [];
  for (const [k, group] of firstPass) {
    const code = choice.get(k);
    for (const f of group) {
      if (code) withCode.push({ fact: f, code });
      else
        gaps.add(
          'dose-unit-unconvertible',
          f.id,
          [f.ref],
          `The ${f.ingredientName} amount cannot be expressed in its billing code's measure: document it in mg.`,
        );
    }
  }

  // Pass 2: one line (and maybe a JW line) per (code, date, NDC).
  const lines: BillingLine[] = [];
  const institutional = isInstitutional(encounterClass);
  for (const group of groupBy(withCode, (x) => `${x.code.code}|${x.fact.dos}|${x.fact.ndc ?? ''}`).values()) {
    const first = group[0];
    if (!first) continue;
    const { code } = first;
    const dos = first.fact.dos;
    const ndc = first.fact.ndc;
    const gs = group.map((g) => g.fact);
    const mgPerMl = first.fact.mgPerMl;
    const given = sum(gs.map((f) => inMeasure(f.given, code, f.mgPerMl) ?? 0));
    // Containers of the whole line: a drip titrated over several administrations uses one bag.
    const known = gs.every((f) => f.containerAmount !== undefined && f.opened !== undefined);
    let capacity = known
      ? sum(
          gs.map(
            (f) =>
              inMeasure(massOrUnits(f, (f.opened ?? 0) * (f.containerAmount ?? 0)), code, f.mgPerMl) ?? 0,
          ),
        )
      : undefined;
    const tolerance = capacity !== undefined ? Math.max(capacity * 0.005, 1e-6) : 0;
    // Containers each administration opened, as judged for waste.
    let openedOf = (f: Fact): number | undefined => f.opened;
    if (capacity !== undefined && given > capacity + tolerance) {
      // Fewer containers documented than the dose needs: flag it, and judge waste on the fewest
      // containers that hold each dose instead.
      for (const f of gs.filter((x) => x.openedDocumented)) {
        gaps.add(
          'wastage-inconsistent',
          f.id,
          [f.ref],
          `More ${f.ingredientName} was given (${fmt(given)}) than the containers documented as opened hold (${fmt(capacity)}): correct the number of containers opened.`,
        );
      }
      openedOf = (f) =>
        f.containerAmount ? fewestContainers(amountValue(f.given), f.containerAmount) : f.opened;
      capacity = sum(
        gs.map(
          (f) =>
            inMeasure(massOrUnits(f, (openedOf(f) ?? 0) * (f.containerAmount ?? 0)), code, f.mgPerMl) ?? 0,
        ),
      );
    }
    // Waste is documented for the line when every administration documents it, or has nothing left over.
    let discarded: number | undefined = 0;
    const undocumented: Fact[] = [];
    for (const f of gs) {
      if (f.discarded) discarded += inMeasure(f.discarded, code, f.mgPerMl) ?? 0;
      else {
        const opened = openedOf(f);
        const left =
          f.containerAmount !== undefined && opened !== undefined
            ? opened * f.containerAmount - amountValue(f.given)
            : undefined;
        if (left === undefined || left > 1e-9) undocumented.push(f);
      }
    }
    if (undocumented.length) discarded = undefined;

    const singleDose = gs.every((f) => f.singleDose);
    const excluded =
      encounterClass === 'IMP' || (institutional && catalog.statusOn(code.code, dos)?.indicator === 'N');
    const jwRequired = !excluded && payer.rules.jwRequired && dos >= JW_REQUIRED_FROM;
    const jzRequired = !excluded && payer.rules.jzRequired && dos >= JZ_REQUIRED_FROM;
    const decision = decideWaste({
      given,
      discarded,
      unitSize: code.unit.amount,
      capacity,
      singleDose,
      jwRequired,
      jzRequired,
    });
    if (decision.units > MAX_UNITS_PER_LINE) {
      // A unit mix-up (mcg charted as mg, mL as L) must never become a line: ask for the dose.
      for (const f of gs) {
        gaps.add(
          'dose-unit-unconvertible',
          f.id,
          [f.ref],
          `The ${f.ingredientName} amount documented comes to ${decision.units} units of ${code.code}, which is implausible: check the dose and its unit.`,
        );
      }
      continue;
    }
    const documentedWaste = gs.filter((f) => f.discarded);
    if (
      decision.inconsistency === 'amounts-do-not-match-containers' &&
      capacity !== undefined &&
      discarded !== undefined
    ) {
      for (const f of documentedWaste.length ? documentedWaste : gs) {
        gaps.add(
          'wastage-inconsistent',
          f.id,
          [f.ref],
          `The ${f.ingredientName} given plus discarded on ${dos} (${fmt(given + discarded)}) does not match the containers opened (${fmt(capacity)}): correct the discarded amount or the number of containers opened.`,
        );
      }
    }
    const jwUnits = decision.jwUnits > MAX_UNITS_PER_LINE ? 0 : decision.jwUnits;
    if (jwUnits !== decision.jwUnits) {
      for (const f of documentedWaste) {
        gaps.add(
          'wastage-inconsistent',
          f.id,
          [f.ref],
          `The ${f.ingredientName} documented as discarded comes to ${decision.jwUnits} units of ${code.code}, which is implausible: check the amount and its unit.`,
        );
      }
    }
    if (
      jzRequired &&
      !decision.jz &&
      jwUnits === 0 &&
      decision.undocumentedWasteUnits === 0 &&
      !decision.inconsistency
    ) {
      // The payer returns a line with neither JW nor JZ: say what is missing to decide.
      const unknownUse = gs.filter((f) => !f.containerUse);
      for (const f of unknownUse.length ? unknownUse : gs.filter((x) => x.singleDose)) {
        gaps.add(
          'wastage-undocumented',
          f.id,
          [f.ref],
          f.containerUse
            ? `Document the amount of ${f.ingredientName} discarded on ${dos} (or that none was discarded): the container size is not known, so JW or JZ cannot be decided.`
            : `Record the NDC of the ${f.ingredientName} given on ${dos}, or whether its container was single- or multi-dose, so JW or JZ can be decided.`,
        );
      }
    }
    const price = catalog.priceOn(code.code, dos);
    const refs = gs.map((f) => f.ref);
    const dx = [...new Set(gs.flatMap((f) => f.diagnoses))];
    const mods: Modifier[] = decision.jz ? ['JZ'] : [];
    lines.push(
      line(
        code.code,
        mods,
        decision.units,
        dos,
        ndcDetail(ndc, given, code, first.fact.product, mgPerMl),
        price,
        refs,
        dx,
      ),
    );
    if (jwUnits > 0) {
      const wasted = discarded ?? 0;
      lines.push(
        line(
          code.code,
          ['JW'],
          jwUnits,
          dos,
          ndcDetail(ndc, wasted, code, first.fact.product, mgPerMl),
          price,
          refs,
          dx,
        ),
      );
    }
    if (decision.undocumentedWasteUnits > 0) {
      // The whole line's unbilled waste is at risk; it is carried by the first administration
      // (by id) so that totals add up.
      const risk = price ? money(decision.undocumentedWasteUnits * price.paymentLimit) : undefined;
      for (const [i, f] of [...undocumented].sort((a, b) => a.id.localeCompare(b.id)).entries()) {
        gaps.add(
          'wastage-undocumented',
          f.id,
          [f.ref],
          `Document the amount of ${f.ingredientName} discarded from the single-dose ${f.product?.volumeMl && f.product.volumeMl >= 50 ? 'bag' : 'vial'} on ${dos} (or that none was discarded), so the waste can be billed with JW.`,
          i === 0 ? risk : undefined,
        );
      }
    }
  }
  return lines.sort((a, b) => a.key.localeCompare(b.key));
}

function line(
  code: string,
  modifiers: Modifier[],
  units: number,
  dateOfService: string,
  ndc: NdcDetail | undefined,
  price: { paymentLimit: number; illustrative?: boolean } | undefined,
  refs: string[],
  diagnosisCodes: string[],
): BillingLine {
  return {
    key: `${code}|${modifiers.join('+')}|${dateOfService}|${ndc?.ndc ?? ''}`,
    code,
    modifiers,
    units,
    dateOfService,
    ...(ndc ? { ndc } : {}),
    ...(price
      ? {
          unitPrice: money(price.paymentLimit),
          net: money(price.paymentLimit * units),
          ...(price.illustrative ? { priceIllustrative: true } : {}),
        }
      : {}),
    sourceAdministrations: [...new Set(refs)],
    ...(diagnosisCodes.length ? { diagnosisCodes } : {}),
  };
}

/**
 * NDC quantity (BILLING.md section 4): mL for solutions, else the number of containers (UN),
 * else mg (ME). The NDC quantity is not the HCPCS units.
 */
function ndcDetail(
  ndc: string | undefined,
  amountInMeasure: number,
  code: HcpcsCode,
  product: Product | undefined,
  mgPerMl: number | undefined,
): NdcDetail | undefined {
  if (!ndc) return undefined;
  const mass =
    code.unit.measure === 'unit' ? undefined : toMeasure({ kind: 'mass', mg: 1 }, code.unit.measure, mgPerMl);
  const mg = mass ? amountInMeasure / mass : undefined;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  if (mg !== undefined && mgPerMl) return { ndc, quantity: round(mg / mgPerMl), unit: 'ML' };
  if (mg !== undefined && product && product.amount.measure === 'mg')
    return { ndc, quantity: round(mg / product.amount.value), unit: 'UN' };
  if (mg !== undefined) return { ndc, quantity: round(mg), unit: 'ME' };
  return { ndc, quantity: round(amountInMeasure), unit: 'UN' };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function sumAmounts(xs: Amount[]): Amount {
  if (xs.every((x) => x.kind === 'unit'))
    return { kind: 'unit', units: sum(xs.map((x) => (x.kind === 'unit' ? x.units : 0))) };
  return { kind: 'mass', mg: sum(xs.map((x) => (x.kind === 'mass' ? x.mg : 0))) };
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** The code billed for each administration, for diagnosis checks and revenue estimates. */
function adminUnitsByCode(lines: readonly BillingLine[]): Map<string, { code: string }> {
  const m = new Map<string, { code: string }>();
  for (const l of lines) for (const r of l.sourceAdministrations) if (!m.has(r)) m.set(r, { code: l.code });
  return m;
}

function adminRisk(f: Fact, byAdmin: Map<string, { code: string }>, catalog: DrugCatalog): Money | undefined {
  const codeValue = byAdmin.get(f.ref)?.code;
  const code = codeValue ? catalog.codes.get(codeValue) : undefined;
  const price = code ? catalog.priceOn(code.code, f.dos) : undefined;
  if (!code || !price) return undefined;
  const v = inMeasure(f.given, code, f.mgPerMl);
  return v === undefined ? undefined : money(administeredUnits(v, code.unit.amount) * price.paymentLimit);
}

function hasPriorAuthorization(
  input: EncounterInput,
  patient: string | undefined,
  code: string,
  dos: string,
): boolean {
  return input.priorAuthorizations.some((cr) => {
    if (cr.use !== 'preauthorization' || cr.status !== 'active') return false;
    if (cr.outcome === 'error') return false;
    if (patient && localRef(cr.patient) !== patient) return false;
    const start = calendarDate(cr.preAuthPeriod?.start);
    const end = calendarDate(cr.preAuthPeriod?.end);
    if ((start && dos < start) || (end && dos > end)) return false;
    const codes = (Array.isArray(cr.addItem) ? cr.addItem : []).flatMap((i) =>
      codesOf(i?.productOrService, SYSTEMS.hcpcs),
    );
    return codes.length === 0 || codes.includes(code);
  });
}

/** Diagnoses linked to the encounter (Encounter.diagnosis, Condition.encounter) and per administration. */
function indexDiagnoses(input: EncounterInput) {
  const encounterRef = `Encounter/${input.encounter.id ?? ''}`;
  const byId = new Map<string, Condition>();
  for (const c of input.conditions) if (c?.id) byId.set(`Condition/${c.id}`, c);
  const usable = (c: Condition | undefined): string[] => {
    if (!c) return [];
    const v = c.verificationStatus?.coding?.[0]?.code;
    if (v === 'entered-in-error' || v === 'refuted') return [];
    return codesOf(c.code, SYSTEMS.icd10cm);
  };
  const ranked = [...(Array.isArray(input.encounter.diagnosis) ? input.encounter.diagnosis : [])].sort(
    (a, b) => (a?.rank ?? 99) - (b?.rank ?? 99),
  );
  const encounterCodes: string[] = [];
  for (const d of ranked) {
    const ref = localRef(d?.condition);
    encounterCodes.push(...usable(ref ? byId.get(ref) : undefined));
  }
  for (const c of [...input.conditions].sort(compareIds))
    if (localRef(c?.encounter) === encounterRef) encounterCodes.push(...usable(c));
  const unique = (xs: string[]) => [...new Set(xs)];
  const adminCodes: string[] = [];
  const forAdministration = (admin: MedicationAdministration): string[] => {
    const own: string[] = [];
    for (const r of Array.isArray(admin.reasonReference) ? admin.reasonReference : []) {
      const ref = localRef(r);
      own.push(...usable(ref ? byId.get(ref) : undefined));
    }
    for (const rc of Array.isArray(admin.reasonCode) ? admin.reasonCode : [])
      own.push(...codesOf(rc, SYSTEMS.icd10cm));
    adminCodes.push(...own);
    return unique([...own, ...encounterCodes]);
  };
  return { forAdministration, claimOrder: () => unique([...encounterCodes, ...adminCodes]) };
}
