// lb4j System Overview: login, a live status table with Halt / Drain / Online, charts over the last hour, a failover
// timeline, the active-active cluster's routes with a node drain, the clustered pair's two nodes side by side, recent events and audit entries, and the configuration's
// backup, restore and history.
// Plain browser JavaScript and one vendored library, uPlot (MIT, served from the jar as vendor/uPlot.iife.min.js), no
// build step: the page must work from the jar, offline, under a strict CSP.
'use strict';

const app = {
  user: null,
  csrf: null,
  status: null,
  events: [],
  source: null,
  structure: '',
  charts: {},
};

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const MODES = { 'direct-routing': ['Layer 4', 'DR'], nat: ['Layer 4', 'NAT'], tunnel: ['Layer 4', 'TUN'], proxy: ['Proxy', 'Proxy'] };
const STATE_COLOURS = { UP: '#2e9e44', DOWN: '#d93025', DRAINING: '#e69500', HALTED: '#1a73e8', ON: '#8e44ad', OFF: '#e4e7ec' };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// body: an object sent as JSON, or with type a text sent as it is (a configuration file).
async function api(method, path, body, type) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = app.csrf || '';
  if (body !== undefined) headers['Content-Type'] = type || 'application/json';
  const sent = body === undefined ? undefined : type ? body : JSON.stringify(body);
  const res = await fetch(path, { method, headers, body: sent, credentials: 'same-origin' });
  let json = null;
  try { json = await res.json(); } catch (e) { /* empty body */ }
  return { ok: res.ok, status: res.status, json };
}

// ------------------------------------------------------------------------------------------ login / session

async function start() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('window').addEventListener('change', renderTimeline);
  $('services-body').addEventListener('click', onAction);
  $('restore-form').addEventListener('submit', restore);
  $('history-body').addEventListener('click', onRollback);
  $('cluster-drain').addEventListener('click', () => clusterAction('drain'));
  $('cluster-undrain').addEventListener('click', () => clusterAction('undrain'));
  const r = await api('GET', '/api/session');
  if (r.ok) { enter(r.json); } else { showLogin(); }
  setInterval(renderTimeline, 30000); // slide the window even when nothing happens
  setInterval(() => { if (!$('overview').hidden) { refreshCharts(); refreshAudit(); } }, 5000); // the sampling rate
  window.addEventListener('resize', () => { app.charts = destroyCharts(); refreshCharts(); });
}

function showLogin(message) {
  stopStream();
  $('overview').hidden = true;
  $('who').hidden = true;
  $('login-panel').hidden = false;
  $('login-error').textContent = message || '';
  $('username').focus();
}

async function login(ev) {
  ev.preventDefault();
  $('login-error').textContent = '';
  const r = await api('POST', '/api/login', { username: $('username').value, password: $('password').value });
  $('password').value = '';
  if (r.ok) { enter(r.json); } else { $('login-error').textContent = (r.json && r.json.message) || ('login failed: ' + r.status); }
}

async function logout() {
  await api('POST', '/api/logout');
  app.csrf = null;
  showLogin('Logged out.');
}

async function enter(session) {
  if (session.role === 'metrics') {
    // A scraper's account: it may read /metrics and nothing else, so there is no overview to show it.
    app.csrf = session.csrfToken;
    await api('POST', '/api/logout');
    app.csrf = null;
    showLogin('User "' + session.user + '" has role metrics: it may only scrape /metrics.');
    return;
  }
  app.user = session.user;
  app.csrf = session.csrfToken;
  $('user').textContent = session.user;
  $('login-panel').hidden = true;
  $('who').hidden = false;
  $('overview').hidden = false;
  const [status, events] = await Promise.all([api('GET', '/api/status'), api('GET', '/api/events')]);
  if (status.status === 401) { showLogin('Session expired.'); return; }
  app.events = (events.json && events.json.events) || [];
  renderStatus(status.json);
  renderEvents();
  startStream();
  refreshCharts();
  refreshAudit();
  refreshHistory();
}

// ------------------------------------------------------------------------------------------ live stream

