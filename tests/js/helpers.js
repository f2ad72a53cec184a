// What the unit tests of app/static/js share: the page's strings, and reading a built node.

// The strings a page passes in its boot data (`t`); a string no test set reads as "[key]".
export function strings(known = {}) {
  return new Proxy(known, { get: (target, key) => (key in target ? target[key] : `[${String(key)}]`) });
}

// The text of every node that matches the selector, in document order.
export function texts(root, selector) {
  return [...root.querySelectorAll(selector)].map((node) => node.textContent);
}
