// The phone's country field: a country is found by its name in any of the app's five languages,
// its English names or its code ("Giappone", "Япония", "JP"), whatever the case and accents, and
// offered in the reader's language in a list under the field (an ARIA combobox: arrows, Enter,
// Escape, a tap). The server finds countries the same way (app/core/countries.py).
//
//   const picker = countryPicker(input, list, countries);   countries: [{code, name, also}]
//   picker.code()    the country the field names now (picked, typed in full, or the only match), or null
import { el } from "./items.js";

const SHOWN = 8; // matches offered at once: a phone's screen above its keyboard

// As the server folds names (countries.fold): lower case, no accents, punctuation as spaces.
export function foldName(text) {
  return String(text ?? "")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

// The countries whose names start with what was typed (a name, or one of its words) or hold it,
// best first: [{country, alias}], alias being the other name that matched, if not the reader's.
export function matches(countries, typed) {
  const query = foldName(typed);
  if (!query) return [];
  const found = [];
  for (const country of countries) {
    let best = null;
    for (const name of [country.name, ...country.also]) {
      const folded = foldName(name);
      const rank = folded === query ? 0 : folded.startsWith(query) ? 1 : ` ${folded}`.includes(` ${query}`) ? 2 : folded.includes(query) ? 3 : null;
      if (rank !== null && (!best || rank < best.rank)) best = { rank, alias: name === country.name ? null : name };
    }
    if (best) found.push({ country, alias: best.alias, rank: best.rank });
  }
  return found.sort((a, b) => a.rank - b.rank || a.country.name.localeCompare(b.country.name));
}

export function countryPicker(input, list, countries) {
  let shown = [];
  let active = -1;
  let picked = null; // {code, name} the person chose from the list

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", list.children[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function pick(country) {
    picked = country;
    input.value = country.name;
    close();
    input.dispatchEvent(new Event("input", { bubbles: true })); // the draft keeps the name
  }

  function open() {
    shown = matches(countries, input.value).slice(0, SHOWN);
    list.replaceChildren(...shown.map(({ country, alias }, i) => {
      const li = el("li", "country-option", country.name);
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      if (alias) li.append(" ", el("span", "muted small", alias)); // why it matched ("Giappone")
      // On mousedown, not click: the field keeps its focus (and the phone its keyboard).
      li.addEventListener("mousedown", (e) => e.preventDefault());
      li.addEventListener("click", () => pick(country));
      return li;
    }));
    const exact = shown.length && shown[0].rank === 0 && shown.length === 1;
    list.hidden = !shown.length || exact;
    input.setAttribute("aria-expanded", String(!list.hidden));
    highlight(-1);
  }

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  input.addEventListener("input", () => {
    if (picked && picked.name === input.value) return; // the name just picked
    picked = null;
    open();
  });
  input.addEventListener("focus", () => input.value && open());
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (e) => {
    if (list.hidden && e.key === "ArrowDown" && input.value) return open();
    if (list.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : shown.length - 1;
      highlight(active < 0 && step !== 1 ? shown.length - 1 : (active + step) % shown.length);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault(); // picks the country, does not send the form
      pick(shown[active].country);
    } else if (e.key === "Escape") {
      close();
    }
  });

  return {
    code() {
      if (picked && picked.name === input.value) return picked.code;
      const found = matches(countries, input.value);
      const exact = found.filter((m) => m.rank === 0);
      if (exact.length === 1) return exact[0].country.code;
      return found.length === 1 ? found[0].country.code : null;
    },
    close,
  };
}