function startStream() {
  stopStream();
  const s = new EventSource('/api/events/stream');
  app.source = s;
  s.addEventListener('open', () => setLive(true));
  s.addEventListener('status', (e) => renderStatus(JSON.parse(e.data)));
  s.addEventListener('pair', (e) => renderPair(JSON.parse(e.data))); // pushed on each VRRP transition
  s.addEventListener('cluster', (e) => renderCluster(JSON.parse(e.data))); // pushed on each change of a route
  s.addEventListener('lbevent', (e) => {
    app.events.push(JSON.parse(e.data));
    if (app.events.length > 10000) app.events.splice(0, app.events.length - 10000);
    renderEvents();
  });
  s.addEventListener('error', async () => {
    setLive(false);
    const r = await api('GET', '/api/session'); // the browser retries by itself; stop only when logged out
    if (r.status === 401) showLogin('Session expired.');
  });
}

function stopStream() {
  if (app.source) { app.source.close(); app.source = null; }
  setLive(false);
}

function setLive(on) {
  $('live').className = 'live ' + (on ? 'on' : 'off');
  $('live').title = on ? 'live updates on' : 'live updates off (reconnecting)';
}

// ------------------------------------------------------------------------------------------ status table

function renderStatus(status) {
  if (!status) return;
  app.status = status;
  if ('pair' in status) renderPair(status.pair);
  if ('cluster' in status) renderCluster(status.cluster);
  const structure = JSON.stringify(status.services.map((s) => [s.label, s.realServers.map((r) => r.label), !!s.fallback]));
  if (structure !== app.structure) { buildTable(status); app.structure = structure; }
  for (const s of status.services) updateService(s);
  renderTimeline();
}

// Rows are built once per shape and then updated in place, so a button is never replaced under the mouse.
function buildTable(status) {
  const body = $('services-body');
  body.replaceChildren();
  for (const s of status.services) {
    const [method, mode] = MODES[s.method] || [s.method, s.method];
    body.append(el('tr', { class: 'service', 'data-service': s.label },
      el('td', { class: 'label' }, s.label), el('td', {}, s.address), el('td', {}, s.ports.join(', ')),
      el('td', { class: 'conns' }, ''), el('td', {}, s.protocol), el('td', {}, method), el('td', {}, mode),
      el('td', { class: 'svc-state' }, el('span', { class: 'state' }, ''))));
    for (const r of s.realServers) {
      body.append(el('tr', { class: 'real', 'data-service': s.label, 'data-real': r.label },
        el('td', { class: 'label' }, r.label, ' ', el('span', { class: 'check' }, ''),
           el('span', { class: 'ports' }, '')),
        el('td', {}, r.address), el('td', {}, r.port === 0 ? s.ports.join(', ') : String(r.port)),
        el('td', { class: 'conns' }, ''),
        el('td', { class: 'weight', title: 'weight' }, ''),
        el('td', { class: 'state-cell', colSpan: 1 }, el('span', { class: 'state' }, '')),
        el('td', { class: 'actions', colSpan: 2 },
          el('button', { type: 'button', 'data-action': 'halt', title: 'No new connections; existing ones are ended so clients reconnect to the fallback' }, 'Halt'),
          el('button', { type: 'button', 'data-action': 'drain', title: 'No new connections; existing ones continue' }, 'Drain'),
          el('button', { type: 'button', 'data-action': 'online', title: 'Take connections again' }, 'Online'))));
    }
    if (s.fallback) {
      body.append(el('tr', { class: 'fallback', 'data-service': s.label },
        el('td', { class: 'label' }, 'Fallback'), el('td', {}, s.fallback.address), el('td', {}, s.ports.join(', ')),
        el('td', { class: 'conns' }, ''), el('td', {}, ''), el('td', {}, el('span', { class: 'state' }, '')),
        el('td', { colSpan: 2 }, '')));
    }
  }
}

function rowOf(service, real) {
  const sel = real === undefined ? `tr.service[data-service="${CSS.escape(service)}"]`
    : `tr.real[data-service="${CSS.escape(service)}"][data-real="${CSS.escape(real)}"]`;
  return document.querySelector(sel);
}

