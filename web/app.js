/*
 * app.js — the Ronda dashboard (docs/dashboard.md): campaigns now with a
 * timeline per campaign, a campaign page, incidents with filters, sites
 * with coverage, the daily summary, and triage for tokens that may write.
 *
 * Everything shown comes from /api/v1/ (the token is kept in sessionStorage
 * and sent as Authorization: Bearer). Log lines, user agents, paths, site
 * names and titles are attacker-chosen or operator-chosen text: every one
 * reaches the page through textContent or a text node (h() below), never
 * innerHTML; the SVG is built with createElementNS. The server's CSP
 * (Trusted Types, no inline script) makes any slip an error, not a hole.
 */
'use strict';
(function () {
  const I18N = window.RONDA_I18N;
  const TOKEN_KEY = 'ronda.token';
  const LANG_KEY = 'ronda.lang';
  const REFRESH_MS = 60000;
  const TIMELINE_MAX = 12;	/* campaigns drawn on the first page */

  let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'id';
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let me = null;		/* {name, can_write} */
  let sites = new Map();	/* id -> site object (zone, agency) */
  let renderSeq = 0;
  let refreshTimer = null;

  /* ---- words ---------------------------------------------------------- */

  function t(key, ...args) {
    let s = I18N[lang][key];
    if (s === undefined) s = I18N.id[key];
    if (s === undefined) s = key;
    args.forEach((a, i) => { s = s.split('{' + i + '}').join(String(a)); });
    return s;
  }
  function tOr(prefix, v) {	/* a translated enum value, or the value itself */
    const k = prefix + '.' + v;
    return I18N[lang][k] !== undefined ? I18N[lang][k] : String(v);
  }
  function applyStatic() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => {
      el.textContent = t(el.dataset.i18n);
    });
    document.getElementById('lang').textContent = t('lang.other');
  }

  /* ---- DOM ------------------------------------------------------------- */

  /* h('a', {href: '#/x', class: 'y'}, 'text', child): strings become text nodes. */
  function h(tag, attrs, ...kids) {
    return build(document.createElement(tag), attrs, kids);
  }
  const SVGNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, ...kids) {
    return build(document.createElementNS(SVGNS, tag), attrs, kids);
  }
  function build(el, attrs, kids) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    append(el, kids);
    return el;
  }
  function append(el, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined || k === false) continue;
      el.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
    }
  }
  function main() { return document.getElementById('main'); }
  function show(...nodes) { main().replaceChildren(...nodes.flat(Infinity).filter(Boolean)); }
  function badge(cls, text, title) { return h('span', { class: 'badge ' + cls, title }, text); }
  function sevBadge(sev) { return badge('sev-' + sev, tOr('sev', sev)); }
  function section(title, ...body) { return h('section', { class: 'panel' }, h('h2', null, title), body); }
  function table(cls, heads, rows) {
    if (rows.length === 0) return h('p', { class: 'muted' }, t('none'));
    return h('table', { class: cls },
      h('thead', null, h('tr', null, heads.map((x) => h('th', null, x)))),
      h('tbody', null, rows));
  }
  function hashLink(hash, text, cls) { return h('a', { href: hash, class: cls }, text); }
  function campaignHref(id) { return '#/campaign/' + encodeURIComponent(id); }
  function incidentHref(id) { return '#/incident/' + encodeURIComponent(id); }

  /* ---- time ------------------------------------------------------------ */

  /* Indonesia's three zones have kept one offset since 1964. */
  const ZONES = { 'Asia/Jakarta': ['WIB', 7], 'Asia/Pontianak': ['WIB', 7],
    'Asia/Makassar': ['WITA', 8], 'Asia/Jayapura': ['WIT', 9] };
  function zoneAbbr(tz) {
    if (!tz) return 'UTC';
    return ZONES[tz] ? ZONES[tz][0] : tz;
  }
  function ms(iso) { return iso ? Date.parse(iso) : NaN; }
  function fmtUTC(v) {
    const d = new Date(v);
    return isNaN(d) ? '' : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  }
  function localParts(v, tz) {	/* "YYYY-MM-DD HH:MM:SS" in tz */
    if (tz && ZONES[tz]) return new Date(v + ZONES[tz][1] * 3600e3).toISOString().replace('T', ' ').slice(0, 19);
    if (tz) {
      try {
        return new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit',
          day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(v));
      } catch (e) { /* an unknown zone: UTC below */ }
    }
    return new Date(v).toISOString().replace('T', ' ').slice(0, 19);
  }
  function fmtLocal(iso, tz) {
    const v = ms(iso);
    if (isNaN(v)) return '—';
    const known = tz && (ZONES[tz] || validZone(tz));
    return localParts(v, known ? tz : null) + ' ' + (known ? zoneAbbr(tz) : 'UTC');
  }
  function validZone(tz) {
    try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch (e) { return false; }
  }
  /* <time> in the site's zone, UTC on hover. */
  function timeEl(iso, tz) {
    if (!iso) return h('span', { class: 'muted' }, '—');
    return h('time', { datetime: iso, title: fmtUTC(ms(iso)) }, fmtLocal(iso, tz));
  }
  function siteZone(site) { const x = sites.get(site); return x ? x.timezone : null; }
  function ago(msv) {
    if (msv === null || msv === undefined) return '—';
    const sec = Math.round(msv / 1000);
    if (sec < 90) return sec + ' s';
    if (sec < 5400) return Math.round(sec / 60) + ' min';
    if (sec < 172800) return Math.round(sec / 3600) + ' h';
    return Math.round(sec / 86400) + ' d';
  }

  /* ---- the API --------------------------------------------------------- */

  class ApiError extends Error {
    constructor(status, msg) { super(msg); this.status = status; }
  }
  async function api(path, opts) {
    const init = { method: 'GET', headers: { Authorization: 'Bearer ' + token },
      cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
    if (opts && opts.body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    const r = await fetch('api/v1/' + path, init);
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (r.status === 401 && !(opts && opts.login)) {
      logout(t('login.expired'));
      throw new ApiError(401, t('login.expired'));
    }
    if (!r.ok) {
      const m = body && (body.message || body.error) ? (body.message || body.error) : 'HTTP ' + r.status;
      throw new ApiError(r.status, m);
    }
    return body;
  }
  function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) u.set(k, v);
    const x = u.toString();
    return x ? '?' + x : '';
  }

  /* ---- sign in --------------------------------------------------------- */

  async function login(tok) {
    token = tok;
    const r = await api('sites', { login: true });
    sessionStorage.setItem(TOKEN_KEY, tok);
    setSites(r.sites);
    await loadWhoami();
  }
  async function loadWhoami() {
    me = { name: null, can_write: false };
    try {
      const w = await api('whoami');
      if (w && typeof w === 'object') me = { name: w.name || null, can_write: w.can_write === true };
    } catch (e) {
      if (e.status === 401) throw e;
      /* 404: a server without triage: the page stays read-only. */
    }
    const el = document.getElementById('whoami');
    el.textContent = me.name ? me.name + ' · ' + (me.can_write ? t('analyst') : t('readonly'))
      : (me.can_write ? t('analyst') : t('readonly'));
    el.dataset.canWrite = me.can_write ? '1' : '0';
  }
  function setSites(list) {
    sites = new Map();
    for (const x of list || []) sites.set(x.id, x);
  }
  function logout(msg) {
    token = '';
    me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById('nav').hidden = true;
    document.getElementById('logout').hidden = true;
    document.getElementById('whoami').textContent = '';
    main().replaceChildren();
    document.getElementById('login').hidden = false;
    document.getElementById('login-error').textContent = msg || '';
    document.getElementById('token').focus();
  }
  function signedIn() {
    document.getElementById('login').hidden = true;
    document.getElementById('nav').hidden = false;
    document.getElementById('logout').hidden = false;
    route();
  }

  /* ---- routing --------------------------------------------------------- */

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const parts = path.split('/').map(decodeURIComponent);
    return { view: parts[0] || 'campaigns', id: parts[1] || null, params };
  }
  async function route() {
    if (!token) return;
    const r = parseHash();
    const seq = ++renderSeq;
    const navView = { campaign: 'campaigns', incident: 'incidents' }[r.view] || r.view;
    document.querySelectorAll('#nav a').forEach((a) => {
      a.classList.toggle('current', a.dataset.view === navView);
    });
    clearTimeout(refreshTimer);
    show(h('p', { class: 'muted' }, t('loading')));
    const views = { campaigns: viewCampaigns, campaign: viewCampaign, incidents: viewIncidents,
      incident: viewIncident, sites: viewSites, summary: viewSummary };
    const fn = views[r.view] || viewCampaigns;
    try {
      const nodes = await fn(r);
      if (seq !== renderSeq) return;	/* a newer view was asked for meanwhile */
      show(nodes);
      main().dataset.view = r.view;
      if (['campaigns', 'sites', 'summary'].includes(r.view)) {
        refreshTimer = setTimeout(() => {
          if (seq === renderSeq && document.visibilityState === 'visible' &&
              !main().contains(document.activeElement)) route();
        }, REFRESH_MS);
      }
    } catch (e) {
      if (seq !== renderSeq || e.status === 401) return;
      show(h('p', { class: 'error', role: 'alert' }, t('error', e.message)));
    }
  }
  function header(title, ...extra) {
    return h('div', { class: 'viewhead' }, h('h1', null, title), extra,
      h('span', { class: 'muted updated' }, t('updated', new Date().toLocaleTimeString(lang === 'en' ? 'en-GB' : 'id-ID'))),
      h('button', { type: 'button', class: 'small', onclick: () => route() }, t('refresh')));
  }

  /* ---- the timeline picture ------------------------------------------- */

  const KIND_STYLE = {	/* colour and shape by incident kind */
    webshell: ['#c0392b', 'diamond'], defacement: ['#8e44ad', 'diamond'], gambling: ['#d35400', 'square'],
    sqli: ['#e84393', 'triangle'], rce: ['#b33939', 'triangle'], lfi: ['#6c5ce7', 'triangle'],
    compromise: ['#000000', 'star'], ssh_bruteforce: ['#2471a3', 'circle'], ftp_bruteforce: ['#1abc9c', 'circle'],
    mail_bruteforce: ['#16a085', 'circle'], smtp_bruteforce: ['#0e6655', 'circle'],
    sudo_bruteforce: ['#5d6d7e', 'circle'], su_bruteforce: ['#7f8c8d', 'circle'],
    password_spray: ['#3498db', 'square'], cms_bruteforce: ['#27ae60', 'square'], scan: ['#95a5a6', 'circle'],
    flood: ['#f39c12', 'square'], http_5xx_surge: ['#a04000', 'square'], silent_site: ['#34495e', 'square'],
    webshell_file: ['#922b21', 'diamond'], gambling_injection: ['#e67e22', 'diamond'],
    cloaking: ['#ca6f1e', 'triangle'], bulk_change: ['#aab7b8', 'square'],
  };
  function kindStyle(kind) { return KIND_STYLE[kind] || ['#555555', 'circle']; }
  function shape(kind, x, y, r, attrs) {
    const [fill, form] = kindStyle(kind);
    const a = Object.assign({ fill, stroke: '#ffffff', 'stroke-width': 0.8 }, attrs);
    switch (form) {
      case 'square': return s('rect', Object.assign({ x: x - r, y: y - r, width: 2 * r, height: 2 * r }, a));
      case 'diamond': return s('polygon', Object.assign({ points: `${x},${y - r - 1} ${x + r + 1},${y} ${x},${y + r + 1} ${x - r - 1},${y}` }, a));
      case 'triangle': return s('polygon', Object.assign({ points: `${x},${y - r - 1} ${x + r + 1},${y + r} ${x - r - 1},${y + r}` }, a));
      case 'star': {
        const p = [];
        for (let i = 0; i < 10; i++) {
          const rr = i % 2 ? r * 0.5 : r + 1.5, ang = Math.PI / 5 * i - Math.PI / 2;
          p.push((x + rr * Math.cos(ang)).toFixed(1) + ',' + (y + rr * Math.sin(ang)).toFixed(1));
        }
        return s('polygon', Object.assign({ points: p.join(' ') }, a));
      }
      default: return s('circle', Object.assign({ cx: x, cy: y, r }, a));
    }
  }
  const STEPS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((x) => x * 1000);

  /*
   * Sites as rows in the order they were hit (the API's order), event time
   * across, one mark per incident at its first event and a bar to its last;
   * each row labelled with the site's zone; the axis in the sites' zone when
   * they share one, UTC otherwise.
   */
  function timeline(c, opts) {
    const compact = opts && opts.compact;
    const rows = (c.sites || []).map((x) => (typeof x === 'string' ? { site: x } : x));
    const incs = c.incidents || [];
    let t0 = ms(c.first_seen), t1 = ms(c.last_seen);
    for (const i of incs) {
      if (ms(i.first_seen) < t0) t0 = ms(i.first_seen);
      if (ms(i.last_seen) > t1) t1 = ms(i.last_seen);
    }
    if (!(t1 > t0)) t1 = t0 + 60000;
    const zoneOf = (r) => r.timezone || siteZone(r.site);
    const zones = new Set(rows.map(zoneOf));
    const axisZone = zones.size === 1 ? [...zones][0] : null;
    const rowH = compact ? 16 : 22, labelW = compact ? 250 : 300, W = 1000, top = 8, axisH = 26;
    const H = top + rows.length * rowH + axisH;
    const x = (v) => labelW + 8 + (W - labelW - 24) * (v - t0) / (t1 - t0);
    const svg = s('svg', { class: 'timeline' + (compact ? ' compact' : ''), viewBox: `0 0 ${W} ${H}`,
      role: 'img', 'aria-label': t('timeline'), dataset: { campaign: c.id, rows: rows.length } });
    const span = t1 - t0;
    const step = STEPS.find((st) => span / st <= 8) || STEPS[STEPS.length - 1];
    const off = axisZone && ZONES[axisZone] ? ZONES[axisZone][1] * 3600e3 : 0;
    const grid = s('g', { class: 'axis' });
    for (let v = Math.ceil((t0 + off) / step) * step - off; v <= t1; v += step) {
      const px = x(v);
      grid.appendChild(s('line', { x1: px, x2: px, y1: top, y2: H - axisH + 4, class: 'gridline' }));
      const lab = localParts(v, axisZone && (ZONES[axisZone] || validZone(axisZone)) ? axisZone : null);
      grid.appendChild(s('text', { x: px, y: H - axisH + 17, 'text-anchor': 'middle', class: 'tick' },
        step >= 86400e3 ? lab.slice(5, 10) : lab.slice(11, 16)));
    }
    grid.appendChild(s('text', { x: 4, y: H - axisH + 17, class: 'tick zone' }, localParts(t0,
      axisZone && (ZONES[axisZone] || validZone(axisZone)) ? axisZone : null).slice(0, 10) +
      ' (' + (axisZone ? zoneAbbr(axisZone) : 'UTC') + ')'));
    svg.appendChild(grid);
    const byRow = new Map(rows.map((r, i) => [r.site, i]));
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      const zone = zoneOf(r);
      const g = s('g', { class: 'row', dataset: { site: r.site, index: i, zone: zoneAbbr(zone) } });
      g.appendChild(s('rect', { x: 0, y, width: W, height: rowH, class: i % 2 ? 'band odd' : 'band' }));
      const label = s('text', { x: 4, y: y + rowH * 0.7, class: 'label' });
      label.appendChild(s('tspan', { class: 'order' }, (i + 1) + '. '));
      label.appendChild(s('tspan', { class: 'site' }, r.site));
      label.appendChild(s('tspan', { class: 'zone', dx: 6 }, zoneAbbr(zone)));
      label.appendChild(s('title', null, [r.site, r.agency, r.region, zone].filter(Boolean).join(' · ')));
      g.appendChild(label);
      svg.appendChild(g);
    });
    const marks = s('g', { class: 'marks' });
    for (const inc of incs) {
      const i = byRow.get(inc.site);
      if (i === undefined) continue;
      const y = top + i * rowH + rowH / 2;
      const a = ms(inc.first_seen), b = ms(inc.last_seen);
      const zone = zoneOf(rows[i]);
      const [fill] = kindStyle(inc.kind);
      const g = s('g', { class: 'mark', tabindex: 0, dataset: { kind: inc.kind || '', incident: inc.id, site: inc.site },
        onclick: () => { location.hash = incidentHref(inc.id); },
        onkeydown: (ev) => { if (ev.key === 'Enter') location.hash = incidentHref(inc.id); } });
      if (b > a) g.appendChild(s('rect', { x: x(a), y: y - 1.5, width: Math.max(1, x(b) - x(a)), height: 3, fill, opacity: 0.35 }));
      g.appendChild(shape(inc.kind, x(a), y, compact ? 3.5 : 4.5));
      g.appendChild(s('title', null,
        `${tOr('kind', inc.kind)} · ${tOr('sev', inc.severity)} · ${inc.key || ''}\n` +
        `${inc.site}\n${fmtLocal(inc.first_seen, zone)} → ${fmtLocal(inc.last_seen, zone)}\n` +
        `UTC: ${fmtUTC(a)} → ${fmtUTC(b)}`));
      marks.appendChild(g);
    }
    svg.appendChild(marks);
    const kinds = [...new Set(incs.map((i) => i.kind))].sort();
    const legend = h('div', { class: 'legend', 'aria-label': t('legend') }, kinds.map((k) => {
      const sw = s('svg', { viewBox: '0 0 14 14', width: 14, height: 14, class: 'swatch' }, shape(k, 7, 7, 4.5));
      return h('span', { class: 'legend-item', dataset: { kind: k } }, sw, ' ', tOr('kind', k));
    }));
    return h('figure', { class: 'timeline-figure' }, svg, h('figcaption', null, legend,
      h('span', { class: 'muted help' }, t('timeline.help', axisZone ? zoneAbbr(axisZone) : 'UTC'))));
  }

  /* ---- campaigns now --------------------------------------------------- */

  const STATUS_ORDER = { active: 0, quiet: 1, candidate: 2, closed: 3, merged: 4 };
  function triageBadge(o) {
    if (!o.triage) return null;
    const tr = o.triage;
    return badge('triage tstate-' + tr.state, tOr('tstate', tr.state) + (tr.assignee ? ' · ' + tr.assignee : ''),
      tr.reason ? tOr('reason', tr.reason) : null);
  }
  function campaignMeta(c) {
    const zone = c.sites && c.sites[0] ? (c.sites[0].timezone || siteZone(c.sites[0].site)) : null;
    return h('div', { class: 'meta' },
      sevBadge(c.severity), badge('status st-' + c.status, tOr('st', c.status)),
      badge('kind', tOr('kind', c.kind)), c.link ? badge('link', tOr('linkshort', c.link)) : null, triageBadge(c),
      h('span', null, t('sites.count', c.site_count)), h('span', null, t('incidents.count', c.incident_count)),
      h('span', null, t('first_seen'), ': ', timeEl(c.first_seen, zone)),
      h('span', null, t('last_seen'), ': ', timeEl(c.last_seen, zone)));
  }
  async function viewCampaigns() {
    const r = await api('campaigns' + qs({ limit: 200 }));
    const list = r.campaigns.slice().sort((a, b) =>
      (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) || ms(b.last_seen) - ms(a.last_seen));
    const now = list.filter((c) => c.status === 'active' || c.status === 'quiet');
    const rest = list.filter((c) => !(c.status === 'active' || c.status === 'quiet'));
    const details = await Promise.all(now.slice(0, TIMELINE_MAX).map((c) =>
      api('campaigns/' + encodeURIComponent(c.id)).catch(() => null)));
    const cards = now.map((c, i) => h('article', { class: 'card campaign', dataset: { id: c.id, status: c.status } },
      h('h3', null, hashLink(campaignHref(c.id), c.title, 'title')),
      campaignMeta(c),
      details[i] ? timeline(details[i], { compact: true }) : null));
    const others = rest.map((c) => h('tr', { dataset: { id: c.id } },
      h('td', null, hashLink(campaignHref(c.id), c.title)), h('td', null, sevBadge(c.severity)),
      h('td', null, tOr('st', c.status)), h('td', { class: 'num' }, c.site_count),
      h('td', null, timeEl(c.last_seen, null))));
    return [header(t('campaigns.now'), h('span', { class: 'muted' }, t('campaigns.count', r.total))),
      section(t('campaigns.active'), cards.length ? h('div', { class: 'cards', id: 'campaign-list' }, cards)
        : h('p', { class: 'muted' }, t('campaigns.none'))),
      rest.length ? section(t('campaigns.closed'), table('list', [t('campaign'), t('severity'), t('status'),
        t('sites'), t('last_seen')], others)) : null];
  }

  /* ---- one campaign ---------------------------------------------------- */

  /* Which of the campaign's indicators show in a site's incidents or evidence. */
  function siteWhy(c, site) {
    const incs = (c.incidents || []).filter((i) => i.site === site);
    const lines = (c.evidence || []).filter((e) => e.site === site).map((e) => e.line || '');
    const keys = new Set(incs.map((i) => i.key));
    const hits = (c.indicators || []).filter((ind) => keys.has(ind.value) ||
      lines.some((l) => ind.value && l.includes(ind.value)));
    const kinds = {};
    for (const i of incs) kinds[i.kind] = (kinds[i.kind] || 0) + 1;
    const joined = incs.reduce((m, i) => (i.joined && (!m || i.joined < m) ? i.joined : m), null);
    return { hits, kinds, joined };
  }
  async function viewCampaign(r) {
    const c = await api('campaigns/' + encodeURIComponent(r.id));
    const zoneOf = (x) => x.timezone || siteZone(x.site);
    const rows = (c.sites || []).map((x) => (typeof x === 'string' ? { site: x } : x));
    const siteRows = rows.map((x, i) => {
      const why = siteWhy(c, x.site);
      return h('tr', { dataset: { site: x.site } },
        h('td', { class: 'num' }, i + 1),
        h('td', null, hashLink('#/incidents' + qs({ site: x.site }), x.site)),
        h('td', null, x.agency || ''), h('td', null, zoneAbbr(zoneOf(x))),
        h('td', null, timeEl(x.first_seen, zoneOf(x))), h('td', null, timeEl(x.last_seen, zoneOf(x))),
        h('td', { class: 'num' }, x.incidents ?? ''),
        h('td', { class: 'why' },
          why.joined ? h('div', null, t('why.joined', fmtLocal(why.joined, zoneOf(x)))) : null,
          h('div', null, Object.entries(why.kinds).map(([k, n]) => n + '× ' + tOr('kind', k)).join(', ')),
          why.hits.length ? h('div', null, t('why.shares'), ': ', why.hits.slice(0, 6).map((ind, j) =>
            [j ? ', ' : '', h('code', null, ind.value), ' (' + ind.type + ')'])) :
            h('div', { class: 'muted' }, t('why.none'))));
    });
    const inds = (c.indicators || []).map((ind) => h('tr', null,
      h('td', null, ind.type), h('td', null, h('code', null, ind.value)),
      h('td', { class: 'num' }, ind.sites ?? ''),
      h('td', { class: 'num' }, ind.weight !== undefined ? ind.weight.toFixed(2) : '')));
    const ev = (c.evidence || []).map((e) => h('tr', null,
      h('td', null, e.site), h('td', null, timeEl(e.ts, siteZone(e.site))),
      h('td', null, h('code', { class: 'logline' }, e.line))));
    const nets = (c.indicators || []).filter((i) => i.type === 'net');
    const countries = c.countries || c.attacker_countries || [];
    const incRows = (c.incidents || []).map((i) => h('tr', { dataset: { id: i.id } },
      h('td', null, hashLink(incidentHref(i.id), i.site)), h('td', null, tOr('kind', i.kind)),
      h('td', null, h('code', null, i.key || '')), h('td', null, sevBadge(i.severity)),
      h('td', null, tOr('st', i.status)), h('td', null, timeEl(i.first_seen, siteZone(i.site))),
      h('td', { class: 'num' }, i.event_count ?? '')));
    return [h('div', { class: 'viewhead' }, h('h1', { id: 'campaign-title' }, c.title)),
      h('div', { class: 'campaign-page', dataset: { id: c.id } },
        campaignMeta(c),
        c.merged_into ? h('p', null, t('campaign.merged', ''), hashLink(campaignHref(c.merged_into), c.merged_into)) : null,
        h('p', { class: 'linkwhy' }, t('link.' + (c.link || 'indicator'))),
        triagePanel('campaign', c),
        section(t('timeline'), timeline(c)),
        section(t('campaign.sites'), table('list sites-table', ['#', t('site'), t('agency'), t('zone'),
          t('first_seen'), t('last_seen'), t('incidents'), t('campaign.why')], siteRows)),
        section(t('campaign.indicators'), table('list', [t('type'), t('value'), t('sites'), t('weight')], inds)),
        section(t('campaign.networks'),
          h('p', null, t('campaign.ips'), ': ', (c.attacker_ips || []).map((ip, j) => [j ? ', ' : '', h('code', null, ip)])),
          nets.length ? h('p', null, t('network'), ': ', nets.map((n, j) => [j ? ', ' : '', h('code', null, n.value)])) : null,
          countries.length ? h('p', null, countries.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')) : null),
        section(t('campaign.evidence'), table('list evidence', [t('site'), t('time'), t('line')], ev)),
        (c.merged_from || []).length ? section(t('campaign.merged_from'), table('list', ['id', t('time'), t('type'), t('value')],
          c.merged_from.map((m) => h('tr', null, h('td', null, hashLink(campaignHref(m.id), m.id)),
            h('td', null, timeEl(m.at, null)), h('td', null, m.type), h('td', null, h('code', null, m.value)))))) : null,
        section(t('campaign.incidents'), table('list', [t('site'), t('kind'), t('key'), t('severity'), t('status'),
          t('first_seen'), t('events')], incRows)))];
  }

  /* ---- incidents ------------------------------------------------------- */

  const SEVERITIES = ['low', 'medium', 'high', 'critical'];
  const KINDS = Object.keys(KIND_STYLE).sort();
  const STATUSES = ['active', 'open', 'closed', 'reopened'];
  function select(name, values, cur, label, prefix) {
    return h('label', null, label, ' ', h('select', { name },
      h('option', { value: '' }, t('filter.any')),
      values.map((v) => h('option', { value: v, selected: v === cur }, prefix ? tOr(prefix, v) : v))));
  }
  function incidentRow(i) {
    return h('tr', { dataset: { id: i.id } },
      h('td', null, hashLink(incidentHref(i.id), i.site)), h('td', null, tOr('kind', i.kind)),
      h('td', null, h('code', null, i.key || '')), h('td', null, sevBadge(i.severity)),
      h('td', null, tOr('st', i.status), ' ', triageBadge(i)),
      h('td', null, timeEl(i.first_seen, siteZone(i.site))), h('td', null, timeEl(i.last_seen, siteZone(i.site))),
      h('td', { class: 'num' }, i.event_count));
  }
  async function viewIncidents(r) {
    const p = r.params;
    const f = { severity: p.get('severity') || '', kind: p.get('kind') || '', site: p.get('site') || '',
      status: p.get('status') || '', since: p.get('since') || '', triage: p.get('triage') || '' };
    const query = Object.assign({ limit: 100 }, f);
    const res = await api('incidents' + qs(query));
    const hasTriage = res.incidents.some((i) => i.triage);
    const siteIds = [...sites.keys()].sort();
    const form = h('form', { class: 'filters', id: 'incident-filters' },
      select('severity', SEVERITIES, f.severity, t('severity'), 'sev'),
      select('kind', KINDS, f.kind, t('kind'), 'kind'),
      select('site', siteIds, f.site, t('site'), null),
      select('status', STATUSES, f.status, t('status'), 'st'),
      hasTriage || f.triage ? select('triage', ['new', 'acknowledged', 'assigned', 'closed'], f.triage, t('triage'), 'tstate') : null,
      h('label', null, t('since'), ' ', h('input', { name: 'since', value: f.since, placeholder: '24h, 7d, 2026-11-16', size: 14 })),
      h('button', { type: 'submit' }, t('filter.apply')),
      h('button', { type: 'button', class: 'small', onclick: () => { location.hash = '#/incidents'; } }, t('filter.reset')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const fd = new FormData(form);
      const o = {};
      for (const [k, v] of fd.entries()) if (v) o[k] = v;
      location.hash = '#/incidents' + qs(o);
    });
    const body = h('tbody', null, res.incidents.map(incidentRow));
    const count = h('span', { class: 'muted' }, t('shown', res.count, res.total));
    let next = res.next;
    const more = h('button', { type: 'button', hidden: !next }, t('more'));
    more.addEventListener('click', async () => {
      more.disabled = true;
      try {
        const page = await api(next.replace(/^\/api\/v1\//, ''));
        append(body, [page.incidents.map(incidentRow)]);
        next = page.next;
        count.textContent = t('shown', body.children.length, page.total);
        more.hidden = !next;
      } catch (e) {
        append(body, [h('tr', null, h('td', { colspan: 8, class: 'error' }, t('error', e.message)))]);
      }
      more.disabled = false;
    });
    return [header(t('nav.incidents'), count), form,
      res.incidents.length ? h('table', { class: 'list', id: 'incident-table' },
        h('thead', null, h('tr', null, [t('site'), t('kind'), t('key'), t('severity'), t('status'),
          t('first_seen'), t('last_seen'), t('events')].map((x) => h('th', null, x)))), body)
        : h('p', { class: 'muted' }, t('none')), more];
  }
  async function viewIncident(r) {
    const i = await api('incidents/' + encodeURIComponent(r.id));
    const zone = siteZone(i.site);
    const camps = await api('campaigns' + qs({ site: i.site, limit: 50 })).catch(() => ({ campaigns: [] }));
    const mine = camps.campaigns.filter((c) => (c.incident_ids || []).includes(i.id));
    const kv = (k, v) => h('div', { class: 'kv' }, h('dt', null, k), h('dd', null, v));
    return [h('div', { class: 'viewhead' }, h('h1', null, tOr('kind', i.kind), ' — ', i.site)),
      h('div', { class: 'incident-page', dataset: { id: i.id } },
        h('div', { class: 'meta' }, sevBadge(i.severity), badge('status st-' + i.status, tOr('st', i.status)), triageBadge(i)),
        h('dl', { class: 'facts' },
          kv(t('site'), [hashLink('#/incidents' + qs({ site: i.site }), i.site), ' (' + zoneAbbr(zone) + ')']),
          kv(t('key'), h('code', null, i.key || '')),
          kv(t('first_seen'), timeEl(i.first_seen, zone)), kv(t('last_seen'), timeEl(i.last_seen, zone)),
          kv(t('events'), String(i.event_count)),
          kv(t('incident.ips'), (i.attacker_ips || []).join(', ')),
          (i.users || []).length ? kv(t('incident.users'), h('code', null, i.users.join(', '))) : null,
          kv(t('incident.rules'), (i.rule_ids || []).join(', ')),
          mine.length ? kv(t('incident.campaigns'), mine.map((c, j) => [j ? ', ' : '', hashLink(campaignHref(c.id), c.title)])) : null),
        triagePanel('incident', i),
        section(t('incident.evidence'), table('list evidence', [t('time'), t('line')],
          (i.evidence || []).map((e) => h('tr', null, h('td', null, timeEl(e.ts, zone)),
            h('td', null, h('code', { class: 'logline' }, e.line)))))),
        section(t('incident.indicators'), table('list', [t('type'), t('value'), t('first_seen')],
          (i.indicators || []).map((x) => h('tr', null, h('td', null, x.type), h('td', null, h('code', null, x.value)),
            h('td', null, timeEl(x.first_seen, zone)))))))];
  }

  /* ---- triage ---------------------------------------------------------- */

  /*
   * The object's triage state, and for a token that may write the actions
   * of the triage API: each POST answers with the new state, drawn at once
   * (the list replies are cached for up to 2 s, so a reload could lag).
   */
  function triagePanel(object, o) {
    const path = (object === 'campaign' ? 'campaigns/' : 'incidents/') + encodeURIComponent(o.id) + '/actions';
    const panel = h('section', { class: 'panel triage', id: 'triage', dataset: { object } });
    const stateBox = h('div', { class: 'triage-state' });
    const msg = h('p', { class: 'triage-msg', role: 'status' });
    function draw(tr) {
      const x = tr || { state: 'new', assignee: null, reason: null, notes: [] };
      stateBox.replaceChildren();
      append(stateBox, [
        h('span', null, t('triage.state'), ': '), badge('triage tstate-' + x.state, tOr('tstate', x.state)),
        x.assignee ? h('span', null, ' · ', t('triage.assignee'), ': ', x.assignee) : null,
        x.reason ? h('span', null, ' · ', t('triage.reason'), ': ', tOr('reason', x.reason)) : null,
        x.updated_at ? h('div', { class: 'muted' }, t('triage.updated', fmtUTC(ms(x.updated_at)), x.updated_by || '')) : null,
        Array.isArray(x.notes) && x.notes.length ? h('ul', { class: 'notes' }, x.notes.map((n) =>
          h('li', null, h('span', { class: 'muted' }, fmtUTC(ms(n.at)), ' ', n.by || '', ': '), n.text))) : null]);
      panel.dataset.state = x.state;
      if (controls) {
        controls.querySelector('[data-action=reopen]').hidden = x.state !== 'closed';
        controls.querySelector('[data-action=close]').disabled = x.state === 'closed';
      }
    }
    async function act(body, btn) {
      btn.disabled = true;
      msg.textContent = '';
      msg.classList.remove('error');
      try {
        const r = await api(path, { body });
        draw(r.triage);
        msg.textContent = t('triage.done');
      } catch (e) {
        if (e.status === 401) return;
        msg.textContent = t('error', e.message);
        msg.classList.add('error');
      } finally {
        btn.disabled = false;
      }
    }
    let controls = null;
    if (me && me.can_write) {
      const assignee = h('input', { name: 'assignee', placeholder: t('triage.assignee_ph'), maxlength: 64, size: 14 });
      const reason = h('select', { name: 'reason' }, ['resolved', 'false_positive', 'accepted_risk'].map((v) =>
        h('option', { value: v }, tOr('reason', v))));
      const closeNote = h('input', { name: 'close_note', placeholder: t('triage.note_ph'), maxlength: 4096, size: 24 });
      const suppress = object === 'campaign' ? h('input', { name: 'suppress', placeholder: t('triage.suppress_ph'), size: 14, pattern: '[0-9]+[hdw]' }) : null;
      const note = h('textarea', { name: 'note', placeholder: t('triage.note_ph'), maxlength: 4096, rows: 2 });
      const btn = (action, label, fn) => {
        const b = h('button', { type: 'button', dataset: { action } }, label);
        b.addEventListener('click', () => fn(b));
        return b;
      };
      controls = h('div', { class: 'triage-controls' },
        h('div', { class: 'row' }, btn('ack', t('triage.ack'), (b) => act({ action: 'ack' }, b)),
          btn('reopen', t('triage.reopen'), (b) => act({ action: 'reopen' }, b))),
        h('div', { class: 'row' }, assignee, btn('assign', t('triage.assign'), (b) => {
          if (assignee.value.trim()) act({ action: 'assign', assignee: assignee.value.trim() }, b);
        })),
        h('div', { class: 'row' }, h('label', null, t('triage.reason'), ' ', reason), closeNote,
          suppress ? h('label', null, t('triage.suppress'), ' ', suppress) : null,
          btn('close', t('triage.close'), (b) => {
            const body = { action: 'close', reason: reason.value };
            if (closeNote.value.trim()) body.note = closeNote.value.trim();
            if (suppress && suppress.value.trim() && reason.value === 'false_positive') body.suppress = suppress.value.trim();
            act(body, b);
          })),
        h('div', { class: 'row' }, note, btn('note', t('triage.note'), (b) => {
          if (note.value.trim()) act({ action: 'note', note: note.value.trim() }, b).then(() => { note.value = ''; });
        })));
    }
    append(panel, [h('h2', null, t('triage')), stateBox, controls, msg]);
    draw(o.triage);
    if (!o.triage && !(me && me.can_write)) panel.hidden = true;	/* a server without triage */
    return panel;
  }

  /* ---- sites ----------------------------------------------------------- */

  async function viewSites() {
    const r = await api('sites');
    setSites(r.sites);
    const rows = r.sites.map((x) => {
      const cov = x.silent ? 'silent' : x.stalled ? 'stalled' : x.last_heard ? 'ok' : 'never';
      return h('tr', { dataset: { site: x.id, coverage: cov }, class: 'cov-' + cov },
        h('td', null, hashLink('#/incidents' + qs({ site: x.id }), x.id)), h('td', null, x.agency || ''),
        h('td', null, x.region || ''), h('td', null, zoneAbbr(x.timezone)),
        h('td', null, badge('cov cov-' + cov, t('cov.' + cov))),
        h('td', null, timeEl(x.last_heard, x.timezone), x.heard_age_ms !== null && x.heard_age_ms !== undefined ?
          h('span', { class: 'muted' }, ' (' + ago(x.heard_age_ms) + ')') : null),
        h('td', null, timeEl(x.last_event, x.timezone)),
        h('td', { class: 'num' }, x.lag_ms !== null && x.lag_ms !== undefined ? ago(x.lag_ms) : '—'),
        h('td', { class: 'num' }, x.late ?? 0),
        h('td', { class: 'num' }, x.open_incidents ?? 0, ' / ', x.incidents ?? 0),
        h('td', { class: 'num' }, x.active_campaigns ?? 0));
    });
    return [header(t('sites.coverage'), h('span', { class: 'muted' }, t('sites.count', r.count))),
      table('list', [t('site'), t('agency'), t('region'), t('zone'), t('coverage'), t('last_heard'),
        t('last_event'), t('lag'), t('late'), t('open') + ' / ' + t('incidents'), t('active_campaigns')], rows)];
  }

  /* ---- the daily summary ----------------------------------------------- */

  function countsTable(obj, prefix) {
    return table('list compact', [t('kind'), t('incidents')], Object.entries(obj || {})
      .sort((a, b) => b[1] - a[1]).map(([k, v]) => h('tr', null, h('td', null, tOr(prefix, k)), h('td', { class: 'num' }, v))));
  }
  async function viewSummary(r) {
    const day = r.params.get('day') || '';
    let q = { now: 'latest' };
    if (/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      const next = new Date(Date.parse(day + 'T00:00:00Z') + 86400e3).toISOString().slice(0, 10);
      q = { since: day, until: next };
    }
    const sm = await api('summary' + qs(q));
    const dayIn = h('input', { type: 'date', name: 'day', value: day });
    const form = h('form', { class: 'filters' }, h('label', null, t('summary.day'), ' ', dayIn),
      h('button', { type: 'submit' }, t('filter.apply')),
      h('button', { type: 'button', class: 'small', onclick: () => { location.hash = '#/summary'; } }, t('summary.last24')));
    form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/summary' + qs({ day: dayIn.value }); });
    const tot = sm.totals || {};
    const sev = tot.by_severity || {};
    return [header(t('summary.title'), h('span', { class: 'muted' }, t('summary.window', fmtUTC(ms(sm.since)) || '—', sm.until ? fmtUTC(ms(sm.until)) : (sm.latest_event ? fmtUTC(ms(sm.latest_event)) : '—')))),
      form,
      h('div', { class: 'tiles' },
        [[t('incidents'), tot.incidents], [t('events'), tot.events], [t('sites_hit'), `${tot.sites_hit ?? 0} / ${tot.sites_known ?? 0}`],
          [t('summary.campaigns'), tot.campaigns], [t('allowlisted'), `${tot.allowlisted_ips ?? 0} (${tot.allowlisted_incidents ?? 0})`]]
          .map(([k, v]) => h('div', { class: 'tile' }, h('div', { class: 'big' }, String(v ?? 0)), h('div', { class: 'muted' }, k))),
        SEVERITIES.slice().reverse().map((k) => h('div', { class: 'tile sev-' + k }, h('div', { class: 'big' }, String(sev[k] ?? 0)), h('div', null, tOr('sev', k))))),
      section(t('summary.campaigns'), table('list', [t('campaign'), t('severity'), t('status'), t('sites'), t('agencies'), t('incidents')],
        (sm.campaigns || []).map((c) => h('tr', null, h('td', null, hashLink(campaignHref(c.id), c.title)), h('td', null, sevBadge(c.severity)),
          h('td', null, tOr('st', c.status)), h('td', { class: 'num' }, c.site_count), h('td', { class: 'num' }, c.agencies ?? ''),
          h('td', { class: 'num' }, c.incident_count))))),
      section(t('summary.notable'), table('list', [t('kind'), t('key'), t('severity'), t('sites'), t('events'), t('first_seen')],
        (sm.notable || []).map((n) => h('tr', null,
          h('td', null, n.incident_id ? hashLink(incidentHref(n.incident_id), tOr('kind', n.kind)) :
            n.campaign_id ? hashLink(campaignHref(n.campaign_id), tOr('kind', n.kind)) : tOr('kind', n.kind)),
          h('td', null, h('code', null, n.key || '')), h('td', null, sevBadge(n.severity)),
          h('td', null, (n.site_list || []).join(', ')), h('td', { class: 'num' }, n.events ?? ''),
          h('td', null, timeEl(n.first_seen, (n.site_list || []).length === 1 ? siteZone(n.site_list[0]) : null)))))),
      h('div', { class: 'two' },
        section(t('summary.by_kind'), countsTable(tot.by_kind, 'kind')),
        section(t('summary.top_ips'), table('list compact', [t('ips'), t('incidents'), t('sites'), t('agencies')],
          (sm.top_ips || []).map((x) => h('tr', null, h('td', null, h('code', null, x.ip)), h('td', { class: 'num' }, x.incidents),
            h('td', { class: 'num' }, x.sites), h('td', { class: 'num' }, x.agencies ?? '')))))),
      section(t('summary.top_networks'), table('list compact', [t('network'), t('ips'), t('incidents'), t('sites'), t('agencies')],
        (sm.top_networks || []).map((x) => h('tr', null, h('td', null, h('code', null, x.network)), h('td', { class: 'num' }, x.ips),
          h('td', { class: 'num' }, x.incidents), h('td', { class: 'num' }, x.sites), h('td', { class: 'num' }, x.agencies ?? ''))))),
      section(t('summary.agencies'), table('list', [t('agency'), t('region'), t('incidents'), t('events'), t('severity'), t('sites')],
        (sm.agencies || []).map((a) => h('tr', null, h('td', null, a.agency), h('td', null, a.region || ''),
          h('td', { class: 'num' }, a.incidents), h('td', { class: 'num' }, a.events),
          h('td', null, SEVERITIES.slice().reverse().filter((k) => (a.by_severity || {})[k]).map((k) => [sevBadge(k), ' ' + a.by_severity[k] + ' '])),
          h('td', null, (a.sites || []).map((x) => x.site).join(', '))))))];
  }

  /* ---- start ----------------------------------------------------------- */

  function start() {
    applyStatic();
    document.getElementById('lang').addEventListener('click', () => {
      lang = lang === 'id' ? 'en' : 'id';
      localStorage.setItem(LANG_KEY, lang);
      applyStatic();
      if (me) {
        const el = document.getElementById('whoami');
        el.textContent = me.name ? me.name + ' · ' + (me.can_write ? t('analyst') : t('readonly'))
          : (me.can_write ? t('analyst') : t('readonly'));
      }
      if (token) route();
    });
    document.getElementById('logout').addEventListener('click', () => logout(''));
    document.getElementById('login-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const input = document.getElementById('token');
      const err = document.getElementById('login-error');
      err.textContent = '';
      try {
        await login(input.value.trim());
        input.value = '';
        signedIn();
      } catch (e) {
        token = '';
        err.textContent = e.status === 401 ? t('login.bad') : t('error', e.message);
      }
    });
    window.addEventListener('hashchange', route);
    if (token) {
      login(token).then(signedIn, (e) => logout(e.status === 401 ? t('login.expired') : t('error', e.message)));
    } else {
      logout('');
    }
  }
  start();
}());
