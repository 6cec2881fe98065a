// The bound explorer (docs/sitegen/explorer.py writes the page and its data).
//
// Nothing about a theorem is written here: its closed form, its conditions and
// the validation tables come from window.ASYNCSTAB_EXPLORER_DATA, generated from
// the registry when the site is built. This file applies them the way
// bounds.Theorem.evaluate does (bounds/_conditions.py, bounds/_protocol.py,
// bounds/_closed_form.py) and draws the result as SVG. No library, no network.
(function () {
  "use strict";
  const DATA = window.ASYNCSTAB_EXPLORER_DATA;
  if (!DATA) return;

  // ------------------------------------------------------------ evaluation
  class Refusal extends Error {}
  const refuse = (msg) => { throw new Refusal(msg); };
  const given = (v) => v !== undefined && v !== null;
  const shown = (v) => (typeof v === "string" ? `'${v}'` : String(v));

  function checkInt(value, name, min) {
    if (typeof value !== "number" || !Number.isFinite(value) || value !== Math.trunc(value))
      refuse(`${name}=${shown(value)} must be an integer`);
    if (min !== undefined && value < min) refuse(`${name}=${value} must be >= ${min}`);
    return value;
  }

  function checkParameter(name, value) {
    const rule = DATA.rules[name];
    if (rule.int) checkInt(value, name);
    else if (typeof value !== "number" || !Number.isFinite(value))
      refuse(`${name}=${shown(value)} must be a finite real number`);
    if (rule.strict ? value <= rule.min : value < rule.min)
      refuse(`${name}=${value} must be ${rule.strict ? ">" : ">="} ${rule.min}`);
    return value;
  }

  // bounds.protocol_constants: (n_workers, aggregation, period) -> K, M, tau.
  function protocolConstants(nWorkers, aggregation, period, maxDelay) {
    const W = checkInt(nWorkers, "n_workers", 1);
    if (given(aggregation)) {
      if (!DATA.aggregations.includes(aggregation))
        refuse(`aggregation=${shown(aggregation)} must be one of ${DATA.aggregations.join(", ")}`);
    } else if (W > 1) refuse(`aggregation=None with n_workers=${W}: give 'mean' or 'sum'`);
    if (given(period)) {
      const d = checkInt(period, "period", 1);
      if (aggregation === "mean") refuse(`period=${d} with aggregation='mean'`);
      if (given(maxDelay)) refuse(`period=${d} and max_delay=${maxDelay} both given`);
      const k = Math.ceil(W / d);
      return { step_weight: k, arrivals: k, max_delay: d - 1 };
    }
    const tau = given(maxDelay) ? checkInt(maxDelay, "max_delay", 0) : 0;
    if (W === 1) return { step_weight: 1, arrivals: 1, max_delay: tau };
    return { step_weight: aggregation === "mean" ? 1 : W, arrivals: W, max_delay: tau };
  }

  // bounds._protocol.resolve_protocol: a part-3 theorem's descriptors as constants.
  function resolveProtocol(t, params) {
    const out = {};
    for (const [k, v] of Object.entries(params))
      if (v !== undefined && (v !== null || !DATA.descriptors.includes(k))) out[k] = v;
    if (!t.parameters.includes("step_weight")) return out;
    if ("clip" in out && out.clip === null) delete out.clip;
    if (t.noClipping && given(out.clip))
      refuse(`clip=${out.clip}: ${t.registry} ${t.key} assumes no clipping`);
    const described = DATA.descriptors.filter((k) => given(out[k]));
    const pair = ["step_weight", "arrivals"].filter((k) => t.parameters.includes(k));
    if (described.length) {
      const both = ["step_weight", "arrivals"].filter((k) => given(out[k]));
      if (both.length) refuse(`${both[0]} and ${described[0]} both given`);
      if (!given(out.n_workers)) refuse(`${described[0]} needs n_workers (missing)`);
      const derived = protocolConstants(out.n_workers, out.aggregation, out.period, out.max_delay);
      const period = out.period;
      for (const k of [...DATA.descriptors, "max_delay"]) delete out[k];
      if (given(period)) derived.max_delay = withinRun(derived.max_delay, out.n_steps);
      for (const [k, v] of Object.entries(derived)) if (t.parameters.includes(k)) out[k] = v;
    } else if (pair.length === 2 && pair.filter((k) => k in out).length === 1) {
      refuse(`${t.key} needs both step_weight and arrivals`);
    }
    for (const [k, v] of Object.entries(DATA.protocolDefaults))
      if (t.parameters.includes(k) && !(k in out)) out[k] = v;
    return out;
  }

  function withinRun(tau, T) {
    if (typeof T !== "number" || !Number.isFinite(T - 1) || T - 1 < 0) return tau;
    return Math.min(tau, Math.floor(T - 1));
  }

  // bounds._conditions.validate, then the closed form (bounds/_closed_form.py).
  function compute(t, raw) {
    const params = resolveProtocol(t, raw);
    const takes = [...t.accepted, ...t.optional, ...t.options];
    const unknown = Object.keys(params).filter((k) => !takes.includes(k)).sort();
    if (unknown.length) refuse(`${unknown[0]}=${shown(params[unknown[0]])} is not a parameter of ${t.label}`);
    const p = {};
    for (const [k, v] of Object.entries(params)) p[k] = checkParameter(k, v);
    for (const [k, v] of Object.entries(DATA.defaults)) if (!(k in p)) p[k] = v;
    for (const [k, source] of Object.entries(DATA.linked))
      if (t.parameters.includes(k) && !(k in p) && source in params) p[k] = p[source];
    const missing = t.parameters.filter((k) => !(k in p));
    if (missing.length) refuse(`${t.label} needs ${missing.join(", ")} (missing)`);
    for (const [small, large, why] of DATA.relations)
      if (given(p[small]) && given(p[large]) && p[small] > p[large])
        refuse(`${small}=${p[small]} must be <= ${large}=${p[large]} (${why})`);
    if ("n_steps" in p && p.max_delay > p.n_steps)
      refuse(`max_delay=${p.max_delay} must be <= n_steps=${p.n_steps}`);
    for (const c of t.conditions) {
      const left = c.lhs(p), right = c.rhs(p);
      const ok = c.op === "<=" ? left <= right : c.op === ">=" ? left >= right : left === right;
      if (!ok) refuse(`${c.name}=${p[c.name]} violates ${c.text} (= ${fmt(right)})`);
    }
    const fn = "gamma_split" in p && t.split ? t.split : t.value;
    let value = fn(p);
    let log10 = Math.log10(value);
    // A direct formula whose intermediate over- or underflowed: the hand-written
    // log of the bound, as bounds/_logspace.py falls back to it.
    if (!(Number.isFinite(value) && value > 0) && t.log && fn === t.value) {
      log10 = t.log(p) / Math.LN10;
      value = Math.exp(t.log(p));
    }
    if (Number.isNaN(log10)) refuse(`${t.key} has no finite float64 logarithm here`);
    if (log10 > DATA.log10Max || log10 < DATA.log10Min)
      refuse(`${t.key}'s bound is outside the float64 range (log10 = ${fmt(log10)})`);
    // bounds.Theorem.compute: vacuous at or above the loss range B (default 1 for
    // a bounded loss), or diameter^2 for on-average model stability.
    let range = given(raw.loss_bound) ? raw.loss_bound : t.boundedLoss ? DATA.defaults.loss_bound : null;
    if (t.quantity === "ON_AVERAGE_MODEL_STABILITY") range = p.diameter * p.diameter;
    return { value, reason: null, vacuous: range !== null && Math.log(value) >= Math.log(range), range };
  }

  /** A theorem's value at `params` (API names), or null with the reason. */
  function evaluate(key, params) {
    const t = DATA.theorems[key];
    if (!t) return { value: null, reason: `no theorem ${key}`, vacuous: false, range: null };
    try {
      return compute(t, params || {});
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      return { value: null, reason: err.message, vacuous: false, range: null };
    }
  }

  function fmt(x) {
    if (!Number.isFinite(x)) return String(x);
    const a = Math.abs(x);
    return a !== 0 && (a < 1e-4 || a >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
  }

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
      el("text", { x: px(x), y: H - M.b + 16, "text-anchor": "middle" }, svg, true).textContent = fmt(x);
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
      if (d) el("path", { d, stroke: color, fill: "none", class: "curve", "data-key": k }, svg, true);
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

  const api = {
    evaluate,
    explore,
    state: () => JSON.parse(JSON.stringify(state)),
    theorems: Object.keys(DATA.theorems),
    hash: toHash,
    drawn: 0,
    drawnAt: null,
  };
  window.asyncstabExplorer = api;

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
