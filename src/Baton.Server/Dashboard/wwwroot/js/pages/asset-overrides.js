// An asset's overrides by agent group, in the edit form: agents of a group read its override instead of the default.
// A credential override needs its own secret (write-only, like the default's).
import { h, replace, errorBox } from '../dom.js';
import { api, enc } from '../api.js';

export function overridesEditor(asset, changed) {
  const list = h('ul', { id: 'override-list' });
  const status = h('p', { role: 'status', id: 'override-status' });
  const group = h('input', { id: 'override-group', required: true, maxlength: '100', spellcheck: 'false' });
  const credential = asset.type === 'credential';
  const value = asset.type === 'boolean'
    ? h('select', { id: 'override-value' }, h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'))
    : h('textarea', { id: 'override-value', rows: '2', spellcheck: 'false' });
  const username = h('input', { id: 'override-username', maxlength: '256', autocomplete: 'off', spellcheck: 'false' });
  const secret = h('input', { id: 'override-secret', type: 'password', autocomplete: 'new-password', required: true, maxlength: '8192' });
  const save = h('button', { type: 'submit', class: 'ghost', id: 'override-save' }, 'Save override');
  let groups = Object.keys(asset.overrides).sort();

  function show() {
    replace(list, groups.length === 0 ? h('li', { class: 'muted' }, 'No overrides: every agent reads the default.') : groups.map(g => h('li', {},
      h('code', {}, g), ' ',
      h('button', { type: 'button', class: 'ghost', 'aria-label': `Remove the override for ${g}`, onclick: event => remove(event.currentTarget, g) }, 'Remove'))));
  }

  async function remove(button, g) {
    button.disabled = true;
    try {
      await api(`/assets/${enc(asset.name)}/overrides/${enc(g)}`, { method: 'DELETE' });
      groups = groups.filter(x => x !== g);
      status.textContent = `Override for ${g} removed.`;
      show();
      changed();
    } catch (error) {
      button.disabled = false;
      replace(status, errorBox(error));
    }
  }

  const form = h('form', { id: 'override-form', 'aria-labelledby': 'override-title', onsubmit: async event => {
    event.preventDefault();
    save.disabled = true;
    const g = group.value.trim();
    try {
      const body = credential ? { username: username.value.trim() || undefined, secret: secret.value } : { value: parseValue(asset.type, value.value) };
      await api(`/assets/${enc(asset.name)}/overrides/${enc(g)}`, { method: 'PUT', json: body });
      if (!groups.includes(g)) groups = [...groups, g].sort();
      group.value = '';
      username.value = '';
      if (value.tagName === 'TEXTAREA') value.value = '';
      status.textContent = `Override for ${g} saved.`;
      show();
      changed();
    } catch (error) {
      replace(status, errorBox(error));
    } finally {
      secret.value = '';
      save.disabled = false;
    }
  } },
  h('div', { class: 'form-grid' },
    h('label', { for: 'override-group' }, 'Agent group'), group,
    ...(credential
      ? [h('label', { for: 'override-username' }, 'Username'), username, h('label', { for: 'override-secret' }, 'Secret'), secret]
      : [h('label', { for: 'override-value' }, 'Value'), value])),
  save);
  show();
  return h('section', { class: 'overrides' }, h('h3', { id: 'override-title' }, `Overrides of ${asset.name} by agent group`), list, form, status);
}

/** The JSON value of a text, number, boolean or JSON asset from what was typed. */
export function parseValue(type, text) {
  if (type === 'text') return text;
  if (type === 'boolean') return text === 'true';
  try {
    const parsed = JSON.parse(text);
    if (type === 'number' && typeof parsed !== 'number') throw new Error();
    return parsed;
  } catch {
    throw new Error(type === 'number' ? 'The value must be a number.' : 'The value is not valid JSON.');
  }
}
