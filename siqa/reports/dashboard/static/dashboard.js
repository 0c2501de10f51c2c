"use strict";
// The dashboard's page script: sorts and filters tables in the page, and pages, sorts and filters the
// release-wide lists and the interaction search over their data files (lists.py documents the rows).
// Everything the data says arrives as text (data files, escaped HTML); nothing here builds HTML from it.

const BASE = document.documentElement.dataset.base || "";
const SEVERITY = ["info", "warning", "error"];
const ROW = {rank: 0, code: 1, site: 2, batch: 3, unit: 4, start: 5, end: 6, confidence: 7, message: 8, href: 9,
  key: 10, fix: 11, reviewed: 12, folded: 13};

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function compare(x, y) {
  if (typeof x === typeof y) return x < y ? -1 : x > y ? 1 : 0;
  return typeof x === "number" ? -1 : 1;
}

// A header click sorts by that column: numbers by `data-value` (or the cell text when it is a number), text
// alphabetically; a second click reverses.
function cellKey(row, column) {
  const cell = row.cells[column];
  const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  const number = Number(raw);
  return raw !== "" && !Number.isNaN(number) ? number : raw.toLowerCase();
}

function makeSortable(table) {
  const body = table.tBodies[0];
  Array.from(table.tHead.rows[0].cells).forEach((header, column) => {
    header.classList.add("sort");
    header.addEventListener("click", () => {
      const descending = header.getAttribute("aria-sort") === "ascending";
      for (const other of table.tHead.rows[0].cells) other.removeAttribute("aria-sort");
      header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const rows = Array.from(body.rows);
      rows.sort((a, b) => (descending ? -1 : 1) * compare(cellKey(a, column), cellKey(b, column)));
      body.append(...rows);
    });
  });
}

// Form state lives in the URL fragment, so a filtered view can be linked (index cells link to them).
function readState(form) {
  const initial = new URLSearchParams(location.hash.slice(1));
  for (const field of form.elements) {
    if (field.name && initial.has(field.name)) field.value = initial.get(field.name);
  }
  return initial;
}

function writeState(form, extra = {}) {
  const state = new URLSearchParams();
  for (const field of form.elements) if (field.name && field.value) state.set(field.name, field.value);
  for (const [name, value] of Object.entries(extra)) if (value !== "" && value !== null) state.set(name, value);
  history.replaceState(null, "", state.toString() ? `#${state}` : location.pathname + location.search);
}

// Filters of a pre-rendered list: free text, severity and rule.
function makeFilter(form) {
  const table = document.getElementById(form.dataset.filterFor);
  const rows = Array.from(table.tBodies[0].rows);
  const shown = form.querySelector("output");
  readState(form);
  function apply() {
    const text = form.elements.q.value.trim().toLowerCase();
    const severity = form.elements.severity.value, code = form.elements.code.value;
    let count = 0;
    for (const row of rows) {
      const visible = (!severity || row.dataset.severity === severity) && (!code || row.dataset.code === code)
        && (!text || row.textContent.toLowerCase().includes(text));
      row.hidden = !visible;
      count += visible ? 1 : 0;
    }
    shown.textContent = `${count} of ${rows.length} shown`;
    writeState(form);
  }
  form.addEventListener("input", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  apply();
}

function fillOptions(select, values) {
  const chosen = select.value;
  for (const value of [...new Set(values)].sort()) select.append(element("option", value, {value}));
  select.value = chosen;
}

function spanText(row) {
  return row[ROW.start] === null ? "" : `${row[ROW.start].toFixed(2)}–${row[ROW.end].toFixed(2)} s`;
}

function listRow(row) {
  const tr = element("tr", null, {"data-finding": row[ROW.key], "data-code": row[ROW.code],
    "data-severity": SEVERITY[row[ROW.rank]]});
  if (row[ROW.reviewed]) tr.classList.add("reviewed");
  const severity = element("td");
  severity.append(element("span", SEVERITY[row[ROW.rank]], {class: `sev sev-${SEVERITY[row[ROW.rank]]}`}));
  const rule = element("td");
  rule.append(element("a", row[ROW.code], {href: `${BASE}rules/${row[ROW.code]}.html`}));
  const unit = element("td", null, {class: "unit"});
  if (row[ROW.href]) unit.append(element("a", row[ROW.unit], {href: BASE + row[ROW.href], class: "unit-link"}));
  else unit.textContent = row[ROW.unit];
  const message = element("td", null, {class: "message"});
  if (row[ROW.reviewed]) message.append(element("span", "reviewed: not a defect", {class: "reviewed-mark"}), " ");
  message.append(row[ROW.message]);
  if (row[ROW.folded]) message.append(" ", element("small", `(+${row[ROW.folded]} caused by it)`));
  const decision = element("td");
  decision.append(element("div", null, {class: "decision"}));
  tr.append(severity, rule, element("td", row[ROW.site]), element("td", row[ROW.batch]), unit,
    element("td", spanText(row), {class: "num"}), element("td", row[ROW.confidence].toFixed(2), {class: "num"}),
    message, decision);
  return tr;
}

function pagerLinks(nav, page, pages, go) {
  nav.replaceChildren();
  if (pages <= 1) return;
  const add = (label, target, rel) => {
    const link = element("a", label, {href: "#", "data-page": target});
    if (rel) link.rel = rel;
    link.addEventListener("click", (event) => { event.preventDefault(); go(target); });
    nav.append(link, " ");
  };
  if (page > 1) add("‹ previous", page - 1, "prev");
  const numbers = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2]);
  let last = 0;
  for (const n of [...numbers].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b)) {
    if (n > last + 1) nav.append("… ");
    if (n === page) nav.append(element("strong", n), " "); else add(String(n), n);
    last = n;
  }
  if (page < pages) add("next ›", page + 1, "next");
}

