// The files a job saved (its artifacts): name, size and digest, each a download link (the browser sends the session cookie).
import { h, replace, replaceIfChanged, table, time, errorBox } from '../dom.js';
import { api, enc } from '../api.js';

/** The artifacts card's content; load() is called when the job changes state (artifacts arrive while it runs and as it ends). */
export function jobArtifacts(jobId) {
  const node = h('div', { id: 'job-artifacts' }, h('p', { class: 'muted' }, 'Loading…'));
  async function load() {
    try {
      const artifacts = (await api(`/jobs/${enc(jobId)}/artifacts`)).items;
      replaceIfChanged(node, [artifacts], () => [table(['Name', 'Size', 'SHA-256', 'Attempt', 'Saved'],
        artifacts.map(a => [
          h('a', { href: `/api/v1/jobs/${enc(jobId)}/artifacts/${a.name.split('/').map(enc).join('/')}`, download: a.name.split('/').pop() }, a.name),
          size(a.sizeBytes), h('code', { title: a.sha256 }, a.sha256.slice(0, 12)), String(a.attempt), time(a.createdAt)]),
        'No artifacts: a job saves files with baton.save_artifact(path) or by writing them under $BATON_ARTIFACTS.')]);
    } catch (error) {
      replace(node, errorBox(error));
    }
  }
  return { node, load };
}

export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
