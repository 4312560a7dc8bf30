/**
 * The derived lines against what the billing system posted (ChargeItems): a wrong code
 * (charge-code-mismatch), different units (charge-units-mismatch), a missing JW line or JZ
 * (charge-modifier-missing). `readCharge` and `matchCharge` are shared with the audit.
 */
import type { ChargeItem } from '@medplum/fhirtypes';
import { isValidOn, type DrugCatalog } from '../../catalog/catalog.ts';
import type { EncounterInput } from '../../domain/input.ts';
import type { BillingLine, Money } from '../../domain/types.ts';
import type { Fact } from '../facts.ts';
import type { GapList } from '../gap-list.ts';
import type { Check } from './check.ts';
import { paymentFor, sumMoney } from '../../domain/money.ts';
import { calendarDate, codings, finiteNumber, localRef } from '../../domain/fhir-values.ts';
import { SYSTEMS } from '../../domain/vocabulary.ts';

/** A posted line: a billable ChargeItem, or an item of a Claim that has left draft. */
export interface PostedLine {
  readonly ref: string;
  readonly code: string;
  readonly modifiers: readonly string[];
  readonly units: number;
  readonly dos: string | undefined;
  readonly administrations: readonly string[];
}

interface PostedCharge extends PostedLine {
  readonly id: string;
}

const POSTED = new Set(['billable', 'billed']);

/**
 * HCPCS code and modifiers of a ChargeItem: modifiers are extra two-character HCPCS codings. The
 * date of service is read in the facility's time zone when `dateOf` gives one.
 */
export function readCharge(
  ci: ChargeItem,
  dateOf: (dateTime: string | undefined) => string | undefined = calendarDate,
): PostedCharge | undefined {
  if (!ci?.id || !POSTED.has(ci.status)) return undefined;
  const hcpcs = codings(ci.code, SYSTEMS.hcpcs).map((c) => (c.code as string).toUpperCase());
  const code = hcpcs.find((c) => /^[A-Z]\d{4}$/.test(c));
  if (!code) return undefined;
  const modifiers = hcpcs.filter((c) => /^[A-Z0-9]{2}$/.test(c));
  const units = finiteNumber(ci.quantity?.value) ?? 1;
  const dos = dateOf(ci.occurrenceDateTime ?? ci.occurrencePeriod?.start);
  const administrations = (Array.isArray(ci.service) ? ci.service : [])
    .map((s) => localRef(s))
    .filter((r): r is string => r?.startsWith('MedicationAdministration/') ?? false);
  return { id: ci.id, ref: `ChargeItem/${ci.id}`, code, modifiers, units, dos, administrations };
}

export interface ChargeMatch {
  /** The date the charge is compared on: its own, else that of the line(s) it matches. */
  readonly dos: string | undefined;
  /** The charge bills a code that no derived line bills for the same drug. */
  readonly wrongCode: boolean;
  /** The code(s) the documentation bills instead, when wrongCode (never empty then). */
  readonly expected: readonly string[];
  /** The administrations concerned. */
  readonly implicated: readonly string[];
  /** The charge's code is not valid on the charge's date (terminated, or not yet effective). */
  readonly invalidOnDate: boolean;
}

const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/**
 * One rule for the service and the audit: a charge linked to administrations (`service`) must
 * bill one of their lines' codes; an unlinked one must bill a code some line of the encounter
 * bills, on any date (a charge is often posted on another day than the drug was given). When
 * `validOn` is given, a code not valid on the charge's date is flagged too (J2930 in 2025).
 */
