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
import { calendarDate, finiteNumber, localRef } from '../../domain/fhir-values.ts';
import { canonicalSystem, SYSTEMS } from '../../domain/vocabulary.ts';

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

/** `^[A-Z]\d{4}$`: a HCPCS code (checked by hand: two charges per administration are read). */
function isHcpcsCode(c: string): boolean {
  if (c.length !== 5) return false;
  const first = c.charCodeAt(0);
  if (first < 65 || first > 90) return false;
  for (let i = 1; i < 5; i++) {
    const d = c.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return true;
}

/** `^[A-Z0-9]{2}$`: a HCPCS modifier. */
function isModifierCode(c: string): boolean {
  if (c.length !== 2) return false;
  for (let i = 0; i < 2; i++) {
    const d = c.charCodeAt(i);
    if (!((d >= 65 && d <= 90) || (d >= 48 && d <= 57))) return false;
  }
  return true;
}

const ADMINISTRATION_PREFIX = 'MedicationAdministration/';

/**
 * HCPCS code and modifiers of a ChargeItem: modifiers are extra two-character HCPCS codings. The
 * date of service is read in the facility's time zone when `dateOf` gives one.
 */
export function readCharge(
  ci: ChargeItem,
  dateOf: (dateTime: string | undefined) => string | undefined = calendarDate,
): PostedCharge | undefined {
  if (!ci?.id || !POSTED.has(ci.status)) return undefined;
  // The HCPCS codings (codings(ci.code, SYSTEMS.hcpcs)) in one pass: the first code, every modifier.
  const list = Array.isArray(ci.code?.coding) ? ci.code.coding : [];
  let code: string | undefined;
  const modifiers: string[] = [];
  for (const c of list) {
    if (
      !c ||
      typeof c !== 'object' ||
      typeof c.code !== 'string' ||
      canonicalSystem(c.system) !== SYSTEMS.hcpcs
    )
      continue;
    const upper = c.code.toUpperCase();
    if (code === undefined && isHcpcsCode(upper)) code = upper;
    else if (isModifierCode(upper)) modifiers.push(upper);
  }
  if (!code) return undefined;
  const units = finiteNumber(ci.quantity?.value) ?? 1;
  const dos = dateOf(ci.occurrenceDateTime ?? ci.occurrencePeriod?.start);
  const administrations: string[] = [];
  if (Array.isArray(ci.service))
    for (const s of ci.service) {
      const r = localRef(s);
      if (r?.startsWith(ADMINISTRATION_PREFIX)) administrations.push(r);
    }
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
  let billedAdmins: Set<string> | undefined;
  // The codes of the lines: a per-vial code (J1162) bills, though it does not bill by amount.
  const lineCodes = new Set<string>();
  for (const l of lines) lineCodes.add(l.code);
  const charges: PostedCharge[] = [];
  for (const ci of input.chargeItems) {
    if (ci?.context && localRef(ci.context) !== encounterRef) continue;
    const c = readCharge(ci, dateOf);
    if (!c) continue;
    // A drug charge: a catalog code, a code of the lines, or a charge for a billed administration.
    if (catalog.codes.has(c.code) || lineCodes.has(c.code)) charges.push(c);
    else if (c.administrations.length) {
      billedAdmins ??= new Set(facts.map((f) => f.ref));
      if (c.administrations.some((a) => (billedAdmins as Set<string>).has(a))) charges.push(c);
    }
  }
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
    matched.push(dos === c.dos ? c : { ...c, dos });
  }

  // Units and modifiers per code and date of service: the lines' keys first, then the charges'.
  const byKey = new Map<string, { derived: BillingLine[]; posted: PostedCharge[] }>();
  const groupOf = (key: string) => {
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { derived: [], posted: [] }));
    return g;
  };
  for (const l of lines) groupOf(`${l.code}:${l.dateOfService}`).derived.push(l);
  for (const c of matched) if (c.dos) groupOf(`${c.code}:${c.dos}`).posted.push(c);
  for (const [key, { derived, posted }] of byKey) {
    if (skipUnits.has(key)) continue;
    const [code, dos] = key.split(':') as [string, string];
    let derivedUnits = 0;
    let derivedJw = 0;
    // Units without JW or JZ: a multi-dose vial's, beside a single-dose vial's JZ units that day.
    let derivedPlain = 0;
    let needsJz = false;
    for (const l of derived) {
      if (l.modifiers.includes('JW')) derivedJw += l.units;
      else derivedUnits += l.units;
      if (l.modifiers.includes('JZ')) needsJz = true;
      else if (!l.modifiers.includes('JW')) derivedPlain += l.units;
    }
    let postedUnits = 0;
    let postedJw = 0;
    let postedPlain = 0;
    let lacksJz = false;
    for (const c of posted) {
      if (c.modifiers.includes('JW')) postedJw += c.units;
      else {
        postedUnits += c.units;
        if (!c.modifiers.includes('JZ')) {
          lacksJz = true;
          postedPlain += c.units;
        }
      }
    }
    const missesJw = derivedJw > 0 && postedJw === 0 && posted.length > 0;
    // JZ is missing when more units were posted without it than the lines bill without it.
    const missesJz = needsJz && lacksJz && (derivedPlain === 0 || postedPlain > derivedPlain);
    const unitsDiffer = postedUnits !== derivedUnits || (postedJw > 0 && postedJw !== derivedJw);
    const differs = unitsDiffer && (posted.length > 0 || derivedUnits > 0);
    if (!missesJw && !missesJz && !differs) continue;
    const price = catalog.priceOn(code, dos)?.paymentLimit;
    const refSet = new Set<string>();
    for (const l of derived) for (const r of l.sourceAdministrations) refSet.add(r);
    for (const c of posted) refSet.add(c.ref);
    const refs = [...refSet];

    if (missesJw) {
      gaps.add(
        'charge-modifier-missing',
        key,
        refs,
        `The waste of ${code} on ${dos} (${derivedJw} units) was not posted as a JW line: post it with modifier JW.`,
        price ? paymentFor(derivedJw, price) : undefined,
      );
    }
    if (missesJz) {
      gaps.add(
        'charge-modifier-missing',
        key,
        refs,
        `The posted ${code} charge on ${dos} lacks modifier JZ (no drug was discarded): add JZ or Medicare returns the claim.`,
      );
    }
    if (differs) {
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

export const checkPostedCharges: Check = ({ input, lines, facts, catalog, encounter }, gaps) =>
  compareWithPostedCharges(input, lines, facts, catalog, gaps, encounter.dateOf);
