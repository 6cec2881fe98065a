// The bound explorer page: controls, the setting in the URL, the SVG plot.
//
// The values come from explorer-engine.js (window.asyncstabExplorer.evaluate),
// the theorems and the controls from the generated explorer-data.js; this file
// adds the setting of the page (schedule, loss class, workers) and draws it.
// No library, no network.
(function () {
  "use strict";
  const DATA = window.ASYNCSTAB_EXPLORER_DATA;
  const ENGINE = window.asyncstabExplorer;
  if (!DATA || !ENGINE) return;
  const { evaluate, fmt } = ENGINE;

  // ------------------------------------------------------------ the setting
  const CONTROL = Object.fromEntries(DATA.controls.map((c) => [c.name, c]));
  const state = {
    x: "max_delay",
    schedule: "both",
    loss: "convex",
    aggregation: "mean",
    values: Object.fromEntries(DATA.controls.map((c) => [c.name, c.start])),
  };
  const CHOICES = {
    schedule: { both: "both (eta for constant-step theorems, c for c/t)", constant: "constant step eta", decaying: "eta_t = c/t" },
    loss: { convex: "convex", "strongly-convex": "strongly convex", nonconvex: "nonconvex (bounded)" },
    aggregation: { mean: "mean (averaged)", sum: "sum" },
  };

  /** Why a theorem does not apply to the explorer's setting, beyond its own checks. */
  function setting(t, values) {
    if (state.schedule !== "both" && t.schedule !== state.schedule)
      return { reason: t.schedule === "constant"
        ? "stated for a constant step eta; the schedule chosen is eta_t = c/t"
        : "stated for steps eta_t <= c/t; the schedule chosen is a constant step" };
    const why = t.applicability[`${state.loss}|${values.max_delay > 0 ? 1 : 0}`];
    if (why) return { reason: why };
    const extra = [];
    if (values.n_workers !== 1) extra.push(`n_workers=${values.n_workers}`);
    if (values.batch_size !== 1) extra.push(`batch_size=${values.batch_size}`);
    if (t.oneGradient && extra.length)
      return { reason: `stated for one single-sample gradient per update, not for ${extra.join(", ")}; delayed-ncvx-workers and delayed-cvx-workers cover such protocols` };
    const params = {};
    for (const k of [...t.accepted, ...t.options])
      if (k in values && k !== "step_weight" && k !== "arrivals") params[k] = values[k];
    if (t.options.includes("aggregation")) params.aggregation = state.aggregation;
    return { params };
  }

  /** A theorem at the current setting (or with some values replaced). */
  function explore(key, overrides) {
    const t = DATA.theorems[key];
    const values = Object.assign({}, state.values, overrides || {});
    const s = setting(t, values);
    if (s.reason) return { value: null, reason: s.reason, vacuous: false, range: null };
    return evaluate(key, s.params);
  }

  function toHash() {
    const q = new URLSearchParams();
    for (const k of ["x", "schedule", "loss", "aggregation"]) q.set(k, state[k]);
    for (const [k, v] of Object.entries(state.values)) q.set(k, String(v));
    return "#" + q.toString();
  }

  function fromHash(hash) {
    const q = new URLSearchParams((hash || "").replace(/^#/, ""));
    if (q.has("x") && q.get("x") in CONTROL) state.x = q.get("x");
    for (const k of ["schedule", "loss", "aggregation"])
      if (q.has(k) && q.get(k) in CHOICES[k]) state[k] = q.get(k);
    for (const c of DATA.controls) {
      const v = Number(q.get(c.name));
      if (q.has(c.name) && Number.isFinite(v)) state.values[c.name] = c.int ? Math.round(v) : v;
    }
  }

  // ------------------------------------------------------------ drawing
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79"];
  const W = 760, H = 420, M = { l: 64, r: 16, t: 14, b: 44 };
  const el = (tag, attrs, parent, ns) => {
    const e = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  };

  function sliderToValue(c, s) {
    const u = s / 1000;
    let v = c.log ? c.low * Math.pow(c.high / c.low, u) : c.low + (c.high - c.low) * u;
    if (c.int) v = Math.round(v);
    return c.int ? v : Number(v.toPrecision(4));
  }
  function valueToSlider(c, v) {
    const u = c.log ? Math.log(v / c.low) / Math.log(c.high / c.low) : (v - c.low) / (c.high - c.low);
    return Math.round(1000 * Math.min(1, Math.max(0, u)));
  }

  function grid(c) {
    const xs = [];
    for (let i = 0; i <= 200; i++) {
      const v = c.log ? c.low * Math.pow(c.high / c.low, i / 200) : c.low + ((c.high - c.low) * i) / 200;
      xs.push(c.int ? Math.round(v) : v);
    }
    return [...new Set(xs)];
  }

  function draw(root) {
    const c = CONTROL[state.x];
    const keys = Object.keys(DATA.theorems);
    const xs = grid(c);
    const curves = keys.map((k) => xs.map((x) => explore(k, { [state.x]: x }).value));
    const B = state.values.loss_bound;
    const finite = curves.flat().filter((v) => v !== null && v > 0);
    let lo = Math.floor(Math.log10(Math.min(B, ...finite)) - 0.2);
    let hi = Math.ceil(Math.log10(Math.max(B, ...finite)) + 0.2);
    lo = Math.max(lo, hi - 30); // at most 30 decades: the rest is off the plot
    const xlo = c.log ? Math.log10(c.low) : c.low, xhi = c.log ? Math.log10(c.high) : c.high;
    const px = (x) => M.l + ((W - M.l - M.r) * ((c.log ? Math.log10(x) : x) - xlo)) / (xhi - xlo);
    const py = (y) => M.t + ((H - M.t - M.b) * (hi - Math.log10(y))) / (hi - lo);
    const svg = root.querySelector("svg.asyncstab-plot");
    svg.replaceChildren();
    el("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: Math.max(0, py(B) - M.t), class: "vacuous" }, svg, true);
    el("text", { x: W - M.r - 6, y: M.t + 14, "text-anchor": "end", class: "vacuous-label" }, svg, true)
      .textContent = `vacuous: bound >= B = ${fmt(B)}`;
    for (let d = lo; d <= hi; d++) {
      el("line", { x1: M.l, x2: W - M.r, y1: py(10 ** d), y2: py(10 ** d), class: "grid" }, svg, true);
      el("text", { x: M.l - 6, y: py(10 ** d) + 4, "text-anchor": "end" }, svg, true).textContent = `1e${d}`;
    }
    const ticks = c.log ? [] : [0, 0.25, 0.5, 0.75, 1].map((u) => c.low + u * (c.high - c.low));
    if (c.log) for (let d = Math.ceil(xlo); d <= Math.floor(xhi); d++) ticks.push(10 ** d);
    for (const x of ticks) {
      el("line", { x1: px(x), x2: px(x), y1: M.t, y2: H - M.b, class: "grid" }, svg, true);
      const e = Math.round(Math.log10(x)); // a decade of a log axis: 1e6, not 1.000e+6
      el("text", { x: px(x), y: H - M.b + 16, "text-anchor": "middle" }, svg, true)
        .textContent = c.log && (e < -3 || e > 4) ? `1e${e}` : fmt(x);
    }
    el("text", { x: (W + M.l) / 2, y: H - 6, "text-anchor": "middle" }, svg, true).textContent = c.label;
    el("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "frame" }, svg, true);
    const now = state.values[state.x];
    el("line", { x1: px(now), x2: px(now), y1: M.t, y2: H - M.b, class: "now" }, svg, true);
    keys.forEach((k, i) => {
      const color = COLORS[i % COLORS.length];
      const pts = xs.map((x, j) => [x, curves[i][j]]);
      let d = "";
      pts.forEach(([x, y], j) => {
        const on = y !== null && y > 0 && Math.log10(y) >= lo;
        if (!on) return;
        const prev = j > 0 ? pts[j - 1][1] : null;
        const next = j + 1 < pts.length ? pts[j + 1][1] : null;
        const joined = prev !== null && prev > 0 && Math.log10(prev) >= lo;
        d += `${joined ? "L" : "M"}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
        if (!joined && (next === null || !(next > 0)))
          el("circle", { cx: px(x), cy: py(y), r: 3, fill: color, "data-key": k }, svg, true);
      });
      // part-3 theorems dashed: at one worker they coincide with their one-gradient form
      const dash = DATA.theorems[k].options.length ? { "stroke-dasharray": "6 4" } : {};
      if (d) el("path", { d, stroke: color, fill: "none", class: "curve", "data-key": k, ...dash }, svg, true);
    });
    legend(root);
  }

  function legend(root) {
    const body = root.querySelector("tbody");
    body.replaceChildren();
    Object.entries(DATA.theorems).forEach(([k, t], i) => {
      const r = explore(k);
      const tr = el("tr", { "data-key": k, class: r.value === null ? "na" : "" }, body);
      el("span", { class: "swatch", style: `background:${COLORS[i % COLORS.length]}` }, el("td", {}, tr));
      const a = el("a", { href: t.href }, el("td", {}, tr));
      a.textContent = `${t.registry} ${t.key}`;
      el("td", {}, tr).textContent = t.quantityLabel;
      const v = el("td", { class: "value" }, tr);
      if (r.value === null) v.textContent = `not applicable: ${r.reason}`;
      else v.textContent = fmt(r.value) + (r.vacuous ? ` (vacuous: >= ${fmt(r.range)})` : "");
    });
  }

  function build(root) {
    root.replaceChildren();
    const form = el("div", { class: "controls" }, root);
    const choice = (name, text) => {
      const label = el("label", {}, form);
      label.append(text + " ");
      const sel = el("select", { name }, label);
      for (const [v, t] of Object.entries(CHOICES[name])) el("option", { value: v }, sel).textContent = t;
      sel.value = state[name];
      sel.addEventListener("change", () => { state[name] = sel.value; update(root); });
    };
    const xl = el("label", {}, form);
    xl.append("x-axis ");
    const xsel = el("select", { name: "x" }, xl);
    for (const c of DATA.controls) el("option", { value: c.name }, xsel).textContent = c.label;
    xsel.value = state.x;
    xsel.addEventListener("change", () => { state.x = xsel.value; update(root); });
    choice("schedule", "schedule");
    choice("loss", "loss");
    choice("aggregation", "workers' aggregation");
    const table = el("div", { class: "sliders" }, root);
    for (const c of DATA.controls) {
      const row = el("div", { class: "slider" }, table);
      el("span", {}, row).textContent = c.label + (c.log ? " (log)" : "");
      const range = el("input", { type: "range", min: 0, max: 1000, name: c.name }, row);
      const num = el("input", { type: "number", step: "any", name: c.name, class: "number" }, row);
      range.value = valueToSlider(c, state.values[c.name]);
      num.value = state.values[c.name];
      range.addEventListener("input", () => {
        state.values[c.name] = sliderToValue(c, Number(range.value));
        num.value = state.values[c.name];
        update(root);
      });
      num.addEventListener("change", () => {
        const v = Number(num.value);
        if (!Number.isFinite(v)) return;
        state.values[c.name] = c.int ? Math.round(v) : v;
        range.value = valueToSlider(c, state.values[c.name]);
        update(root);
      });
    }
    el("svg", { class: "asyncstab-plot", viewBox: `0 0 ${W} ${H}`, role: "img" }, root, true);
    const table2 = el("table", { class: "theorems" }, root);
    const head = el("tr", {}, el("thead", {}, table2));
    for (const h of ["", "theorem", "bounds", "value at the setting"]) el("th", {}, head).textContent = h;
    el("tbody", {}, table2);
  }

  function sync(root) {
    for (const k of ["x", "schedule", "loss", "aggregation"]) root.querySelector(`select[name="${k}"]`).value = state[k];
    for (const c of DATA.controls) {
      root.querySelector(`input[type=range][name="${c.name}"]`).value = valueToSlider(c, state.values[c.name]);
      root.querySelector(`input.number[name="${c.name}"]`).value = state.values[c.name];
    }
  }

  function update(root) {
    history.replaceState(null, "", toHash());
    draw(root);
    api.drawn += 1;
  }

  const api = Object.assign(ENGINE, {
    explore,
    state: () => JSON.parse(JSON.stringify(state)),
    hash: toHash,
    drawn: 0,
    drawnAt: null,
  });

  function start() {
    const root = document.getElementById("asyncstab-explorer");
    if (!root) return;
    fromHash(location.hash);
    build(root);
    update(root);
    api.drawnAt = performance.now();
    window.addEventListener("hashchange", () => {
      if (location.hash === toHash()) return;
      fromHash(location.hash);
      sync(root);
      update(root);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
