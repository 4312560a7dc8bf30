/**
 * JSON bodies from outside (notifications, posted Bundles): nesting depth checked on the raw
 * bytes before `JSON.parse`, so that a megabyte of brackets is refused in one linear scan instead
 * of being parsed into a structure first. Errors carry vialwise's own text only.
 */
import { VialwiseError } from '../domain/errors.ts';

const MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * True when JSON text nests arrays and objects deeper than `limit`. Brackets inside strings do
 * not count. UTF-8 never uses these ASCII bytes inside a multi-byte character (RFC 3629 section
 * 3), so the bytes can be scanned as they are.
 */
export function jsonDepthExceeds(raw: Uint8Array, limit = MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return false;
}

// JSON is UTF-8 (RFC 8259 section 8.1): a body that is not is refused, not repaired.
// A byte order mark is not JSON either (RFC 8259 section 8.1): it is kept, and JSON.parse refuses it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function invalid(text: string): VialwiseError {
  return new VialwiseError('invalid-body', text, { publicText: text });
}

/** Parses a UTF-8 JSON body; `invalid-body` when it is not JSON or nests too deep. */
export function parseJsonBody(raw: Buffer | string): unknown {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  if (jsonDepthExceeds(bytes)) throw invalid(`Body is nested deeper than ${MAX_DEPTH} levels`);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw invalid('Body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid('Body is not valid JSON');
  }
}
