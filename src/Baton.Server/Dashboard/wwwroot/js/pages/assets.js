// Assets and credentials: the tenant's named values, listed by name, type and scope. Operators and admins create, edit
// and delete them; a credential's secret is write-only here (the API never returns it: only whether one is set).
import { h, replace, replaceIfChanged, card, table, time, errorBox } from '../dom.js';
import { api, follow, canWrite, enc } from '../api.js';
import { assetForm } from './asset-form.js';

const TYPES = ['text', 'number', 'boolean', 'json', 'credential'];

export function render(main, { params }) {
  const list = h('div', { id: 'asset-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const status = h('p', { role: 'status', id: 'asset-message' });
  const search = h('input', { id: 'a-search', type: 'search', value: params.get('q') ?? '', placeholder: 'name, queue or group', size: 20 });
  const type = h('select', { id: 'a-type' }, h('option', { value: '' }, 'Any type'),
    TYPES.map(t => h('option', { value: t, selected: t === (params.get('type') ?? '') }, t)));
  // Filtered as you type, in the page (the list is the tenant's, not paged); the address keeps the filter for a link.
  const filter = () => {
    const query = new URLSearchParams();
    if (search.value.trim()) query.set('q', search.value.trim());
    if (type.value) query.set('type', type.value);
    history.replaceState(null, '', '/assets-and-credentials' + (query.size ? '?' + query : ''));
    show();
  };
  search.addEventListener('input', filter);
  type.addEventListener('change', filter);
  const filters = h('form', { class: 'filters', role: 'search', onsubmit: event => event.preventDefault() },
    h('label', { for: 'a-search' }, 'Find'), search, h('label', { for: 'a-type' }, 'Type'), type);

  const form = canWrite() ? assetForm({ saved: name => { status.textContent = `Asset ${name} saved.`; load(); }, changed: () => load() }) : null;
  replace(main, h('h1', {}, 'Assets and credentials'),
    h('p', { class: 'muted' }, 'Values jobs read with baton.asset(name) and baton.credential(name). Secrets are never shown.'),
    h('div', { class: 'toolbar' }, filters), status,
    card('Assets', list),
    form ? card(null, form.node) : null);

  let assets = null;
  async function load() {
    try {
      assets = (await api('/assets')).items;
      show();
    } catch (error) {
      replace(list, errorBox(error));
    }
  }

  function show() {
    if (assets === null) return;
    const shown = matching(assets, search.value.trim(), type.value);
    // Rebuilt only when an asset changed: the live tick must not swap an Edit button under the pointer.
    const writer = canWrite();
    replaceIfChanged(list, [shown, writer], () => [table(
      ['Name', 'Type', 'Value', 'Scope', 'Overrides', 'Updated', ...(writer ? ['Actions'] : [])],
      shown.map(a => [
        h('strong', {}, a.name), a.type, valueOf(a.type, a.value), scopeOf(a),
        Object.keys(a.overrides).length ? Object.keys(a.overrides).sort().map(g => h('div', {}, `${g}: `, valueOf(a.type, a.overrides[g]))) : '—',
        time(a.updatedAt),
        ...(writer ? [h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'ghost', 'aria-label': `Edit ${a.name}`, onclick: () => form.edit(a) }, 'Edit'),
          h('button', { type: 'button', class: 'ghost', 'aria-label': `Delete ${a.name}`, onclick: event => remove(event.currentTarget, a.name) }, 'Delete'))] : [])]),
      assets.length ? 'No asset matches.' : 'No assets yet.')]);
  }

  async function remove(button, name) {
    if (!confirm(`Delete asset ${name} and its overrides? Jobs reading it will not find it.`)) return;
    button.disabled = true;
    try {
      await api(`/assets/${enc(name)}`, { method: 'DELETE' });
      status.textContent = `Asset ${name} deleted.`;
    } catch (error) {
      replace(status, errorBox(error));
    } finally {
      button.disabled = false;
    }
    load();
  }

  load();
  return follow('/overview/stream', { overview: () => load() });
}

function matching(assets, q, type) {
  const text = q.toLowerCase();
  return assets.filter(a => (!type || a.type === type) &&
    (!text || [a.name, a.queue, a.agentGroup, a.description].some(x => x && x.toLowerCase().includes(text))));
}

/** A value as text; a credential shows its username and whether a secret is set, never the secret. */
function valueOf(type, value) {
  if (type === 'credential') {
    return h('span', {}, value.username ? h('code', {}, value.username) : h('span', { class: 'muted' }, 'no username'), ' · ',
      value.hasSecret ? 'secret set' : h('strong', { class: 'error-text' }, 'no secret'));
  }
  if (type === 'text') return h('span', { class: 'clip' }, String(value.value ?? ''));
  return h('code', { class: 'clip' }, JSON.stringify(value.value));
}

function scopeOf(asset) {
  const parts = [asset.queue ? `queue ${asset.queue}` : null, asset.agentGroup ? `group ${asset.agentGroup}` : null].filter(Boolean);
  return parts.length ? parts.join(' · ') : h('span', { class: 'muted' }, 'whole tenant');
}
