import { h, replace } from '../dom.js';
import { signIn } from '../api.js';

export function render(main, { next, navigate }) {
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const key = h('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const form = h('form', { class: 'card signin', onsubmit: async event => {
    event.preventDefault();
    error.hidden = true;
    try {
      await signIn(key.value.trim());
      key.value = '';
      navigate(next && next !== '/sign-in' ? next : '/', { replaceState: true });
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      key.focus();
    }
  } },
  h('h1', {}, 'Sign in to Baton'),
  h('p', { class: 'muted' }, 'Sign in with an API key (baton key create). Your session lasts until you sign out or it expires.'),
  h('label', { for: 'api-key' }, 'API key'),
  key,
  error,
  h('button', { type: 'submit' }, 'Sign in'));
  replace(main, form);
  key.focus();
}
