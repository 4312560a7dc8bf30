/**
 * The billing engine (pure): one Encounter and its resources in, claim lines and documentation
 * gaps out. It reads like its table of contents: gather the facts of each administration,
 * find the Coverage and the payer's rules, build the lines, run the checks, report.
 * The rules themselves are described in docs/billing-rules.md.
 */
import type { EncounterInput } from '../domain/input.ts';
import type { Evaluation } from '../domain/types.ts';
import { checkPostedCharges } from './checks/charges.ts';
import type { Check, CheckInput } from './checks/check.ts';
import { codeByAdministration } from './checks/risk.ts';
import { checkSubmittedClaims } from './checks/claims.ts';
import { checkCoverage, checkPayerClassified } from './checks/coverage.ts';
import { checkDiagnoses } from './checks/diagnosis.ts';
import { checkMue } from './checks/mue.ts';
import { checkNdc } from './checks/ndc.ts';
import { checkPayerRules } from './checks/payer.ts';
import { encounterContext, type EngineReference } from './context.ts';
import { gatherFacts } from './facts.ts';
import { GapList } from './gap-list.ts';
import { buildLines } from './lines/index.ts';
import { payerContext, primaryCoverage } from './payer.ts';

/** The checks run on the lines, in order. */
const CHECKS: readonly Check[] = [
  checkCoverage,
  checkPayerClassified,
  checkDiagnoses,
  checkNdc,
  checkPayerRules,
  checkMue,
  checkPostedCharges,
  checkSubmittedClaims,
];

export function evaluateEncounter(input: EncounterInput, ref: EngineReference, now: string): Evaluation {
  const gaps = new GapList();
  const encounter = encounterContext(input, ref, now);

  // 1. Facts: what each administration documents, or why it cannot be billed.
  const { facts, diagnoses, skipped, enteredInError } = gatherFacts(input, encounter, ref.catalog, gaps);

  // 2. Coverage on the dates of service, and the payer's rules.
  const dates = [...new Set(facts.map((f) => f.dos))].sort();
  const coverage = primaryCoverage(
    input.coverages,
    encounter.patient,
    dates.length ? dates : [encounter.dateOf(input.encounter.period?.start) ?? encounter.today],
    encounter.dateOf,
  );
  const payer = payerContext(coverage, ref.payerRules);

  // 3. Lines: code, units per code and day, JW/JZ and 340B modifiers, NDC lines, price.
  const lines = buildLines(facts, ref.catalog, payer, encounter.setting, gaps);

  // 4. Checks: coverage and payer, diagnoses, NDC, payer rules, MUE, posted charges, submitted claims.
  const codeOf = codeByAdministration(lines);
  const checked: CheckInput = {
    input,
    encounter,
    facts,
    lines,
    catalog: ref.catalog,
    coverage,
    payer,
    codeOf,
  };
  for (const check of CHECKS) check(checked, gaps);

  // 5. The result.
  return {
    encounter: encounter.ref,
    ...(encounter.patient ? { patient: encounter.patient } : {}),
    ...(coverage?.id ? { coverage: `Coverage/${coverage.id}` } : {}),
    payerCategory: payer.category,
    setting: encounter.setting,
    lines,
    gaps: gaps.list(),
    diagnoses: diagnoses.claimOrder(),
    skippedAdministrations: skipped,
    enteredInError,
  };
}
