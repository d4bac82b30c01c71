// One work-item queue: its counts and its items, filtered by state and paged by cursor, live with the overview stream.
import { h, replace, replaceIfChanged, card, table, link, time, stateBadge, errorBox, showPager } from '../dom.js';
import { api, follow, enc } from '../api.js';
import { count } from './workitems.js';

const STATES = [['', 'Any state'], ['pending', 'pending'], ['in_progress', 'in progress'], ['done', 'done'], ['failed', 'failed']];

export function render(main, { args, params }) {
  const queue = args[0];
  const summary = h('div', { id: 'workitem-counts' });
  const items = h('div', { id: 'workitem-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  const initial = STATES.some(([v]) => v === params.get('state')) ? params.get('state') ?? '' : '';
  const state = h('select', { id: 'wi-state' }, STATES.map(([v, text]) => h('option', { value: v, selected: v === initial }, text)));
  const cursors = [null];
  state.addEventListener('change', () => {
    history.replaceState(null, '', `/work-items/${enc(queue)}` + (state.value ? '?state=' + state.value : ''));
    cursors.length = 1;
    load();
  });

  replace(main, h('h1', {}, 'Work items: ', h('code', {}, queue)), link('/work-items', '← All queues'), summary,
    card('Items', h('form', { class: 'filters', onsubmit: e => e.preventDefault() }, h('label', { for: 'wi-state' }, 'State'), state), items, pager));

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
      if (state.value) query.set('state', state.value);
      const cursor = cursors[cursors.length - 1];
      if (cursor) query.set('after', cursor);
      const [stats, page] = await Promise.all([api(`/workitem-queues/${enc(queue)}`).catch(e => e.status === 404 ? null : Promise.reject(e)),
        api(`/workitem-queues/${enc(queue)}/items?${query}`)]);
      if (stats === null && page.items.length === 0) {
        replace(main, h('h1', {}, 'Work-item queue not found'), h('p', {}, 'There is no work-item queue ', h('code', {}, queue), ' in your tenant.'),
          link('/work-items', 'Back to work items'));
        closeStream();
        return;
      }
      replaceIfChanged(summary, [stats], () => stats ? [h('p', {},
        `${count(stats.pending)} pending · ${count(stats.inProgress)} in progress · ${count(stats.done)} done · ${count(stats.failed)} failed` +
        ` (${count(stats.businessFailures)} business) · ${count(stats.slaMissed)} past their deadline · ${count(stats.retries)} retries`)] : []);
      replaceIfChanged(items, [page.items], () => [table(['Item', 'Reference', 'State', 'Priority', 'Attempts', 'Deadline', 'Job', 'Outcome', 'Added'],
        page.items.map(i => [
          h('code', {}, i.id), i.reference ?? '—', stateBadge(i.state), String(i.priority), `${i.attempts}/${i.maxAttempts}`,
          i.deadline ? h('span', { class: i.slaMissed ? 'error-text' : '' }, new Date(i.deadline).toLocaleString(), i.slaMissed ? ' (missed)' : '') : '—',
          i.jobId ? link('/jobs/' + enc(i.jobId), h('code', {}, i.jobId)) : '—',
          i.error ? h('span', { class: 'error-text' }, `${i.failureKind ? i.failureKind + ': ' : ''}${i.error}`)
            : i.output !== null && i.output !== undefined ? h('code', { class: 'clip' }, JSON.stringify(i.output)) : '',
          time(i.createdAt)]),
        state.value ? `No ${state.value.replace('_', ' ')} items.` : 'No items.')]);
      showPager(pager, cursors, page.nextCursor, load);
    } catch (error) {
      replace(items, errorBox(error));
    } finally {
      loading = false;
      if (again) {
        again = false;
        load();
      }
    }
  }
  load();
  const closeStream = follow('/overview/stream', { overview: () => { if (cursors.length === 1) load(); } });
  return closeStream;
}
