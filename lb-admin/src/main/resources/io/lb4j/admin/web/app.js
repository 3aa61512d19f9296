// lb4j System Overview: login, a live status table with Halt / Drain / Online, a failover timeline, and the clustered
// pair's VRRP state when this node is one of a pair.
// Plain browser JavaScript, no libraries, no build step: the page must work from the jar, offline, under a strict CSP.
'use strict';

const app = {
  user: null,
  csrf: null,
  status: null,
  events: [],
  source: null,
  structure: '',
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

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = app.csrf || '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
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
  const r = await api('GET', '/api/session');
  if (r.ok) { enter(r.json); } else { showLogin(); }
  setInterval(renderTimeline, 30000); // slide the window even when nothing happens
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
}

// ------------------------------------------------------------------------------------------ live stream

function startStream() {
  stopStream();
  const s = new EventSource('/api/events/stream');
  app.source = s;
  s.addEventListener('open', () => setLive(true));
  s.addEventListener('status', (e) => renderStatus(JSON.parse(e.data)));
  s.addEventListener('pair', (e) => renderPair(JSON.parse(e.data))); // pushed on each VRRP transition
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
        el('td', { class: 'label' }, r.label, ' ', el('span', { class: 'check' }, '')),
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
  const span = Number($('window').value);
  const now = Date.now();
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
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'state of each server over time' });
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
      const tick = svg('rect', { x: x(t) - 1, y: y + 1, width: 2, height: laneH - 2, fill: '#1d2733' });
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
      new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
  }
  root.append(axis);
  box.replaceChildren(root);
}

document.addEventListener('DOMContentLoaded', start);
