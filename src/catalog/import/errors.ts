/**
 * Errors of the CMS file importers. Each carries a stable `code` (the registry below) and, when
 * it is about one place in the file, the 1-based line of the CSV and the column name.
 */
export const IMPORT_ERROR_CODES = {
  /** The file to import cannot be read. */
  'file-unreadable': 'the file to import cannot be read',
  /** No row of the file holds the expected column names. */
  'no-header': 'no header row with the expected column names',
  /** The header row lacks a required column. */
  'column-missing': 'a required column is missing from the header row',
  /** Two columns of the header match the same required column. */
  'column-duplicate': 'a required column appears twice in the header row',
  /** The CSV itself is broken (e.g. an unclosed quote). */
  'csv-invalid': 'the file is not valid CSV',
  /** A required cell is blank. */
  'value-missing': 'a required cell is blank',
  /** An NDC that is none of 5-4-2, 4-4-2, 5-3-2, 5-4-1 or 11 digits. */
  'ndc-malformed': 'an NDC cell is not a valid NDC',
  /** A count or price that is not a number. */
  'number-invalid': 'a numeric cell is not a number',
  /** The same code listed twice with different payment limits. */
  'code-duplicate': 'a HCPCS code is listed twice with different values',
  /** The file's dosage of a code disagrees with the catalog's billing unit. */
  'dosage-mismatch': "a HCPCS dosage disagrees with the catalog's billing unit",
  /** An option such as the quarter is not valid. */
  'option-invalid': 'an import option is not valid',
  /** The merged result does not validate; nothing was written. */
  'catalog-invalid': 'the merged catalog does not validate',
  /** The catalog folder could not be written; nothing was changed. */
  'write-failed': 'the catalog folder could not be written',
} as const;

export type ImportErrorCode = keyof typeof IMPORT_ERROR_CODES;

export interface ImportErrorPlace {
  /** 1-based line of the CSV the error is about. */
  readonly row?: number | undefined;
  /** Column name as written in the file's header. */
  readonly column?: string | undefined;
  /** The imported file, as the user named it. */
  readonly file?: string | undefined;
}

export class ImportError extends Error {
  readonly code: ImportErrorCode;
  readonly row: number | undefined;
  readonly column: string | undefined;
  readonly file: string | undefined;
  /** The message without the file and row in front. */
  readonly detail: string;

  constructor(code: ImportErrorCode, detail: string, place: ImportErrorPlace = {}) {
    const where = [place.file, place.row === undefined ? undefined : `row ${place.row}`].filter(Boolean);
    super([...where, detail].join(': '));
    this.name = 'ImportError';
    this.code = code;
    this.detail = detail;
    this.row = place.row;
    this.column = place.column;
    this.file = place.file;
  }

  /** The same error with the file named in front of the message. */
  inFile(file: string): ImportError {
    return new ImportError(this.code, this.detail, { row: this.row, column: this.column, file });
  }
}
