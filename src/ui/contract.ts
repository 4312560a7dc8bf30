/**
 * The JSON the web UI's pages receive from `/api/ui/*` and send to it: one set of types for both
 * sides. The server's views return these shapes; the browser modules in `static/` import them
 * through JSDoc (`@typedef {import('../contract.ts').WorklistPage} WorklistPage`), and
 * `tsc -p src/ui/static` checks them there (`npm run typecheck`). Types only: nothing here runs.
 *
 * Patient data (names, MRNs, account numbers) travels only in these bodies, never in a URL.
 */
import type { GapQueue, Severity } from '../domain/gaps.ts';

export type { GapQueue, Severity };

// ---------------------------------------------------------------------------------------------
// Pieces shared by the views

export interface Administration {
  readonly id: string;
  readonly drug: string;
  /** Amount or rate as documented; absent when neither is charted. */
  readonly dose?: string;
  readonly route?: string;
  /** As written, for people (`2026-11-10 21:30`, or a start-end span). */
  readonly time?: string;
  /** The machine-readable start, for `<time datetime>`. */
  readonly start?: string;
  readonly status?: string;
  readonly performer?: string;
  /** The nurse's free-text dosage note. */
  readonly charted?: string;
}

export interface Charge {
  readonly id: string;
  readonly code?: string;
  readonly modifiers: readonly string[];
  readonly units?: number;
  readonly date?: string;
  readonly status?: string;
}

export interface Acknowledgement {
  readonly date?: string;
  readonly author?: string;
  readonly note?: string;
}

/** A person: a Practitioner on the FHIR server (`reference`) or a name typed in a form. */
export interface Person {
  readonly reference?: string;
  readonly display: string;
}

/** Where an amount's money comes from (docs/ui.md, "Money and its basis"). */
export type PriceSource = 'payment-limit' | 'chargemaster' | 'illustrative';

/**
 * How an amount (or a sum of amounts) was priced, with the words the page shows beside it: a
 * phone has no hover, so the basis is visible text, never only a tooltip.
 */
export interface PriceBasis {
  /** Empty when the amount is not there (no price). */
  readonly sources: readonly PriceSource[];
  /** Quarters of the CMS payment limits used (`2026Q1`). */
  readonly quarters: readonly string[];
  /** Quarters of dates of service whose limits are not loaded: an earlier quarter's stood in. */
  readonly earlierFor: readonly string[];
  /** Limits the catalog flags as suspect, `<code> <quarter>` (`J2724 2025Q3`). */
  readonly suspect: readonly string[];
  /** A CMS payment limit stands in (for the hospital's charge, or values what is at risk). */
  readonly estimate: boolean;
  /** Demo prices: never real money. */
  readonly illustrative: boolean;
  /** `CMS 2026Q1 payment limit for 2026Q4 dates`. */
  readonly label: string;
  /** `estimate`, `earlier quarter`, `suspect limit: J2724 2025Q3`, `illustrative`. */
  readonly flags: readonly string[];
}

export interface PractitionerOption {
  readonly reference: string;
  readonly display: string;
}

// ---------------------------------------------------------------------------------------------
// Worklist (`GET /api/ui/worklist`)

/** Who works a gap (the gap registry's `queue`), with the open gaps in it. */
export interface Queue {
  readonly id: GapQueue;
  readonly label: string;
  /** The people whose queue it is. */
  readonly who: string;
  readonly open: number;
  readonly atRisk: number;
}

/** The Task that assigns a gap to a person (docs/ui.md, "Assignment"). */
export interface Assignment {
  /** The Task's id and the `meta.versionId` the page saw: a reassignment carries `If-Match` on it. */
  readonly id: string;
  readonly version?: string;
  readonly owner?: Person;
  /** When the owner was last set (`Task.lastModified`). */
  readonly since?: string;
}

export interface WorklistRow {
  /** The DetectedIssue id. */
  readonly id: string;
  /** Its `meta.versionId`: an acknowledgement is written with `If-Match` on it. */
  readonly version?: string;
  readonly code: string;
  readonly display: string;
  readonly severity: string;
  readonly queue: GapQueue;
  /** One plain sentence: what to document. */
  readonly detail: string;
  readonly identified?: string;
  /**
   * Earliest implicated administration, else the encounter's start: the calendar date in the
   * facility's time zone, as the engine dates the service (domain/time-zone.ts).
   */
  readonly dateOfService?: string;
  /** Whole days from the date of service to the day the list was built (`WorklistPage.asOf`). */
  readonly agingDays?: number;
  readonly revenueAtRisk?: number;
  /** How `revenueAtRisk` was priced. */
  readonly atRiskBasis?: PriceBasis;
  readonly administrations: readonly Administration[];
  readonly charges: readonly Charge[];
  readonly encounter?: {
    readonly id: string;
    readonly class?: string;
    readonly start?: string;
    /** The encounter's account or visit number (Encounter.identifier). */
    readonly account?: string;
  };
  readonly patient?: { readonly id: string; readonly name: string; readonly mrn?: string };
  /** The payer of the Coverage active on the date of service (primary first). */
  readonly payer?: string;
  readonly claimId?: string;
  readonly acknowledgements: readonly Acknowledgement[];
  readonly assignment?: Assignment;
}

