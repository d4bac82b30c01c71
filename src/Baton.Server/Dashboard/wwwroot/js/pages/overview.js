import { h, replace, card, table, link, stateBadge, time, localTime, errorBox } from '../dom.js';
import { follow } from '../api.js';
import { throughputChart } from '../charts.js';

export function render(main) {
  const figures = h('div', { class: 'figures' });
  const hourChart = h('div', { class: 'chart', id: 'chart-hour' });
  const dayChart = h('div', { class: 'chart', id: 'chart-day' });
  const failures = h('div');
  const quotas = h('div');
  const status = h('p', { class: 'muted live' }, 'Connecting…');
  replace(main,
    h('h1', {}, 'Overview'),
    status,
    figures,
    h('div', { class: 'grid two' },
      card('Throughput, last hour (per minute)', hourChart),
      card('Throughput, last day (per hour)', dayChart)),
    h('div', { class: 'grid two' },
      card('Recent failures', failures),
      card('Quota use', quotas)));

  let charts = null;
  const chartsReady = Promise.all([throughputChart(hourChart, ''), throughputChart(dayChart, '')])
    .then(made => { charts = made; return made; })
    .catch(error => hourChart.append(errorBox(error)));

  const close = follow('/overview/stream', {
    overview: async snapshot => {
      status.textContent = 'Live · updated ' + localTime(snapshot.at, true);
      replace(figures,
        figure('Agents online', snapshot.agentsOnline, `${snapshot.agentsBusy} busy · ${snapshot.agentsOffline} offline`),
        figure('Slots in use', `${snapshot.slotsInUse} / ${snapshot.slots}`),
        figure('Queue depth', snapshot.jobsPending, 'pending jobs'),
        figure('Jobs running', snapshot.jobsRunning),
        figure('Failure rate, last hour', failureRate(snapshot.lastHour)));
      replace(failures, table(['Job', 'Package', 'State', 'Ended', 'Error'],
        snapshot.recentFailures.map(j => [
          link('/jobs/' + encodeURIComponent(j.id), j.id.slice(0, 13) + '…'),
          `${j.package}@${j.version}`, stateBadge(j.state), time(j.finishedAt), h('span', { class: 'clip' }, j.error ?? '')]),
        'No failed jobs.'));
      replace(quotas, quotaBars(snapshot.tenant));
      await chartsReady;
      if (charts) {
        charts[0].update(snapshot.lastHour);
        charts[1].update(snapshot.lastDay);
      }
    },
    error: () => { status.textContent = 'Reconnecting…'; },
  });
  return () => {
    close();
    charts?.forEach(c => c.destroy());
  };
}

function figure(label, value, note) {
  return h('div', { class: 'figure card' }, h('div', { class: 'figure-label' }, label), h('div', { class: 'figure-value' }, String(value)),
    note ? h('div', { class: 'muted' }, note) : null);
}

function failureRate(points) {
  const ok = points.reduce((s, p) => s + p.succeeded, 0);
  const failed = points.reduce((s, p) => s + p.failed, 0);
  return ok + failed === 0 ? '–' : (100 * failed / (ok + failed)).toFixed(1) + ' %';
}

function quotaBars(tenant) {
  if (!tenant?.usage) return h('p', { class: 'muted' }, 'No usage figures.');
  const q = tenant.quotas, u = tenant.usage;
  const rows = [
    ['Agents', u.agents, q.agents],
    ['Concurrent jobs', u.concurrentJobs, q.concurrentJobs],
    ['Pending jobs', u.pendingJobs, q.pendingJobs],
    ['Storage', (u.storageBytes / 1e9).toFixed(2) + ' GB', q.storageGb, u.storageBytes / 1e9],
    ['API calls today', u.apiCallsToday, q.apiCallsPerDay],
  ];
  return h('div', {},
    h('p', {}, 'Tier: ', h('strong', {}, tenant.tier)),
    rows.map(([label, used, limit, numeric]) => {
      const value = numeric ?? Number(used);
      const max = Number(limit);
      return h('div', { class: 'quota' },
        h('label', {}, `${label}: ${used}${limit != null ? ' of ' + limit : ''}`),
        limit != null ? h('progress', { max: String(max || 1), value: String(Math.min(value, max || 1)), 'aria-label': label }) : null);
    }));
}
