// Item cards shared by the phone, the cockpit and the projector. User text only
// ever reaches the DOM through textContent.

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

let regions = null;
// A country's name in the reader's language (the page's), as the server names it in files.
export function countryName(code) {
  if (!code) return "";
  try {
    regions ||= new Intl.DisplayNames([document.documentElement.lang || "en"], { type: "region" });
    return regions.of(code) || code;
  } catch {
    return code;
  }
}

export function itemCard(item, t, { actions = [] } = {}) {
  const li = el("li", `item item-${item.kind}${item.state === "hidden" ? " is-hidden" : ""}`);
  li.dataset.id = item.id;
  const head = el("div", "item-head");
  head.append(el("span", "tag", item.kind === "market" ? t.market : t.idea));
  if (item.country) head.append(el("strong", "country", countryName(item.country)));
  if (item.state === "hidden") head.append(el("span", "tag warn", t.hidden));
  if (item.mine) head.append(el("span", "tag mine", t.you));
  li.append(head, el("p", "item-text", item.text));
  if (item.author) li.append(el("p", "item-author", `— ${item.author}`));
  if (actions.length) {
    const bar = el("div", "item-actions");
    for (const [label, handler, cls] of actions) {
      const button = el("button", `button small ${cls || ""}`, label);
      button.type = "button";
      button.addEventListener("click", () => handler(item, li));
      bar.append(button);
    }
    li.append(bar);
  }
  return li;
}

// Put `nodes` in `parent` in this order, moving only what is out of place (a node moved
// loses its focus).
export function syncChildren(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

// Whether a node is on screen now (not in a hidden stage, nor taken out of the page).
export function shown(node) {
  return node.isConnected && node.getClientRects().length > 0;
}

// Replace a list's children, keeping the order of the items by id (oldest first).
export function renderList(list, items, build, emptyText) {
  const nodes = items.map(build);
  if (!nodes.length && emptyText) nodes.push(el("li", "empty muted", emptyText));
  list.replaceChildren(...nodes);
}

// An inline editor in place of the item's text.
export function editInline(li, item, t, onSave) {
  const form = el("form", "edit-inline");
  const area = el("textarea");
  area.value = item.text;
  area.maxLength = 500;
  area.rows = 3;
  const save = el("button", "button small primary", t.save);
  save.type = "submit";
  const cancel = el("button", "button small", t.cancel);
  cancel.type = "button";
  form.append(area, save, cancel);
  li.querySelector(".item-text").replaceWith(form);
  li.classList.add("editing");
  area.focus();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    onSave(area.value);
  });
  cancel.addEventListener("click", () => form.replaceWith(el("p", "item-text", item.text)));
}
