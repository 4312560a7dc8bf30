/**
 * Units and JW/JZ arithmetic (SPEC 4.5-4.7, BILLING.md sections 2 and 3), including every
 * published worked example of BILLING.md section 3.
 */
import { describe, expect, it } from 'vitest';
import {
  administeredUnits,
  allocateUnits,
  decideWaste,
  fewestContainers,
  wastedUnits,
  type WasteDecisionInput,
} from '../../src/rules/units.ts';

const MEDICARE = { jwRequired: true, jzRequired: true } as const;
const MEDICAID = { jwRequired: true, jzRequired: false } as const;
const NO_MODIFIERS = { jwRequired: false, jzRequired: false } as const;

/** Containers as the cases state them: so many containers of so much each. */
interface Containers {
  readonly containerAmount?: number;
  readonly containersOpened?: number;
}

function decide(
  over: Partial<Omit<WasteDecisionInput, 'capacity'>> &
    Pick<WasteDecisionInput, 'given' | 'unitSize'> &
    Containers,
) {
  const { containerAmount, containersOpened, ...rest } = over;
  return decideWaste({
    discarded: undefined,
    singleDose: true,
    ...MEDICARE,
    ...rest,
    capacity:
      containerAmount !== undefined && containersOpened !== undefined
        ? containerAmount * containersOpened
        : undefined,
  });
}

