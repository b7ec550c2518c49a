// The explorer page: a sortable, filterable latent table and a panel per latent (#sae/12 or #other/3).
// Every token string is untrusted text: it only ever reaches the page through textContent.
"use strict";
(function () {
  const D = window.SAESTITCH_EXPLORE;
  const compare = !!D.other;
  const columns = [
    ["id", "latent", v => String(v)],
    ...(compare ? [["class", "class", v => v], ["max_cos", "max cos", fix(3)], ["match", "best match", v => String(v)],
      ["family_size", "family size", v => v ? String(v) : ""], ["delta_mse", "Δmse", v => v == null ? "" : v.toPrecision(3)]] : []),
    ["freq", "frequency", v => v.toExponential(2)], ["mean", "mean when firing", v => v == null ? "" : v.toPrecision(3)]];
  function fix(n) { return v => v == null ? "" : v.toFixed(n); }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  const familySize = f => f == null ? 0 : D.families[f].small.length + D.families[f].large.length;
  const rows = D.sae.latents.map(l => Object.assign({}, l, { family_size: compare ? familySize(l.family) : 0 }));
  let sortKey = "id", ascending = true;

  document.getElementById("summary").textContent = D.sae.name + ": " + D.sae.latents.length + " latents over " + D.rows + " rows"
    + (compare ? "; compared with " + D.other.name + " (θ = " + D.threshold + ")" : "")
    + (D.contexts_available ? "" : "; contexts are unavailable (no token provenance beside the activations)");

  const head = document.querySelector("#latents thead tr");
  for (const [key, label] of columns) {
    const th = el("th", null, label);
    th.dataset.key = key;
    th.addEventListener("click", () => { ascending = sortKey === key ? !ascending : key === "id"; sortKey = key; renderTable(); });
    head.appendChild(th);
  }
  document.getElementById("filter").addEventListener("input", renderTable);
  document.getElementById("classFilter").addEventListener("change", renderTable);

  function renderTable() {
    const text = document.getElementById("filter").value.trim().toLowerCase();
    const cls = document.getElementById("classFilter").value;
    const shown = rows.filter(r => (!cls || r.class === cls)
      && (!text || String(r.id) === text || (r.class || "").startsWith(text) || ("f" + r.family) === text));
    const sign = ascending ? 1 : -1;
    shown.sort((a, b) => {
      const x = a[sortKey], y = b[sortKey];
      if (x == null || y == null) return (x == null) - (y == null);
      return (x < y ? -1 : x > y ? 1 : a.id - b.id) * sign;
    });
    for (const th of head.children) {
      th.classList.toggle("sorted", th.dataset.key === sortKey);
      th.classList.toggle("asc", th.dataset.key === sortKey && ascending);
    }
    const body = document.querySelector("#latents tbody");
    body.replaceChildren(...shown.map(r => {
      const tr = el("tr");
      tr.dataset.latent = r.id;
      for (const [key, , format] of columns) {
        const td = el("td", key === "class" ? r.class : null, format(r[key]));
        tr.appendChild(td);
      }
      tr.addEventListener("click", () => { location.hash = "sae/" + r.id; });
      return tr;
    }));
    document.getElementById("shown").textContent = shown.length + " of " + rows.length;
  }

  function contextLine(hit) {
    const [value, row] = hit;
    const div = el("div", "context");
    div.appendChild(el("span", "value", value.toPrecision(3)));
    const ctx = D.contexts[row];
    if (!ctx) { div.appendChild(el("span", null, "row " + row)); return div; }
    ctx.tokens.forEach((id, t) => {
      const span = el("span", "tok", D.vocab[id]);
      if (t === ctx.focus) {
        span.classList.add("fire");
        span.style.backgroundColor = "rgba(234, 88, 12, " + Math.min(1, 0.25 + 0.75 * hit.strength).toFixed(2) + ")";
        span.title = "activation " + value + " (row " + row + ", document " + ctx.doc + ", position " + ctx.position + ")";
      }
      div.appendChild(span);
    });
    return div;
  }

  function hitsBlock(latent, hits, cls) {
    const max = latent.top.length ? latent.top[0][0] : 1;
    const box = el("div", cls);
    for (const h of hits) { const hit = h.slice(); hit.strength = h[0] / max; box.appendChild(contextLine(hit)); }
    return box;
  }

  function histogram(latent) {
    const box = el("div", "hist");
    const peak = Math.max(1, ...latent.hist);
    latent.hist.forEach((n, b) => {
      const bar = el("div");
      bar.style.height = (100 * n / peak) + "%";
      const lo = b === 0 ? 0 : D.bins[b - 1], hi = b < D.bins.length ? D.bins[b] : Infinity;
      bar.title = n + " firings in [" + lo.toPrecision(2) + ", " + (isFinite(hi) ? hi.toPrecision(2) : "∞") + ")";
      box.appendChild(bar);
    });
    return box;
  }

  function renderPanel(which, id) {
    const panel = document.getElementById("panel");
    const sae = D[which];
    const latent = sae && sae.latents[id];
    if (!latent) { panel.hidden = true; return; }
    panel.hidden = false;
    for (const tr of document.querySelectorAll("#latents tbody tr")) tr.classList.toggle("selected", which === "sae" && tr.dataset.latent == id);
    const parts = [el("h2", null, (which === "sae" ? "" : D.other.name + " ") + "latent " + id + (latent.class ? " (" + latent.class + ")" : "")),
      el("p", null, "fires on " + latent.fired + " rows (" + (100 * latent.freq).toFixed(3) + "%), mean " + (latent.mean == null ? "–" : latent.mean.toPrecision(3))
        + (latent.max_cos != null ? "; max cos " + latent.max_cos.toFixed(3) + " with latent " + latent.match : "")
        + (latent.delta_mse != null ? "; Δmse " + latent.delta_mse.toPrecision(3) : ""))];
    if (!D.contexts_available) parts.push(el("p", "note", "Contexts are unavailable: the activations have no token provenance beside them."));
    parts.push(el("h3", null, "Top activations"), hitsBlock(latent, latent.top, "top"));
    if (latent.quantiles.length) parts.push(el("h3", null, "Samples at activation quantiles"), hitsBlock(latent, latent.quantiles, "quantiles"));
    parts.push(el("h3", null, "Activation histogram (log bins)"), histogram(latent));
    if (compare && latent.family != null) {
      const fam = D.families[latent.family];
      const members = el("div", "family");
      const roleOf = r => D.sae.role === r ? "sae" : "other";
      for (const [role, ids] of [["small", fam.small], ["large", fam.large]])
        for (const j of ids) {
          const m = D[roleOf(role)].latents[j];
          const box = el("div", "member");
          const link = el("a", null, role + " latent " + j);
          link.href = "#" + roleOf(role) + "/" + j;
          const h4 = el("h4");
          h4.appendChild(link);
          box.append(h4, hitsBlock(m, m.top.slice(0, 5), "member-top"));
          members.appendChild(box);
        }
      parts.push(el("h3", null, "Family " + latent.family + " side by side"), members);
    }
    panel.replaceChildren(...parts);
  }

  function route() {
    const m = /^#(sae|other)\/(\d+)$/.exec(location.hash);
    if (m) renderPanel(m[1], Number(m[2]));
  }
  window.addEventListener("hashchange", route);
  renderTable();
  route();
})();