export type SortKey = 'patient' | 'mrn' | 'payer' | 'dos' | 'aging' | 'severity' | 'gap' | 'atRisk' | 'owner';
export type SortDirection = 'asc' | 'desc';

export interface WorklistSort {
  readonly key: SortKey;
  readonly dir: SortDirection;
}

/** Query parameters of the worklist: ids and codes only, never a name. */
export interface WorklistFilter {
  /** One queue; absent: every queue. */
  readonly queue?: GapQueue;
  readonly severity?: Severity;
  readonly code?: string;
  /** Date of service, inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly encounter?: string;
  /** Patient id. */
  readonly patient?: string;
  /** `yes`: only acknowledged gaps, `no`: only gaps nobody acknowledged yet. */
  readonly acknowledged?: 'yes' | 'no';
  /** `none`: unassigned; `any`: assigned to someone; else an owner's key (`WorklistOptions.owners`). */
  readonly owner?: string;
}

export interface Choice {
  readonly value: string;
  readonly label: string;
  readonly count?: number;
}

export interface WorklistOptions {
  readonly severities: readonly Severity[];
  readonly codes: readonly {
    readonly code: string;
    readonly display: string;
    readonly queue: GapQueue;
    readonly count: number;
  }[];
  readonly encounters: readonly string[];
  /** Patients with open gaps (the value sent is the Patient id). */
  readonly patients: readonly { readonly id: string; readonly name: string }[];
  /** People gaps are assigned to. */
  readonly owners: readonly Choice[];
}

export interface WorklistPage {
  /** The rows of this page, sorted. */
  readonly rows: readonly WorklistRow[];
  /** Open gaps on the FHIR server, before any filter. */
  readonly total: number;
  /** Open gaps that match the filter (every page). */
  readonly matched: number;
  /** Revenue at risk of the matching gaps. */
  readonly atRisk: number;
  /** How `atRisk` was priced (every matching gap's basis together). */
  readonly atRiskBasis: PriceBasis;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
  readonly pages: number;
  readonly sort: WorklistSort;
  readonly filter: WorklistFilter;
  /** Every queue with its open gaps that match the other filters. */
  readonly queues: readonly Queue[];
  readonly options: WorklistOptions;
  /** The day aging is counted to (YYYY-MM-DD, in the facility's time zone). */
  readonly asOf: string;
  readonly pricesIllustrative: boolean;
  readonly priceNote?: string;
  /** True when the FHIR server holds more open gaps than the UI reads at once. */
  readonly truncated: boolean;
}

// ---------------------------------------------------------------------------------------------
// Actions on gaps (`POST /api/ui/gaps/...`)

/** `POST /api/ui/gaps/:id/acknowledge` */
export interface AcknowledgeRequest {
  /** The `meta.versionId` the user saw. */
  readonly version: string;
  readonly author: { readonly reference?: string; readonly display?: string };
  readonly note: string;
}

/** `POST /api/ui/gaps/acknowledge`: several gaps, one author and note. */
export interface BulkAcknowledgeRequest {
  readonly items: readonly { readonly id: string; readonly version: string }[];
  readonly author: { readonly reference?: string; readonly display?: string };
  readonly note: string;
}

/** `POST /api/ui/gaps/assign`: one or several gaps to one person, or `owner: null` to unassign. */
export interface AssignRequest {
  readonly items: readonly {
    readonly id: string;
    /** The assignment the user saw; absent when the gap was unassigned. */
    readonly assignment?: { readonly id: string; readonly version: string };
  }[];
  readonly owner: { readonly reference?: string; readonly display?: string } | null;
}

/** What happened to one gap of a (bulk) action. */
export interface ActionOutcome {
  readonly id: string;
  readonly ok: boolean;
  /** HTTP-like: 200 written, 404 not a vialwise gap, 409 no longer open, 412 changed since loaded. */
  readonly status: number;
  /** Why it failed, in words. */
  readonly message?: string;
  /** The DetectedIssue's new version (acknowledge). */
  readonly version?: string;
  readonly acknowledgements?: readonly Acknowledgement[];
  /** The assignment as written (assign); absent after unassigning. */
  readonly assignment?: Assignment;
}

export interface BulkOutcome {
  readonly results: readonly ActionOutcome[];
  readonly succeeded: number;
  readonly failed: number;
}

// ---------------------------------------------------------------------------------------------
// Encounter view (`GET /api/ui/encounters/:id`)

export interface LineView {
  readonly code: string;
  readonly modifiers: readonly string[];
  readonly units: number;
  readonly dateOfService?: string;
  readonly ndc?: string;
  readonly ndcQuantity?: string;
  readonly unitPrice?: number;
  readonly net?: number;
  readonly illustrative: boolean;
  /** How `unitPrice` and `net` were priced. */
  readonly basis: PriceBasis;
}

