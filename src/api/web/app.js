// storybank web page: plain ES module, no framework, no build step. Talks only to the JSON
// API of the server that served it. Text from the API is always inserted with textContent
// (never innerHTML), so a quote can never inject markup.

const $ = (sel, root = document) => root.querySelector(sel);
// [key, title, shown without opening "More filters"]
const FILTER_GROUPS = [
  ["competitor", "Competitor", true], ["outcome", "Outcome", true], ["segment", "Segment", true],
  ["theme", "Theme"], ["industry", "Industry"], ["loss_reason", "Loss reason"],
  ["win_reason", "Win reason"], ["size_band", "Deal size"], ["buyer_persona", "Persona"],
  ["region", "Region"],
];
const STOPWORDS = new Set(("a an and are as at be but by did do does for from had has have how i in " +
  "is it its of on or our say said so that the their them they this to was we what when where which " +
  "who why will with would you about buyers buyer us lose lost win won").split(" "));
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const state = { view: "search", q: "", filters: {}, after: "", before: "", sq: "", deal: "" };
let facets = null;
let themeLabels = {};
const datesBox = document.getElementById("dates");
let packsEnabled = false;
let pendingQuote = null;
// Who the server takes us for: {name, role}. Roles: reader < editor < admin.
let me = null;
const KEY_STORE = "storybank-key";
const canEdit = () => me && (me.role === "editor" || me.role === "admin");
const isAdmin = () => me && me.role === "admin";

// ---------- small helpers ----------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(code, message, status) { super(message); this.code = code; this.status = status; }
}

function authHeaders() {
  const key = sessionStorage.getItem(KEY_STORE);
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function api(method, path, body) {
  let response;
  try {
    const form = body instanceof FormData;
    response = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body && !form ? { "content-type": "application/json" } : {}) },
      body: body ? (form ? body : JSON.stringify(body)) : undefined,
    });
  } catch (err) {
    throw new ApiError("network", "Cannot reach the storybank server. Is it running?", 0);
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = data && data.error ? data.error : { code: "http_" + response.status, message: response.statusText };
    throw new ApiError(error.code, error.message, response.status);
  }
  return data;
}

function explainError(err) {
  const hints = {
    index_missing: "The index is empty: ingest a corpus with `storybank ingest`, then restart the server.",
    index_incompatible: "The index was built by another version or model: run `storybank reindex`.",
    model_unavailable: "The embedding model is not installed on the server: run scripts/setup.",
    unauthorized: "Sign in again with a valid key.",
    forbidden: "Your key's role does not allow this: ask an admin for an editor key.",
    rate_limited: "Slow down a little, then try again.",
    network: "",
  };
  const hint = hints[err.code];
  return `${err.message}${hint ? " " + hint : ""} (${err.code || "error"})`;
}

function showError(box, err) {
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = explainError(err);
  box.hidden = false;
}

