// The tracker (#/): every restriction in one table, searchable, filterable and sortable, all of it in the URL.
import { currentDataVersion, loadReference, loadRuleIdsForApp, loadRules, onDataVersion } from '../catalog.js';
import { RuleTable, asOfControl, dataVersionText, loadingNote, ruleColumns, selectField } from '../components.js';
import { h, replaceChildren } from '../dom.js';
import { EFFECTS, SCOPES, STATUSES, readableDate } from '../labels.js';
import { navigate, replaceParams } from '../router.js';
import { editorToken } from '../token.js';

const FILTERS = ['q', 'app', 'issuer', 'country', 'status', 'scope', 'effect'];
const DEFAULT_SORT = { key: 'first', dir: 'desc' };

export async function render(container, { params }) {
  document.title = 'bantrack — government restrictions on apps';
  const asOf = params.get('as_of') ?? '';
  container.append(loadingNote('the restrictions'));
  const [ref, list] = await Promise.all([loadReference(), loadRules(asOf)]);

  const state = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? '']));
  const sort = { key: params.get('sort') ?? DEFAULT_SORT.key, dir: params.get('order') ?? DEFAULT_SORT.dir };

  const rows = list.rules.map((rule) => ({
    ...rule,
    firstDate: rule.timeline[0].date,
    jurisdiction: ref.jurisdictionOf(rule.issuer),
    searchText: searchTextOf(ref, rule),
  }));

  const columns = ruleColumns(ref);
  const table = new RuleTable({
    caption: 'Restrictions',
    columns: ['title', 'apps', 'issuer', 'scope', 'effect', 'status', 'first', 'sources'].map((key) => [
      key,
      columns[key],
    ]),
    rows,
    sort,
    onSort: (newSort) => {
      Object.assign(sort, newSort);
      saveState();
    },
  });
  const count = h('p', { class: 'count', role: 'status', 'aria-live': 'polite' });
  const versionLine = h('p', { class: 'note data-version' }, `Data version ${list.snapshot}`);

  function saveState() {
    const sortParams =
      sort.key === DEFAULT_SORT.key && sort.dir === DEFAULT_SORT.dir ? {} : { sort: sort.key, order: sort.dir };
    replaceParams({ ...state, as_of: asOf, ...sortParams });
  }

  // The app filter asks the server which rules select the app (publisher ownership, categories and origins are
  // the engine's to decide, not the page's).
  async function applyFilters() {
    const appRuleIds = state.app ? await loadRuleIdsForApp(state.app) : null;
    const words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = table.filter(
      (row) =>
        (!appRuleIds || appRuleIds.has(row.id)) &&
        (!state.issuer || row.issuer === state.issuer) &&
        (!state.country || row.jurisdiction.id === state.country) &&
        (!state.status || row.status === state.status) &&
        (!state.scope || row.scope.includes(state.scope)) &&
        (!state.effect || row.effect === state.effect) &&
        words.every((word) => row.searchText.includes(word)),
    );
    count.textContent =
      shown === rows.length
        ? `Showing all ${rows.length} restrictions.`
        : `Showing ${shown} of ${rows.length} restrictions.`;
  }

  function onFilterChange(name, value) {
    state[name] = value;
    saveState();
    applyFilters();
  }

  const dateControl = asOfControl({
    id: 'tracker-as-of',
    asOf,
    shown: list.asOf,
    onChange: (date) => navigate('/', { ...state, as_of: date, sort: sort.key, order: sort.dir }),
  });
  const filters = filterForm(ref, rows, state, dateControl, onFilterChange, () => {
    for (const name of FILTERS) {
      state[name] = '';
      filters.elements[name].value = '';
    }
    saveState();
    applyFilters();
  });

  replaceChildren(
    container,
    h('h1', { tabindex: '-1' }, 'Government restrictions on apps'),
    h('p', { class: 'lede' }, overview(rows, list.asOf)),
    versionLine,
    editorToken() ? h('p', {}, h('a', { class: 'button', href: '#/add' }, 'Add a restriction')) : null,
    // Open on wide screens; on a phone closed unless a filter is set, so that the list comes first.
    h(
      'details',
      {
        class: 'filters',
        open: FILTERS.some((name) => state[name]) || window.matchMedia('(min-width: 761px)').matches,
      },
      h('summary', {}, 'Search and filter'),
      filters,
    ),
    count,
    h('div', { class: 'table-wrap' }, table.element),
  );
  // The data version and its last change, kept current while this view is shown.
  const showVersion = (version) => replaceChildren(versionLine, dataVersionText(version));
  if (currentDataVersion()) showVersion(currentDataVersion());
  const stopVersionUpdates = onDataVersion((version) =>
    versionLine.isConnected ? showVersion(version) : stopVersionUpdates(),
  );
  await applyFilters();
}

