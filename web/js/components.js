// Pieces of page shared by the views: badges, links, paths, source lists and the sortable rule table.
import { h, join } from './dom.js';
import { EFFECTS, INSTRUMENTS, SCOPES, STATUSES, capitalized, countryName, readableDate } from './labels.js';

export function time(isoDate) {
  return isoDate ? h('time', { datetime: isoDate }, readableDate(isoDate)) : h('span', { class: 'muted' }, '—');
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, STATUSES[status] ?? status);
}

export function effectBadge(effect) {
  return h('span', { class: `badge effect-${effect}` }, EFFECTS[effect] ?? effect);
}

export function entityLink(ref, id) {
  return h('a', { href: `#/entity/${id}` }, ref.entityName(id));
}

function appLink(ref, id) {
  return h('a', { href: `#/app/${id}` }, ref.appName(id));
}

export function ruleLink(id, title) {
  return h('a', { href: `#/rule/${id}` }, title ?? id);
}

// "State · in United States", "Agency · part of U.S. Department of Commerce": what the issuer is and where it sits.
export function entityContext(ref, id) {
  const entity = ref.entities.get(id);
  if (!entity) return null;
  const parents = ref
    .parentsOf(id)
    .map(({ entity: parent, edge }) => [edge === 'part_of' ? 'part of ' : 'in ', entityLink(ref, parent.id)]);
  return h(
    'span',
    { class: 'context' },
    capitalized(entity.kind),
    parents.length ? [' · ', join(parents, ', ')] : null,
  );
}

export function issuerBlock(ref, id) {
  return h('div', { class: 'issuer' }, entityLink(ref, id), h('br'), entityContext(ref, id));
}

function scopeList(scopes) {
  return h(
    'ul',
    { class: 'plain scopes' },
    scopes.map((scope) => h('li', {}, SCOPES[scope] ?? scope)),
  );
}

// What a rule selects, in words and links: the apps, "any app of ByteDance Ltd.", "any ai-assistant app from China".
export function selectorSummary(ref, rule) {
  const parts = [];
  if (rule.apps.length)
    parts.push(
      join(
        rule.apps.map((id) => appLink(ref, id)),
        ', ',
      ),
    );
  for (const publisher of rule.publishers) parts.push(`any app of ${ref.publisherName(publisher)}`);
  if (rule.categories.length || rule.origin_countries.length) {
    const categories = rule.categories.length ? `any ${rule.categories.join(' or ')} app` : 'any app';
    const origins = rule.origin_countries.length
      ? ` from ${rule.origin_countries.map((code) => countryName(code)).join(', ')}`
      : '';
    parts.push(categories + origins);
  }
  return h('span', { class: 'selector' }, join(parts, '; '));
}

// A rule's device tags condition, when it has one.
export function deviceTagsNote(tags) {
  return tags.length ? h('span', { class: 'note' }, `only devices tagged ${tags.join(' + ')}`) : null;
}

export function instrumentLabel(instrument) {
  return INSTRUMENTS[instrument] ?? instrument;
}

