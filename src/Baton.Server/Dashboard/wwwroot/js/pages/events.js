import { h, replace, card, table, time, errorBox, stateBadge } from '../dom.js';
import { api, follow, canWrite, enc } from '../api.js';

// The stream names each event by its type (Baton.Storage.Model.TenantEventTypes); EventSource delivers only the names it listens to.
const EVENT_TYPES = ['job.succeeded', 'job.failed', 'job.timed_out', 'job.cancelled', 'agent.offline', 'agent.online',
  'schedule.auto_paused', 'quota.reached', 'autoscale.scaled', 'anomaly.detected', 'message'];

export function render(main) {
  const log = h('div', { class: 'table-wrap' });
  const hooks = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const deliveries = h('div');
  replace(main, h('h1', {}, 'Events and webhooks'), card('Event log (live)', log), card('Webhooks', hooks), deliveries);

  const rows = h('tbody');
  replace(log, h('table', {}, h('thead', {}, h('tr', {}, ['Id', 'Type', 'Subject', 'At', 'Data'].map(x => h('th', { scope: 'col' }, x)))), rows));
  const addEvent = (e, top) => {
    const row = h('tr', {}, h('td', {}, String(e.id)), h('td', {}, e.type), h('td', {}, h('code', {}, e.subjectId)), h('td', {}, time(e.createdAt)),
      h('td', {}, h('code', { class: 'clip' }, JSON.stringify(e.data))));
    if (top) rows.prepend(row); else rows.append(row);
    while (rows.children.length > 200) rows.lastElementChild.remove();
  };

  let close = () => {};
  let closed = false;
  api('/events?limit=1000').then(page => {
    if (closed) return;
    // The API pages oldest first: show the newest 200 first, then follow from the last (a reopened stream from the last shown).
    page.items.slice(-200).reverse().forEach(e => addEvent(e, false));
    let last = page.next;
    close = follow(() => `/events/stream?after=${last}`, Object.fromEntries(
      EVENT_TYPES.map(t => [t, e => {
        if (e.id <= last) return;
        last = e.id;
        addEvent(e, true);
      }])));
  }, error => replace(log, errorBox(error)));

  async function loadHooks() {
    try {
      const list = await api('/webhooks');
      replace(hooks, table(['URL', 'Events', 'Enabled', 'Description', ''],
        list.items.map(w => [h('code', {}, w.url), w.events.join(', ') || 'all', w.enabled ? 'yes' : 'no', w.description ?? '',
          h('button', { type: 'button', class: 'ghost', onclick: () => showDeliveries(w) }, 'Deliveries')]),
        'No webhooks.'));
    } catch (error) {
      replace(hooks, errorBox(error));
    }
  }

  async function showDeliveries(hook) {
    try {
      const list = await api(`/webhooks/${enc(hook.id)}/deliveries`);
      replace(deliveries, card(`Deliveries to ${hook.url}`, table(['Event', 'State', 'Attempts', 'Status', 'Error', 'Created', ''],
        list.items.map(d => [d.eventType, stateBadge(d.state), String(d.attempts), d.statusCode ?? '', d.error ?? '', time(d.createdAt),
          canWrite() ? h('button', { type: 'button', class: 'ghost', onclick: async () => {
            try {
              await api(`/webhooks/${enc(hook.id)}/deliveries/${enc(d.id)}/redeliver`, { method: 'POST' });
            } catch (error) {
              deliveries.prepend(errorBox(error));
            }
            showDeliveries(hook);
          } }, 'Redeliver') : '']),
        'No deliveries yet.')));
    } catch (error) {
      replace(deliveries, errorBox(error));
    }
  }

  loadHooks();
  return () => {
    closed = true;
    close();
  };
}