function updateService(s) {
  const row = rowOf(s.label);
  if (!row) return;
  row.classList.toggle('on-fallback', s.onFallback);
  row.querySelector('.conns').textContent = s.activeConnections;
  const st = row.querySelector('.svc-state .state');
  st.textContent = s.onFallback ? 'on fallback' : 'serving';
  st.className = 'state';
  st.style.background = s.onFallback ? STATE_COLOURS.ON : STATE_COLOURS.UP;
  for (const r of s.realServers) {
    const rr = rowOf(s.label, r.label);
    if (!rr) continue;
    rr.classList.remove('state-UP', 'state-DOWN', 'state-DRAINING', 'state-HALTED');
    rr.classList.add('state-' + r.state);
    rr.querySelector('.conns').textContent = r.activeConnections;
    // Another weight than the configured one: a server ramping up after coming back (slowStart), or the weight a
    // feedback agent or dynamic script reported.
    rr.querySelector('.weight').textContent = 'weight ' + (r.effectiveWeight !== undefined && r.effectiveWeight !== r.weight
        ? r.effectiveWeight + ' of ' + r.weight : r.weight);
    rr.querySelector('.state-cell .state').textContent = r.state.toLowerCase();
    rr.querySelector('.check').textContent = r.lastCheck && r.lastCheck !== 'ok' ? '(' + r.lastCheck + ')' : '';
    // The last attempt per port (a connect check): "104 ok 0.4 ms · 443 connection refused 0.2 ms".
    rr.querySelector('.ports').textContent = (r.lastCheckPorts || [])
        .map(p => p.port + ' ' + p.reason + ' ' + p.latencyMs.toFixed(1) + ' ms').join(' \u00b7 ');
    rr.querySelector('[data-action=halt]').disabled = r.state === 'HALTED';
    rr.querySelector('[data-action=drain]').disabled = r.state === 'DRAINING' || r.state === 'HALTED';
    rr.querySelector('[data-action=online]').disabled = r.state === 'UP';
  }
  const fb = document.querySelector(`tr.fallback[data-service="${CSS.escape(s.label)}"]`);
  if (fb && s.fallback) {
    fb.classList.toggle('fallback-active', s.onFallback);
    fb.querySelector('.conns').textContent = s.fallback.activeConnections;
    fb.querySelector('.state').textContent = s.onFallback ? 'active' : 'standby';
  }
}

async function onAction(ev) {
  const button = ev.target.closest('button[data-action]');
  if (!button) return;
  const row = button.closest('tr');
  const service = row.getAttribute('data-service');
  const real = row.getAttribute('data-real');
  const action = button.getAttribute('data-action');
  const path = `/api/services/${encodeURIComponent(service)}/real-servers/${encodeURIComponent(real)}/${action}`;
  const r = await api('POST', path);
  if (r.status === 401) { showLogin('Session expired.'); return; }
  $('message').textContent = r.ok ? `${action} ${service} / ${real}: done` : `${action} ${service} / ${real}: ${(r.json && r.json.message) || r.status}`;
  const status = await api('GET', '/api/status'); // show the result now, not at the next stream update
  if (status.ok) renderStatus(status.json);
  refreshAudit();
}

// ------------------------------------------------------------------------------------------ active-active cluster

// Why a node announces or withdraws a VIP (lb-ha's Announcement.Reason), keeping the name for searching logs.
const ROUTE_REASONS = {
  SERVING: 'serving: the engine runs and a real server or the fallback is up',
  DRAINED: 'an operator drained this node',
  STOPPED: 'the balancer is not running',
  INTERFACE_DOWN: 'the interface toward the routers is down',
  NOTHING_UP: 'no real server up and no fallback',
  CLOSED: 'the node is stopping',
  REMOVED: 'no service uses this VIP any more',
};

// c: null (not in a cluster: the panel stays hidden), {error} (the server could not read it), or the node's routes.
function renderCluster(c) {
  const box = $('cluster');
  if (!c) { box.hidden = true; return; }
  box.hidden = false;
  box.setAttribute('data-drained', String(!!c.drained));
  $('cluster-drain').hidden = !!c.error || c.drained;
  $('cluster-undrain').hidden = !!c.error || !c.drained;
  if (c.error) {
    $('cluster-detail').textContent = c.error;
    $('cluster-body').replaceChildren();
    return;
  }
  $('cluster-detail').textContent = (c.drained ? 'Drained: every route withdrawn until an operator undrains. ' : '')
    + `${c.daemon} at ${c.socket}, AS ${c.localAs}, BFD ${c.bfd ? 'on' : 'off'}; neighbours `
    + c.neighbours.map((n) => `${n.address} (AS ${n.as})`).join(', ');
  $('cluster-body').replaceChildren(...c.routes.map((r) => el('tr', { class: 'route-' + r.state, 'data-vip': r.vip,
    'data-state': r.state },
    el('td', {}, r.vip), el('td', {}, r.state.toLowerCase()),
    el('td', {}, r.since ? new Date(r.since).toLocaleString() : ''),
    el('td', {}, (r.state === 'FAILED' ? 'the routing daemon did not take the change, retrying; wanted: ' : '')
      + (ROUTE_REASONS[r.reason] ? `${ROUTE_REASONS[r.reason]} (${r.reason})` : (r.reason || ''))))));
}