function hostOf(url) {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

// Sources as links. compact: the outlet only (tables); otherwise title, outlet and date (detail views).
export function sourcesList(sources, { compact = false } = {}) {
  return h(
    'ul',
    { class: `plain sources${compact ? ' compact' : ''}` },
    sources.map((source) => {
      const outlet = source.outlet || hostOf(source.url);
      if (compact) {
        return h('li', {}, h('a', { href: source.url, title: source.title, rel: 'noreferrer' }, outlet));
      }
      return h(
        'li',
        {},
        h('a', { href: source.url, rel: 'noreferrer' }, source.title),
        h('span', { class: 'muted' }, ' — ', outlet, source.published ? [', ', time(source.published)] : null),
      );
    }),
  );
}

// A path through the entity graph, e.g. the device's owner up to a rule's issuer: "Texas DPS → Texas".
// roles names the ends: {first: 'owner', last: 'issuer'}.
export function entityPath(ref, ids, { label, roles } = {}) {
  return h(
    'ol',
    { class: 'path', 'aria-label': label },
    ids.map((id, index) => {
      const role = [index === 0 ? roles?.first : null, index === ids.length - 1 ? roles?.last : null].filter(Boolean);
      return h(
        'li',
        {},
        entityLink(ref, id),
        role.length ? h('span', { class: 'muted' }, ` (${role.join(', ')})`) : null,
      );
    }),
  );
}

// How a rule reaches an app: the app, its publisher chain up to the named publisher, or category:/origin:.
export function appPath(ref, steps) {
  return h(
    'ol',
    { class: 'path', 'aria-label': 'From the app to what the rule names' },
    steps.map((step, index) => {
      if (step.startsWith('category:')) return h('li', {}, `category: ${step.slice('category:'.length)}`);
      if (step.startsWith('origin:')) return h('li', {}, `origin: ${countryName(step.slice('origin:'.length))}`);
      // The last step is what the rule names: the app itself, or a publisher above it.
      const named = index === steps.length - 1;
      if (index === 0)
        return h('li', {}, appLink(ref, step), named ? h('span', { class: 'muted' }, ' (named in the rule)') : null);
      return h(
        'li',
        {},
        ref.publisherName(step),
        h('span', { class: 'muted' }, named ? ' (publisher named in the rule)' : ' (publisher)'),
      );
    }),
  );
}

// "Data version 2 · last change 22 Nov 2026, 08:35 UTC by token:alice: update of rule … — “reason”".
export function dataVersionText({ snapshot, lastChange }) {
  if (!lastChange) return `Data version ${snapshot}`;
  const at = lastChange.at;
  return [
    `Data version ${snapshot} · last change `,
    h('time', { datetime: at }, `${readableDate(at.slice(0, 10))}, ${at.slice(11, 16)} UTC`),
    ` by ${lastChange.actor}: ${lastChange.action}`,
    lastChange.record_id ? ` of ${lastChange.record_type} ${lastChange.record_id}` : '',
    lastChange.reason ? ` — “${lastChange.reason}”` : '',
  ];
}

export function loadingNote(what) {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}

// An error from the API, in words, for the places where no form field is concerned.
export function errorNote(error) {
  const problem = error.problem ?? {};
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert' },
    h('strong', {}, problem.title || 'Something went wrong'),
    problem.detail ? [' — ', problem.detail] : error.message ? [' — ', error.message] : null,
  );
}

// A fieldset of radio buttons (type 'radio') or checkboxes (type 'checkbox') sharing one name; options are
// [value, text, hint?] triples, checked(value) says which start on. `path` is the error path shown beside it.
export function choiceGroup({ path, legend, type, name, options, checked, className = 'field' }) {
  return h(
    'fieldset',
    { class: className, dataset: { path } },
    h('legend', {}, legend),
    options.map(([value, text, hint]) =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type, name, value, checked: checked(value) }),
        ` ${text}`,
        hint ? h('span', { class: 'muted' }, ` — ${hint}`) : null,
      ),
    ),
  );
}

// A labelled <select>; options are [value, text] pairs.
export function selectField({ id, label, name, value, options, onchange }) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name, onchange },
      options.map(([optionValue, text]) => h('option', { value: optionValue, selected: optionValue === value }, text)),
    ),
  );
}

// A date control for "statuses as of". asOf is the route's as_of ('' = the server's today); shown is the date the
// data was answered for.
export function asOfControl({ id, asOf, shown, onChange }) {
  const input = h('input', { type: 'date', id, value: shown, onchange: () => onChange(input.value) });
  return h(
    'div',
    { class: 'field as-of' },
    h('label', { for: id }, 'Status as of'),
    input,
    asOf ? h('button', { type: 'button', class: 'link-button', onclick: () => onChange('') }, 'back to today') : null,
  );
}

const STATUS_ORDER = ['in-force', 'announced', 'under-review', 'suspended', 'lifted', 'not-yet'];
const EFFECT_ORDER = ['ban', 'restrict', 'exempt'];

