import { h, replace, card, table, link, time, errorBox } from '../dom.js';
import { api, canWrite, enc } from '../api.js';

export function render(main, { args, navigate }) {
  return args[0] ? renderPackage(main, args[0], navigate) : renderList(main, navigate);
}

function renderList(main, navigate) {
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const upload = canWrite() ? uploadCard(result => navigate('/packages/' + enc(result.package.name))) : null;
  replace(main, h('h1', {}, 'Packages'), upload, card('Packages', list));
  api('/packages').then(page => replace(list, table(['Package', 'Latest', 'Versions', 'Updated'],
    page.items.map(p => [link('/packages/' + enc(p.name), p.name), p.latestVersion, String(p.versionCount), time(p.updatedAt)]),
    'No packages yet: drop a package zip above, or baton package push.')), error => replace(list, errorBox(error)));
}

function uploadCard(uploaded) {
  const status = h('p', { role: 'status', class: 'muted' });
  const input = h('input', { type: 'file', id: 'package-file', accept: '.zip,application/zip', class: 'visually-hidden-file' });
  const zone = h('div', { class: 'dropzone', id: 'dropzone' },
    h('p', {}, 'Drop a package zip here, or '), h('label', { for: 'package-file', class: 'button' }, 'choose a file'), input, status);
  async function send(file) {
    if (!file) return;
    status.textContent = `Uploading ${file.name}…`;
    try {
      const form = new FormData();
      form.append('file', file, file.name);
      const result = await api('/packages', { method: 'POST', body: form });
      status.textContent = `${result.package.name}@${result.package.version} ${result.created ? 'uploaded' : 'was already there'}.`;
      uploaded(result);
    } catch (error) {
      replace(status, errorBox(error));
    }
  }
  input.addEventListener('change', () => send(input.files[0]));
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => {
    e.preventDefault();
    zone.classList.remove('over');
    send(e.dataTransfer.files[0]);
  });
  return card('Upload a package', zone);
}

function renderPackage(main, name, navigate) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, h('h1', {}, 'Package ', h('code', {}, name)), body);
  api('/packages/' + enc(name)).then(versions => {
    const items = versions.items;
    if (items.length === 0) {
      replace(body, h('p', {}, 'This package has no versions.'));
      return;
    }
    // Newest first: the first is the latest upload, and each item already carries its manifest.
    const chosen = items[0];
    const detail = h('div');
    const versionList = table(['Version', 'SHA-256', 'Size', 'Uploaded'],
      items.map(v => [
        h('button', { type: 'button', class: 'ghost', onclick: () => showVersion(detail, v, navigate) }, v.version),
        h('code', {}, v.sha256.slice(0, 16) + '…'), `${(v.sizeBytes / 1024).toFixed(1)} KiB`, time(v.createdAt)]));
    replace(body, card('Versions', versionList), detail);
    showVersion(detail, chosen, navigate);
  }, error => replace(body, error.status === 404 ? h('p', {}, 'No such package in your tenant.') : errorBox(error)));
}

function showVersion(container, version, navigate) {
  const m = version.manifest;
  const params = Object.entries(m.parameters ?? {});
  replace(container,
    h('div', { class: 'grid two' },
      card(`Manifest of ${version.version}`,
        h('dl', {},
          h('dt', {}, 'Description'), h('dd', {}, m.description ?? '—'),
          h('dt', {}, 'Entrypoint'), h('dd', {}, h('code', {}, `${m.entrypoint?.module ?? ''}:${m.entrypoint?.function ?? ''}`)),
          h('dt', {}, 'Python'), h('dd', {}, m.python ?? 'any'),
          h('dt', {}, 'Timeout'), h('dd', {}, `${m.timeoutSeconds} s`),
          h('dt', {}, 'Attempts'), h('dd', {}, String(m.maxAttempts)),
          h('dt', {}, 'Capabilities'), h('dd', {}, (m.capabilities ?? []).join(', ') || 'none')),
        table(['Parameter', 'Type', 'Required', 'Default', 'Description'],
          params.map(([n, p]) => [h('code', {}, n), String(p.type).toLowerCase(), p.required ? 'yes' : 'no',
            p.default === undefined || p.default === null ? '' : h('code', {}, JSON.stringify(p.default)), p.description ?? '']),
          'No parameters.')),
      canWrite() ? card(`Run ${version.name}@${version.version}`, runForm(version, navigate)) : null));
}

/** A form generated from the manifest's parameters: one field per parameter, typed, with its default and required flag. */
export function runForm(version, navigate) {
  const fields = [];
  const grid = h('div', { class: 'form-grid' });
  for (const [name, spec] of Object.entries(version.manifest.parameters ?? {})) {
    const type = String(spec.type).toLowerCase();
    const id = 'param-' + name.replace(/[^A-Za-z0-9_-]/g, '_');
    const def = spec.default;
    let input;
    if (type === 'boolean') input = h('input', { id, type: 'checkbox', checked: def === true });
    else if (type === 'integer' || type === 'number') input = h('input', { id, type: 'number', step: type === 'integer' ? '1' : 'any', value: def ?? '', required: spec.required });
    else if (type === 'object' || type === 'array') input = h('textarea', { id, rows: 3, required: spec.required, placeholder: type === 'object' ? '{ }' : '[ ]' }, def !== undefined && def !== null ? JSON.stringify(def) : '');
    else input = h('input', { id, type: 'text', value: def ?? '', required: spec.required });
    fields.push({ name, type, input, required: spec.required });
    grid.append(h('label', { for: id }, name + (spec.required ? ' *' : '')), input);
    if (spec.description) grid.append(h('div', { class: 'hint' }, spec.description));
  }
  const priority = h('input', { id: 'run-priority', type: 'number', min: '0', max: '1000', placeholder: 'default', class: 'narrow' });
  const queue = h('input', { id: 'run-queue', type: 'text', placeholder: 'default' });
  grid.append(h('label', { for: 'run-priority' }, 'Priority'), priority, h('label', { for: 'run-queue' }, 'Queue'), queue);
  const status = h('p', { role: 'status' });
  return h('form', { id: 'run-form', onsubmit: async event => {
    event.preventDefault();
    const inputs = {};
    try {
      for (const f of fields) {
        if (f.type === 'boolean') inputs[f.name] = f.input.checked;
        else if (f.input.value === '') continue;
        else if (f.type === 'integer' || f.type === 'number') inputs[f.name] = Number(f.input.value);
        else if (f.type === 'object' || f.type === 'array') inputs[f.name] = JSON.parse(f.input.value);
        else inputs[f.name] = f.input.value;
      }
    } catch {
      status.textContent = 'An object or array parameter is not valid JSON.';
      return;
    }
    try {
      const job = await api('/jobs', { method: 'POST', json: {
        package: version.name, version: version.version, inputs,
        priority: priority.value === '' ? undefined : Number(priority.value), queue: queue.value.trim() || undefined } });
      navigate('/jobs/' + enc(job.id));
    } catch (error) {
      replace(status, errorBox(error));
    }
  } }, grid, h('p', {}, h('button', { type: 'submit', id: 'run-submit' }, 'Run')), status);
}
