/**
 * The two pages shown instead of a view when the service refuses the API call: the sign-in form
 * (401: the service needs its API token) and the notice that the API is disabled (403: no
 * API_TOKEN is set on the service). The token typed here goes to sessionStorage (api.js), never
 * into the page address.
 */
import { saveToken } from './api.js';
import { field, h, replace } from './dom.js';

/**
 * @typedef {{ rejected?: boolean, signedOut?: boolean, onSignedIn: () => void }} SignInOptions
 */

/**
 * @param {HTMLElement} main
 * @param {SignInOptions} opts
 * @returns {HTMLElement} where focus should go
 */
export function renderSignIn(main, opts) {
  document.title = 'Sign in – vialwise';
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
  });
  const error = h('p', { id: 'sign-in-error', class: 'form-error', role: 'alert' });
  /** @param {string | null} message */
  const showError = (message) => {
    if (message) {
      replace(error, message);
      input.setAttribute('aria-invalid', 'true');
    } else {
      replace(error);
      input.removeAttribute('aria-invalid');
    }
  };
  showError(opts.rejected ? 'That API token was not accepted. Check it and try again.' : null);

  const form = h(
    'form',
    { class: 'filters sign-in', 'aria-labelledby': 'sign-in-h', novalidate: true },
    field(
      'sign-in-token',
      'API token',
      input,
      'Ask your vialwise administrator for it. This browser tab keeps it until you sign out or close the tab.',
    ),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Sign in')),
  );
  input.setAttribute('aria-describedby', 'sign-in-token-help sign-in-error');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      showError('Enter the API token.');
      input.focus();
      return;
    }
    try {
      saveToken(token);
    } catch {
      showError(
        'This browser does not allow this page to keep the token: allow site data for it, then retry.',
      );
      input.focus();
      return;
    }
    input.value = '';
    opts.onSignedIn();
  });

  replace(
    main,
    h('h1', { tabindex: '-1', id: 'sign-in-h' }, 'Sign in to vialwise'),
    opts.signedOut ? h('p', { class: 'notice', role: 'status' }, 'You are signed out.') : null,
    h(
      'p',
      { class: 'lede' },
      'The worklist and the dashboard show patient data from the FHIR server: enter the API token to see them.',
    ),
    form,
  );
  return opts.rejected ? input : /** @type {HTMLElement} */ (main.querySelector('h1'));
}

/**
 * @param {HTMLElement} main
 * @param {string} message the service's own words
 * @returns {HTMLElement} where focus should go
 */
export function renderDisabled(main, message) {
  document.title = 'Not available – vialwise';
  const heading = h('h1', { tabindex: '-1' }, 'vialwise is not available');
  replace(
    main,
    heading,
    h('div', { class: 'notice notice--error', role: 'alert', id: 'api-disabled' }, message),
    h(
      'p',
      null,
      'An administrator has to set API_TOKEN on the service (and put it behind the hospital’s single sign-on) before the worklist and the dashboard can be used.',
    ),
  );
  return heading;
}
