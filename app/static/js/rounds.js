// The cockpit's Rounds panel: a form to open a round, the open round with its live count and
// results, its controls (close, reveal, change limits, run again), and the past rounds, one at a
// time or two side by side (a round and its rerun).
//
//   const rounds = mountRounds(root, live, t, command);   rounds.render(state) from onChange
import { countryName, el } from "./items.js";
import { methodName, optionLabel, renderResults, roundsOf, votedText } from "./round_results.js";

export function mountRounds(root, live, t, command) {
  const $ = (selector) => root.querySelector(selector);
  const form = $("[data-round-form]");
  const formError = $("[data-round-form-error]");
  const openBox = $("[data-round-open]");
  const list = $("[data-round-list]");
  const detail = $("[data-round-detail]");
  const itemsBox = $("[data-target-items]");
  const themeSelect = $("[data-round-theme]");
  const criteriaList = $("[data-criteria]");
  const writtenList = $("[data-written]");
  const writtenHint = $("[data-written-hint]");
  const title = form.elements.title;
  let titleTyped = false;
  let viewing = []; // ids of the past rounds shown in the detail area (one, or two side by side)
  const chosen = new Map(); // item id -> ticked, kept across re-renders
  const limitForms = new Map(); // round id -> its Change limits form (kept while typing)
  let sigs = {};

  // A command on a round; its ack carries the round as it now is, which this screen shows at
  // once (the room's round_changed may come a moment later).
  const roundError = $("[data-round-error]");
  async function act(event, payload) {
    roundError.hidden = true;
    const ack = await command(event, payload);
    // Shown here too: the cockpit's own error line sits in the side panel, out of sight.
    roundError.textContent = ack.ok ? "" : ack.error || t.error;
    roundError.hidden = ack.ok;
    if (ack.ok && ack.round && (!live.state.rounds.get(ack.round.id) || ack.v >= live.state.v)) {
      live.state.rounds.set(ack.round.id, ack.round);
    }
    render(live.state);
    return ack;
  }

  // --- the form ----------------------------------------------------------------------

  const method = () => form.elements.method.value;
  const target = () => form.elements.target.value;

  function showError(message, field) {
    formError.textContent = message || "";
    formError.hidden = !message;
    for (const node of form.querySelectorAll(".has-error")) node.classList.remove("has-error");
    if (field) form.querySelector(`[data-field="${field}"]`)?.classList.add("has-error");
  }

  title.addEventListener("input", () => (titleTyped = Boolean(title.value)));

  function syncForm() {
    const m = method();
    if (!titleTyped) title.value = methodName({ method: m }, t);
    if (m === "scores" && target() !== "markets" && target() !== "items") form.elements.target.value = "markets";
    for (const node of form.querySelectorAll("[data-for-method]")) {
      node.hidden = !node.dataset.forMethod.split(" ").includes(m);
    }
    for (const node of form.querySelectorAll("[data-for-target]")) {
      node.hidden = node.dataset.forTarget !== target();
    }
    const only = target() === "choices";
    writtenHint.textContent = only ? writtenHint.dataset.only : writtenHint.dataset.any;
    // A poll's choices are all written here: room for two from the start.
    while (only && writtenList.children.length < 2) addWritten();
  }
  form.addEventListener("change", (e) => {
    if (e.target.name === "method" && e.target.value === "scores") form.elements.target.value = "markets";
    syncForm();
  });

  function criterionRow(name, weight) {
    const li = el("li", "criterion");
    const nameInput = el("input");
    nameInput.type = "text";
    nameInput.maxLength = 80;
    nameInput.value = name;
    nameInput.dataset.criterionName = "";
    nameInput.setAttribute("aria-label", t.criterion_name);
    const weightInput = el("input");
    weightInput.type = "number";
    weightInput.min = "0";
    weightInput.max = "100";
    weightInput.step = "0.5";
    weightInput.value = String(weight);
    weightInput.dataset.criterionWeight = "";
    weightInput.setAttribute("aria-label", t.criterion_weight.replace("{name}", name));
    const remove = el("button", "button small", t.remove);
    remove.type = "button";
    remove.setAttribute("aria-label", t.remove_criterion.replace("{name}", name));
    remove.addEventListener("click", () => li.remove());
    const weightLabel = el("label", "weight");
    weightLabel.append(el("span", "small muted", t.weight), weightInput);
    li.append(nameInput, weightLabel, remove);
    return li;
  }
  // The joint strategy's criteria, named in the workshop's language (the room reads them).
  const defaults = JSON.parse(criteriaList.dataset.defaults || "[]");
  criteriaList.replaceChildren(...defaults.map((c) => criterionRow(c.name, c.weight)));

  // Choices the facilitator writes: a quick poll's options, or more choices for any round. Enter
  // goes on to the next choice (a new one after the last) instead of opening the round.
  function writtenRow(text) {
    const li = el("li", "criterion written-choice");
    const input = el("input");
    input.type = "text";
    input.maxLength = 200;
    input.value = text;
    input.dataset.writtenChoice = "";
    input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      const next = li.nextElementSibling || addWritten();
      next.querySelector("input").focus();
    });
    const remove = el("button", "button small", t.remove);
    remove.type = "button";
    remove.addEventListener("click", () => {
      li.remove();
      numberWritten();
    });
    li.append(input, remove);
    return li;
  }
  function addWritten() {
    const row = writtenList.appendChild(writtenRow(""));
    numberWritten();
    return row;
  }
  // "Choice 2", "Remove choice 2": each row named by its place, renumbered as rows come and go.
  function numberWritten() {
    [...writtenList.children].forEach((li, i) => {
      li.querySelector("input").setAttribute("aria-label", t.choice_n.replace("{n}", String(i + 1)));
      li.querySelector("button").setAttribute("aria-label", t.remove_choice.replace("{n}", String(i + 1)));
    });
  }
  $("[data-written-add]").addEventListener("click", () => addWritten().querySelector("input").focus());
  // A workshop that takes no proposals (a quick poll) votes on choices written here.
  let targetChosen = false;
  form.addEventListener("change", (e) => e.target.name === "target" && (targetChosen = true));
  $("[data-criterion-add]").addEventListener("click", () => {
    const row = criterionRow("", 1);
    criteriaList.append(row);
    row.querySelector("input").focus();
  });

  for (const [selector, on] of [["[data-items-all]", true], ["[data-items-none]", false]]) {
    $(selector).addEventListener("click", () => {
      for (const box of itemsBox.querySelectorAll("input[type=checkbox]")) {
        box.checked = on;
        chosen.set(Number(box.value), on);
      }
    });
  }
  itemsBox.addEventListener("change", (e) => chosen.set(Number(e.target.value), e.target.checked));

  function renderChoices(state) {
    const items = [...state.items.values()].filter((i) => i.state !== "hidden").sort((a, b) => a.id - b.id);
    const sig = JSON.stringify(items.map((i) => [i.id, i.text, i.kind, i.country]));
    if (sigs.items !== sig) {
      sigs.items = sig;
      const rows = items.map((item) => {
        const label = el("label", "check choice");
        const box = el("input");
        box.type = "checkbox";
        box.value = String(item.id);
        box.checked = chosen.get(item.id) ?? true;
        chosen.set(item.id, box.checked);
        const text = el("span", "choice-text");
        if (item.country) text.append(el("strong", "", `${countryName(item.country)} — `));
        text.append(item.text);
        label.append(box, text);
        return label;
      });
      const box = itemsBox.querySelector("[data-choice-list]");
      box.replaceChildren(...(rows.length ? rows : [el("p", "muted", t.none_staff)]));
    }
    const themeSig = JSON.stringify(state.themes.map((th) => [th.id, th.name]));
    if (sigs.themes !== themeSig) {
      sigs.themes = themeSig;
      const kept = themeSelect.value;
      themeSelect.replaceChildren(...state.themes.map((th) => {
        const option = el("option", "", th.name);
        option.value = String(th.id);
        return option;
      }));
      if (kept) themeSelect.value = kept;
    }
  }

  function settings() {
    const f = form.elements;
    const data = {
      title: f.title.value.trim(),
      method: method(),
      target: target(),
      results_hidden: f.results_hidden.checked,
      anonymous: f.anonymous.checked,
      shuffle: f.shuffle.checked,
    };
    if (data.target === "items") {
      data.item_ids = [...itemsBox.querySelectorAll("input:checked")].map((b) => Number(b.value));
    }
    if (data.target === "theme") data.theme_id = Number(themeSelect.value) || null;
    const written = [...writtenList.querySelectorAll("[data-written-choice]")].map((i) => i.value.trim()).filter(Boolean);
    if (written.length || data.target === "choices") data.choices = written;
    if (data.method === "dots") {
      data.budget = Number.parseInt(f.budget.value, 10);
      data.cap = Number.parseInt(f.cap.value, 10);
      data.allow_own = f.allow_own.checked;
    }
    if (data.method === "ranking") {
      data.top_n = f.top_n.value ? Number.parseInt(f.top_n.value, 10) : null;
    }
    if (data.method === "scores") {
      data.criteria = [...criteriaList.children].map((li) => ({
        name: li.querySelector("[data-criterion-name]").value.trim(),
        weight: Number(li.querySelector("[data-criterion-weight]").value),
      }));
    }
    return data;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError("");
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    const ack = await live.send("open_round", settings());
    submit.disabled = false;
    if (!ack.ok) return showError(ack.error || t.error, ack.field);
    titleTyped = false;
    title.value = "";
    writtenList.replaceChildren();
    syncForm();
    live.state.rounds.set(ack.round.id, ack.round);
    render(live.state);
  });

  // --- one round: its count, results and controls --------------------------------------

  function button(label, cls, onClick, data) {
    const b = el("button", `button small ${cls}`, label);
    b.type = "button";
    if (data) b.dataset[data] = "";
    b.addEventListener("click", onClick);
    return b;
  }

  function summary(round) {
    const parts = [];
    if (round.method === "dots") {
      parts.push(t.limits_text.replace("{budget}", round.budget).replace("{cap}", round.cap));
      if (!round.allow_own) parts.push(t.no_own);
    }
    if (round.method === "ranking" && round.top_n) parts.push(t.top_n_text.replace("{n}", round.top_n));
    if (round.method === "scores") parts.push(round.criteria.map((c) => `${c.name} ×${c.weight}`).join(" · "));
    parts.push(round.results_hidden ? t.results_hidden_note : t.results_shown_note);
    if (round.anonymous) parts.push(t.anonymous_note);
    return parts.join(" · ");
  }

  function limitsForm(round) {
    if (limitForms.has(round.id)) return limitForms.get(round.id);
    const f = el("form", "limits-form");
    f.dataset.limitsForm = "";
    f.hidden = true;
    const field = (name, label, value) => {
      const l = el("label", "", label);
      const input = el("input");
      input.type = "number";
      input.min = "1";
      input.max = "100";
      input.name = name;
      input.value = String(value);
      l.append(input);
      return l;
    };
    const apply = el("button", "button small primary", t.apply);
    apply.type = "submit";
    const cancel = button(t.cancel, "", () => (f.hidden = true));
    f.append(field("budget", t.budget, round.budget), field("cap", t.cap, round.cap), apply, cancel);
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const budget = Number.parseInt(f.elements.budget.value, 10);
      const cap = Number.parseInt(f.elements.cap.value, 10);
      const message = t.confirm_limits.replace("{budget}", budget).replace("{cap}", cap);
      if (!confirm(message)) return;
      const ack = await act("set_limits", { round_id: round.id, budget, cap });
      if (ack.ok) f.hidden = true;
    });
    limitForms.set(round.id, f);
    return f;
  }

  function controls(round) {
    const bar = el("div", "round-actions");
    if (round.status === "open") {
      bar.append(button(t.close_round, "danger", () => {
        if (!confirm(t.confirm_close.replace("{title}", round.title))) return;
        // The closed round stays in view below, with its results and "Run again".
        act("close_round", { round_id: round.id }).then((ack) => ack.ok && show([round.id]));
      }, "closeRound"));
    }
    const hidden = round.results_hidden;
    bar.append(button(hidden ? t.reveal_results : t.hide_results, hidden ? "primary" : "", () =>
      act("reveal_results", { round_id: round.id, revealed: hidden }), "revealResults"));
    if (round.method === "dots" && round.status === "open") {
      bar.append(button(t.change_limits, "", () => {
        const f = limitsForm(round);
        f.elements.budget.value = String(round.budget);
        f.elements.cap.value = String(round.cap);
        f.hidden = false;
        f.elements.budget.focus();
      }, "changeLimits"));
    }
    if (round.status !== "open") bar.append(button(t.run_again, "", () => rerun(round), "rerun"));
    return bar;
  }

  async function rerun(round) {
    await act("rerun_round", { round_id: round.id });
  }

  function roundCard(round, state, { big = false } = {}) {
    const tally = state.tallies?.get(round.id);
    const card = el("article", `round-card is-${round.status}${big ? " is-current" : ""}`);
    card.dataset.roundId = String(round.id);
    const head = el("header", "round-head");
    const titles = el("div");
    titles.append(
      el("p", "eyebrow", `${t.round_n.replace("{n}", round.number)} · ${methodName(round, t)}`),
      el("h3", "round-title", round.title),
    );
    const status = el("span", `tag status-${round.status}`, round.status === "open" ? t.status_open : t.status_closed);
    head.append(titles, status);
    const count = el("p", "round-count", votedText(tally, t));
    count.dataset.roundCount = "";
    card.append(head, count, el("p", "muted small round-summary", summary(round)), controls(round));
    // Only this screen (staff) receives the choices moderation took out, marked: name them.
    const out = round.options.filter((o) => o.removed);
    if (out.length) {
      const note = el("p", "muted small round-taken-out", t.taken_out.replace("{labels}", out.map((o) => optionLabel(o)).join(" · ")));
      note.dataset.roundTakenOut = "";
      card.append(note);
    }
    if (round.method === "dots" && round.status === "open") card.append(limitsForm(round));
    card.append(renderResults(round, tally, t, { width: big ? 1300 : 640 }));
    return card;
  }

  // --- past rounds -------------------------------------------------------------------

  function pastRow(round, all, state) {
    const li = el("li", "round-row");
    li.dataset.roundId = String(round.id);
    const tally = state.tallies?.get(round.id);
    const text = el("div", "round-row-text");
    text.append(
      el("strong", "", `${round.number}. ${round.title}`),
      el("span", "muted small", ` ${methodName(round, t)} · ${round.status === "open" ? t.status_open : t.status_closed} · ${votedText(tally, t)}`),
    );
    const bar = el("div", "row-actions");
    bar.append(button(t.view, "", () => show([round.id]), "viewRound"));
    if (round.status !== "open") bar.append(button(t.run_again, "", () => rerun(round), "rerun"));
    const partner = round.rerun_of ? all.find((r) => r.id === round.rerun_of) : all.find((r) => r.rerun_of === round.id);
    if (partner) {
      const ids = round.rerun_of ? [partner.id, round.id] : [round.id, partner.id];
      bar.append(button(t.compare_with.replace("{n}", partner.number), "", () => show(ids), "compareRound"));
    }
    li.append(text, bar);
    return li;
  }

  function show(ids) {
    viewing = ids;
    render(live.state);
    detail.scrollIntoView({ block: "nearest" });
  }

  function renderDetail(state) {
    const rounds = viewing.map((id) => state.rounds.get(id)).filter(Boolean);
    detail.hidden = !rounds.length;
    if (!rounds.length) return detail.replaceChildren();
    const sig = JSON.stringify(rounds.map((r) => [r, state.tallies.get(r.id)]));
    if (sigs.detail === sig) return;
    sigs.detail = sig;
    const head = el("div", "detail-head");
    head.append(
      el("h3", "", rounds.length > 1 ? t.compare_title : t.round_detail),
      button(t.close, "", () => show([]), "closeDetail"),
    );
    const grid = el("div", `round-compare cols-${rounds.length}`);
    grid.append(...rounds.map((r) => roundCard(r, state)));
    detail.replaceChildren(head, grid);
  }

  // What the join page promised covers the rounds: an anonymous workshop's rounds are anonymous.
  function syncAnonymous(workshop) {
    const promised = Boolean(workshop.anonymous);
    if (promised) form.elements.anonymous.checked = true;
    form.elements.anonymous.disabled = promised;
    $("[data-round-anonymous-note]").hidden = !promised;
  }

  function render(state) {
    if (!state.workshop || !state.rounds) return;
    if (!targetChosen && !state.workshop.phases.includes("propose") && !state.items.size) {
      form.elements.target.value = "choices";
    }
    const all = roundsOf(state);
    const open = all.find((r) => r.status === "open");
    syncAnonymous(state.workshop);
    form.hidden = Boolean(open);
    $("[data-round-busy]").hidden = !open;
    renderChoices(state);
    syncForm();
    const openSig = JSON.stringify(open ? [open, state.tallies.get(open.id)] : null);
    if (sigs.open !== openSig) {
      sigs.open = openSig;
      openBox.hidden = !open;
      openBox.replaceChildren(...(open ? [roundCard(open, state, { big: true })] : []));
    }
    const past = all.filter((r) => r !== open).reverse();
    $("[data-round-past]").hidden = !past.length;
    const listSig = JSON.stringify(past.map((r) => [r, state.tallies.get(r.id)?.voted, state.tallies.get(r.id)?.eligible]));
    if (sigs.list !== listSig) {
      sigs.list = listSig;
      list.replaceChildren(...past.map((r) => pastRow(r, all, state)));
    }
    renderDetail(state);
  }

  return { render };
}
