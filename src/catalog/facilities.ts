/**
 * Facility settings (FACILITIES_FILE): the default billing facility and one entry per billing
 * Organization, each naming its setting, time zone and 340B modifier. An entry names only what
 * differs from the default. The schema rejects a malformed file naming the path of the first
 * problem; the loader is the only I/O here.
 *
 *   {"default": {"setting": "hospital-outpatient", "timeZone": "America/Chicago", "program340B": null},
 *    "facilities": [{"organization": "Organization/cah-1", "setting": "critical-access-hospital", "program340B": "TB"}]}
 */
import { z } from 'zod';
import {
  DEFAULT_FACILITY,
  FACILITY_SETTINGS,
  facilityResolver,
  type Facility,
  type FacilityResolver,
} from '../domain/facility.ts';
import { isTimeZone } from '../domain/time-zone.ts';
import { readJsonFile } from './load.ts';

const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone such as America/Chicago');
const setting = z.enum(FACILITY_SETTINGS);
const program340B = z.enum(['JG', 'TB']).nullable();

const facilityFields = {
  setting: setting.optional(),
  timeZone: timeZone.optional(),
  program340B: program340B.optional(),
  /** Free text for people reading the file. */
  name: z.string().optional(),
};

export const facilitiesSchema = z.strictObject({
  $comment: z.string().optional(),
  default: z.strictObject(facilityFields).default({}),
  facilities: z
    .array(
      z.strictObject({
        organization: z.string().regex(/^Organization\/[A-Za-z0-9\-.]{1,64}$/, 'expected Organization/<id>'),
        ...facilityFields,
      }),
    )
    .default([])
    .refine(
      (list) => new Set(list.map((f) => f.organization)).size === list.length,
      'an Organization is listed twice',
    ),
});

export type FacilitiesFile = z.infer<typeof facilitiesSchema>;

type Fields = { readonly [K in 'setting' | 'timeZone' | 'program340B']?: Facility[K] | undefined };

function merge(base: Facility, over: Fields): Facility {
  const tz = over.timeZone ?? base.timeZone;
  return {
    setting: over.setting ?? base.setting,
    ...(tz ? { timeZone: tz } : {}),
    program340B: over.program340B !== undefined ? over.program340B : base.program340B,
  };
}

/**
 * The resolver for a parsed file (or none): entries inherit what they leave out from the file's
 * default, which inherits from hospital outpatient, FACILITY_TIME_ZONE and no 340B.
 */
export function facilitiesFrom(file: FacilitiesFile | undefined, defaultTimeZone?: string): FacilityResolver {
  const builtIn = merge(DEFAULT_FACILITY, defaultTimeZone ? { timeZone: defaultTimeZone } : {});
  const defaults = merge(builtIn, strip(file?.default ?? {}));
  const byOrganization = new Map<string, Facility>();
  for (const f of file?.facilities ?? []) byOrganization.set(f.organization, merge(defaults, strip(f)));
  return facilityResolver(defaults, byOrganization);
}

function strip(f: Fields & Record<string, unknown>): Fields {
  return {
    ...(f.setting ? { setting: f.setting } : {}),
    ...(f.timeZone ? { timeZone: f.timeZone } : {}),
    ...(f.program340B !== undefined ? { program340B: f.program340B } : {}),
  };
}

export function parseFacilities(raw: unknown): FacilitiesFile {
  return facilitiesSchema.parse(raw);
}

/** FACILITIES_FILE (when set) and FACILITY_TIME_ZONE as one resolver; a bad file is a CatalogError naming it. */
export function loadFacilities(file: string | undefined, defaultTimeZone?: string): FacilityResolver {
  return facilitiesFrom(file ? readJsonFile(file, facilitiesSchema) : undefined, defaultTimeZone);
}