// One sentence on the whole list: how many, from how many issuers and places, how many in force.
function overview(rows, asOf) {
  const issuers = new Set(rows.map((row) => row.issuer)).size;
  const places = new Set(rows.map((row) => row.jurisdiction.id)).size;
  const inForce = rows.filter((row) => row.status === 'in-force').length;
  return (
    `${rows.length} restrictions issued by ${issuers} authorities in ${places} countries and unions; ` +
    `${inForce} in force on ${readableDate(asOf)}. Each links to its public sources.`
  );
}

function searchTextOf(ref, rule) {
  const issuerChain = [rule.issuer, ...ref.parentsOf(rule.issuer).map((parent) => parent.entity.id)];
  return [
    rule.id,
    rule.title,
    rule.summary ?? '',
    rule.instrument,
    ...issuerChain.map((id) => ref.entityName(id)),
    ...rule.apps.flatMap((id) => [id, ref.appName(id)]),
    ...rule.publishers.map((id) => ref.publisherName(id)),
    ...rule.categories,
    ...rule.origin_countries,
    ...rule.sources.flatMap((source) => [source.title, source.outlet ?? '']),
  ]
    .join(' ')
    .toLowerCase();
}

function filterForm(ref, rows, state, dateControl, onChange, onClear) {
  const countBy = (key) =>
    rows.reduce((counts, row) => counts.set(key(row), (counts.get(key(row)) ?? 0) + 1), new Map());
  const issuerCounts = countBy((row) => row.issuer);
  const placeCounts = countBy((row) => row.jurisdiction.id);
  const places = [...new Map(rows.map((row) => [row.jurisdiction.id, row.jurisdiction])).values()].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  const issuers = [...issuerCounts.keys()].sort((a, b) => ref.entityName(a).localeCompare(ref.entityName(b)));

  const select = (name, label, options) =>
    selectField({
      id: `filter-${name}`,
      label,
      name,
      value: state[name],
      options,
      onchange: (event) => onChange(name, event.target.value),
    });
  const search = h('input', {
    type: 'search',
    id: 'filter-q',
    name: 'q',
    value: state.q,
    placeholder: 'title, app, issuer, outlet…',
    oninput: (event) => onChange('q', event.target.value),
  });
  return h(
    'form',
    { role: 'search', class: 'filter-form', onsubmit: (event) => event.preventDefault() },
    h('div', { class: 'field grow' }, h('label', { for: 'filter-q' }, 'Search'), search),
    select('app', 'App', [['', 'All apps'], ...ref.appList.map((app) => [app.id, app.name])]),
    select('country', 'Country or union', [
      ['', 'All'],
      ...places.map((place) => [place.id, `${place.name} (${placeCounts.get(place.id)})`]),
    ]),
    select('issuer', 'Issuer', [
      ['', 'All issuers'],
      ...issuers.map((id) => [id, `${ref.entityName(id)} (${issuerCounts.get(id)})`]),
    ]),
    select('status', 'Status', [['', 'Any status'], ...Object.entries(STATUSES)]),
    select('scope', 'Scope', [['', 'Any scope'], ...Object.entries(SCOPES)]),
    select('effect', 'Effect', [['', 'Any effect'], ...Object.entries(EFFECTS)]),
    dateControl,
    h(
      'div',
      { class: 'field' },
      h('button', { type: 'button', class: 'secondary', onclick: onClear }, 'Clear filters'),
    ),
  );
}