// A release-wide list: every row of its data files, filtered, sorted and shown a page at a time.
function makeReleaseList(form) {
  const rows = self.siqaRows || [];
  const table = document.getElementById("release-list");
  const pagers = [document.getElementById("list-pager"), document.getElementById("list-pager-bottom")];
  fillOptions(form.elements.site, rows.map((r) => r[ROW.site]));
  fillOptions(form.elements.batch, rows.map((r) => r[ROW.batch]));
  const initial = readState(form);
  let sort = Number(initial.get("sort") || ROW.rank), descending = initial.get("dir") !== "asc";
  let page = Number(initial.get("page") || 1), shown = [];
  const review = self.siqaReview;

  function matches(row, text, fields) {
    if (fields.severity && SEVERITY[row[ROW.rank]] !== fields.severity) return false;
    for (const name of ["code", "site", "batch"]) if (fields[name] && row[ROW[name]] !== fields[name]) return false;
    if (fields.decision) {
      const made = review ? review.decisionOf("finding", row[ROW.key]) : "";
      if ((made || "none") !== fields.decision) return false;
    }
    return !text || `${row[ROW.unit]} ${row[ROW.message]}`.toLowerCase().includes(text);
  }

  function apply(keepPage = false) {
    const fields = Object.fromEntries(Array.from(form.elements).filter((f) => f.name).map((f) => [f.name, f.value]));
    const text = fields.q.trim().toLowerCase();
    shown = rows.filter((row) => matches(row, text, fields));
    shown.sort((a, b) => (descending ? -1 : 1) * compare(a[sort], b[sort])
      || compare(a[ROW.unit], b[ROW.unit]) || compare(a[ROW.start], b[ROW.start]));
    const size = Number(fields.size) || 100, pages = Math.max(1, Math.ceil(shown.length / size));
    if (!keepPage) page = 1;
    page = Math.min(Math.max(page, 1), pages);
    table.tBodies[0].replaceChildren(...shown.slice((page - 1) * size, page * size).map(listRow));
    if (review) review.fill(table.tBodies[0]);
    for (const header of table.tHead.rows[0].cells) {
      header.removeAttribute("aria-sort");
      if (header.dataset.sort !== undefined && Number(header.dataset.sort) === sort) {
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      }
    }
    form.querySelector("output").textContent = `${shown.length} of ${rows.length} shown` +
      (pages > 1 ? `; page ${page} of ${pages}` : "");
    for (const nav of pagers) pagerLinks(nav, page, pages, (n) => { page = n; apply(true); });
    writeState(form, {sort: sort === ROW.rank ? "" : sort, dir: descending ? "" : "asc", page: page > 1 ? page : ""});
  }

  for (const header of table.tHead.rows[0].cells) {
    if (header.dataset.sort === undefined) continue;
    header.addEventListener("click", () => {
      const column = Number(header.dataset.sort);
      descending = column === sort ? !descending : false;
      sort = column;
      apply();
    });
  }
  table.addEventListener("click", (event) => {
    const link = event.target.closest("a.unit-link");
    if (!link || !review) return;
    const index = shown.findIndex((row) => row[ROW.key] === link.closest("tr").dataset.finding);
    review.setQueue(shown.map((row) => ({h: row[ROW.href], k: row[ROW.key]})), index);
  });
  form.addEventListener("input", () => apply());
  form.addEventListener("submit", (event) => event.preventDefault());
  apply(true);
}

// The interaction search: key, file id or participant, over every interaction the report knows.
function makeSearch(form) {
  const rows = self.siqaInteractions || [];
  const body = document.querySelector("#search-results tbody");
  const query = new URLSearchParams(location.search).get("find");
  readState(form);
  if (query) form.elements.q.value = query;
  let found = [];
  function apply() {
    const text = form.elements.q.value.trim().toLowerCase(), state = form.elements.state.value;
    found = rows.filter((r) => (!state || (state === "clean") === (r[5] < 0)) && (!text
      || r[0].toLowerCase().includes(text) || r[3].toLowerCase().split(" ").some((p) =>
        p.includes(text) || `${r[0]}_${p}`.toLowerCase().includes(text))));
    body.replaceChildren(...found.slice(0, 500).map((r) => {
      const tr = element("tr"), key = element("td", null, {class: "unit"});
      key.append(element("a", r[0], {href: BASE + r[6], class: "unit-link"}));
      const findings = element("td", r[4] ? String(r[4]) : "clean", {class: "num"});
      if (r[5] >= 0) findings.prepend(element("span", SEVERITY[r[5]], {class: `sev sev-${SEVERITY[r[5]]}`}), " ");
      tr.append(key, element("td", r[1]), element("td", r[2]), element("td", r[3]), findings);
      return tr;
    }));
    form.querySelector("output").textContent = `${found.length} of ${rows.length}` +
      (found.length > 500 ? " (the first 500 shown)" : "");
    writeState(form);
  }
  document.getElementById("spot-check").addEventListener("click", () => {
    if (found.length) location.href = BASE + found[Math.floor(Math.random() * found.length)][6];
  });
  form.addEventListener("input", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  apply();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  document.querySelectorAll("form[data-filter-for]").forEach(makeFilter);
  const list = document.getElementById("list-filters");
  if (list) makeReleaseList(list);
  const search = document.getElementById("search-form");
  if (search) makeSearch(search);
});
