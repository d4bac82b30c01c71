import { h, replace, replaceIfChanged, table, link, stateBadge, time, duration, errorBox, showPager } from '../dom.js';
import { api, follow, enc } from '../api.js';

const STATES = ['', 'pending', 'assigned', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'];
const WINDOWS = [['', 'Any time'], ['1', 'Last hour'], ['24', 'Last day'], ['168', 'Last week']];

export function render(main, { params, navigate }) {
  const state = select('state', 'State', STATES.map(s => [s, s || 'Any state']), params.get('state') ?? '');
  const pkg = h('input', { id: 'f-package', name: 'package', value: params.get('package') ?? '', placeholder: 'any package', size: 16 });
  const queue = h('input', { id: 'f-queue', name: 'queue', value: params.get('queue') ?? '', placeholder: 'any queue', size: 12 });
  const window = select('hours', 'Submitted', WINDOWS, params.get('hours') ?? '');
  const search = h('input', { id: 'f-id', name: 'id', placeholder: 'job id', size: 24, 'aria-label': 'Open a job by id' });
  const results = h('div', { id: 'job-list' });
  const pager = h('div', { class: 'pager' });
  const cursors = [params.get('cursor') ?? null];

  const filters = h('form', { class: 'filters', onsubmit: event => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, input] of [['state', state.input], ['package', pkg], ['queue', queue], ['hours', window.input]]) {
      if (input.value.trim()) query.set(name, input.value.trim());
    }
    navigate('/jobs' + (query.size ? '?' + query : ''));
  } },
  state.label, state.input, h('label', { for: 'f-package' }, 'Package'), pkg, h('label', { for: 'f-queue' }, 'Queue'), queue,
  window.label, window.input, h('button', { type: 'submit' }, 'Filter'));

  const open = h('form', { class: 'filters', onsubmit: event => {
    event.preventDefault();
    if (search.value.trim()) navigate('/jobs/' + enc(search.value.trim()));
  } }, search, h('button', { type: 'submit', class: 'ghost' }, 'Open job'));

  replace(main, h('h1', {}, 'Jobs'), h('div', { class: 'toolbar' }, filters, open), results, pager);

  // One load at a time; a load asked for meanwhile (a tick, a page change) runs once the current one is done.
  let loading = false;
  let again = false;
  async function load() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const query = new URLSearchParams({ limit: '50' });
      if (state.input.value) query.set('state', state.input.value);
      if (pkg.value.trim()) query.set('package', pkg.value.trim());
      if (queue.value.trim()) query.set('queue', queue.value.trim());
      if (window.input.value) query.set('since', new Date(Date.now() - Number(window.input.value) * 3600_000).toISOString());
      const cursor = cursors[cursors.length - 1];
      if (cursor) query.set('cursor', cursor);
      const page = await api('/jobs?' + query);
      const items = page.items;
      // Rebuilt only when the page's jobs changed: the live tick leaves the links under the pointer alone.
      replaceIfChanged(results, [items], () => [table(['Job', 'Package', 'State', 'Queue', 'Priority', 'Attempt', 'Submitted', 'Duration'],
        items.map(j => [
          link('/jobs/' + enc(j.id), h('code', {}, j.id)),
          `${j.package}@${j.version}`, stateBadge(j.state), j.queue, String(j.priority), `${j.attempt}/${j.maxAttempts}`,
          time(j.submittedAt), duration(j.startedAt, j.finishedAt)]),
        'No jobs match.')]);
      showPager(pager, cursors, page.nextCursor, load, ['← Newer', 'Older →']);
    } catch (error) {
      replace(results, errorBox(error));
    } finally {
      loading = false;
      if (again) {
        again = false;
        load();
      }
    }
  }
  load();
  // The overview stream ticks every couple of seconds and at once when a job ends: the first page follows it.
  return follow('/overview/stream', { overview: () => { if (cursors.length === 1) load(); } });
}

function select(name, text, options, value) {
  const input = h('select', { id: 'f-' + name, name }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
  return { input, label: h('label', { for: 'f-' + name }, text) };
}