async function clusterAction(action) {
  const r = await api('POST', '/api/cluster/' + action);
  if (r.status === 401) { showLogin('Session expired.'); return; }
  $('message').textContent = r.ok ? `${action} this node: done` : `${action} this node: ${(r.json && r.json.message) || r.status}`;
  if (r.ok) renderCluster(r.json);
  refreshAudit();
}

// ------------------------------------------------------------------------------------------ clustered pair

// The server sends VRRP's transition reasons by name; say what they mean, keeping the name for searching logs.
const PAIR_REASONS = {
  STARTUP_ADDRESS_OWNER: 'started as the address owner (priority 255)',
  STARTUP: 'started: waits Master_Down_Interval for a master',
  MASTER_DOWN: 'no advert from the master within Master_Down_Interval',
  MASTER_RESIGNED: 'the master resigned (priority-0 advert)',
  PREEMPTED_LOWER_PRIORITY: 'preempted a lower-priority master',
  HIGHER_PRIORITY_SEEN: 'a higher-priority master is advertising',
  EQUAL_PRIORITY_HIGHER_ADDRESS: 'a master with equal priority and a higher address is advertising',
  SHUTDOWN: 'stopped (sent a priority-0 advert first)',
  LINK_DOWN: 'the interface is down or has no carrier',
  LINK_UP: 'the interface is up again',
};

// p: null (no pair: the panel stays hidden), {error} (the server could not read it), or the pair's status.
function renderPair(p) {
  const box = $('pair');
  if (!p) {
    box.hidden = true;
    document.title = 'lb4j · System Overview';
    return;
  }
  const state = p.error ? 'UNKNOWN' : p.state;
  box.hidden = false;
  box.setAttribute('data-state', state);
  $('pair-row').className = 'pair-' + state;
  $('pair-state').textContent = state;
  $('pair-vrid').textContent = p.error ? '' : p.vrid;
  $('pair-priority').textContent = p.error ? '' : p.priority;
  $('pair-vips').textContent = p.error ? '' : p.virtualAddresses.join(', ');
  $('pair-role').textContent = p.role || '';
  $('pair-peer').textContent = p.peer || '';
  $('pair-since').textContent = p.since ? new Date(p.since).toLocaleString() : '';
  $('pair-reason').textContent = p.error
    || (PAIR_REASONS[p.reason] ? `${PAIR_REASONS[p.reason]} (${p.reason})` : (p.reason || ''));
  renderPairLinks(p.error ? [] : (p.links || []));
  renderNodes(p, state);
  // Two nodes' pages side by side in a browser: the tab says which one is master.
  document.title = `lb4j · ${state} · System Overview`;
}

// The replication channels to the peer (config replication, flow sync): a stale, unreachable or refusing peer is a
// red row, never hidden.
const LINK_NAMES = {
  CONFIG_PUBLISHER: 'Config to the secondary',
  CONFIG_RECEIVER: 'Config from the primary',
  FLOW_SYNC_OUT: 'Flow sync to the peer',
  FLOW_SYNC_IN: 'Flow sync from the peer',
};