export function matchCharge(
  c: { readonly code: string; readonly administrations: readonly string[]; readonly dos: string | undefined },
  lines: readonly BillingLine[],
  validOn?: (code: string, dos: string) => boolean,
): ChargeMatch {
  const linked = c.administrations.filter((a) => lines.some((l) => l.sourceAdministrations.includes(a)));
  let match: Omit<ChargeMatch, 'invalidOnDate'>;
  if (linked.length) {
    const concerned = lines.filter((l) => l.sourceAdministrations.some((a) => linked.includes(a)));
    const expected = uniq(concerned.map((l) => l.code));
    const wrongCode = !expected.includes(c.code);
    match = {
      dos: c.dos ?? concerned[0]?.dateOfService,
      wrongCode,
      expected: wrongCode ? expected : [],
      implicated: linked,
    };
  } else {
    const sameCode = lines.filter((l) => l.code === c.code);
    if (sameCode.length || lines.length === 0) {
      const dates = uniq(sameCode.map((l) => l.dateOfService));
      const dos = c.dos && (dates.includes(c.dos) || dates.length !== 1) ? c.dos : (dates[0] ?? c.dos);
      match = { dos, wrongCode: false, expected: [], implicated: [] };
    } else {
      const sameDay = c.dos ? lines.filter((l) => l.dateOfService === c.dos) : [];
      const against = sameDay.length ? sameDay : lines;
      const dates = uniq(against.map((l) => l.dateOfService));
      match = {
        dos: c.dos ?? (dates.length === 1 ? dates[0] : undefined),
        wrongCode: true,
        expected: uniq(against.map((l) => l.code)),
        implicated: uniq(against.flatMap((l) => l.sourceAdministrations)),
      };
    }
  }
  const invalidOnDate = validOn !== undefined && c.dos !== undefined && !validOn(c.code, c.dos);
  return { ...match, invalidOnDate };
}