describe('administeredUnits: ceil(A / U), at least 1 when A > 0', () => {
  it.each([
    // given, unit, units
    [350, 10, 35],
    [400, 10, 40],
    [90, 10, 9],
    [7, 10, 1],
    [70, 10, 7],
    [77, 10, 8],
    [75, 100, 1],
    [70, 100, 1],
    [125, 125, 1],
    [126, 125, 2],
    [60, 125, 1], // "up to 125 mg": one unit
    [250, 125, 2],
    [300, 250, 2], // dobutamine 300 mg per 250 mg
    [240, 250, 1],
    [0.5, 1, 1], // at least one unit
    [0.001, 250, 1],
    [40, 1, 40], // J1010, 1 mg
  ])('%s given, unit %s -> %s', (given, unit, units) => {
    expect(administeredUnits(given, unit)).toBe(units);
  });

  it.each([
    ['0.1 + 0.2 of 0.1', 0.1 + 0.2, 0.1, 3],
    ['0.7 of 0.1', 0.7, 0.1, 7],
    ['1.1 of 0.1', 1.1, 0.1, 11],
    ['3 x 0.1 of 0.3', 0.1 * 3, 0.3, 1],
  ])('float noise does not add a unit: %s', (_label, given, unit, units) => {
    expect(administeredUnits(given, unit)).toBe(units);
  });

  it.each([
    ['zero', 0],
    ['negative', -10],
    ['NaN', Number.NaN],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('%s given bills nothing', (_label, given) => {
    expect(administeredUnits(given, 10)).toBe(0);
  });
});

describe('wastedUnits: floor((A + W) / U) - administered, never negative', () => {
  it.each([
    // given, discarded, unit, JW units
    [350, 50, 10, 5],
    [400, 0, 10, 0],
    [70, 30, 100, 0], // one unit already covers dose + waste
    [90, 10, 10, 1],
    [7, 3, 10, 0], // rounding the 7 mg up already billed the 3 mg
    [70, 30, 10, 3],
    [77, 23, 10, 2], // 23 mg discarded: 2 units, the rest was billed by rounding 77 up
    [75, 25, 100, 0],
    [60, 65, 125, 0], // 125 mg vial, up to 125 mg code
    [240, 260, 250, 1], // dobutamine bag 500 mg, 240 given
  ])('%s given + %s discarded, unit %s -> JW %s', (given, discarded, unit, jw) => {
    expect(wastedUnits(given, discarded, unit)).toBe(jw);
  });

  it('float noise does not drop a waste unit (0.5 + 0.2 of 0.1 is 7 units, not 6.999)', () => {
    expect(wastedUnits(0.5, 0.2, 0.1)).toBe(2);
    expect(wastedUnits(0.1 + 0.2, 0.7, 0.1)).toBe(7);
  });

  it('a negative or NaN discarded amount is no waste', () => {
    expect(wastedUnits(70, -30, 10)).toBe(0);
    expect(wastedUnits(70, Number.NaN, 10)).toBe(0);
  });

  it('nothing given: no JW units (a claim with only a JW line is rejected)', () => {
    expect(wastedUnits(0, 100, 10)).toBe(0);
    expect(wastedUnits(-5, 100, 10)).toBe(0);
  });
});

describe('fewestContainers', () => {
  it.each([
    [350, 100, 4],
    [400, 100, 4],
    [70, 100, 1],
    [0.1 + 0.2, 0.1, 3],
    [0, 100, 1],
  ])('%s from containers of %s -> %s', (given, per, n) => {
    expect(fewestContainers(given, per)).toBe(n);
  });
});

describe('decideWaste: the published worked examples (BILLING.md section 3)', () => {
  it.each([
    {
      source: 'Noridian JE/JF: infliximab 350 mg from 4 x 100 mg vials, J1745 per 10 mg',
      input: { given: 350, discarded: 50, unitSize: 10, containerAmount: 100, containersOpened: 4 },
      expected: { units: 35, jwUnits: 5, jz: false },
    },
    {
      source: 'Noridian JF: infliximab 400 mg from 4 x 100 mg vials',
      input: { given: 400, discarded: 0, unitSize: 10, containerAmount: 100, containersOpened: 4 },
      expected: { units: 40, jwUnits: 0, jz: true },
    },
    {
      source: 'Noridian JD DME: 100 mg vial, code unit 100 mg, 70 mg given',
      input: { given: 70, discarded: 30, unitSize: 100, containerAmount: 100, containersOpened: 1 },
      expected: { units: 1, jwUnits: 0, jz: true },
    },
    {
      source: 'ASPS (CMS FAQ): 100 mg/4 mL vial, unit 10 mg, 90 mg given',
      input: { given: 90, discarded: 10, unitSize: 10, containerAmount: 100, containersOpened: 1 },
      expected: { units: 9, jwUnits: 1, jz: false },
    },
    {
      // ASPS and findacode show no JW (3 mg is less than one unit); the JZ is from the Noridian JD DME
      // JZ modifier page (2024-03-20): a discard smaller than one billing unit is reported with JZ.
      source:
        'ASPS, findacode (no JW); Noridian JD DME JZ page, 2024-03-20 (JZ): unit 10 mg, 7 mg given from a 10 mg vial',
      input: { given: 7, discarded: 3, unitSize: 10, containerAmount: 10, containersOpened: 1 },
      expected: { units: 1, jwUnits: 0, jz: true },
    },
    {
      source: 'ACR: unit 10 mg, 70 mg from a 100 mg vial',
      input: { given: 70, discarded: 30, unitSize: 10, containerAmount: 100, containersOpened: 1 },
      expected: { units: 7, jwUnits: 3, jz: false },
    },
    {
      source: 'ACR: unit 10 mg, 77 mg from a 100 mg vial',
      input: { given: 77, discarded: 23, unitSize: 10, containerAmount: 100, containersOpened: 1 },
      expected: { units: 8, jwUnits: 2, jz: false },
    },
    {
      // medlearn shows no JW (25 mg is less than one unit); the JZ is from the Noridian JD DME JZ
      // modifier page (2024-03-20).
      source:
        'medlearn (no JW); Noridian JD DME JZ page, 2024-03-20 (JZ): 100 mg vial, unit 100 mg, 75 mg given',
      input: { given: 75, discarded: 25, unitSize: 100, containerAmount: 100, containersOpened: 1 },
      expected: { units: 1, jwUnits: 0, jz: true },
    },
  ])('$source', ({ input, expected }) => {
    const d = decide(input);
    expect({ units: d.units, jwUnits: d.jwUnits, jz: d.jz }).toEqual(expected);
    expect(d.undocumentedWasteUnits).toBe(0);
    expect(d.inconsistency).toBeUndefined();
  });

  it('a line never carries both JW and JZ', () => {
    for (const given of [1, 7, 35, 70, 77, 90, 99, 100, 150, 350, 399, 400]) {
      for (const unitSize of [1, 10, 25, 100]) {
        const opened = Math.ceil(given / 100);
        const d = decide({
          given,
          discarded: opened * 100 - given,
          unitSize,
          containerAmount: 100,
          containersOpened: opened,
        });
        expect(d.jwUnits > 0 && d.jz).toBe(false);
        // Administered units plus JW never bill more than the opened containers hold.
        expect((d.units + d.jwUnits) * unitSize).toBeGreaterThanOrEqual(given);
        expect(d.jwUnits * unitSize).toBeLessThanOrEqual(opened * 100 - given + 1e-9);
      }
    }
  });
});

describe('decideWaste: JZ', () => {
  it('documented zero discard gets JZ even without a known container', () => {
    expect(decide({ given: 40, discarded: 0, unitSize: 1 })).toMatchObject({
      units: 40,
      jwUnits: 0,
      jz: true,
    });
  });

  it('units that cover every opened container get JZ without a documented discard', () => {
    expect(decide({ given: 125, unitSize: 125, containerAmount: 125, containersOpened: 1 })).toMatchObject({
      units: 1,
      jz: true,
      undocumentedWasteUnits: 0,
    });
    // 300 mg of a 500 mg bag at 250 mg a unit: 2 units bill the whole bag.
    expect(decide({ given: 300, unitSize: 250, containerAmount: 500, containersOpened: 1 })).toMatchObject({
      units: 2,
      jz: true,
      undocumentedWasteUnits: 0,
    });
  });

  it('documented discard that rounding already covers gets JZ without a known container', () => {
    expect(decide({ given: 7, discarded: 3, unitSize: 10 })).toMatchObject({
      units: 1,
      jwUnits: 0,
      jz: true,
    });
  });
});

describe('decideWaste: payer rules', () => {
  it('Medicaid (JW required, JZ not): JW still billed, no JZ on a fully used vial', () => {
    expect(
      decide({
        given: 350,
        discarded: 50,
        unitSize: 10,
        containerAmount: 100,
        containersOpened: 4,
        ...MEDICAID,
      }),
    ).toMatchObject({
      units: 35,
      jwUnits: 5,
      jz: false,
    });
    expect(
      decide({
        given: 400,
        discarded: 0,
        unitSize: 10,
        containerAmount: 100,
        containersOpened: 4,
        ...MEDICAID,
      }),
    ).toMatchObject({
      units: 40,
      jwUnits: 0,
      jz: false,
    });
  });

  it('JW and JZ not required: neither, and no undocumented-waste finding', () => {
    expect(
      decide({
        given: 350,
        discarded: 50,
        unitSize: 10,
        containerAmount: 100,
        containersOpened: 4,
        ...NO_MODIFIERS,
      }),
    ).toEqual({
      units: 35,
      jwUnits: 0,
      jz: false,
      undocumentedWasteUnits: 0,
    });
    expect(
      decide({ given: 70, unitSize: 10, containerAmount: 100, containersOpened: 1, ...NO_MODIFIERS })
        .undocumentedWasteUnits,
    ).toBe(0);
  });
});

describe('decideWaste: multi-dose containers', () => {
  it('no JW and no JZ', () => {
    expect(
      decide({
        given: 40,
        discarded: 0,
        unitSize: 40,
        containerAmount: 400,
        containersOpened: 1,
        singleDose: false,
      }),
    ).toEqual({
      units: 1,
      jwUnits: 0,
      jz: false,
      undocumentedWasteUnits: 0,
    });
  });

  it('waste recorded on a multi-dose container is flagged and not billed', () => {
    const d = decide({
      given: 40,
      discarded: 360,
      unitSize: 1,
      containerAmount: 400,
      containersOpened: 1,
      singleDose: false,
    });
    expect(d).toMatchObject({ units: 40, jwUnits: 0, jz: false, inconsistency: 'multi-dose-waste' });
  });

  it('an undocumented remainder of a multi-dose vial is not undocumented waste', () => {
    expect(
      decide({ given: 40, unitSize: 1, containerAmount: 400, containersOpened: 1, singleDose: false })
        .undocumentedWasteUnits,
    ).toBe(0);
  });
});

describe('decideWaste: undocumented waste', () => {
  it('waste possible but not documented: neither JW nor JZ, the unbilled JW units reported', () => {
    expect(decide({ given: 70, unitSize: 10, containerAmount: 100, containersOpened: 1 })).toEqual({
      units: 7,
      jwUnits: 0,
      jz: false,
      undocumentedWasteUnits: 3,
    });
    expect(decide({ given: 350, unitSize: 10, containerAmount: 100, containersOpened: 4 })).toMatchObject({
      units: 35,
      jz: false,
      undocumentedWasteUnits: 5,
    });
    expect(decide({ given: 240, unitSize: 250, containerAmount: 500, containersOpened: 1 })).toMatchObject({
      units: 1,
      jz: false,
      undocumentedWasteUnits: 1,
    });
  });

  it('a remainder that rounding covers is not undocumented waste: JZ', () => {
    // 77 mg from a 100 mg vial at 10 mg: 2 billable units of waste; 95 mg: none (floor(100/10) - 10 = 0).
    expect(
      decide({ given: 77, unitSize: 10, containerAmount: 100, containersOpened: 1 }).undocumentedWasteUnits,
    ).toBe(3 - 1);
    expect(decide({ given: 95, unitSize: 10, containerAmount: 100, containersOpened: 1 })).toMatchObject({
      units: 10,
      jz: true,
      undocumentedWasteUnits: 0,
    });
    expect(decide({ given: 75, unitSize: 100, containerAmount: 100, containersOpened: 1 })).toMatchObject({
      units: 1,
      jz: true,
      undocumentedWasteUnits: 0,
    });
  });

  it('container unknown and nothing documented: no modifier and nothing reported', () => {
    expect(decide({ given: 70, unitSize: 10 })).toEqual({
      units: 7,
      jwUnits: 0,
      jz: false,
      undocumentedWasteUnits: 0,
    });
  });
});

describe('decideWaste: overfill and inconsistent amounts', () => {
  it('overfill is capped at the labeled amount of the opened containers', () => {
    // 90 mg given from a 100 mg vial, 20 mg discarded (10 mg overfill): only 10 mg of waste is billable.
    const d = decide({ given: 90, discarded: 20, unitSize: 10, containerAmount: 100, containersOpened: 1 });
    expect(d).toMatchObject({
      units: 9,
      jwUnits: 1,
      jz: false,
      inconsistency: 'amounts-do-not-match-containers',
    });
  });

  it('overfill given beyond the label never creates waste', () => {
    const d = decide({ given: 102, discarded: 8, unitSize: 10, containerAmount: 100, containersOpened: 1 });
    expect(d.jwUnits).toBe(0);
    expect(d.units).toBe(11);
  });

  it('given + discarded short of the containers is inconsistent; JW uses what was documented', () => {
    const d = decide({ given: 350, discarded: 20, unitSize: 10, containerAmount: 100, containersOpened: 4 });
    expect(d).toMatchObject({ units: 35, jwUnits: 2, inconsistency: 'amounts-do-not-match-containers' });
  });

  it('a half-percent tolerance absorbs rounding of documented volumes', () => {
    expect(
      decide({ given: 350, discarded: 49.9, unitSize: 10, containerAmount: 100, containersOpened: 4 })
        .inconsistency,
    ).toBeUndefined();
  });
});

describe('decideWaste: zero or negative given', () => {
  it.each([0, -10, Number.NaN])('given %s: no units, no JW, no JZ', (given) => {
    for (const discarded of [undefined, 0, 100]) {
      const d = decide({ given, discarded, unitSize: 10, containerAmount: 100, containersOpened: 1 });
      expect({ units: d.units, jwUnits: d.jwUnits, jz: d.jz }).toEqual({ units: 0, jwUnits: 0, jz: false });
    }
  });
});

describe('decideWaste: a stopped infusion without a documented discard', () => {
  it('never gets JZ, even when its units cover the opened containers; the possible waste is reported', () => {
    // 100 mg given of one 100 mg vial (10 mg units): units 10 cover the vial, yet nothing says so.
    expect(
      decide({ given: 100, unitSize: 10, containerAmount: 100, containersOpened: 1, wasteUnconfirmed: true }),
    ).toEqual({ units: 10, jwUnits: 0, jz: false, undocumentedWasteUnits: 0 });
    // 200 mg given of four 100 mg vials: 20 JW units possible.
    expect(
      decide({ given: 200, unitSize: 10, containerAmount: 100, containersOpened: 4, wasteUnconfirmed: true })
        .undocumentedWasteUnits,
    ).toBe(20);
  });
});

describe("allocateUnits: the day's units over its NDC lines (largest remainder)", () => {
  it.each([
    // total, amounts, expected shares
    [7, [35, 35], [4, 3]], // a tie goes to the earlier share
    [13, [2500, 500, 125], [10, 2, 1]], // quotas 10.4, 2.08, 0.52: the small NDC keeps its one unit
    [10, [97, 2, 1], [8, 1, 1]], // quotas 9.7, 0.2, 0.1: one unit each, taken back from the largest
    [1, [4, 3], [1, 0]], // fewer units than NDCs: the largest gets it
    [2, [1, 5, 3], [0, 1, 1]],
    [5, [10], [5]],
    [3, [0, 0], [3, 0]], // no amounts at all: everything on the first line
  ])('%s units over %j -> %j', (total, amounts, expected) => {
    const shares = allocateUnits(total, amounts);
    expect(shares).toEqual(expected);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
  });

  it('every share gets at least one unit whenever there are as many units as shares', () => {
    for (let n = 1; n <= 6; n++) {
      for (let total = n; total <= 40; total++) {
        const amounts = Array.from({ length: n }, (_, i) => (i + 1) ** 3);
        const shares = allocateUnits(total, amounts);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.min(...shares)).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
