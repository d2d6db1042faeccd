// One rule (#/rule/<id>): everything it says, its timeline and its sources.
import { getJson } from '../api.js';
import { loadReference, withDefaults } from '../catalog.js';
import {
  asOfControl,
  deviceTagsNote,
  effectBadge,
  issuerBlock,
  instrumentLabel,
  loadingNote,
  selectorSummary,
  sourcesList,
  statusBadge,
  time,
} from '../components.js';
import { h, replaceChildren } from '../dom.js';
import { SCOPES, SCOPE_HINTS, STATUSES, readableDate } from '../labels.js';
import { hrefFor, navigate } from '../router.js';

export async function render(container, { id, params }) {
  const asOf = params.get('as_of') ?? '';
  container.append(loadingNote('the rule'));
  const [ref, detail] = await Promise.all([loadReference(), getJson(`/v1/rules/${id}`, { as_of: asOf })]);
  const rule = withDefaults(detail);
  document.title = `${rule.title} — bantrack`;

  replaceChildren(
    container,
    h('h1', { tabindex: '-1' }, rule.title),
    h(
      'p',
      { class: 'lede' },
      effectBadge(rule.effect),
      ' ',
      statusBadge(rule.status),
      rule.since ? [' since ', time(rule.since)] : null,
      ` · ${instrumentLabel(rule.instrument)} · `,
      h('code', {}, rule.id),
    ),
    h(
      'p',
      { class: 'actions' },
      h('a', { class: 'button secondary', href: hrefFor(`/edit/${rule.id}`) }, 'Edit this restriction'),
    ),
    asOfControl({
      id: 'rule-as-of',
      asOf,
      shown: rule.as_of,
      onChange: (date) => navigate(`/rule/${id}`, { as_of: date }),
    }),
    h(
      'dl',
      { class: 'facts wide' },
      h('dt', {}, 'Issuer'),
      h('dd', {}, issuerBlock(ref, rule.issuer)),
      h('dt', {}, 'Scope'),
      h(
        'dd',
        {},
        h(
          'ul',
          { class: 'plain' },
          rule.scope.map((scope) => h('li', {}, h('strong', {}, SCOPES[scope]), ` — ${SCOPE_HINTS[scope]}`)),
        ),
      ),
      h('dt', {}, 'Apps'),
      h('dd', {}, selectorSummary(ref, rule), ' ', deviceTagsNote(rule.device_tags)),
      h('dt', {}, 'Timeline'),
      h(
        'dd',
        {},
        h(
          'ol',
          { class: 'plain rule-timeline' },
          rule.timeline.map((entry) =>
            h(
              'li',
              {},
              time(entry.date),
              ' ',
              h('strong', {}, STATUSES[entry.status]),
              entry.note ? ` — ${entry.note}` : '',
            ),
          ),
        ),
      ),
      rule.summary ? [h('dt', {}, 'Summary'), h('dd', {}, rule.summary)] : null,
      h('dt', {}, 'Sources'),
      h('dd', {}, sourcesList(rule.sources)),
    ),
    h('p', { class: 'note' }, `Status on ${readableDate(rule.as_of)}, data version ${rule.snapshot}.`),
  );
}
