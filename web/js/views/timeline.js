// The timeline (#/timeline): restriction events by date, newest first, with their sources; a page at a time.
import { getJson } from '../api.js';
import { loadReference } from '../catalog.js';
import {
  entityLink,
  errorNote,
  loadingNote,
  ruleLink,
  selectField,
  selectorSummary,
  sourcesList,
} from '../components.js';
import { h, replaceChildren } from '../dom.js';
import { EFFECTS, STATUSES, readableDate } from '../labels.js';
import { navigate } from '../router.js';

const PAGE_SIZE = 50;
const FILTERS = ['app', 'issuer', 'from', 'to'];

export async function render(container, { params }) {
  document.title = 'Timeline — bantrack';
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? '']));
  container.append(loadingNote('the timeline'));
  const [ref, firstPage] = await Promise.all([
    loadReference(),
    getJson('/v1/timeline', { ...filters, limit: PAGE_SIZE }),
  ]);

  const list = h('ol', { class: 'timeline' });
  const status = h('p', { class: 'count', role: 'status', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary' }, 'Show older events');
  let cursor = null;
  let shown = 0;
  let lastDate = null;
  const addPage = (page) => {
    for (const event of page.items) {
      // One date heading per day; the events of a day follow it.
      if (event.date !== lastDate) {
        list.append(
          h(
            'li',
            { class: 'timeline-date' },
            h('h2', {}, h('time', { datetime: event.date }, readableDate(event.date))),
          ),
        );
        lastDate = event.date;
      }
      list.append(eventItem(ref, event));
    }
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    status.textContent = `${shown} of ${page.total} events.`;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      addPage(await getJson('/v1/timeline', { ...filters, limit: PAGE_SIZE, cursor }));
    } catch (error) {
      more.after(errorNote(error));
    }
    more.disabled = false;
  });

  replaceChildren(
    container,
    h('h1', { tabindex: '-1' }, 'Timeline'),
    h(
      'p',
      { class: 'lede' },
      'Every step of every restriction — under review, announced, in force, suspended, lifted — ',
      'newest first. ',
      h('a', { href: '/feed.atom', type: 'application/atom+xml' }, 'Follow it as an Atom feed'),
      '.',
    ),
    filterForm(ref, filters),
    status,
    list,
    more,
  );
  addPage(firstPage);
}

function eventItem(ref, event) {
  return h(
    'li',
    { class: 'timeline-event', dataset: { rule: event.rule } },
    h(
      'p',
      { class: 'event-head' },
      entityLink(ref, event.issuer.id),
      ' ',
      h(
        'span',
        { class: `badge status-${event.status}` },
        `${EFFECTS[event.effect]} ${STATUSES[event.status].toLowerCase()}`,
      ),
    ),
    h('h3', {}, ruleLink(event.rule, event.title)),
    event.note ? h('p', { class: 'event-note' }, event.note) : null,
    h('p', { class: 'note' }, 'Apps: ', selectorSummary(ref, { ...event.selector })),
    sourcesList(event.sources),
  );
}

function filterForm(ref, filters) {
  const form = h('form', { class: 'filter-form', 'aria-label': 'Filter the timeline' });
  const field = (name, label, control) =>
    h('div', { class: 'field' }, h('label', { for: `timeline-${name}` }, label), control);
  form.append(
    selectField({
      id: 'timeline-app',
      label: 'App',
      name: 'app',
      value: filters.app,
      options: [['', 'All apps'], ...ref.appList.map((app) => [app.id, app.name])],
    }),
    selectField({
      id: 'timeline-issuer',
      label: 'Issuer',
      name: 'issuer',
      value: filters.issuer,
      options: [['', 'All issuers'], ...ref.entityList.map((entity) => [entity.id, entity.name])],
    }),
    field('from', 'From', h('input', { type: 'date', id: 'timeline-from', name: 'from', value: filters.from })),
    field('to', 'To', h('input', { type: 'date', id: 'timeline-to', name: 'to', value: filters.to })),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Show')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate('/timeline', Object.fromEntries(FILTERS.map((name) => [name, form.elements[name].value])));
  });
  return form;
}
