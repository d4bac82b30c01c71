// Builds DOM nodes from data. Every string goes in as a text node or an attribute value, never as markup,
// so user-supplied strings (package names, inputs, log lines, errors) can only ever show as text.

/** h('a', {href: '/x', class: 'c', onclick: fn}, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The key each node's children were last built from by replaceIfChanged; any other change to the node forgets it.
const shownKeys = new WeakMap();

export function clear(node) {
  shownKeys.delete(node);
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export function replace(node, ...children) {
  clear(node);
  return append(node, children);
}

/**
 * Rebuilds node's children with build() only when key (any JSON value: what the children show) differs from the one
 * they were last built from. Live pages call this on every update: unchanged parts keep their nodes, so focus, a
 * selection, or a button being clicked are not swapped away under the user.
 */
export function replaceIfChanged(node, key, build) {
  const text = JSON.stringify(key);
  if (shownKeys.get(node) === text) return node;
  replace(node, ...build());
  shownKeys.set(node, text);
  return node;
}

export function ago(iso) {
  if (!iso) return '';
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < -5) return 'in ' + span(-seconds);
  if (seconds < 5) return 'just now';
  return span(seconds) + ' ago';
}

function span(seconds) {
  if (seconds < 60) return seconds + ' s';
  if (seconds < 3600) return Math.round(seconds / 60) + ' min';
  if (seconds < 86400) return Math.round(seconds / 3600) + ' h';
  return Math.round(seconds / 86400) + ' d';
}

export function time(iso) {
  if (!iso) return '';
  return h('time', { datetime: iso, title: localTime(iso) }, ago(iso));
}

const pad = n => String(n).padStart(2, '0');

/**
 * A time as local "YYYY-MM-DD HH:MM:SS", or only "HH:MM:SS" with timeOnly. Built from the Date's own fields, not with
 * toLocaleString: the first Intl call of a page loads the locale data, some 80 ms of a page's first paint.
 */
export function localTime(iso, timeOnly = false) {
  const d = new Date(iso);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return timeOnly ? clock : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}

export function duration(fromIso, toIso) {
  if (!fromIso) return '';
  const ms = (toIso ? new Date(toIso) : new Date()) - new Date(fromIso);
  if (ms < 1000) return ms + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  return Math.round(ms / 60000) + ' min';
}

export function stateBadge(state) {
  return h('span', { class: 'badge state-' + String(state).replace(/[^a-z_]/g, '') }, state);
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...children);
}

export function table(headers, rows, empty = 'Nothing here yet.') {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('thead', {}, h('tr', {}, headers.map(x => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map(cells => h('tr', {}, cells.map(c => h('td', {}, c)))))));
}

export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error?.message ?? String(error));
}

export function link(href, ...children) {
  return h('a', { href, 'data-nav': true }, ...children);
}

/**
 * The Previous/Next buttons of a cursor-paged list: `cursors` holds the cursor of every page seen (the first is null),
 * `load()` reads the page of the last one.
 */
export function showPager(pager, cursors, nextCursor, load, [previous, next] = ['← Previous', 'Next →']) {
  replaceIfChanged(pager, [cursors.length, nextCursor], () => [
    cursors.length > 1 ? h('button', { type: 'button', class: 'ghost', onclick: () => { cursors.pop(); load(); } }, previous) : null,
    nextCursor ? h('button', { type: 'button', class: 'ghost', onclick: () => { cursors.push(nextCursor); load(); } }, next) : null]);
}
