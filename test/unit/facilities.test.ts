/**
 * Facility settings: FACILITIES_FILE and FACILITY_TIME_ZONE (validated at start, one line naming
 * the variable), the resolver per serviceProvider, and dates in a time zone.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { facilitiesOf } from '../../src/bootstrap.ts';
import { facilitiesFrom, loadFacilities, parseFacilities } from '../../src/catalog/facilities.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { billingSetting } from '../../src/domain/facility.ts';
import { isTimeZone, localDate } from '../../src/domain/time-zone.ts';
import { runToExit } from '../logs/child-process.ts';
import { encounter } from '../support/build.ts';

describe('localDate: the calendar date in a time zone', () => {
  it.each([
    // dateTime, time zone, date
    ['2025-08-12T02:10:00Z', 'America/Chicago', '2025-08-11'], // 21:10 CDT
    ['2024-04-01T02:00:00Z', 'America/Chicago', '2024-03-31'], // 21:00 CDT
    ['2025-03-05T04:30:00Z', 'America/New_York', '2025-03-04'], // 23:30 EST
    ['2025-03-05T04:30:00.123Z', 'America/New_York', '2025-03-04'],
    ['2025-03-04T23:30:00-05:00', 'America/New_York', '2025-03-04'],
    ['2025-03-09T07:30:00Z', 'America/Los_Angeles', '2025-03-08'], // 23:30 PST, the night clocks change
    ['2025-03-09T10:30:00Z', 'America/Los_Angeles', '2025-03-09'], // 03:30 PDT
    ['2024-12-31T23:30:00-10:00', 'Pacific/Honolulu', '2024-12-31'],
    ['2025-01-01T05:59:00Z', 'America/Chicago', '2024-12-31'], // across the year
    ['2025-06-30T22:30:00Z', 'Asia/Kolkata', '2025-07-01'], // a +05:30 zone
  ])('%s in %s is %s', (dateTime, tz, expected) => {
    expect(localDate(dateTime, tz)).toBe(expected);
  });

  it('without a time zone, a date only, or a time without an offset: the date as written', () => {
    expect(localDate('2025-08-12T02:10:00Z', undefined)).toBe('2025-08-12');
    expect(localDate('2025-08-12', 'America/Chicago')).toBe('2025-08-12');
    expect(localDate('2025-08-12T02:10:00', 'America/Chicago')).toBe('2025-08-12');
    expect(localDate('2025-02-30T02:10:00Z', 'America/Chicago')).toBeUndefined();
    expect(localDate(undefined, 'America/Chicago')).toBeUndefined();
  });

  it('isTimeZone accepts IANA names and aliases, nothing else', () => {
    for (const tz of ['America/Chicago', 'UTC', 'US/Central', 'Europe/Paris'])
      expect(isTimeZone(tz), tz).toBe(true);
    for (const tz of ['Mars/Olympus', 'CST6CDT7', '', 'America/Chicago; rm -rf'])
      expect(isTimeZone(tz), tz).toBe(false);
  });
});

describe('FACILITIES_FILE', () => {
  const file = parseFacilities({
    default: { setting: 'hospital-outpatient', timeZone: 'America/Chicago', program340B: 'JG' },
    facilities: [
      { organization: 'Organization/cah', setting: 'critical-access-hospital', program340B: 'TB' },
      { organization: 'Organization/clinic', setting: 'physician-office', program340B: null },
      { organization: 'Organization/east', timeZone: 'America/New_York' },
    ],
  });
  const resolve = facilitiesFrom(file);

  it('an entry names only what differs from the default', () => {
    expect(resolve('Organization/cah')).toEqual({
      setting: 'critical-access-hospital',
      timeZone: 'America/Chicago',
      program340B: 'TB',
    });
    expect(resolve('Organization/clinic').program340B).toBeNull();
    expect(resolve('Organization/east')).toEqual({
      setting: 'hospital-outpatient',
      timeZone: 'America/New_York',
      program340B: 'JG',
    });
    expect(resolve(undefined)).toEqual(resolve('Organization/unknown'));
  });

  it('without a file: hospital outpatient, FACILITY_TIME_ZONE, no 340B', () => {
    expect(facilitiesFrom(undefined, 'America/Denver')(undefined)).toEqual({
      setting: 'hospital-outpatient',
      timeZone: 'America/Denver',
      program340B: null,
    });
    expect(facilitiesFrom(undefined)(undefined)).toEqual({
      setting: 'hospital-outpatient',
      program340B: null,
    });
  });

  it('an IMP, ACUTE or NONAC Encounter at a hospital is inpatient; at a physician office it is not', () => {
    const at = (org: string, cls: string) =>
      billingSetting({ ...encounter({ cls }), serviceProvider: { reference: org } }, resolve);
    for (const cls of ['IMP', 'ACUTE', 'NONAC'])
      expect(at('Organization/cah', cls).inpatient, cls).toBe(true);
    expect(at('Organization/x', 'IMP').inpatient).toBe(true);
    expect(at('Organization/x', 'AMB').inpatient).toBe(false);
    expect(at('Organization/clinic', 'IMP').inpatient).toBe(false);
  });

  it.each([
    [{ default: { setting: 'hospital' } }, /default\.setting/],
    [{ default: { timeZone: 'Central' } }, /IANA time zone/],
    [{ default: { program340B: 'JX' } }, /program340B/],
    [{ facilities: [{ organization: 'cah-1' }] }, /Organization\/<id>/],
    [
      { facilities: [{ organization: 'Organization/a' }, { organization: 'Organization/a' }] },
      /listed twice/,
    ],
    [{ default: {}, extra: true }, /extra|Unrecognized/i],
  ])('%j is rejected, naming what is wrong', (raw, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'vw-fac-'));
    const f = join(dir, 'facilities.json');
    writeFileSync(f, JSON.stringify(raw));
    expect(() => loadFacilities(f)).toThrow(message);
  });
});

describe('configuration at start', () => {
  it('FACILITY_TIME_ZONE must be an IANA time zone: one line naming the variable', () => {
    expect(() => loadConfig({ FACILITY_TIME_ZONE: 'Central Time' })).toThrow(ConfigError);
    expect(() => loadConfig({ FACILITY_TIME_ZONE: 'Central Time' })).toThrow(
      /^FACILITY_TIME_ZONE is invalid: expected an IANA time zone such as America\/Chicago$/,
    );
    const config = loadConfig({ FACILITY_TIME_ZONE: 'America/Chicago', FACILITIES_FILE: '/etc/vw/f.json' });
    expect(config.facilityTimeZone).toBe('America/Chicago');
    expect(config.facilitiesFile).toBe('/etc/vw/f.json');
  });

  it('a FACILITIES_FILE that is missing or malformed is a ConfigError naming the variable and the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vw-fac-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ default: { setting: 'clinic' } }));
    expect(() => facilitiesOf({ facilitiesFile: bad, facilityTimeZone: undefined })).toThrow(
      /^FACILITIES_FILE: .*bad\.json: default\.setting: /,
    );
    expect(() =>
      facilitiesOf({ facilitiesFile: join(dir, 'none.json'), facilityTimeZone: undefined }),
    ).toThrow(ConfigError);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ default: { setting: 'physician-office' } }));
    expect(facilitiesOf({ facilitiesFile: good, facilityTimeZone: 'America/Chicago' })(undefined)).toEqual({
      setting: 'physician-office',
      timeZone: 'America/Chicago',
      program340B: null,
    });
  });
});

describe('node src/main.ts with a bad facility setting: exit 2, one line naming the variable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vw-fac-'));
  const malformed = join(dir, 'facilities.json');
  writeFileSync(malformed, '{"default": {"setting": "hospital"}}');
  it.concurrent.each([
    ['FACILITY_TIME_ZONE', { FACILITY_TIME_ZONE: 'Central' }],
    ['FACILITIES_FILE', { FACILITIES_FILE: malformed }],
  ])('%s', async (name, env) => {
    const r = await runToExit({ PORT: '0', EMBEDDED_FHIR_PORT: '0', DEMO_DATA: 'false', ...env });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^vialwise: ${name}\\b`));
  });
});
