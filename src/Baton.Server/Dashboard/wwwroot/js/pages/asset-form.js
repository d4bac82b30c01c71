// The form that creates or replaces an asset (PUT /assets/{name}). A credential's secret is typed into a password field
// that is emptied after each save and never filled from the server (which never sends it); left empty when editing, the
// credential keeps the secret it has.
import { h, replace, errorBox } from '../dom.js';
import { api, enc } from '../api.js';
import { overridesEditor, parseValue } from './asset-overrides.js';

export function assetForm({ saved, changed }) {
  const title = h('h2', { id: 'asset-form-title' }, 'New asset');
  const name = h('input', { id: 'asset-name', required: true, maxlength: '100', spellcheck: 'false' });
  const type = h('select', { id: 'asset-type' }, ['text', 'number', 'boolean', 'json', 'credential'].map(t => h('option', { value: t }, t)));
  const value = h('textarea', { id: 'asset-value', rows: '3', spellcheck: 'false' });
  const bool = h('select', { id: 'asset-boolean' }, h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
  const username = h('input', { id: 'asset-username', maxlength: '256', autocomplete: 'off', spellcheck: 'false' });
  const secret = h('input', { id: 'asset-secret', type: 'password', autocomplete: 'new-password', maxlength: '8192' });
  const secretHint = h('div', { class: 'hint', id: 'asset-secret-hint' });
  const queue = h('input', { id: 'asset-queue', placeholder: 'any queue' });
  const group = h('input', { id: 'asset-group', placeholder: 'any agent group' });
  const description = h('input', { id: 'asset-description', maxlength: '500' });
  const status = h('p', { role: 'status', id: 'asset-form-status' });
  const submit = h('button', { type: 'submit', id: 'asset-save' }, 'Save asset');
  const cancel = h('button', { type: 'button', class: 'ghost', hidden: true, onclick: () => reset() }, 'Cancel edit');
  let editing = null;

  const valueRow = [h('label', { for: 'asset-value', id: 'asset-value-label' }, 'Value'), value];
  const boolRow = [h('label', { for: 'asset-boolean' }, 'Value'), bool];
  const credentialRows = [h('label', { for: 'asset-username' }, 'Username'), username, h('label', { for: 'asset-secret' }, 'Secret'), secret, secretHint];
  const fields = h('div', { class: 'form-grid' });

  function layout() {
    const t = type.value;
    const specific = t === 'credential' ? credentialRows : t === 'boolean' ? boolRow : valueRow;
    value.placeholder = t === 'json' ? '{"key": "value"}' : t === 'number' ? '42' : '';
    secret.required = t === 'credential' && !(editing?.type === 'credential' && editing.value.hasSecret);
    secretHint.textContent = secret.required ? 'Write-only: it is sealed on the server and never shown again.'
      : 'Leave empty to keep the current secret. Write-only: it is never shown.';
    replace(fields, h('label', { for: 'asset-name' }, 'Name'), name, h('label', { for: 'asset-type' }, 'Type'), type, ...specific,
      h('label', { for: 'asset-queue' }, 'Only for queue'), queue, h('label', { for: 'asset-group' }, 'Only for agent group'), group,
      h('label', { for: 'asset-description' }, 'Description'), description);
  }
  type.addEventListener('change', layout);

  function reset() {
    editing = null;
    title.textContent = 'New asset';
    name.readOnly = false;
    cancel.hidden = true;
    replace(overrides);
    for (const input of [name, value, username, secret, queue, group, description]) input.value = '';
    type.value = 'text';
    layout();
  }

  /** Fills the form with an asset to replace; its secret stays on the server. */
  function edit(asset) {
    editing = asset;
    title.textContent = `Edit ${asset.name}`;
    name.value = asset.name;
    name.readOnly = true;
    type.value = asset.type;
    value.value = asset.type === 'text' ? String(asset.value.value ?? '') : asset.type === 'credential' ? '' : JSON.stringify(asset.value.value, null, 2);
    bool.value = asset.value.value === false ? 'false' : 'true';
    username.value = asset.value.username ?? '';
    secret.value = '';
    queue.value = asset.queue ?? '';
    group.value = asset.agentGroup ?? '';
    description.value = asset.description ?? '';
    cancel.hidden = false;
    status.textContent = '';
    layout();
    replace(overrides, overridesEditor(asset, changed));
    name.scrollIntoView({ block: 'center' });
    (asset.type === 'credential' ? username : asset.type === 'boolean' ? bool : value).focus();
  }

  function request() {
    const t = type.value;
    const body = { type: t, queue: queue.value.trim() || undefined, agentGroup: group.value.trim() || undefined, description: description.value.trim() || undefined };
    if (t === 'credential') {
      body.username = username.value.trim() || undefined;
      if (secret.value) body.secret = secret.value;
    } else {
      body.value = parseValue(t, t === 'boolean' ? bool.value : value.value);
    }
    return body;
  }

  const node = h('form', { id: 'asset-form', 'aria-labelledby': 'asset-form-title', onsubmit: async event => {
    event.preventDefault();
    submit.disabled = true;
    status.textContent = 'Saving…';
    try {
      const assetName = name.value.trim();
      await api(`/assets/${enc(assetName)}`, { method: 'PUT', json: request() });
      reset();
      status.textContent = '';
      saved(assetName);
    } catch (error) {
      replace(status, errorBox(error));
    } finally {
      // The secret never lingers in the page, saved or not.
      secret.value = '';
      submit.disabled = false;
    }
  } }, title, fields, h('div', { class: 'actions' }, submit, cancel), status);
  // Outside the form: the overrides editor has forms of its own.
  const overrides = h('div', { id: 'asset-overrides' });
  reset();
  return { node: h('div', {}, node, overrides), edit };
}
