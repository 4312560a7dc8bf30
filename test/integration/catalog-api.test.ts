/**
 * The catalog built from the CMS files, through POST /api/evaluate over real HTTP against the
 * embedded FHIR server (issue 10's "done when"): golden cases 45-48, whose lines are computed by
 * hand in their expected files from the CMS rows they name.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import { claimLines, goldenBundle, goldenExpected, postJson, sortLines } from '../support/notify.ts';
import { startTestService } from '../support/service.ts';

describe('POST /api/evaluate with the CMS catalog (hospital outpatient, Medicare SOPT 1)', () => {
  let running: Running;
  beforeAll(async () => {
    running = await startTestService();
  });
  afterAll(async () => {
    await running?.stop();
  });

  const evaluate = async (name: string) => {
    const res = await postJson(running, '/api/evaluate', goldenBundle(name));
    expect(res.status).toBe(200);
    return res.json as {
      evaluation: {
        lines: { code: string; modifiers: string[]; units: number; unitPrice?: { value: number } }[];
      };
      claim?: unknown;
    };
  };

  test('Herceptin 150 mg vials, 420 mg on 2025-11-10, 30 mg discarded: J9355 x42 and J9355-JW x3', async () => {
    const name = '45-infusion-trastuzumab-420-herceptin-jw';
    const r = await evaluate(name);
    expect(claimLines(r.claim as never)).toEqual(sortLines(goldenExpected(name).lines));
    // asp-pricing-2025q4.csv: J9355 75.025 per 10 mg.
    expect(r.evaluation.lines.map((l) => l.unitPrice?.value)).toEqual([75.03, 75.03]);
  });

  test('methylprednisolone sodium succinate 125 mg: J2919 x25 JZ on 2025-06-10, J2930 x1 on 2024-03-20', async () => {
    for (const name of ['46-ed-methylpred-125-june-2025-j2919', '47-ed-methylpred-125-march-2024-j2930']) {
      const r = await evaluate(name);
      expect(claimLines(r.claim as never), name).toEqual(sortLines(goldenExpected(name).lines));
    }
  });

  test('dexamethasone (J1100, OPPS SI N): reported with its units, no JW and no JZ', async () => {
    const name = '48-ed-dexamethasone-packaged-no-modifier';
    const r = await evaluate(name);
    expect(r.evaluation.lines.map((l) => [l.code, l.modifiers, l.units])).toEqual([['J1100', [], 10]]);
    expect(claimLines(r.claim as never)).toEqual(sortLines(goldenExpected(name).lines));
  });
});
