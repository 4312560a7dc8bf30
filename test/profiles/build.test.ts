import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DOCS_FILE,
  GENERATED_FSH,
  MANIFEST,
  PROFILES_DIR,
  checkProfiles,
  hashResources,
  hashSources,
  renderGapCodeSystemFsh,
  renderReferenceMarkdown,
  spliceGenerated,
} from '../../scripts/build-profiles.ts';
import type { BuildManifest } from '../../scripts/build-profiles.ts';
import { GAPS } from '../../src/domain/gaps.ts';

const generatedDir = path.join(PROFILES_DIR, 'fsh-generated');
const manifest = JSON.parse(fs.readFileSync(path.join(generatedDir, MANIFEST), 'utf8')) as BuildManifest;

describe('the committed profiles are not stale (fast checks)', () => {
  it('the committed CodeSystem FSH is what the registry renders', () => {
    expect(fs.readFileSync(path.join(PROFILES_DIR, GENERATED_FSH), 'utf8')).toBe(renderGapCodeSystemFsh());
  });

  it('the output was built from the current FSH sources', () => {
    expect(hashSources(PROFILES_DIR)).toEqual(manifest.sources);
  });

  it('the output files are the ones the build wrote', () => {
    expect(hashResources(path.join(generatedDir, 'resources'))).toEqual(manifest.resources);
  });

  it('the reference section of docs/profiles.md is generated from the committed resources', () => {
    const docs = fs.readFileSync(DOCS_FILE, 'utf8');
    expect(spliceGenerated(docs, renderReferenceMarkdown(path.join(generatedDir, 'resources')))).toBe(docs);
    for (const code of Object.keys(GAPS)) expect(docs).toContain(`| \`${code}\` |`);
  });

  it('the rendered FSH follows the registry: a new code would change it', () => {
    const withNewCode = {
      ...GAPS,
      'missing-lot-number': { severity: 'low', display: 'Missing lot', definition: 'No lot.' },
    } as const;
    const fsh = renderGapCodeSystemFsh(withNewCode);
    expect(fsh).not.toBe(renderGapCodeSystemFsh());
    expect(fsh).toContain('* #missing-lot-number "Missing lot" "No lot."');
    expect(fsh).toMatch(
      /code in \('missing-performer' \| 'missing-lot-number'\)\)\.exists\(\) implies severity = 'low'/,
    );
  });

  it('escapes quotes and backslashes in FSH strings', () => {
    const fsh = renderGapCodeSystemFsh({ odd: { severity: 'low', display: 'Say "hi"', definition: 'a\\b' } });
    expect(fsh).toContain('* #odd "Say \\"hi\\"" "a\\\\b"');
  });
});

describe('a full SUSHI rebuild', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vialwise-stale-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reproduces the committed output byte for byte', () => {
    const { differences } = checkProfiles();
    expect(differences).toEqual([]);
  }, 120_000);

  it('reports committed output that no longer matches its sources', () => {
    const copy = path.join(tmp, 'fhir-profiles');
    fs.mkdirSync(copy);
    fs.copyFileSync(path.join(PROFILES_DIR, 'sushi-config.yaml'), path.join(copy, 'sushi-config.yaml'));
    fs.cpSync(path.join(PROFILES_DIR, 'input'), path.join(copy, 'input'), { recursive: true });
    fs.cpSync(generatedDir, path.join(copy, 'fsh-generated'), { recursive: true });
    const extensions = path.join(copy, 'input', 'fsh', 'extensions.fsh');
    fs.writeFileSync(
      extensions,
      fs.readFileSync(extensions, 'utf8').replace('Title: "Revenue at risk"', 'Title: "Money at risk"'),
    );
    const { differences } = checkProfiles({ projectDir: copy });
    expect(differences).toEqual([
      'fsh-generated/build-manifest.json: stale',
      'fsh-generated/resources/StructureDefinition-revenue-at-risk.json: stale',
    ]);
  }, 120_000);
});
