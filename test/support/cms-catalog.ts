/**
 * The drug catalog the engine tests use: the shipped one, built from the CMS files (codes, units,
 * dates, OPPS status per quarter, payment limits, crosswalk products), plus the label facts a
 * few of the tests' products need and `catalog/curated.json` does not list (single-dose
 * container, volume), each with its source. Nothing CMS publishes is written by hand here.
 */
import { assembleCatalog } from '../../src/catalog/assemble.ts';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import type { CuratedFile } from '../../src/catalog/files.ts';
import { readCatalogFolder, SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';

/** Container facts from the products' labels (no CMS file says single- or multi-dose). */
const LABELS: CuratedFile['containers'] = [
  {
    ndc: '0338-1073',
    label: 'dobutamine in 5% dextrose 250 mg/250 mL, Baxter',
    containerUse: 'single-dose',
    // The catalog build leaves the volume out: PKG SIZE 250 equals the 250 mg content, so it
    // cannot tell a mass from a volume (asp-crosswalk-2025q3.csv line 1504: PKG SIZE 250, BILLUNITS 1).
    volumeMl: 250,
    source:
      'Dobutamine in 5% Dextrose Injection label (Baxter): 250 mg in 250 mL (1 mg/mL), single-dose flexible container, discard unused portion; asp-crosswalk-2025q3.csv line 1504 (PKG SIZE 250)',
  },
  {
    ndc: '0338-1077',
    label: 'dobutamine in 5% dextrose 1000 mg/250 mL, Baxter',
    containerUse: 'single-dose',
    source:
      'Dobutamine in 5% Dextrose Injection label (Baxter): single-dose flexible container, discard unused portion',
  },
  {
    ndc: '0641-6145',
    label: 'dexamethasone sodium phosphate 4 mg/mL, 1 mL vial, Hikma',
    containerUse: 'single-dose',
    volumeMl: 1,
    source: 'asp-crosswalk-2025q3.csv line 1331 (PKG SIZE 1, BILLUNITS 4); single-dose vial per its label',
  },
  {
    ndc: '57894-0160',
    label: 'infliximab (unbranded) 100 mg vial, Janssen',
    containerUse: 'single-dose',
    source: 'Infliximab (Janssen) prescribing information, How Supplied: single-dose vial',
  },
  {
    ndc: '0009-0039',
    label: 'Solu-Medrol 40 mg Act-O-Vial, Pfizer',
    containerUse: 'single-dose',
    volumeMl: 1,
    source: 'SOLU-MEDROL label (Pharmacia & Upjohn): 40 mg Act-O-Vial single-dose, 1 mL',
  },
];

let built: DrugCatalog | undefined;

export function cmsCatalog(): DrugCatalog {
  if (!built) {
    const folder = readCatalogFolder(SHIPPED_CATALOG_DIR);
    const known = new Set(folder.curated.containers.map((c) => c.ndc));
    const curated: CuratedFile = {
      ...folder.curated,
      containers: [...folder.curated.containers, ...LABELS.filter((l) => !known.has(l.ndc))],
    };
    built = assembleCatalog({ ...folder, curated });
  }
  return built;
}

/** NDCs the tests use, 11-digit, as the crosswalk lists them (asp-crosswalk-2025q3.csv). */
export const CMS_NDC = {
  /** Pfizer dobutamine 250 mg/20 mL vial, J1250 BILLUNITS 1 (line 1507). */
  dobutamineVial: '00409234401',
  /** Baxter dobutamine in D5W 250 mg/250 mL, J1250 BILLUNITS 1 (line 1504). */
  dobutamineBag250: '00338107302',
  /** Baxter dobutamine in D5W 1000 mg/250 mL, J1250 BILLUNITS 4 (line 1506). */
  dobutamineBag1000: '00338107702',
  /** Hikma dexamethasone sodium phosphate 4 mg/mL, J1100 BILLUNITS 4 (line 1331). */
  dexamethasone4: '00641614525',
  /** Remicade 100 mg, J1745 BILLUNITS 10 (line 2304). */
  remicade: '57894003001',
  /** Janssen unbranded infliximab 100 mg, J1745 BILLUNITS 10 (line 2305). */
  infliximab: '57894016001',
  /** Solu-Medrol 125 mg Act-O-Vial, J2919 BILLUNITS 25 (line 3655). */
  soluMedrol125: '00009004722',
  /** Solu-Medrol 40 mg Act-O-Vial, J2919 BILLUNITS 8 (line 3652). */
  soluMedrol40: '00009003928',
} as const;