export type GapState = 'open' | 'closed' | 'entered-in-error' | 'not-written';

export interface GapView {
  readonly id?: string;
  readonly code: string;
  readonly display: string;
  readonly severity: string;
  /** `not-written`: found now, not yet on the server. */
  readonly state: GapState;
  readonly detail: string;
  readonly revenueAtRisk?: number;
  readonly atRiskBasis?: PriceBasis;
  readonly identified?: string;
  readonly closed?: string;
  readonly acknowledgements: readonly Acknowledgement[];
}

export interface EncounterView {
  readonly encounter: {
    readonly id: string;
    readonly status?: string;
    readonly class?: string;
    readonly start?: string;
    readonly end?: string;
    /** Start and end for people, in the facility's time zone when one is set (`2025-06-09 22:30 EDT`). */
    readonly startText?: string;
    readonly endText?: string;
  };
  readonly patient?: { readonly id: string; readonly name: string };
  readonly payerCategory?: string;
  readonly diagnoses: readonly { readonly code: string; readonly display?: string }[];
  readonly administrations: readonly Administration[];
  /** What the documentation gives now (evaluated without writing). */
  readonly derivedLines: readonly LineView[];
  readonly claim?: {
    readonly id: string;
    readonly status: string;
    readonly created?: string;
    readonly total?: number;
    readonly totalBasis: PriceBasis;
    readonly lines: readonly LineView[];
  };
  readonly charges: readonly Charge[];
  readonly gaps: readonly GapView[];
  /** False when the Claim or the open gaps on the server differ from what the documentation gives now. */
  readonly inSync: boolean;
  /** Every amount of the view together, for its legend. */
  readonly basis: PriceBasis;
  /** The facility's time zone the dates and times are shown in (absent: as written). */
  readonly timeZone?: string;
  readonly pricesIllustrative: boolean;
  readonly priceNote?: string;
}

/** `POST /api/encounters/:id/evaluate` (the service's API), as far as the page reads it. */
export interface EvaluateResult {
  readonly writes: number;
  readonly evaluation: { readonly gaps: readonly unknown[]; readonly lines: readonly unknown[] };
}

// ---------------------------------------------------------------------------------------------
// Dashboard (`GET /api/ui/dashboard`)

export interface DateRange {
  readonly from?: string;
  readonly to?: string;
}

export interface CodeFigures {
  readonly code: string;
  readonly lines: number;
  readonly units: number;
  readonly jwUnits: number;
  readonly value: number;
  readonly basis: PriceBasis;
}

export interface GapCodeFigures {
  readonly code: string;
  readonly display: string;
  readonly severity: string;
  readonly queue: GapQueue;
  readonly open: number;
  /** How many of the open gaps carry a revenue-at-risk estimate. */
  readonly estimated: number;
  readonly atRisk: number;
  readonly basis: PriceBasis;
}

export interface QueueFigures {
  readonly id: GapQueue;
  readonly label: string;
  readonly open: number;
  readonly atRisk: number;
  readonly basis: PriceBasis;
}

export interface DosPoint {
  /** First day of the bucket (YYYY-MM-DD). */
  readonly date: string;
  /** Gaps about services in the bucket that are still open. */
  readonly open: number;
  /** Gaps about services in the bucket that documentation closed. */
  readonly closed: number;
  /** Lines on Claims with a date of service in the bucket. */
  readonly lines: number;
}

export interface Dashboard {
  readonly range: DateRange;
  readonly claimsDrafted: number;
  readonly claimsByStatus: Readonly<Record<string, number>>;
  /** Lines on vialwise Claims (docs/ui.md, "What a line is"). */
  readonly lines: number;
  readonly units: number;
  /** Sum of `net` over the priced lines. */
  readonly billedValue: number;
  readonly unpricedLines: number;
  readonly jwLines: number;
  readonly jwUnits: number;
  readonly jwValue: number;
  readonly jzLines: number;
  readonly openGaps: number;
  readonly atRisk: number;
  readonly atRiskByCode: readonly GapCodeFigures[];
  readonly byQueue: readonly QueueFigures[];
  /** Gaps about services in the range: found, and closed by documentation since. */
  readonly gapsFound: number;
  readonly gapsClosed: number;
  /** Revenue-at-risk estimate of the closed ones. */
  readonly recovered: number;
  /** By day up to three months, by week (from Monday) up to three years, else by month. */
  readonly series: { readonly bucket: 'day' | 'week' | 'month'; readonly points: readonly DosPoint[] };
  readonly topCodes: readonly CodeFigures[];
  /** How the money figures were priced: billed and JW values, revenue at risk, recovered. */
  readonly basis: {
    readonly billed: PriceBasis;
    readonly jw: PriceBasis;
    readonly atRisk: PriceBasis;
    readonly recovered: PriceBasis;
  };
  readonly pricesIllustrative: boolean;
  readonly priceNote?: string;
  readonly truncated: boolean;
}