// The two nodes side by side. This node knows its own state; the peer's follows from it (a backup stays backup only
// while it hears the master's adverts) and from the replication links, which say whether the peer answers.
function renderNodes(p, state) {
  const self = $('node-self');
  const peer = $('node-peer');
  self.setAttribute('data-state', state);
  self.querySelector('.node-state').textContent = state;
  self.querySelector('.node-detail').textContent = p.error ? p.error
    : `VRID ${p.vrid}, priority ${p.priority}${p.role ? ', ' + p.role : ''}; since ${p.since ? new Date(p.since).toLocaleString() : '?'}`;
  const broken = (p.links || []).filter((l) => l.state !== 'OK' && l.state !== 'STARTING');
  const peerState = p.error ? 'UNKNOWN' : state === 'BACKUP' ? 'MASTER' : state === 'MASTER' ? 'BACKUP' : 'UNKNOWN';
  peer.setAttribute('data-state', broken.length ? 'UNKNOWN' : peerState);
  peer.querySelector('.node-state').textContent = peerState === 'BACKUP' ? 'BACKUP (or down)' : peerState;
  peer.querySelector('.node-detail').textContent = (p.peer || 'address not known')
    + (p.role ? ', ' + (p.role === 'primary' ? 'secondary' : 'primary') : '')
    + (broken.length ? '; replication: ' + broken.map((l) => `${LINK_NAMES[l.channel] || l.channel} ${l.state}`).join(', ')
      : (p.links || []).length ? '; replication OK' : '');
}

function renderPairLinks(links) {
  const table = $('pair-links');
  const body = $('pair-links-body');
  table.hidden = links.length === 0;
  body.replaceChildren(...links.map((l) => {
    const tr = document.createElement('tr');
    tr.className = l.error ? 'link-error' : 'link-ok';
    tr.setAttribute('data-channel', l.channel);
    tr.setAttribute('data-state', l.state);
    for (const text of [LINK_NAMES[l.channel] || l.channel, l.peer, l.state,
      new Date(l.since).toLocaleString(), l.detail]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    return tr;
  }));
}

// ------------------------------------------------------------------------------------------ events

function why(e) {
  switch (e.type) {
    case 'RealServerDown': return 'health check: ' + (e.reason || 'failed');
    case 'RealServerUp': return 'health check passed';
    case 'Halted': case 'Draining': case 'Online': return 'operator';
    case 'FailedOver': return e.reason || '';
    case 'FailedBack': return 'to ' + (e.realServers || []).join(', ');
    case 'Reconfigured': return e.change || '';
    default: return '';
  }
}

function renderEvents() {
  const body = $('events-body');
  body.replaceChildren();
  for (const e of app.events.slice(-50).reverse()) {
    body.append(el('tr', { 'data-type': e.type },
      el('td', {}, new Date(e.at).toLocaleString()), el('td', {}, e.service), el('td', {}, e.type),
      el('td', {}, e.realServer || (e.type === 'FailedOver' ? e.fallback : '')), el('td', {}, why(e))));
  }
  renderTimeline();
}

// ------------------------------------------------------------------------------------------ timeline

const REAL_STATE_AFTER = { Halted: 'HALTED', Draining: 'DRAINING', Online: 'UP', RealServerDown: 'DOWN', RealServerUp: 'UP' };

// Segments [from, to, state] of one lane, from the event history; the last segment takes the state the server
// has now, which the status knows for certain.
function laneSegments(events, stateAfter, initialFor, current, now) {
  if (events.length === 0) return [[-Infinity, now, current]];
  const segs = [];
  let from = -Infinity;
  let state = initialFor(events[0]);
  for (const e of events) {
    const t = Date.parse(e.at);
    segs.push([from, t, state]);
    from = t;
    state = stateAfter(e);
  }
  segs.push([from, now, current]);
  return segs;
}

function renderTimeline() {
  const box = $('timeline');
  if (!app.status || box.offsetParent === null) return;
  const now = Date.now();
  const latest = latestFailover();
  const span = timelineSpan(now, latest);
  const t0 = now - span;
  const lanes = [];
  for (const s of app.status.services) {
    const mine = app.events.filter((e) => e.service === s.label);
    for (const r of s.realServers) {
      const evs = mine.filter((e) => e.realServer === r.label && REAL_STATE_AFTER[e.type]);
      lanes.push({
        name: `${s.label} / ${r.label}`, events: evs,
        segs: laneSegments(evs, (e) => REAL_STATE_AFTER[e.type],
          (first) => (first.type === 'RealServerUp' ? 'DOWN' : first.type === 'Online' ? 'HALTED' : 'UP'), r.state, now),
      });
    }
    if (s.fallback) {
      const evs = mine.filter((e) => e.type === 'FailedOver' || e.type === 'FailedBack');
      lanes.push({
        name: `${s.label} / fallback`, events: evs,
        segs: laneSegments(evs, (e) => (e.type === 'FailedOver' ? 'ON' : 'OFF'),
          (first) => (first.type === 'FailedBack' ? 'ON' : 'OFF'), s.onFallback ? 'ON' : 'OFF', now),
      });
    }
  }
  const W = 1000; const left = 190; const right = 10; const laneH = 22; const top = 6;
  const H = top + lanes.length * laneH + 24;
  const x = (t) => left + ((Math.max(t, t0) - t0) / span) * (W - left - right);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'state of each server over time',
    'data-from': String(t0), 'data-to': String(now) });
  lanes.forEach((lane, i) => {
    const y = top + i * laneH;
    root.append(svg('text', { x: 4, y: y + 15 }, lane.name));
    for (const [from, to, state] of lane.segs) {
      if (to < t0) continue;
      const x1 = x(from); const x2 = x(to);
      // Before the first recorded event the state is inferred, not known: drawn faded.
      const rect = svg('rect', { x: x1, y: y + 3, width: Math.max(x2 - x1, 1), height: laneH - 6, fill: STATE_COLOURS[state] || '#999',
        class: Number.isFinite(from) ? 'known' : 'inferred' });
      rect.append(svg('title', {}, `${lane.name}: ${state === 'ON' ? 'on fallback' : state === 'OFF' ? 'standby' : state.toLowerCase()}`
        + ` from ${Number.isFinite(from) ? new Date(from).toLocaleTimeString() : 'before the history'} to ${new Date(to).toLocaleTimeString()}`));
      root.append(rect);
    }
    for (const e of lane.events) {
      const t = Date.parse(e.at);
      if (t < t0) continue;
      const mark = e === latest ? { class: 'latest-failover', 'data-at': String(t) } : {};
      const tick = svg('rect', { x: x(t) - 1, y: y + 1, width: 2, height: laneH - 2, fill: '#1d2733', ...mark });
      tick.append(svg('title', {}, `${new Date(t).toLocaleTimeString()} ${e.type} ${why(e)}`));
      root.append(tick);
    }
  });
  const axis = svg('g', { class: 'axis' });
  const yAxis = top + lanes.length * laneH + 14;
  for (let k = 0; k <= 6; k++) {
    const t = t0 + (span * k) / 6;
    axis.append(svg('line', { x1: x(t), x2: x(t), y1: top, y2: yAxis - 10, stroke: '#d0d5dd', 'stroke-dasharray': '2,3' }));
    axis.append(svg('text', { x: x(t), y: yAxis, 'text-anchor': k === 0 ? 'start' : k === 6 ? 'end' : 'middle' },
      new Date(t).toLocaleTimeString([], span < 3600000 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
        : { hour: '2-digit', minute: '2-digit' })));
  }
  root.append(axis);
  box.replaceChildren(root);
}

