"use strict";
// The curator's review: accept, reject or defer each finding and each fix, with a note, kept in this browser
// (localStorage, under the dashboard's id, so decisions survive closing the page and rebuilding the report
// into the same folder) and exported as the decisions file `siqa apply --decisions`, `siqa report --decisions`
// and `siqa gate --decisions` read (siqa/decisions.py). Decisions read back at build time (assets/decisions.js)
// show as made until changed here.
// A block of the page names what it decides on: `data-finding="<finding key>" data-code="<rule>"`, or
// `data-fix="<fix id>"`; its buttons go into its first `.decision` slot.
// The review queue: opening a finding from a list keeps that list (as sorted and filtered) in this tab
// (sessionStorage); j/k go to the next and previous finding in it, a/r/d decide on the current one.

self.siqaReview = (() => {
  const root = document.documentElement;
  const prefix = `siqa:${root.dataset.dashboard || "dashboard"}:`;
  const home = new URL(root.dataset.base || "", location.href).href;
  const VERDICTS = [["accept", "a"], ["reject", "r"], ["defer", "d"]];
  const QUEUE_WINDOW = 1000; // findings kept before and after the one opened

  function read(storage, name, fallback) {
    try { return JSON.parse(storage.getItem(prefix + name)) ?? fallback; } catch { return fallback; }
  }
  function write(storage, name, value) { storage.setItem(prefix + name, JSON.stringify(value)); }

  const seed = {};
  for (const d of (self.siqaSeed && self.siqaSeed.decisions) || []) seed[`${d.kind}:${d.key}`] = d;

  function all() { return {...seed, ...read(localStorage, "decisions", {})}; }
  function decisionOf(kind, key) { const d = all()[`${kind}:${key}`]; return d ? d.decision : ""; }

  function decide(kind, key, code, decision, note) {
    const saved = read(localStorage, "decisions", {});
    const previous = all()[`${kind}:${key}`] || {};
    saved[`${kind}:${key}`] = {kind, key, code, decision, note: note ?? previous.note ?? "",
      decided_at: new Date().toISOString()};
    write(localStorage, "decisions", saved);
    refresh();
  }

  // The file siqa reads: the latest decision per finding and fix; "" (withdrawn) is left out.
  function exportDecisions() {
    const decisions = Object.values(all()).filter((d) => d.decision)
      .map(({kind, key, code, decision, note, decided_at}) => ({kind, key, code: code || "", decision,
        note: note || "", decided_at: decided_at || ""}))
      .sort((a, b) => (a.kind + a.key < b.kind + b.key ? -1 : 1));
    return JSON.stringify({schema_version: 1, decisions}, null, 1);
  }

  function download() {
    const url = URL.createObjectURL(new Blob([exportDecisions()], {type: "application/json"}));
    const link = Object.assign(document.createElement("a"), {href: url, download: "decisions.json"});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function subject(block) {
    return block.dataset.finding !== undefined ? ["finding", block.dataset.finding]
      : ["fix", block.dataset.fix];
  }

  function slotOf(block) {
    return Array.from(block.querySelectorAll(".decision"))
      .find((slot) => slot.closest("[data-finding], [data-fix]") === block);
  }

  // Buttons and a note into each block's slot under `scope` (the page, or rows a list just drew).
  function fill(scope = document) {
    for (const block of scope.querySelectorAll("[data-finding], [data-fix]")) {
      const slot = slotOf(block);
      if (!slot || slot.dataset.filled) continue;
      slot.dataset.filled = "1";
      const [kind, key] = subject(block);
      const code = block.dataset.code || (block.closest("[data-code]") || {dataset: {}}).dataset.code || "";
      for (const [verdict, shortcut] of VERDICTS) {
        const button = Object.assign(document.createElement("button"), {type: "button", textContent: verdict,
          className: `verdict verdict-${verdict}`, title: `${verdict} this ${kind} (${shortcut})`});
        button.dataset.verdict = verdict;
        button.addEventListener("click", () => decide(kind, key, code,
          decisionOf(kind, key) === verdict ? "" : verdict, slot.querySelector("input").value));
        slot.append(button);
      }
      const note = Object.assign(document.createElement("input"), {type: "text", placeholder: "note",
        className: "note-input"});
      note.setAttribute("aria-label", `note on this ${kind}`);
      note.value = (all()[`${kind}:${key}`] || {}).note || "";
      note.addEventListener("change", () => decide(kind, key, code, decisionOf(kind, key), note.value));
      slot.append(note);
    }
    refresh(scope);
  }

  function refresh(scope = document) {
    for (const block of scope.querySelectorAll("[data-finding], [data-fix]")) {
      const slot = slotOf(block);
      if (!slot) continue;
      const made = decisionOf(...subject(block));
      for (const verdict of ["accept", "reject", "defer"]) block.classList.toggle(`decided-${verdict}`, made === verdict);
      for (const button of slot.querySelectorAll("button")) {
        button.setAttribute("aria-pressed", String(button.dataset.verdict === made));
      }
    }
    const bar = document.getElementById("review-count");
    if (bar) bar.textContent = `${Object.values(all()).filter((d) => d.decision).length} decisions`;
  }

  // The queue ----------------------------------------------------------------------------------------------
  function here() { return location.href.split("#")[0].slice(home.length); }

  function setQueue(items, index) {
    const start = Math.max(0, index - QUEUE_WINDOW);
    write(sessionStorage, "queue", {items: items.slice(start, index + QUEUE_WINDOW + 1), at: index - start,
      offset: start, total: items.length, list: location.href.slice(home.length)});
  }

  function queue() {
    const stored = read(sessionStorage, "queue", null);
    if (!stored || !stored.items.length) return null;
    const page = here(), hash = location.hash;
    const at = stored.items[stored.at] && stored.items[stored.at].h.split("#")[0] === page ? stored.at
      : stored.items.findIndex((item) => item.h === page + hash || item.h.split("#")[0] === page);
    return at < 0 ? null : {...stored, at};
  }

  function go(step) {
    const q = queue();
    if (!q) return;
    const at = q.at + step;
    if (at < 0 || at >= q.items.length) return;
    write(sessionStorage, "queue", {...q, at});
    const target = new URL(q.items[at].h, home).href;
    if (target.split("#")[0] === location.href.split("#")[0]) {
      location.hash = new URL(target).hash;
      showQueue();
    } else {
      location.href = target;
    }
  }

  // What a/r/d decide on: the selected row of a list, else the queue's current finding, else the one the
  // address points at, else the page's only one.
  function current() {
    const selected = document.querySelector("tr.selected[data-finding]");
    if (selected) return selected;
    const q = queue();
    if (q) {
      const found = document.querySelector(`[data-finding="${CSS.escape(q.items[q.at].k)}"]`);
      if (found) return found;
    }
    const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) return target.closest("[data-finding]") || target.querySelector("[data-finding]");
    const blocks = document.querySelectorAll("[data-finding]");
    return blocks.length === 1 ? blocks[0] : null;
  }

  function select(step) {
    const rows = Array.from(document.querySelectorAll("tbody tr[data-finding]")).filter((r) => !r.hidden);
    if (!rows.length) return false;
    const now = rows.findIndex((r) => r.classList.contains("selected"));
    const next = Math.min(Math.max(now < 0 ? 0 : now + step, 0), rows.length - 1);
    rows.forEach((r) => r.classList.remove("selected"));
    rows[next].classList.add("selected");
    rows[next].scrollIntoView({block: "nearest"});
    return true;
  }

  function showQueue() {
    const nav = document.getElementById("review-queue");
    const q = queue();
    nav.replaceChildren();
    if (!q) return;
    const link = (label, step, key) => {
      const a = Object.assign(document.createElement("a"), {href: "#", textContent: label,
        title: `${label.trim()} (${key})`});
      a.addEventListener("click", (event) => { event.preventDefault(); go(step); });
      return a;
    };
    const back = Object.assign(document.createElement("a"), {href: new URL(q.list, home).href, textContent: "list"});
    nav.append(q.at > 0 ? link("‹ previous", -1, "k") : "", ` ${q.offset + q.at + 1} of ${q.total} `,
      q.at < q.items.length - 1 ? link("next ›", 1, "j") : "", " · ", back);
    current()?.scrollIntoView({block: "start"});
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest("input, select, textarea")) return;
    const step = {j: 1, k: -1}[event.key];
    if (step) {
      if (!queue() && select(step)) return;
      go(step);
    } else if (event.key === "Enter" && document.querySelector("tr.selected a.unit-link")) {
      document.querySelector("tr.selected a.unit-link").click();
    } else {
      const verdict = VERDICTS.find(([, key]) => key === event.key);
      const block = verdict && current();
      if (!block) return;
      decide("finding", block.dataset.finding, block.dataset.code || "", verdict[0],
        (all()[`finding:${block.dataset.finding}`] || {}).note);
    }
  });

  // A click on a unit in a pre-rendered list makes its visible rows the queue.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("#finding-list a.unit-link");
    if (!link) return;
    const rows = Array.from(document.querySelectorAll("#finding-list tbody tr")).filter((r) => !r.hidden)
      .filter((r) => r.querySelector("a.unit-link"));
    const items = rows.map((r) => ({h: new URL(r.querySelector("a.unit-link").href).href.slice(home.length),
      k: r.dataset.finding}));
    setQueue(items, rows.indexOf(link.closest("tr")));
  });

  document.addEventListener("DOMContentLoaded", () => {
    const bar = document.getElementById("review-bar");
    const count = Object.assign(document.createElement("span"), {id: "review-count"});
    const button = Object.assign(document.createElement("button"), {type: "button", id: "export-decisions",
      textContent: "export decisions", title: "download decisions.json, for siqa apply/report/gate --decisions"});
    button.addEventListener("click", download);
    const nav = Object.assign(document.createElement("nav"), {id: "review-queue"});
    nav.setAttribute("aria-label", "review queue");
    bar.append(nav, count, button);
    fill();
    showQueue();
    addEventListener("hashchange", showQueue);
  });

  return {decisionOf, decide, exportDecisions, download, fill, setQueue};
})();
