import { h, replace, replaceIfChanged, append, card, table, link, time, errorBox, stateBadge } from '../dom.js';
import { api, follow, canWrite, enc } from '../api.js';

export function render(main) {
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const upcoming = h('ol', { class: 'timeline', id: 'upcoming' });
  replace(main, h('h1', {}, 'Schedules'),
    h('div', { class: 'grid two' }, card('Next fires (24 h)', upcoming), canWrite() ? card('New schedule', createForm(load)) : null),
    card('Schedules', list));

  async function load() {
    try {
      const [schedules, fires] = await Promise.all([api('/schedules'), api('/schedules/upcoming?within=24h')]);
      // Rebuilt only when a schedule changed: the live tick must not swap a Pause button for a copy under the pointer.
      replaceIfChanged(list, [schedules.items, canWrite()], () => [table(['Name', 'Cron', 'Package', 'State', 'Next fire', 'Last job', ''],
        schedules.items.map(s => [
          s.name, h('code', {}, `${s.cron} (${s.timeZone})`), `${s.package}${s.version ? '@' + s.version : ''}`,
          s.paused ? h('span', {}, stateBadge('paused'), s.pauseReason ? ' ' + s.pauseReason : '') : stateBadge('active'),
          time(s.nextFireAt), s.lastJobId ? link('/jobs/' + enc(s.lastJobId), 'job') : '',
          canWrite() ? h('button', { type: 'button', class: 'ghost', onclick: async () => {
            await api(`/schedules/${enc(s.id)}/${s.paused ? 'resume' : 'pause'}`, { method: 'POST' }).catch(e => alertError(list, e));
            load();
          } }, s.paused ? 'Resume' : 'Pause') : '']),
        'No schedules yet.')]);
      replaceIfChanged(upcoming, [fires.fires.slice(0, 50)], () => fires.fires.length === 0
        ? [h('li', { class: 'muted' }, 'Nothing fires in the next 24 hours.')]
        : fires.fires.slice(0, 50).map(f => h('li', {},
          h('strong', {}, new Date(f.fireAt).toLocaleString()), ` · ${f.scheduleName} → ${f.package}@${f.version}`)));
    } catch (error) {
      replace(list, errorBox(error));
    }
  }
  load();
  // Live: the overview stream's tick (every couple of seconds, at once when a job ends) reloads the lists.
  return follow('/overview/stream', { overview: () => load() });
}

function alertError(container, error) {
  container.prepend(errorBox(error));
}

function createForm(done) {
  const name = h('input', { id: 's-name', required: true, maxlength: '100' });
  const cron = h('input', { id: 's-cron', required: true, value: '*/15 * * * *', spellcheck: 'false' });
  const zone = h('input', { id: 's-zone', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const pkg = h('input', { id: 's-package', required: true });
  const calendar = h('select', { id: 's-calendar' }, h('option', { value: '' }, 'None'));
  const mode = h('select', { id: 's-calendar-mode', disabled: true },
    [['business-days-only', 'Skip non-working days'], ['next-business-day', 'Move to the next working day'],
      ['previous-business-day', 'Move to the previous working day']].map(([value, text]) => h('option', { value }, text)));
  const preview = h('ul', { class: 'fires', id: 'cron-preview', 'aria-live': 'polite' });
  const status = h('p', { role: 'status' });
  // The preview asks the server with the calendar too: the fires shown are the ones the schedule will have.
  let timer = 0;
  let asked = 0;
  const refresh = () => {
    clearTimeout(timer);
    mode.disabled = !calendar.value;
    timer = setTimeout(async () => {
      const id = ++asked;
      const query = new URLSearchParams({ cron: cron.value, timeZone: zone.value || 'UTC', count: '5' });
      if (calendar.value) {
        query.set('calendar', calendar.value);
        query.set('calendarMode', mode.value);
      }
      try {
        const answer = await api('/schedules/preview?' + query);
        if (id === asked) replace(preview, answer.fires.map(f => h('li', {}, new Date(f).toLocaleString())));
      } catch (error) {
        if (id === asked) replace(preview, h('li', { class: 'error' }, error.message));
      }
    }, 250);
  };
  cron.addEventListener('input', refresh);
  zone.addEventListener('input', refresh);
  calendar.addEventListener('change', refresh);
  mode.addEventListener('change', refresh);
  api('/calendars').then(list => append(calendar, list.items.map(c => h('option', { value: c.name }, c.name))), () => {});
  refresh();
  return h('form', { id: 'schedule-form', onsubmit: async event => {
    event.preventDefault();
    try {
      await api('/schedules', { method: 'POST', json: {
        name: name.value.trim(), cron: cron.value.trim(), timeZone: zone.value.trim() || undefined, package: pkg.value.trim(),
        calendar: calendar.value || undefined, calendarMode: calendar.value ? mode.value : undefined } });
      status.textContent = 'Schedule created.';
      done();
    } catch (error) {
      replace(status, errorBox(error));
    }
  } },
  h('div', { class: 'form-grid' },
    h('label', { for: 's-name' }, 'Name'), name,
    h('label', { for: 's-cron' }, 'Cron'), cron,
    h('div', { class: 'hint' }, 'minute hour day month weekday, e.g. 0 9 * * mon-fri'),
    h('label', { for: 's-zone' }, 'Time zone'), zone,
    h('label', { for: 's-package' }, 'Package'), pkg,
    h('label', { for: 's-calendar' }, 'Calendar'), calendar,
    h('label', { for: 's-calendar-mode' }, 'On non-working days'), mode),
  h('p', { class: 'muted' }, 'Next fires:'), preview,
  h('button', { type: 'submit' }, 'Create schedule'), status);
}
