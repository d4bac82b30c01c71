// Renders a log line's ANSI SGR colours (the 16 named colours, bold, dim, italic, underline, 256-colour and
// true-colour) as spans with text nodes; any other escape sequence is dropped. Never builds markup from the line.

const ESCAPE = /\x1b\[([0-9;]*)([A-Za-z])/g;

// Any escape (ESC is \x1b) or other control character but tab and newline.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/g;

// A style is immutable and shared: logs repeat the same few sequences, so each style remembers the style each SGR
// parameter string leads to, and a 10,000-line log parses each distinct sequence once (this runs cold, unoptimised).
const MAX_STYLES = 512;
const MAX_NEXT = 64;
const styles = new Map();

function styleOf(classes, fg, bg) {
  const key = classes.join(' ') + '|' + (fg ?? '') + '|' + (bg ?? '');
  let style = styles.get(key);
  if (style === undefined) {
    style = { classes, fg, bg, className: classes.join(' '), plain: classes.length === 0 && !fg && !bg, next: new Map() };
    if (styles.size < MAX_STYLES) styles.set(key, style);
  }
  return style;
}

const PLAIN = styleOf([], undefined, undefined);

function next(style, params) {
  let found = style.next.get(params);
  if (found === undefined) {
    const { classes, fg, bg } = apply(style, params);
    found = styleOf(classes, fg, bg);
    if (style.next.size < MAX_NEXT) style.next.set(params, found);
  }
  return found;
}

/** Whether a line shows as it is: no escape or other control character but tab and newline. */
export function isPlain(text) {
  return !CONTROL.test(text);
}

export function renderAnsi(text) {
  // Most lines have no escape at all: one text node, nothing to scan.
  if (!CONTROL.test(text)) return document.createTextNode(text);
  const fragment = document.createDocumentFragment();
  let style = PLAIN;
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let match; (match = ESCAPE.exec(text)) !== null;) {
    emit(fragment, text.slice(last, match.index), style);
    last = ESCAPE.lastIndex;
    if (match[2] === 'm') style = next(style, match[1]);
  }
  emit(fragment, text.slice(last), style);
  return fragment;
}

function emit(fragment, text, style) {
  // Other control characters (a lone ESC, backspaces) are not shown.
  if (CONTROL.test(text)) text = text.replace(CONTROLS, '');
  if (!text) return;
  if (style.plain) {
    fragment.append(text);
    return;
  }
  const span = document.createElement('span');
  if (style.className) span.className = style.className;
  if (style.fg) span.style.color = style.fg;
  if (style.bg) span.style.backgroundColor = style.bg;
  span.textContent = text;
  fragment.append(span);
}

function apply(previous, params) {
  const codes = params === '' ? [0] : params.split(';').map(Number);
  let classes = [...(previous.classes ?? [])];
  let { fg, bg } = previous;
  const set = (prefix, value) => {
    classes = classes.filter(c => !c.startsWith(prefix));
    if (value) classes.push(value);
  };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code === 0) { classes = []; fg = bg = undefined; }
    else if (code === 1) set('ansi-bold', 'ansi-bold');
    else if (code === 2) set('ansi-dim', 'ansi-dim');
    else if (code === 3) set('ansi-italic', 'ansi-italic');
    else if (code === 4) set('ansi-underline', 'ansi-underline');
    else if (code === 22) { set('ansi-bold', null); set('ansi-dim', null); }
    else if (code === 23) set('ansi-italic', null);
    else if (code === 24) set('ansi-underline', null);
    else if (code >= 30 && code <= 37) { set('ansi-fg', 'ansi-fg' + (code - 30)); fg = undefined; }
    else if (code >= 90 && code <= 97) { set('ansi-fg', 'ansi-fg' + (code - 90 + 8)); fg = undefined; }
    else if (code === 39) { set('ansi-fg', null); fg = undefined; }
    else if (code >= 40 && code <= 47) { set('ansi-bg', 'ansi-bg' + (code - 40)); bg = undefined; }
    else if (code >= 100 && code <= 107) { set('ansi-bg', 'ansi-bg' + (code - 100 + 8)); bg = undefined; }
    else if (code === 49) { set('ansi-bg', null); bg = undefined; }
    else if ((code === 38 || code === 48) && codes[i + 1] === 5) {
      const colour = xterm256(codes[i + 2]);
      if (code === 38) { set('ansi-fg', null); fg = colour; } else { set('ansi-bg', null); bg = colour; }
      i += 2;
    } else if ((code === 38 || code === 48) && codes[i + 1] === 2) {
      const colour = `rgb(${clamp(codes[i + 2])}, ${clamp(codes[i + 3])}, ${clamp(codes[i + 4])})`;
      if (code === 38) { set('ansi-fg', null); fg = colour; } else { set('ansi-bg', null); bg = colour; }
      i += 4;
    }
  }
  return { classes, fg, bg };
}

const clamp = n => Math.max(0, Math.min(255, Number.isFinite(n) ? n : 0));

function xterm256(n) {
  n = clamp(n);
  if (n < 16) return `var(--ansi-${n})`;
  if (n >= 232) {
    const level = 8 + (n - 232) * 10;
    return `rgb(${level}, ${level}, ${level})`;
  }
  const i = n - 16;
  const steps = [0, 95, 135, 175, 215, 255];
  return `rgb(${steps[Math.floor(i / 36)]}, ${steps[Math.floor(i / 6) % 6]}, ${steps[i % 6]})`;
}
