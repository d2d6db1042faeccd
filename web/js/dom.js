// Small DOM helpers. Every text from the API goes in through text nodes, never through innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name in element && !(element instanceof SVGElement) && typeof value !== 'string') {
      element[name] = value; // properties such as checked, value, hidden given as non-strings
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

// Appends children: nodes, strings, numbers; arrays are flattened; null/undefined/false are skipped.
function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

// h('a', {href: '#/'}, 'Home') — an HTML element with attributes (or properties, or on* listeners) and children.
export function h(tag, attributes, ...children) {
  return build(document.createElement(tag), attributes, children);
}

// The same for SVG elements.
export function svg(tag, attributes, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attributes, children);
}

export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// Joins nodes with a separator node or string: join([a, b], ', ').
export function join(items, separator) {
  return items.flatMap((item, index) => (index === 0 ? [item] : [separator, item]));
}

let idCounter = 0;
// A document-unique id for label/aria wiring.
export function uniqueId(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