// The columns a rule table can show. A row is rule-shaped (catalog.withDefaults) with the fields its columns read:
// firstDate for `first`, appPath for `appPath` (the app page), path and inherited for `reach` (the entity page).
export function ruleColumns(ref) {
  return {
    title: {
      label: 'Restriction',
      cell: (row) => [
        ruleLink(row.id, row.title),
        row.instrument ? h('span', { class: 'note' }, instrumentLabel(row.instrument)) : null,
        deviceTagsNote(row.device_tags),
      ],
      sortValue: (row) => row.title.toLowerCase(),
    },
    apps: {
      label: 'Apps',
      cell: (row) => selectorSummary(ref, row),
      sortValue: (row) => (row.apps.map((id) => ref.appName(id)).join(', ') || '~').toLowerCase(),
    },
    appPath: { label: 'Selected through', cell: (row) => appPath(ref, row.appPath) },
    issuer: {
      label: 'Issuer',
      cell: (row) => issuerBlock(ref, row.issuer),
      sortValue: (row) => ref.entityName(row.issuer).toLowerCase(),
    },
    scope: { label: 'Scope', cell: (row) => scopeList(row.scope) },
    effect: {
      label: 'Effect',
      cell: (row) => effectBadge(row.effect),
      sortValue: (row) => EFFECT_ORDER.indexOf(row.effect),
    },
    status: {
      label: 'Status',
      cell: (row) => [
        statusBadge(row.status),
        row.since ? h('span', { class: 'note' }, 'since ', time(row.since)) : null,
      ],
      sortValue: (row) => STATUS_ORDER.indexOf(row.status),
    },
    since: { label: 'Since', cell: (row) => time(row.since), sortValue: (row) => row.since ?? '' },
    first: { label: 'First', cell: (row) => time(row.firstDate), sortValue: (row) => row.firstDate },
    reach: {
      label: 'Reaches it through',
      cell: (row) => [
        entityPath(ref, row.path, { label: 'From this entity up to the issuer' }),
        h('span', { class: 'note' }, row.inherited ? 'issued above it' : 'its own rule'),
      ],
    },
    sources: { label: 'Sources', cell: (row) => sourcesList(row.sources, { compact: true }) },
  };
}

// A table of rules (any rows with an id) with sortable columns. Rows are built once; sort() reorders them and
// filter() hides rows, so the tracker's filters never rebuild the table. On narrow screens the stylesheet shows
// each row as a card; the explicit roles keep it a table for assistive technology whatever its CSS display.
export class RuleTable {
  constructor({ caption, columns, rows, sort, onSort }) {
    this.columns = columns;
    this.onSort = onSort;
    this.rows = rows.map((row) => ({
      row,
      element: h(
        'tr',
        { role: 'row', dataset: { rule: row.id } },
        columns.map(([key, column], index) =>
          index === 0
            ? h('th', { scope: 'row', role: 'rowheader', dataset: { column: key } }, column.cell(row))
            : h('td', { role: 'cell', dataset: { label: column.label, column: key } }, column.cell(row)),
        ),
      ),
    }));
    this.headerCells = new Map();
    const headRow = h(
      'tr',
      { role: 'row' },
      columns.map(([key, column]) => {
        const cell = h('th', { scope: 'col', role: 'columnheader' });
        if (column.sortValue) {
          cell.append(
            h(
              'button',
              { type: 'button', class: 'sort', onclick: () => this.toggleSort(key) },
              column.label,
              h('span', { class: 'sort-mark', 'aria-hidden': 'true' }),
            ),
          );
          this.headerCells.set(key, cell);
        } else {
          cell.append(column.label);
          cell.classList.add('unsortable');
        }
        return cell;
      }),
    );
    this.body = h(
      'tbody',
      { role: 'rowgroup' },
      this.rows.map((entry) => entry.element),
    );
    // The caption names the table for assistive technology; the heading above it already does for the eye.
    this.element = h(
      'table',
      { class: 'rules', role: 'table' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h('thead', { role: 'rowgroup' }, headRow),
      this.body,
    );
    this.sortBy(sort?.key, sort?.dir);
  }

  toggleSort(key) {
    const dir = this.sort.key === key && this.sort.dir === 'asc' ? 'desc' : 'asc';
    this.sortBy(key, dir);
    this.onSort?.(this.sort);
  }

  sortBy(key, dir = 'asc') {
    const column = this.columns.find(([columnKey]) => columnKey === key)?.[1];
    if (!column?.sortValue) {
      this.sort = { key: null, dir };
    } else {
      this.sort = { key, dir };
      const sign = dir === 'asc' ? 1 : -1;
      const ordered = [...this.rows].sort((a, b) => {
        const x = column.sortValue(a.row);
        const y = column.sortValue(b.row);
        return (x < y ? -1 : x > y ? 1 : 0) * sign || a.row.id.localeCompare(b.row.id);
      });
      this.body.append(...ordered.map((entry) => entry.element));
    }
    for (const [columnKey, cell] of this.headerCells) {
      const sorted = columnKey === this.sort.key;
      if (sorted) cell.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
      else cell.removeAttribute('aria-sort');
      cell.querySelector('.sort-mark').textContent = sorted ? (dir === 'asc' ? ' ▲' : ' ▼') : ' ↕';
    }
  }

  // Shows the rows the predicate keeps; returns how many.
  filter(keep) {
    let shown = 0;
    for (const entry of this.rows) {
      entry.element.hidden = !keep(entry.row);
      if (!entry.element.hidden) shown += 1;
    }
    return shown;
  }
}
