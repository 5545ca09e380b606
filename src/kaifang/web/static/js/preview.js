// The dataset preview grid: reads the rows API, filters, sorts and pages, and keeps the query
// in the page URL so a filtered view can be shared. Every value is written with textContent.
(function () {
  "use strict";
  const root = document.querySelector("[data-preview]");
  if (!root) return;
  const PAGE_SIZE = 20;
  const OWN_PARAMS = ["_sort", "_sort_desc", "_search"];
  const form = root.querySelector("[data-filter-form]");
  const table = root.querySelector("[data-preview-table]");
  const status = root.querySelector("[data-preview-status]");
  const chips = root.querySelector("[data-filter-chips]");
  const pager = root.querySelector("[data-pager]");
  const prevButton = pager.querySelector("[data-prev]");
  const nextButton = pager.querySelector("[data-next]");
  const pageLabel = pager.querySelector("[data-page-label]");
  const opLabels = {};
  form.querySelectorAll("select[name=op] option").forEach(function (o) { opLabels[o.value] = o.textContent; });
  const labels = window.kaifang.columnLabels();
  let cursors = [null];
  let page = 0;
  let request = 0;

  function msg(key, n) { return (root.dataset["msg" + key] || "").replace("{n}", n); }

  // The data query lives in the page URL; paging, size and language do not.
  function query() {
    const params = new URLSearchParams(location.search);
    ["lang", "_next", "_size", "_extra"].forEach(function (k) { params.delete(k); });
    return params;
  }

  function setQuery(params) {
    const text = params.toString();
    history.replaceState(history.state, "", location.pathname + (text ? "?" + text : "") + location.hash);
    cursors = [null];
    page = 0;
    refresh();
    document.dispatchEvent(new CustomEvent("kf:filters", { detail: { query: text } }));
  }

  function refresh() { load(); renderChips(); updateLinks(); }

  function withQuery(href, extra) {
    const url = new URL(href, location.origin);
    query().forEach(function (v, k) { url.searchParams.append(k, v); });
    Object.keys(extra || {}).forEach(function (k) { url.searchParams.set(k, extra[k]); });
    return url;
  }

  function updateLinks() {
    const api = withQuery(root.dataset.rowsUrl, { _size: PAGE_SIZE });
    const link = root.querySelector("[data-api-link]");
    link.href = api.pathname + api.search;
    root.querySelector("[data-api-url]").textContent = root.dataset.origin + api.pathname + api.search;
    document.querySelectorAll("a[data-download]").forEach(function (a) {
      const url = withQuery(a.dataset.download);
      a.href = url.pathname + url.search;
    });
  }

  async function load() {
    const mine = ++request;
    status.textContent = msg("Loading");
    const params = query();
    params.set("_size", PAGE_SIZE);
    params.set("_extra", "count");
    if (cursors[page]) params.set("_next", cursors[page]);
    try {
      const response = await fetch(root.dataset.rowsUrl + "?" + params, { headers: { accept: "application/json" } });
      const data = await response.json().catch(function () { return null; });
      if (mine !== request) return;
      if (!response.ok || !data) { showError(data); return; }
      render(data);
    } catch (e) {
      if (mine === request) showError(null);
    }
  }

  function showError(data) {
    const detail = data && data.error && data.error.message;
    status.textContent = detail ? msg("Error") + " (" + detail + ")" : msg("Error");
    table.tBodies[0].replaceChildren();
    pager.hidden = true;
  }

  function columnNames(data) {
    if (data.columns && data.columns.length) {
      return data.columns.map(function (c) { return typeof c === "string" ? c : c.name; });
    }
    return data.rows.length ? Object.keys(data.rows[0]) : Object.keys(labels);
  }

  function render(data) {
    const names = columnNames(data);
    renderHead(names);
    renderBody(names, data.rows || []);
    cursors[page + 1] = data.next || null;
    if (!data.rows || !data.rows.length) status.textContent = msg("Empty");
    else status.textContent = typeof data.count === "number" ? msg("Count", data.count.toLocaleString()) : "";
    pager.hidden = page === 0 && !data.next;
    prevButton.disabled = page === 0;
    nextButton.disabled = !data.next;
    pageLabel.textContent = msg("Page", page + 1);
  }

  function renderHead(names) {
    const params = query();
    const row = document.createElement("tr");
    names.forEach(function (name) {
      const th = document.createElement("th");
      th.scope = "col";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      window.kaifang.columnHeading(button, name, labels);
      button.title = msg("Sort");
      if (params.get("_sort") === name) th.setAttribute("aria-sort", "ascending");
      if (params.get("_sort_desc") === name) th.setAttribute("aria-sort", "descending");
      button.addEventListener("click", function () { toggleSort(name); });
      th.appendChild(button);
      row.appendChild(th);
    });
    table.tHead.replaceChildren(row);
  }

  function cellText(value) {
    if (value === null || value === undefined) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function renderBody(names, rows) {
    const body = document.createDocumentFragment();
    rows.forEach(function (r) {
      const tr = document.createElement("tr");
      names.forEach(function (name) {
        const td = document.createElement("td");
        td.textContent = cellText(r[name]);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.tBodies[0].replaceChildren(body);
  }

  function toggleSort(name) {
    const params = query();
    const asc = params.get("_sort") === name;
    const desc = params.get("_sort_desc") === name;
    params.delete("_sort");
    params.delete("_sort_desc");
    if (!asc && !desc) params.set("_sort", name);
    else if (asc) params.set("_sort_desc", name);
    setQuery(params);
  }

  function describe(key, value) {
    if (key === "_search") return "“" + value + "”";
    const split = key.split("__");
    const op = split.length > 1 ? split.pop() : "exact";
    const column = split.join("__");
    const shown = op === "isnull" || op === "notnull" ? "" : " " + value;
    return (labels[column] || column) + " " + (opLabels[op] || op) + shown;
  }

  function renderChips() {
    const items = document.createDocumentFragment();
    query().forEach(function (value, key) {
      if (key === "_sort" || key === "_sort_desc") return;
      const li = document.createElement("li");
      li.className = "chip chip-filter";
      li.textContent = describe(key, value) + " ";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", msg("Remove") + ": " + describe(key, value));
      remove.addEventListener("click", function () {
        const params = query();
        const kept = params.getAll(key).filter(function (v) { return v !== value; });
        params.delete(key);
        kept.forEach(function (v) { params.append(key, v); });
        setQuery(params);
      });
      li.appendChild(remove);
      items.appendChild(li);
    });
    chips.replaceChildren(items);
  }

  async function loadSchema() {
    try {
      const response = await fetch(root.dataset.previewUrl, { headers: { accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      if (!data.columns || !data.columns.length) return;
      const select = form.querySelector("select[name=column]");
      select.replaceChildren();
      data.columns.forEach(function (c) {
        labels[c.name] = c.label || labels[c.name] || c.name;
        const text = labels[c.name] === c.name ? c.name : labels[c.name] + " (" + c.name + ")";
        select.appendChild(new Option(text, c.name));
      });
      renderChips();
    } catch (e) { /* the server-rendered column list stays */ }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const column = form.elements.column.value;
    const op = form.elements.op.value;
    const nullOp = op === "isnull" || op === "notnull";
    const value = nullOp ? "1" : form.elements.namedItem("value").value.trim();
    if (!column || (!nullOp && !value)) { form.elements.namedItem("value").focus(); return; }
    const params = query();
    params.append(op === "exact" ? column : column + "__" + op, value);
    form.elements.namedItem("value").value = "";
    setQuery(params);
  });
  let searchTimer = null;
  form.elements.namedItem("_search").value = query().get("_search") || "";
  form.elements.namedItem("_search").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      const params = query();
      const text = form.elements.namedItem("_search").value.trim();
      if (text) params.set("_search", text); else params.delete("_search");
      setQuery(params);
    }, 400);
  });
  prevButton.addEventListener("click", function () { if (page > 0) { page -= 1; load(); } });
  nextButton.addEventListener("click", function () { if (cursors[page + 1]) { page += 1; load(); } });
  form.hidden = false;
  loadSchema();
  refresh();
})();
