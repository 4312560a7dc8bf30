/**
 * The one pager: follows a search's `next` links, page by page, for every FHIR search vialwise
 * makes (the service, the UI and the audit).
 *
 * A `next` link is followed only on the configured FHIR base. Servers behind a proxy often
 * advertise their internal address (`http://hapi:8080/fhir/R4/...`): a link whose path lies
 * under the base's path is re-anchored onto the configured base, keeping its path and query
 * as they are (HAPI's opaque `_getpages` links work). Any other link is refused, so that the
 * access token never leaves the configured origin.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { VialwiseError } from '../domain/errors.ts';

const pagingError = (message: string) => new VialwiseError('fhir-paging', message);

/** The path and query below the base that a `next` link asks for. */
export function nextPathBelowBase(baseUrl: string, next: string): string {
  const base = new URL(baseUrl.replace(/\/+$/, '') + '/');
  let link: URL;
  try {
    link = new URL(next, base);
  } catch {
    throw pagingError('the FHIR server sent a next link that is not a URL');
  }
  if (link.protocol !== 'http:' && link.protocol !== 'https:')
    throw pagingError('the FHIR server sent a next link that is not http(s)');
  if (!link.pathname.startsWith(base.pathname) && link.pathname + '/' !== base.pathname) {
    throw pagingError(
      `the FHIR server sent a next link outside its base (${link.origin}${link.pathname.slice(0, 60)}): not followed`,
    );
  }
  return link.pathname.slice(base.pathname.length) + link.search;
}

function nextLink(page: Bundle): string | undefined {
  const url = page.link?.find((l) => l?.relation === 'next')?.url;
  return typeof url === 'string' && url.length > 0 ? url : undefined;
}

/** The pages after `first`, fetched lazily through `get` (a path and query below the base). */
export async function* pagesAfter(
  baseUrl: string,
  first: Bundle,
  get: (pathAndQuery: string) => Promise<Bundle>,
): AsyncGenerator<Bundle> {
  let page = first;
  const seen = new Set<string>();
  for (;;) {
    const next = nextLink(page);
    if (!next) return;
    const path = nextPathBelowBase(baseUrl, next);
    // A server that hands back the same link forever would otherwise loop forever.
    if (seen.has(path)) throw pagingError('the FHIR server sent the same next link twice');
    seen.add(path);
    page = await get(path);
    yield page;
  }
}

export interface SearchResult {
  /** Resources that matched the search (`search.mode` match or unset). */
  readonly matches: Resource[];
  /** Resources added by `_include` / `_revinclude`. */
  readonly included: Resource[];
  /** True when `maxPages` stopped the read before the last page. */
  readonly truncated: boolean;
  /** Pages read (HTTP requests made). */
  readonly pages: number;
}

/** Sorts a page's entries into matches and includes. */
export function collectPage(page: Bundle, into: { matches: Resource[]; included: Resource[] }): void {
  for (const e of page.entry ?? []) {
    if (!e?.resource) continue;
    (e.search?.mode === 'include' ? into.included : into.matches).push(e.resource);
  }
}
