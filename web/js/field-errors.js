// Shows a problem document's errors[] beside the fields they concern (the check form and the rule editor).
//
// A field's wrapper carries data-path: "app", "issuer", "scope", "timeline[1].date". An error goes to the field
// with its exact path, else to the nearest enclosing path that has one (scope[0] -> scope, apps[2] -> apps),
// else to the form's summary. The summary lists every error, each a link to its field.
import { h, replaceChildren, uniqueId } from './dom.js';

function parentPath(path) {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut > 0 ? path.slice(0, cut) : null;
}

function fieldFor(form, path) {
  for (let candidate = path; candidate; candidate = parentPath(candidate)) {
    const field = form.querySelector(`[data-path="${CSS.escape(candidate)}"]`);
    if (field) return field;
  }
  return null;
}

function controlsOf(field) {
  return [...field.querySelectorAll('input, select, textarea')];
}

export function clearFieldErrors(form) {
  for (const message of form.querySelectorAll('.field-error')) message.remove();
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
    const describedBy = (control.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter((id) => !id.startsWith('error-'));
    if (describedBy.length) control.setAttribute('aria-describedby', describedBy.join(' '));
    else control.removeAttribute('aria-describedby');
  }
  for (const field of form.querySelectorAll('.has-error')) field.classList.remove('has-error');
}

// Puts each error beside its field and lists them all in `summary` (an element at the top of the form), then
// moves focus to the summary so that keyboard and screen-reader users hear what went wrong.
export function showFieldErrors(form, summary, { heading, errors, detail }) {
  clearFieldErrors(form);
  const items = errors.map(({ path, message }) => {
    const field = fieldFor(form, path);
    if (!field) return h('li', {}, path && path !== '$' ? `${path}: ${message}` : message);
    const id = uniqueId('error');
    const exact = field.dataset.path === path ? '' : `${path}: `;
    field.classList.add('has-error');
    field.append(h('p', { class: 'field-error', id }, exact, message));
    for (const control of controlsOf(field)) {
      control.setAttribute('aria-invalid', 'true');
      const describedBy = control.getAttribute('aria-describedby');
      control.setAttribute('aria-describedby', describedBy ? `${describedBy} ${id}` : id);
    }
    const target = controlsOf(field)[0];
    return h(
      'li',
      {},
      h(
        'a',
        {
          href: '#',
          onclick: (event) => {
            event.preventDefault();
            target?.focus();
          },
        },
        fieldLabel(field) ?? path,
      ),
      `: ${exact}${message}`,
    );
  });
  replaceChildren(
    summary,
    h('h2', {}, heading),
    detail && !errors.length ? h('p', {}, detail) : null,
    items.length ? h('ul', {}, items) : null,
  );
  summary.hidden = false;
  summary.focus();
}

// The name of a field in the summary: its data-label ("Timeline entry 2: date"), else its legend or label.
function fieldLabel(field) {
  return field.dataset.label ?? (field.querySelector('legend, label')?.textContent.trim() || null);
}