// The latest failover (a service moving to its fallback): the event the timeline zooms to.
function latestFailover() {
  for (let i = app.events.length - 1; i >= 0; i--) if (app.events[i].type === 'FailedOver') return app.events[i];
  return null;
}

// The window: a fixed span, or ('auto', the default) one that shows the latest failover large: it starts a third of
// the window before the failover, at least 30 s, so a failover seconds old fills a good part of the width instead of
// being a one-pixel sliver at the right of three hours. Without a failover: three hours.
function timelineSpan(now, latest) {
  const v = $('window').value;
  if (v !== 'auto') return Number(v);
  if (!latest) return 3 * 3600000;
  const ago = Math.max(0, now - Date.parse(latest.at));
  return Math.min(24 * 3600000, Math.max(30000, ago * 1.5));
}

// ------------------------------------------------------------------------------------------ charts

const SERIES_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const CHARTS = [['chart-connections', 'connections'], ['chart-bytes', 'bytesPerSecond'], ['chart-check', 'checkMillis'],
  ['chart-up', 'serversUp']];

function destroyCharts() {
  for (const c of Object.values(app.charts)) c.plot.destroy();
  return {};
}

async function refreshCharts() {
  if (typeof uPlot === 'undefined') return;
  const r = await api('GET', '/api/charts');
  if (!r.ok || !r.json) return;
  const data = r.json;
  for (const [id, key] of CHARTS) {
    const box = $(id);
    const columns = [data.at].concat(data.services.map((s) => s[key]));
    const shape = data.services.map((s) => s.label).join('\u0000');
    const old = app.charts[id];
    if (old && old.shape === shape) {
      old.plot.setData(columns);
    } else {
      if (old) old.plot.destroy();
      const series = [{}].concat(data.services.map((s, i) => ({
        label: s.label, stroke: SERIES_COLOURS[i % SERIES_COLOURS.length], width: 2,
        // An interval in which no check finished has no mean: join its neighbours rather than break the line.
        spanGaps: key === 'checkMillis',
        value: (u, v) => (v == null ? '–' : String(v)),
      })));
      const plot = new uPlot({
        width: Math.max(300, box.clientWidth), height: 180, series,
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, Math.ceil((max || 0) * 1.2))] } },
        axes: [{}, { size: 50 }],
        legend: { live: false }, // the series' names; the values are on the axes
      }, columns, box);
      app.charts[id] = { plot, shape };
    }
    box.setAttribute('data-points', String(data.at.length));
  }
}

