/**
 * The single page: a hash router over three views. The hash never reaches the server; it holds
 * only ids and codes (never a patient's name), so even a copied link carries no patient data.
 * When the service asks for the API token, the sign-in form takes the view's place; once
 * signed in, the same view loads again.
 */
import { clearToken, onAccessProblem, storedToken } from './api.js';
import { renderDashboard } from './dashboard.js';
import { announce, errorBox, h, replace } from './dom.js';
import { renderEncounter } from './encounter.js';
import { renderDisabled, renderSignIn } from './signin.js';
import { renderWorklist } from './worklist.js';

/**
 * @typedef {{ name: string, id?: string, params: URLSearchParams }} Route
 * @typedef {{ focus?: string, flash?: string }} NavigateOptions
 * `flash`: a confirmation the next render shows (the view is rebuilt after a change).
 * @typedef {{ main: HTMLElement, route: Route, navigate: (hash: string, opts?: NavigateOptions) => void,
 *   signal: AbortSignal, flash?: string }} ViewContext
 */

/** @returns {Route} */
export function parseHash(hash = window.location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?');
  const [name = '', id] = path.split('/').map((p) => decodeURIComponent(p));
  const params = new URLSearchParams(search);
  if (name === 'encounter' && id) return { name, id, params };
  if (name === 'dashboard') return { name, params };
  return { name: 'worklist', params };
}

const views = /** @type {Record<string, (ctx: ViewContext) => Promise<void>>} */ ({
  worklist: renderWorklist,
  encounter: renderEncounter,
  dashboard: renderDashboard,
});

/** @type {AbortController | undefined} */
let current;
let firstRender = true;
/** Where to put focus after the next render, when a view re-renders itself (default: the heading). */
let focusAfter = 'h1';
/** @type {string | undefined} */
let flashAfter;
/**
 * What stands in for the view, if anything: the sign-in form or the API-disabled notice.
 * @type {'sign-in' | 'disabled' | undefined}
 */
let gate;

const mainElement = () => /** @type {HTMLElement} */ (document.getElementById('main'));

/** Sign out is offered while this tab holds a token. */
function updateSignOut() {
  const button = document.getElementById('sign-out');
  if (button) button.hidden = storedToken() === null;
}

/**
 * Replaces whatever the main area shows (a view, or one loading) with the sign-in form or the
 * disabled notice.
 * @param {'sign-in' | 'disabled'} kind
 * @param {(main: HTMLElement) => HTMLElement} show returns where focus goes
 */
function showGate(kind, show) {
  gate = kind;
  current?.abort();
  const main = mainElement();
  main.removeAttribute('aria-busy');
  updateSignOut();
  const target = show(main);
  if (!firstRender) target.focus();
  firstRender = false;
}

/** The token is kept: load the view again with it (a refusal brings the form back, saying so). */
function signedIn() {
  updateSignOut();
  focusAfter = 'h1';
  void render();
}

onAccessProblem((problem) => {
  const kind = problem.status === 401 ? 'sign-in' : 'disabled';
  // Several calls of one view can be refused together: one form is enough.
  if (gate === kind && !problem.rejected) return;
  showGate(kind, (main) =>
    kind === 'sign-in'
      ? renderSignIn(main, { rejected: problem.rejected, onSignedIn: signedIn })
      : renderDisabled(main, problem.message),
  );
});

document.getElementById('sign-out')?.addEventListener('click', () => {
  clearToken();
  // The patient data on screen goes with the token.
  showGate('sign-in', (main) => renderSignIn(main, { signedOut: true, onSignedIn: signedIn }));
  announce('Signed out.');
});

async function render() {
  const main = mainElement();
  const route = parseHash();
  current?.abort();
  gate = undefined;
  const controller = new AbortController();
  current = controller;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.getAttribute('data-nav') === route.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.setAttribute('aria-busy', 'true');
  const flash = flashAfter;
  flashAfter = undefined;
  try {
    await views[route.name]?.({
      main,
      route,
      signal: controller.signal,
      ...(flash ? { flash } : {}),
      navigate: (hash, opts) => {
        focusAfter = opts?.focus ?? 'h1';
        flashAfter = opts?.flash;
        if (window.location.hash === hash) void render();
        else window.location.hash = hash;
      },
    });
  } catch (err) {
    if (controller.signal.aborted) return;
    replace(
      main,
      h('h1', { tabindex: '-1' }, 'This page could not be loaded'),
      errorBox(err),
      h('p', null, h('a', { href: '#/worklist' }, 'Back to the worklist')),
    );
  } finally {
    if (!controller.signal.aborted) main.removeAttribute('aria-busy');
  }
  if (controller.signal.aborted) return;
  // After navigation, take keyboard and screen-reader users to the new page's heading.
  if (!firstRender)
    /** @type {HTMLElement | null} */ (main.querySelector(focusAfter) ?? main.querySelector('h1'))?.focus();
  firstRender = false;
  focusAfter = 'h1';
}

window.addEventListener('hashchange', () => void render());
updateSignOut();
void render();
