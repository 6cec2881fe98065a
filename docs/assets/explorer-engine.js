// The bound explorer's evaluation: a theorem's value at a setting, or null with
// the reason (docs/sitegen/explorer.py writes the page and its data).
//
// Nothing about a theorem is written here: its closed form, its conditions and
// the validation tables come from window.ASYNCSTAB_EXPLORER_DATA, generated from
// the registry when the site is built. This file applies them the way
// bounds.Theorem.evaluate does (bounds/_conditions.py, bounds/_protocol.py,
// bounds/_closed_form.py). explorer.js draws the page with it.
(function () {
  "use strict";
  const DATA = window.ASYNCSTAB_EXPLORER_DATA;
  if (!DATA) return;

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

  window.asyncstabExplorer = { evaluate, fmt, theorems: Object.keys(DATA.theorems) };
})();
