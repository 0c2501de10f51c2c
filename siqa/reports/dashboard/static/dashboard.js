"use strict";
// The dashboard's only script: draws the plots (plotly.js, local), and sorts and filters tables in the page.
// Everything the data says arrives as text (JSON blocks, escaped HTML); nothing here builds HTML from it.

function drawPlots() {
  for (const block of document.querySelectorAll("script[data-plot]")) {
    const spec = JSON.parse(block.textContent);
    Plotly.newPlot(block.dataset.plot, spec.data, spec.layout, {displaylogo: false, responsive: true});
  }
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
      rows.sort((a, b) => {
        const x = cellKey(a, column), y = cellKey(b, column);
        const order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
        return descending ? -order : order;
      });
      body.append(...rows);
    });
  });
}

// Filters: free text, severity and rule; the state lives in the URL fragment so a filtered view can be linked.
function makeFilter(form) {
  const table = document.getElementById(form.dataset.filterFor);
  const rows = Array.from(table.tBodies[0].rows);
  const shown = form.querySelector("output");
  const initial = new URLSearchParams(location.hash.slice(1));
  for (const field of form.elements) {
    if (field.name && initial.has(field.name)) field.value = initial.get(field.name);
  }
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
    const state = new URLSearchParams();
    for (const field of form.elements) if (field.name && field.value) state.set(field.name, field.value);
    history.replaceState(null, "", state.toString() ? `#${state}` : location.pathname);
  }
  form.addEventListener("input", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  apply();
}

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Plotly !== "undefined") drawPlots();
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  document.querySelectorAll("form[data-filter-for]").forEach(makeFilter);
});
