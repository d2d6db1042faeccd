// The page's shell: routes the hash to a view, keeps the navigation and the data-version footer current.
import { ApiError } from './api.js';
import { loadReference, loadRules, onDataVersion } from './catalog.js';
import { dataVersionText, errorNote } from './components.js';
import { h, replaceChildren } from './dom.js';
import { currentRoute, takeFlash } from './router.js';
import { TOKEN_EVENT, editorToken } from './token.js';

// Each view's module is loaded when its route is first shown, so that the first view waits for no other.
const ID = '([a-z0-9][a-z0-9-]{0,63})';
const routes = [
  { pattern: /^\/$/, load: () => import('./views/tracker.js'), nav: '/' },
  { pattern: new RegExp(`^/app/${ID}$`), load: () => import('./views/app.js'), nav: '/' },
  { pattern: new RegExp(`^/entity/${ID}$`), load: () => import('./views/entity.js'), nav: '/' },
  { pattern: new RegExp(`^/rule/${ID}$`), load: () => import('./views/rule.js'), nav: '/' },
  { pattern: /^\/timeline$/, load: () => import('./views/timeline.js'), nav: '/timeline' },
  { pattern: /^\/check$/, load: () => import('./views/check.js'), nav: '/check' },
  { pattern: new RegExp(`^/edit(?:/${ID})?$`), load: () => import('./views/editor.js'), nav: '/edit' },
  { pattern: /^\/add$/, load: () => import('./views/editor.js'), context: { creating: true }, nav: '/edit' },
];

const main = document.getElementById('main');
let renderCount = 0;

async function renderRoute({ moveFocus }) {
  const { path, params } = currentRoute();
  const route = routes.find((candidate) => candidate.pattern.test(path));
  markNavigation(route?.nav);
  renderCount += 1;
  const thisRender = renderCount;
  // Each render gets its own container: a slow earlier render finishing late writes into a detached node.
  const container = h('div', { class: 'view' });
  const flash = takeFlash();
  replaceChildren(main, flash ? h('div', { class: 'alert alert-success', role: 'status' }, flash) : null, container);
  if (!route) {
    document.title = 'Not found — bantrack';
    container.append(
      h('h1', { tabindex: '-1' }, 'No such page'),
      h('p', {}, h('a', { href: '#/' }, 'Back to the tracker')),
    );
  } else {
    const id = path.match(route.pattern)[1];
    try {
      const view = await route.load();
      await view.render(container, { ...route.context, id, params });
    } catch (error) {
      if (thisRender !== renderCount) return;
      if (!(error instanceof ApiError)) console.error(error); // a bug of the page, not an answer of the API
      replaceChildren(
        container,
        h('h1', { tabindex: '-1' }, 'This page could not be shown'),
        errorNote(error),
        h('p', {}, h('a', { href: '#/' }, 'Back to the tracker')),
      );
    }
  }
  if (moveFocus && thisRender === renderCount) container.querySelector('h1')?.focus();
}

function markNavigation(active) {
  for (const link of document.querySelectorAll('.site-nav a')) {
    if (link.getAttribute('href') === `#${active}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function showEditorMode() {
  document.querySelector('.editor-mode').hidden = !editorToken();
}

function showDataVersion(version) {
  replaceChildren(document.getElementById('data-version'), dataVersionText(version));
}

// The skip link focuses the content without touching the hash, which holds the route.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

onDataVersion(showDataVersion);
window.addEventListener(TOKEN_EVENT, showEditorMode);
showEditorMode();

// Start the shared data at once, in parallel with the first view's own requests (the cache dedupes them).
// Their errors are shown by the views that use them.
loadReference().catch(() => {});
loadRules().catch(() => {});

window.addEventListener('hashchange', () => renderRoute({ moveFocus: true }));
renderRoute({ moveFocus: false });