export function compareWithPostedCharges(
  input: EncounterInput,
  lines: readonly BillingLine[],
  facts: readonly Fact[],
  catalog: DrugCatalog,
  gaps: GapList,
  dateOf: (dateTime: string | undefined) => string | undefined = calendarDate,
): void {
  if (input.chargeItems.length === 0) return;
  const encounterRef = `Encounter/${input.encounter.id ?? ''}`;
  const billedAdmins = new Set(facts.map((f) => f.ref));
  // The codes of the lines: a per-vial code (J1162) bills, though it does not bill by amount.
  const lineCodes = new Set(lines.map((l) => l.code));
  const charges = input.chargeItems
    .filter((ci) => !ci?.context || localRef(ci.context) === encounterRef)
    .map((ci) => readCharge(ci, dateOf))
    .filter((c): c is PostedCharge => c !== undefined)
    // A drug charge: a catalog code, a code of the lines, or a charge for a billed administration.
    .filter(
      (c) =>
        catalog.codes.has(c.code) ||
        lineCodes.has(c.code) ||
        c.administrations.some((a) => billedAdmins.has(a)),
    );
  if (charges.length === 0) return;

  const skipUnits = new Set<string>();
  const matched: PostedCharge[] = [];

  // A catalog code must be valid on the charge's date; a code the catalog does not know is not judged.
  const validOn = (code: string, dos: string) => {
    if (catalog.codes.has(code)) return catalog.codesValidOn([code], dos).length > 0;
    const other = lineCodes.has(code) ? catalog.codeOn(code, dos) : undefined;
    return !other || isValidOn(other, dos);
  };
  for (const c of charges) {
    const { dos, wrongCode, expected, implicated, invalidOnDate } = matchCharge(c, lines, validOn);
    if (wrongCode || invalidOnDate) {
      const drug = catalog.codes.get(c.code);
      const said = drug ? `${c.code} (${drug.descriptor})` : c.code;
      const want = expected.join(' or ');
      const why = invalidOnDate
        ? wrongCode
          ? `which is not a valid code on ${c.dos ?? ''}; the drug documented bills as ${want}`
          : `which is not a valid code on ${c.dos ?? ''}`
        : `but the drug documented bills as ${want}`;
      // What the right code would pay: the derived lines of the administrations concerned.
      const concerned = lines.filter((l) => l.sourceAdministrations.some((a) => implicated.includes(a)));
      const atRisk = concerned.every((l) => l.net)
        ? concerned.reduce<Money | undefined>((s, l) => sumMoney(s, l.net), undefined)
        : undefined;
      gaps.add(
        'charge-code-mismatch',
        c.id,
        [c.ref, ...implicated],
        `The posted charge bills ${said}, ${why}: correct the charge code.`,
        atRisk,
      );
      // The lines the charge stands for are not compared again for units.
      for (const l of concerned) skipUnits.add(`${l.code}:${l.dateOfService}`);
      continue;
    }
    matched.push({ ...c, dos });
  }

  // Units and modifiers per code and date of service.
  const keys = new Set<string>([
    ...lines.map((l) => `${l.code}:${l.dateOfService}`),
    ...matched.filter((c) => c.dos).map((c) => `${c.code}:${c.dos}`),
  ]);
  for (const key of keys) {
    if (skipUnits.has(key)) continue;
    const [code, dos] = key.split(':') as [string, string];
    const derived = lines.filter((l) => l.code === code && l.dateOfService === dos);
    const posted = matched.filter((c) => c.code === code && c.dos === dos);
    const derivedUnits = sumUnits(derived.filter((l) => !l.modifiers.includes('JW')));
    const derivedJw = sumUnits(derived.filter((l) => l.modifiers.includes('JW')));
    const postedUnits = posted.filter((c) => !c.modifiers.includes('JW')).reduce((s, c) => s + c.units, 0);
    const postedJw = posted.filter((c) => c.modifiers.includes('JW')).reduce((s, c) => s + c.units, 0);
    const price = catalog.priceOn(code, dos)?.paymentLimit;
    const refs = [
      ...new Set([...derived.flatMap((l) => l.sourceAdministrations), ...posted.map((c) => c.ref)]),
    ];

    if (derivedJw > 0 && postedJw === 0 && posted.length > 0) {
      gaps.add(
        'charge-modifier-missing',
        key,
        refs,
        `The waste of ${code} on ${dos} (${derivedJw} units) was not posted as a JW line: post it with modifier JW.`,
        price ? paymentFor(derivedJw, price) : undefined,
      );
    }
    const needsJz = derived.some((l) => l.modifiers.includes('JZ'));
    if (needsJz && posted.some((c) => !c.modifiers.includes('JZ') && !c.modifiers.includes('JW'))) {
      gaps.add(
        'charge-modifier-missing',
        key,
        refs,
        `The posted ${code} charge on ${dos} lacks modifier JZ (no drug was discarded): add JZ or Medicare returns the claim.`,
      );
    }
    const unitsDiffer = postedUnits !== derivedUnits || (postedJw > 0 && postedJw !== derivedJw);
    if (unitsDiffer && (posted.length > 0 || derivedUnits > 0)) {
      const under =
        Math.max(0, derivedUnits - postedUnits) + (postedJw > 0 ? Math.max(0, derivedJw - postedJw) : 0);
      const over = postedUnits > derivedUnits || postedJw > derivedJw;
      gaps.add(
        'charge-units-mismatch',
        key,
        refs,
        over
          ? `${postedUnits + postedJw} units of ${code} were posted for ${dos} but the documentation supports ${derivedUnits + derivedJw}: correct the charge (over-billing is a compliance risk).`
          : `${postedUnits + postedJw} units of ${code} were posted for ${dos} but the documentation supports ${derivedUnits + derivedJw}: post the missing units.`,
        under > 0 && price ? paymentFor(under, price) : undefined,
      );
    }
  }
}

function sumUnits(lines: readonly BillingLine[]): number {
  return lines.reduce((s, l) => s + l.units, 0);
}

export const checkPostedCharges: Check = ({ input, lines, facts, catalog, encounter }, gaps) =>
  compareWithPostedCharges(input, lines, facts, catalog, gaps, encounter.dateOf);