function toast(message) {
  const box = $("#toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 2200);
}

function label(value) {
  if (!value) return "";
  if (themeLabels[value]) return themeLabels[value];
  const known = { no_decision: "No decision", mid_market: "Mid-market", smb: "SMB" };
  if (known[value]) return known[value];
  const text = value.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function month(date) {
  if (!date) return "";
  const [y, m] = date.split("-");
  return `${MONTHS[Number(m) - 1]} ${y}`;
}

// ---------- URL state ----------
function readUrl() {
  const params = new URLSearchParams(location.search);
  state.view = ["search", "similar", "packs", "insights", "briefing", "admin"].includes(params.get("view")) ? params.get("view") : "search";
  state.q = params.get("q") || "";
  state.after = params.get("after") || "";
  state.before = params.get("before") || "";
  state.sq = params.get("sq") || "";
  state.deal = params.get("deal") || "";
  state.quarter = params.get("quarter") || "";
  state.filters = {};
  for (const [key] of FILTER_GROUPS) {
    const values = params.getAll(key);
    if (values.length) state.filters[key] = values;
  }
}

function writeUrl(push) {
  const params = new URLSearchParams();
  if (state.view !== "search") params.set("view", state.view);
  if (state.view === "search") {
    if (state.q) params.set("q", state.q);
    for (const [key, values] of Object.entries(state.filters)) values.forEach(v => params.append(key, v));
    if (state.after) params.set("after", state.after);
    if (state.before) params.set("before", state.before);
  } else if (state.view === "briefing") {
    if (state.quarter) params.set("quarter", state.quarter);
  } else if (state.view === "similar") {
    if (state.deal) params.set("deal", state.deal);
    else if (state.sq) params.set("sq", state.sq);
  }
  const url = params.toString() ? `/?${params}` : "/";
  if (url !== location.pathname + location.search) history[push ? "pushState" : "replaceState"](null, "", url);
}

function requestFilters() {
  const filters = {};
  for (const [key, values] of Object.entries(state.filters)) if (values.length) filters[key] = values;
  if (state.after) filters.closed_after = state.after;
  if (state.before) filters.closed_before = state.before;
  return filters;
}

// ---------- views ----------
function showView(view) {
  state.view = view;
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.dataset.view !== view;
  for (const link of document.querySelectorAll(".top nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

// ---------- filters ----------
function renderFilters() {
  const box = $("#filters");
  box.replaceChildren();
  if (!facets) return;
  const more = el("details", { class: "more" }, el("summary", {}, "More filters"));
  for (const [key, title, primary] of FILTER_GROUPS) {
    const values = key === "competitor"
      ? facets.competitors.map(c => ({ value: c.name, deals: c.deals, title: c.aliases.length ? `Also: ${c.aliases.join(", ")}` : undefined }))
      : (facets[key] || []);
    if (!values.length) continue;
    const group = el("div", { class: "group", role: "group", "aria-label": title, "data-key": key },
      el("span", { class: "label" }, title));
    for (const item of values) {
      const pressed = (state.filters[key] || []).includes(item.value);
      group.append(el("button", {
        type: "button", class: "chip", "aria-pressed": String(pressed), "data-key": key,
        "data-value": item.value, title: item.title,
        onclick: () => toggleFilter(key, item.value),
      }, label(item.value), el("span", { class: "n", "aria-label": `${item.deals} deals` }, item.deals)));
    }
    if (!primary && state.filters[key]) more.open = true;
    (primary ? box : more).append(group);
  }
  if (state.after || state.before || more.open) more.open = true;
  more.append(datesBox);
  box.append(more);
  $("#closed-after").value = state.after;
  $("#closed-before").value = state.before;
  const active = Object.values(state.filters).reduce((n, v) => n + v.length, 0) + (state.after ? 1 : 0) + (state.before ? 1 : 0);
  $("#filter-count").textContent = active ? `(${active} on)` : "";
}

function toggleFilter(key, value) {
  const values = state.filters[key] || [];
  state.filters[key] = values.includes(value) ? values.filter(v => v !== value) : [...values, value];
  if (!state.filters[key].length) delete state.filters[key];
  renderFilters();
  if (state.q) runSearch(true); else writeUrl(true);
}

// ---------- quote cards ----------
function queryTerms(query) {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) || [])]
    .filter(t => t.length > 2 && !STOPWORDS.has(t))
    .map(t => t.replace(/'s$/, "").replace(/(ing|ed|es|s)$/, ""))
    .filter(t => t.length > 2);
}

// Marks query terms (by prefix, so "onboard" marks "onboarding") and styles [PLACEHOLDERS].
function highlighted(text, terms) {
  const parts = [];
  const escaped = terms.map(t => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(\\[[A-Z][A-Z ]*\\d*\\])${escaped.length ? `|\\b((?:${escaped.join("|")})[\\p{L}\\p{N}]*)` : ""}`, "giu");
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(match[1] ? el("span", { class: "ph" }, match[1]) : el("mark", {}, match[2]));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function attribution(quote, withBadge = false) {
  const deal = quote.deal || {};
  const bits = [quote.speaker || "Buyer"];
  const where = [label(deal.segment), deal.industry ? label(deal.industry).toLowerCase() : ""].filter(Boolean).join(" ");
  if (where) bits.push(where);
  const vs = deal.competitors && deal.competitors.length ? ` vs ${deal.competitors.join(", ")}` : "";
  if (deal.outcome && !withBadge) bits.push(`${label(deal.outcome)}${vs}`);
  else if (deal.outcome) { if (vs) bits.push(vs.trim()); }
  else if (vs) bits.push(vs.trim());
  if (deal.close_date) bits.push(month(deal.close_date));
  return bits.join(" · ");
}

function copyText(quote) {
  return `\u201C${quote.text}\u201D \u2014 ${attribution(quote)} (deal ${quote.deal_id})`;
}

async function copyQuote(quote, button) {
  const text = copyText(quote);
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    const area = el("textarea", { "aria-hidden": "true" }, text);
    area.style.position = "fixed"; area.style.opacity = "0";
    document.body.append(area); area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = "Copied";
  button.dataset.copied = "true";
  toast("Quote copied with its attribution");
  setTimeout(() => { button.textContent = "Copy"; }, 1800);
}

const STANCE = {
  us_positive: ["Praise of us", "praise"],
  us_negative: ["Criticism of us", "criticism"],
  competitor_positive: ["Praise of competitor", "criticism"],
  competitor_negative: ["Criticism of competitor", "praise"],
};

function quoteCard(quote, terms, options = {}) {
  const deal = quote.deal || {};
  const tags = [];
  for (const theme of quote.themes || []) tags.push(el("span", { class: "tag" }, label(theme)));
  // Only a confident stance is shown (right 86% of the time on held-out labelled quotes).
  if (STANCE[quote.stance]) tags.push(el("span", { class: `tag ${STANCE[quote.stance][1]}`, title: "Which way the quote points, and at whom" }, STANCE[quote.stance][0]));
  const copy = el("button", { type: "button", class: "copy", "aria-label": "Copy quote with attribution" }, "Copy");
  copy.addEventListener("click", () => copyQuote(quote, copy));
  const actions = el("div", { class: "actions" }, copy);
  if (!options.compact) {
    actions.append(el("button", {
      type: "button", class: "more", onclick: () => openSimilar({ deal: quote.deal_id }),
    }, "More like this deal"));
  }
  if (packsEnabled && canEdit()) {
    actions.append(el("button", { type: "button", class: "add-pack", onclick: () => openPackDialog(quote) }, "Add to pack"));
  }
  return el("li", { class: "card", "data-quote-id": quote.quote_id, "data-deal-id": quote.deal_id },
    el("blockquote", { class: "quote" }, highlighted(quote.text, terms)),
    el("p", { class: "attribution" },
      deal.outcome ? el("span", { class: `badge ${deal.outcome}` }, label(deal.outcome)) : null, " ",
      attribution(quote, true)),
    tags.length ? el("div", { class: "tags" }, tags) : null,
    quote.context ? el("details", {}, el("summary", {}, "Interviewer question"), el("p", {}, quote.context)) : null,
    actions);
}

// ---------- answer panel: themes with honest counts (POST /v1/ask) ----------
async function runAnswer(seq) {
  const box = $("#answer");
  try {
    const data = await api("POST", "/v1/ask", { question: state.q, filters: requestFilters(), quotes_per_theme: 1 });
    if (seq !== searchSeq) return;
    if (!data.themes.length) { box.hidden = true; return; }
    const scope = data.inferred_scope.length ? ` (${data.inferred_scope.join(" ")})` : "";
    const items = data.themes.map(theme => {
      const splits = [];
      if (data.scope.lost) splits.push(`${theme.lost} of ${data.scope.lost} losses`);
      if (data.scope.won) splits.push(`${theme.won} of ${data.scope.won} wins`);
      return el("li", {},
        el("button", { type: "button", title: "Show only this theme", onclick: () => {
          state.filters.theme = [theme.theme]; renderFilters(); runSearch(true);
        } }, theme.label),
        ` — ${theme.deals} of ${data.deals_in_scope} deals${splits.length ? ` (${splits.join(", ")})` : ""}, ${theme.quotes} quotes`);
    });
    box.replaceChildren(el("h2", {}, `What buyers say${scope}`), el("ul", {}, items),
      data.sample_note ? el("p", { class: "note" }, data.sample_note) : null);
    box.hidden = false;
  } catch (err) {
    box.hidden = true;
  }
}

// ---------- search ----------
let searchSeq = 0;
async function runSearch(push) {
  state.q = $("#q").value.trim();
  writeUrl(push);
  const status = $("#search-status"), results = $("#results"), error = $("#search-error");
  showError(error, null);
  if (!state.q) { results.replaceChildren(); $("#answer").hidden = true; status.textContent = ""; loadDashboard(); return; }
  $("#dashboard").hidden = true;
  const seq = ++searchSeq;
  status.textContent = "Searching…";
  results.setAttribute("aria-busy", "true");
  if (facets && facets.features && facets.features.includes("ask")) runAnswer(seq);
  try {
    const data = await api("POST", "/v1/search", { query: state.q, filters: requestFilters(), limit: 20 });
    if (seq !== searchSeq) return;
    const terms = queryTerms(state.q);
    results.replaceChildren(...data.results.map(q => quoteCard(q, terms)));
    const deals = new Set(data.results.map(q => q.deal_id)).size;
    const scope = data.scope;
    const others = scope ? data.results.length - scope.quotes : 0;
    status.textContent = !data.results.length ? "No quotes match. Try other words or fewer filters."
      : scope ? `${scope.quotes} quote${scope.quotes === 1 ? "" : "s"} from ${scope.deals} ${scope.deals === 1 ? scope.label.replace("deals", "deal") : scope.label}${others ? ` and ${others} from other deals` : ""} (${data.took_ms} ms)`
      : `${data.results.length} quotes from ${deals} deals (${data.took_ms} ms)`;
  } catch (err) {
    if (seq !== searchSeq) return;
    results.replaceChildren();
    status.textContent = "";
    showError(error, err);
  } finally {
    if (seq === searchSeq) results.removeAttribute("aria-busy");
  }
}


// ---------- home dashboard ----------
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

// A bar for the rate, a whisker for its 95% interval, a grey tick for last period's rate.
function rateChart(row) {
  const chart = svg("svg", { viewBox: "0 0 100 18", preserveAspectRatio: "none", role: "img",
    "aria-label": `${percent(row.current.win_rate)} this period, ${percent(row.previous.win_rate)} before` });
  chart.append(svg("rect", { x: 0, y: 5, width: 100, height: 8, fill: "#eef1f4" }));
  const rate = row.current.win_rate;
  if (rate !== null && rate !== undefined) {
    chart.append(svg("rect", { x: 0, y: 5, width: (rate * 100).toFixed(1), height: 8, fill: "#1f4e79" }));
  }
  const i = row.current.interval;
  if (i) {
    const [lo, hi] = [(i.low * 100).toFixed(1), (i.high * 100).toFixed(1)];
    chart.append(svg("line", { x1: lo, x2: hi, y1: 9, y2: 9, stroke: "#1b1f24", "stroke-width": 1, "vector-effect": "non-scaling-stroke" }));
    for (const x of [lo, hi]) chart.append(svg("line", { x1: x, x2: x, y1: 5, y2: 13, stroke: "#1b1f24", "stroke-width": 1, "vector-effect": "non-scaling-stroke" }));
  }
  const before = row.previous.win_rate;
  if (before !== null && before !== undefined) {
    const x = (before * 100).toFixed(1);
    chart.append(svg("line", { x1: x, x2: x, y1: 1, y2: 17, stroke: "#8a939c", "stroke-width": 3, "vector-effect": "non-scaling-stroke" }));
  }
  return chart;
}

function changeText(points, previousDeals) {
  if (points === null || points === undefined) return el("span", { class: "muted", title: "no decided deals to compare with" }, previousDeals ? "–" : "new");
  if (points === 0) return el("span", { class: "muted" }, "±0 pts");
  return el("span", { class: points > 0 ? "up" : "down" }, `${points > 0 ? "▲ +" : "▼ "}${points.toFixed(0)} pts`);
}

function rateTable(rows, kind) {
  if (!rows.length) return el("p", { class: "muted" }, "No decided deals this period.");
  return el("table", { class: "rates" }, el("tbody", {}, rows.map(row =>
    el("tr", { "data-value": row.value },
      el("td", {}, el("a", { href: `/?${new URLSearchParams({ [kind]: row.value })}`, onclick: (e) => {
        e.preventDefault(); state.filters = { [kind]: [row.value] }; renderFilters(); $("#filter-panel").open = true;
        $("#q").focus();
      } }, kind === "segment" ? label(row.value) : row.value)),
      el("td", { class: "rate" }, percent(row.current.win_rate)),
      el("td", { class: "chart" }, rateChart(row)),
      el("td", { class: "deals muted" }, `${row.current.deals} deal${row.current.deals === 1 ? "" : "s"}`),
      el("td", {}, changeText(row.change_points, row.previous.deals))))));
}

let dashboardSeq = 0;
async function loadDashboard() {
  const box = $("#dashboard");
  const seq = ++dashboardSeq;
  try {
    const owner = me && me.name !== "local" ? me.name : "";
    const d = await api("GET", `/v1/dashboard${owner ? "?" + new URLSearchParams({ owner }) : ""}`);
    if (seq !== dashboardSeq || state.q) return;
    box.dataset.period = d.period;
    $("#dash-title").textContent = `${d.period}, against ${d.previous_period}`;
    const o = d.overall.current;
    $("#dash-summary").replaceChildren(`${o.deals} deals closed (${o.won} won, ${o.lost} lost, ${o.no_decision} no decision) · win rate `,
      el("strong", { id: "dash-overall" }, percent(o.win_rate)),
      o.interval ? ` (95% interval ${percent(o.interval.low)}–${percent(o.interval.high)}) ` : " ", changeText(d.overall.change_points, d.overall.previous.deals));
    $("#dash-questions").replaceChildren(...d.questions.map(q => el("button", { type: "button", class: "secondary", onclick: () => {
      $("#q").value = q; runSearch(true);
    } }, q)));
    $("#dash-competitors").replaceChildren(rateTable(d.by_competitor, "competitor"));
    $("#dash-segments").replaceChildren(rateTable(d.by_segment, "segment"));
    $("#dash-newest").replaceChildren(...d.newest.map(n => el("li", { "data-deal-id": n.deal_id },
      el("a", { href: `/?view=similar&deal=${encodeURIComponent(n.deal_id)}` }, n.deal_id), " ",
      n.outcome ? el("span", { class: `badge ${n.outcome}` }, label(n.outcome)) : null,
      ` ${[(n.competitors || []).join(", "), label(n.segment), month(n.close_date), `${n.quotes} quotes`].filter(Boolean).join(" · ")}`,
      n.quote ? el("q", {}, n.quote.text.length > 160 ? n.quote.text.slice(0, 157) + "…" : n.quote.text) : null)));
    $("#dash-themes").replaceChildren(...(d.rising_themes.length ? d.rising_themes.map(t => el("li", { "data-theme": t.theme },
      el("button", { type: "button", class: "link", onclick: () => { state.filters = { theme: [t.theme] }; renderFilters(); $("#q").focus(); } }, t.label),
      ` ${t.new ? "new: " : ""}${t.deals} deals (${percent(t.share)}), ${t.previous_deals} before (${percent(t.previous_share)})`))
      : [el("li", { class: "muted" }, "No theme new or rising this period.")]));
    $("#dash-alerts").replaceChildren(...(d.open_alerts.length ? d.open_alerts.map(a => el("li", { "data-alert-id": a.alert_id }, a.message))
      : [el("li", { class: "muted" }, "No alerts this period.")]));
    $("#dash-overdue").replaceChildren(...(d.overdue.length ? d.overdue.map(i => el("li", { "data-insight-id": i.insight_id },
      el("a", { href: "/?view=insights" }, i.title), ` · due ${i.due} · ${i.owners.join(", ")}`))
      : [el("li", { class: "muted" }, d.owner ? `Nothing overdue for ${d.owner}${d.overdue_total ? ` (${d.overdue_total} overdue for others)` : ""}.` : "Nothing overdue.")]));
    $("#dash-briefing").href = d.period.includes("Q") ? `/?view=briefing&quarter=${d.period}` : "/?view=briefing";
    box.hidden = false;
    box.dataset.ready = "true";
  } catch (err) {
    box.hidden = true;
  }
}

// ---------- quarterly briefing ----------
// The server renders the print-ready page (every claim with its quote ids); it is shown in a
// sandboxed frame that runs no script.
function briefingPath(format) {
  const quarter = $("#briefing-quarter").value.trim();
  const query = new URLSearchParams({ format });
  if (quarter) query.set("quarter", quarter);
  return `/v1/briefing?${query}`;
}

async function loadBriefing() {
  try {
    $("#briefing-frame").srcdoc = await api("GET", briefingPath("html"));
    showError($("#briefing-error"), null);
  } catch (err) {
    showError($("#briefing-error"), err);
  }
}

async function downloadBriefing() {
  try {
    const text = await api("GET", briefingPath("md"));
    const quarter = $("#briefing-quarter").value.trim();
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/markdown" })), download: `briefing-${quarter || "latest"}.md` });
    document.body.append(link); link.click(); link.remove();
  } catch (err) {
    showError($("#briefing-error"), err);
  }
}

// ---------- similar deals ----------
function openSimilar({ deal = "", sq = "" }) {
  state.deal = deal; state.sq = sq;
  $("#similar-deal").value = deal;
  $("#similar-q").value = sq;
  showView("similar");
  runSimilar(true);
}

function dealCard(deal, terms) {
  const facts = [label(deal.segment), deal.industry && label(deal.industry).toLowerCase(), deal.size_band,
    deal.competitors && deal.competitors.length ? `vs ${deal.competitors.join(", ")}` : "",
    deal.loss_reason && `loss reason: ${label(deal.loss_reason).toLowerCase()}`,
    deal.win_reason && `win reason: ${label(deal.win_reason).toLowerCase()}`,
    month(deal.close_date)].filter(Boolean).join(" · ");
  return el("li", { class: "deal", "data-deal-id": deal.deal_id },
    el("h2", {}, deal.outcome ? el("span", { class: `badge ${deal.outcome}` }, label(deal.outcome)) : null,
      `Deal ${deal.deal_id}`),
    el("p", { class: "attribution" }, facts),
    deal.why && deal.why.length ? el("ul", { class: "why", "aria-label": "Why similar" }, deal.why.map(w => el("li", {}, w))) : null,
    el("ol", { class: "cards" }, (deal.quotes || []).map(q => quoteCard(q, terms, { compact: true }))));
}

let similarSeq = 0;
async function runSimilar(push) {
  state.deal = $("#similar-deal").value;
  state.sq = $("#similar-q").value.trim();
  writeUrl(push);
  const status = $("#similar-status"), list = $("#similar-results"), error = $("#similar-error");
  showError(error, null);
  if (!state.deal && !state.sq) { list.replaceChildren(); status.textContent = "Describe a deal or pick one."; return; }
  const seq = ++similarSeq;
  status.textContent = "Looking for similar deals…";
  list.setAttribute("aria-busy", "true");
  try {
    const body = state.deal ? { deal_id: state.deal, limit: 5 } : { query: state.sq, limit: 5 };
    const data = await api("POST", "/v1/deals/similar", body);
    if (seq !== similarSeq) return;
    const terms = state.deal ? [] : queryTerms(state.sq);
    list.replaceChildren(...data.deals.map(d => dealCard(d, terms)));
    status.textContent = data.deals.length
      ? `${data.deals.length} similar deals${state.deal ? ` to ${state.deal}` : ""} (${data.took_ms} ms)`
      : "No similar deals found.";
  } catch (err) {
    if (seq !== similarSeq) return;
    list.replaceChildren(); status.textContent = "";
    showError(error, err);
  } finally {
    if (seq === similarSeq) list.removeAttribute("aria-busy");
  }
}

// ---------- packs ----------
async function loadPacks() {
  const box = $("#packs"), error = $("#packs-error");
  showError(error, null);
  $("#packs-status").textContent = "Loading packs…";
  try {
    const data = await api("GET", "/v1/packs");
    $("#packs-status").textContent = data.packs.length ? "" : "No packs yet. Use “Add to pack” on a quote.";
    box.replaceChildren(...data.packs.map(packView));
  } catch (err) {
    $("#packs-status").textContent = "";
    showError(error, err);
  }
}

function packView(pack) {
  const list = el("ol", { "aria-label": `Stories of ${pack.name}` });
  pack.stories.forEach((story, index) => {
    const move = (delta) => async () => {
      const order = pack.stories.map(s => s.story_id);
      const [item] = order.splice(index, 1);
      order.splice(index + delta, 0, item);
      await api("PATCH", `/v1/packs/${pack.pack_id}`, { order });
      loadPacks();
    };
    const notes = el("input", { type: "text", value: story.notes || "", "aria-label": "Notes", placeholder: "Add a note", readonly: !canEdit() });
    notes.addEventListener("change", () => api("PATCH", `/v1/stories/${story.story_id}`, { notes: notes.value }).then(() => toast("Note saved")));
    list.append(el("li", { "data-story-id": story.story_id },
      el("strong", {}, story.title || "Untitled story"), " ",
      story.new_since_export ? el("span", { class: "new" }, "new") : null,
      story.quote ? el("blockquote", {}, highlighted(story.quote.text, [])) : el("p", { class: "muted" }, story.removed_note || "Quote removed"),
      story.quote ? el("p", { class: "attribution" }, attribution(story.quote)) : null,
      el("div", { class: "row" }, notes, canEdit() ? [
        el("button", { type: "button", class: "link", "aria-label": "Move up", disabled: index === 0, onclick: move(-1) }, "↑"),
        el("button", { type: "button", class: "link", "aria-label": "Move down", disabled: index === pack.stories.length - 1, onclick: move(1) }, "↓"),
        el("button", { type: "button", class: "link", onclick: async () => { await api("DELETE", `/v1/packs/${pack.pack_id}/stories/${story.story_id}`); loadPacks(); } }, "Remove")] : null)));
  });
  // A click records the export (POST) and downloads what it answered; the link itself is a
  // GET that changes nothing, for opening a preview in a new tab.
  const exports = ["md", "html", "csv"].map(format =>
    el("a", { href: `/v1/packs/${pack.pack_id}/export?format=${format}`, onclick: (event) => { event.preventDefault(); exportPack(pack, format, canEdit()); } }, format.toUpperCase()));
  return el("article", { class: "pack", "data-pack-id": pack.pack_id },
    el("h2", {}, pack.name),
    pack.description ? el("p", { class: "muted" }, pack.description) : null,
    (pack.notices || []).map(n => el("p", { class: "muted" }, n)),
    list,
    el("p", {}, "Export: ", exports.flatMap((a, i) => i ? [" · ", a] : [a])));
}

async function exportPack(pack, format, record) {
  try {
    // Editors record the export (POST); readers download the same document without recording.
    const response = record
      ? await fetch(`/v1/packs/${pack.pack_id}/export`, {
        method: "POST",
        headers: { ...authHeaders(), "content-type": "application/json" },
        body: JSON.stringify({ format }),
      })
      : await fetch(`/v1/packs/${pack.pack_id}/export?format=${format}`, { headers: authHeaders() });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new ApiError(data.error?.code || "http_" + response.status, data.error?.message || response.statusText, response.status);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `${pack.pack_id}.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    toast(`Exported ${format.toUpperCase()}`);
    loadPacks();
  } catch (err) {
    showError($("#packs-error"), err);
  }
}

async function openPackDialog(quote) {
  pendingQuote = quote;
  const choice = $("#pack-choice");
  choice.replaceChildren(el("option", { value: "" }, "(new pack)"));
  try {
    const data = await api("GET", "/v1/packs");
    for (const pack of data.packs) choice.append(el("option", { value: pack.pack_id }, pack.name));
  } catch (err) { /* the new-pack path still works */ }
  $("#story-title").value = quote.text.split(/(?<=[.!?])\s/)[0].slice(0, 80);
  $("#story-notes").value = "";
  $("#pack-dialog").showModal();
}

async function savePackDialog() {
  const quote = pendingQuote;
  if (!quote) return;
  try {
    let packId = $("#pack-choice").value;
    if (!packId) {
      const name = $("#pack-new").value.trim() || "My pack";
      packId = (await api("POST", "/v1/packs", { name })).pack_id;
    }
    await api("POST", `/v1/packs/${packId}/stories`, {
      quote_id: quote.quote_id, title: $("#story-title").value.trim() || null, notes: $("#story-notes").value.trim() || null,
    });
    toast("Added to pack");
    document.body.dataset.lastPack = packId;
  } catch (err) {
    toast(explainError(err));
  }
}

// ---------- start ----------
// ---------- sign-in and admin ----------
async function whoAmI() {
  try {
    me = await api("GET", "/v1/me");
  } catch (err) {
    if (err.status !== 401) throw err;
    me = null;
  }
  document.body.dataset.role = me ? me.role : "";
  $("#who").hidden = !me || !sessionStorage.getItem(KEY_STORE);
  $("#who-name").textContent = me ? `${me.name} (${me.role})` : "";
  $("#nav-admin").hidden = !isAdmin();
  return me;
}

function askForKey(message) {
  $("#main").hidden = true;
  $("#sign-in").hidden = false;
  if (message) showError($("#sign-in-error"), message);
  $("#api-key").focus();
}

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORE, $("#api-key").value.trim());
  $("#api-key").value = "";
  try {
    if (!(await whoAmI())) {
      sessionStorage.removeItem(KEY_STORE);
      showError($("#sign-in-error"), new ApiError("unauthorized", "That key is not valid (unknown or revoked).", 401));
      return;
    }
  } catch (err) {
    showError($("#sign-in-error"), err);
    return;
  }
  showError($("#sign-in-error"), null);
  $("#sign-in").hidden = true;
  $("#main").hidden = false;
  start();
}

async function loadAdmin() {
  if (!isAdmin()) return;
  try {
    const log = await api("GET", "/v1/admin/audit?limit=1000");
    const rows = log.entries.slice(-50).reverse().map(e => el("tr", {},
      el("td", {}, String(e.seq)), el("td", {}, e.at.replace("T", " ").replace("Z", "")), el("td", {}, e.actor),
      el("td", {}, e.role), el("td", {}, `${e.method} ${e.route}`), el("td", {}, String(e.status)), el("td", {}, e.ids.slice(0, 6).join(", ") + (e.ids.length > 6 ? ` (+${e.ids.length - 6})` : ""))));
    $("#audit tbody").replaceChildren(...rows);
    showError($("#admin-error"), null);
  } catch (err) {
    showError($("#admin-error"), err);
  }
}

async function upload(event) {
  event.preventDefault();
  const form = new FormData();
  for (const file of $("#upload-files").files) form.append("file", file, file.name);
  $("#upload-report").textContent = "Ingesting…";
  try {
    const report = await api("POST", "/v1/admin/ingest", form);
    const failed = report.failures.map(f => `${f.file}${f.line ? ":" + f.line : ""}: ${f.message}`);
    $("#upload-report").replaceChildren(
      el("p", {}, `Ingested ${report.deals} deals (${report.deal_ids.join(", ") || "none"}), ${report.quotes} quotes; ${report.failures.length} failed.`),
      failed.length ? el("ul", { class: "failures" }, failed.map(f => el("li", {}, f))) : null);
    $("#upload-files").value = "";
    loadAdmin();
  } catch (err) {
    $("#upload-report").textContent = "";
    showError($("#admin-error"), err);
  }
}

async function forget(event) {
  event.preventDefault();
  const deal = $("#forget-deal").value.trim(), person = $("#forget-person").value.trim();
  const body = deal ? { deal_id: deal } : { person };
  try {
    const report = await api("POST", "/v1/admin/forget", body);
    $("#forget-report").textContent = `Erased ${report.deals.length} deal(s) and ${report.quotes.length} quote(s); ${report.raw_transcripts.length} raw transcript(s) dropped.`;
    $("#forget-deal").value = $("#forget-person").value = "";
    loadAdmin();
  } catch (err) {
    showError($("#admin-error"), err);
  }
}

// ---------- insights ----------
const KIND_LABELS = { positioning: "Competitive positioning", rep_behaviour: "Rep behaviour", product_gap: "Product gap", pricing: "Pricing and packaging" };
const percent = (rate) => rate === null || rate === undefined ? "n/a" : `${Math.round(rate * 100)}%`;

async function loadInsights() {
  const params = new URLSearchParams();
  const owner = $("#insights-owner").value.trim();
  if (owner) params.set("owner", owner);
  if ($("#insights-status").value) params.set("status", $("#insights-status").value);
  if ($("#insights-overdue").checked) params.set("overdue", "true");
  try {
    const [list, metrics] = await Promise.all([
      api("GET", `/v1/insights${params.toString() ? "?" + params : ""}`),
      api("GET", "/v1/insights/metrics"),
    ]);
    renderMetrics(metrics);
    $("#insights-owners").replaceChildren(...metrics.owners.map(m => el("option", { value: m.owner })));
    $("#insights").replaceChildren(...list.insights.map(renderInsight));
    $("#insights-status-line").textContent = `${list.insights.length} insight${list.insights.length === 1 ? "" : "s"}${owner ? ` for ${owner}` : ""}`;
    showError($("#insights-error"), null);
  } catch (err) {
    showError($("#insights-error"), err);
  }
}

function renderMetrics(metrics) {
  const o = metrics.overall;
  const row = (m) => el("tr", {}, el("td", {}, m.owner), el("td", { class: "rate" }, percent(m.rate)),
    el("td", {}, `${m.actioned_in_sla} of ${m.due}`), el("td", {}, String(m.open)), el("td", {}, String(m.overdue)));
  $("#insight-metrics").replaceChildren(
    el("p", {}, el("strong", {}, "Insight-to-action rate within SLA: "), el("span", { id: "overall-rate" }, percent(o.rate)),
      ` (${o.actioned_in_sla} of ${o.due} due actioned in time; ${o.open} open, ${o.overdue} overdue, ${o.dismissed} dismissed)`),
    el("table", {}, el("thead", {}, el("tr", {}, ["Owner", "Rate", "In time", "Open", "Overdue"].map(h => el("th", { scope: "col" }, h)))),
      el("tbody", {}, metrics.owners.map(row))));
}

function renderInsight(insight) {
  const closed = insight.status === "actioned" || insight.status === "dismissed";
  const last = insight.events[insight.events.length - 1];
  const act = async (step, note) => {
    try {
      await api("POST", `/v1/insights/${insight.insight_id}/${step}`, note ? { note } : {});
      loadInsights();
    } catch (err) {
      showError($("#insights-error"), err);
    }
  };
  const note = el("input", { type: "text", "aria-label": "What was done, or why not", placeholder: "What was done, or why not" });
  const controls = canEdit() && !closed ? el("form", { class: "row wrap", onsubmit: (e) => {
    e.preventDefault();
    const step = e.submitter ? e.submitter.value : "action";
    const text = note.value.trim();
    if (step !== "acknowledge" && !text) { note.focus(); note.setAttribute("aria-invalid", "true"); return; }
    act(step, text);
  } }, note,
    insight.status === "open" ? el("button", { type: "submit", value: "acknowledge", class: "secondary" }, "Acknowledge") : null,
    el("button", { type: "submit", value: "action" }, "Record action"),
    el("button", { type: "submit", value: "dismiss", class: "secondary" }, "Dismiss")) : null;
  return el("li", { class: "card insight", "data-insight-id": insight.insight_id, "data-status": insight.status },
    el("h2", {}, insight.title),
    el("p", { class: "meta" },
      el("span", { class: "badge status" }, insight.status), " ",
      insight.overdue ? el("span", { class: "badge overdue" }, "overdue") : null, " ",
      `${KIND_LABELS[insight.kind] || insight.kind} · ${insight.owners.join(", ")} · due ${insight.due}`,
      insight.competitor ? ` · ${insight.competitor}` : ""),
    insight.finding ? el("p", {}, insight.finding) : null,
    el("ul", { class: "evidence" }, insight.evidence.slice(0, 4).map(q => el("li", {}, el("q", {}, q.text), ` (${q.deal_id})`))),
    insight.evidence.length > 4 ? el("p", { class: "muted" }, `and ${insight.evidence.length - 4} more quotes`) : null,
    closed && last.note ? el("p", { class: "muted" }, `${insight.status === "actioned" ? "Action" : "Dismissed"}: ${last.note} (${last.by})`) : null,
    controls);
}

async function init() {
  $("#sign-in-form").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", () => { sessionStorage.removeItem(KEY_STORE); location.reload(); });
  $("#upload-form").addEventListener("submit", upload);
  $("#forget-form").addEventListener("submit", forget);
  try {
    let signedIn = await whoAmI();
    if (!signedIn && sessionStorage.getItem(KEY_STORE)) {
      // A key kept from before that no longer works (revoked, or the server has none now).
      sessionStorage.removeItem(KEY_STORE);
      signedIn = await whoAmI();
    }
    if (!signedIn) { askForKey(null); document.body.dataset.ready = "true"; return; }
  } catch (err) {
    showError($("#search-error"), err);
  }
  start();
}

let started = false;
async function start() {
  if (started) return;
  started = true;
  readUrl();
  $("#q").value = state.q;
  $("#similar-q").value = state.sq;
  $("#search-form").addEventListener("submit", (e) => { e.preventDefault(); runSearch(true); });
  $("#similar-form").addEventListener("submit", (e) => { e.preventDefault(); runSimilar(true); });
  $("#similar-deal").addEventListener("change", () => { if ($("#similar-deal").value) $("#similar-q").value = ""; });
  $("#closed-after").addEventListener("change", (e) => { state.after = e.target.value; renderFilters(); if (state.q) runSearch(true); });
  $("#closed-before").addEventListener("change", (e) => { state.before = e.target.value; renderFilters(); if (state.q) runSearch(true); });
  $("#clear-filters").addEventListener("click", () => { state.filters = {}; state.after = state.before = ""; renderFilters(); if (state.q) runSearch(true); });
  $("#pack-form").addEventListener("submit", (e) => { if (e.submitter && e.submitter.value === "save") savePackDialog(); });
  $("#insights-filter").addEventListener("submit", (e) => { e.preventDefault(); loadInsights(); });
  $("#briefing-form").addEventListener("submit", (e) => { e.preventDefault(); state.quarter = $("#briefing-quarter").value.trim(); writeUrl(true); loadBriefing(); });
  $("#briefing-print").addEventListener("click", () => $("#briefing-frame").contentWindow.print());
  $("#briefing-md").addEventListener("click", downloadBriefing);
  for (const id of ["#insights-owner", "#insights-status", "#insights-overdue"]) $(id).addEventListener("change", loadInsights);
  for (const link of document.querySelectorAll(".top nav a")) {
    link.addEventListener("click", (e) => {
      e.preventDefault();
      showView(link.dataset.view);
      writeUrl(true);
      if (link.dataset.view === "packs") loadPacks();
      if (link.dataset.view === "admin") loadAdmin();
      if (link.dataset.view === "insights") loadInsights();
      if (link.dataset.view === "briefing") loadBriefing();
      if (link.dataset.view === "search" && !state.q) loadDashboard();
    });
  }
  document.addEventListener("keydown", (e) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const target = state.view === "similar" ? $("#similar-q") : $("#q");
      if (state.view === "packs") { showView("search"); writeUrl(true); }
      target.focus();
    }
  });
  window.addEventListener("popstate", () => { readUrl(); route(); });

  try {
    const [f, deals] = await Promise.all([api("GET", "/v1/facets"), api("GET", "/v1/deals")]);
    facets = f;
    if (f.features && f.features.includes("themes")) {
      try {
        const themes = await api("GET", "/v1/themes");
        for (const t of themes.themes) themeLabels[t.id] = t.label;
      } catch (err) { /* ids stay readable */ }
    }
    $("#stats").textContent = `${f.deals} deals · ${f.quotes} quotes`;
    const select = $("#similar-deal");
    for (const d of deals.deals) {
      select.append(el("option", { value: d.deal_id },
        [d.deal_id, label(d.outcome), (d.competitors || []).join(", "), label(d.segment), month(d.close_date)].filter(Boolean).join(" · ")));
    }
  } catch (err) {
    showError($("#search-error"), err);
  }
  packsEnabled = Boolean(facets && facets.features && facets.features.includes("packs"));
  $("#nav-packs").hidden = !packsEnabled;
  renderFilters();
  if (window.matchMedia("(max-width: 600px)").matches && !$("#filter-count").textContent) $("#filter-panel").open = false;
  route();
  document.body.dataset.ready = "true";
}

function route() {
  showView(state.view);
  $("#q").value = state.q;
  if (state.view === "search") { renderFilters(); if (state.q) runSearch(false); else { $("#search-status").textContent = ""; loadDashboard(); } }
  if (state.view === "similar") { $("#similar-deal").value = state.deal; $("#similar-q").value = state.sq; if (state.deal || state.sq) runSimilar(false); }
  if (state.view === "packs") loadPacks();
  if (state.view === "admin") loadAdmin();
  if (state.view === "insights") loadInsights();
  if (state.view === "briefing") { $("#briefing-quarter").value = state.quarter || ""; loadBriefing(); }
}

init();