// ------------------------------------------------------------------------------------------ audit

async function refreshAudit() {
  const r = await api('GET', '/api/audit');
  if (!r.ok || !r.json) return;
  $('audit-body').replaceChildren(...r.json.entries.slice(-20).reverse().map((a) => el('tr', { 'data-action': a.action },
    el('td', {}, new Date(a.at).toLocaleString()), el('td', {}, a.user + (a.count > 1 ? ` (×${a.count})` : '')),
    el('td', {}, a.remote), el('td', {}, a.action), el('td', {}, a.target), el('td', {}, a.outcome))));
}

// ------------------------------------------------------------------------------------------ backup and restore

const HOW = { startup: 'at start', 'config.restore': 'uploaded', 'config.rollback': 'rollback', 'config.replace': 'PUT /api/config' };

async function refreshHistory() {
  const r = await api('GET', '/api/config/history');
  if (!r.ok || !r.json) return;
  const entries = r.json.entries;
  const current = entries.length ? entries[entries.length - 1].id : -1;
  $('history-body').replaceChildren(...entries.slice().reverse().map((e) => el('tr', { 'data-id': String(e.id), class: e.id === current ? 'current' : '' },
    el('td', {}, '#' + e.id), el('td', {}, new Date(e.at).toLocaleString()), el('td', {}, e.user), el('td', {}, HOW[e.action] || e.action),
    el('td', {}, e.change),
    el('td', {}, el('a', { href: `/api/config/history/${e.id}`, download: '' }, 'Download'), ' ',
      el('button', { type: 'button', 'data-rollback': String(e.id), disabled: e.id === current,
        title: e.id === current ? 'this is the running configuration' : 'apply this configuration again' }, 'Roll back')))));
}

async function afterConfigChange(r, what) {
  if (r.status === 401) { showLogin('Session expired.'); return; }
  if (r.ok) {
    $('restore-error').textContent = '';
    $('restore-result').textContent = `${what}: applied as #${r.json.id}: ${r.json.change}`;
  } else {
    const j = r.json || {};
    $('restore-result').textContent = '';
    $('restore-error').textContent = `${what}: ${j.path ? j.path + ': ' : ''}${j.message || ('error ' + r.status)}. Nothing was applied.`;
  }
  const status = await api('GET', '/api/status');
  if (status.ok) renderStatus(status.json);
  refreshHistory();
  refreshAudit();
}

async function restore(ev) {
  ev.preventDefault();
  const file = $('restore-file').files[0];
  if (!file) { $('restore-error').textContent = 'Choose a configuration file first.'; return; }
  const text = await file.text();
  const type = /\.json$/i.test(file.name) ? 'application/json' : 'application/yaml';
  afterConfigChange(await api('POST', '/api/config/restore', text, type), 'Restore of ' + file.name);
}

async function onRollback(ev) {
  const button = ev.target.closest('button[data-rollback]');
  if (!button) return;
  const id = button.getAttribute('data-rollback');
  afterConfigChange(await api('POST', `/api/config/history/${id}/rollback`), 'Rollback to #' + id);
}

document.addEventListener('DOMContentLoaded', start);
