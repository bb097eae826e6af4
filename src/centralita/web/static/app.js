// Centralita pages: a few helpers shared by the desktop and the wallboard (no build step).
"use strict";

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

function toast(text) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = text;
  box.classList.add("show");
  clearTimeout(box._timer);
  box._timer = setTimeout(() => box.classList.remove("show"), 5000);
}

// POST a form (or an object) with the session's CSRF token; resolve with the JSON answer.
// A refusal is toasted in the page's language when `errors` (code → text) knows its code.
async function post(url, data, errors) {
  let body;
  if (data instanceof HTMLFormElement) body = new URLSearchParams(new FormData(data));
  else body = new URLSearchParams(data || {});
  const response = await fetch(url, {
    method: "POST",
    body,
    headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" },
    credentials: "same-origin",
  });
  let answer = null;
  try { answer = await response.json(); } catch (e) { answer = null; }
  if (!response.ok) {
    const known = answer && errors && errors[answer.code];
    const message = known || (answer && answer.message) || response.statusText;
    toast(message);
    throw new Error(message);
  }
  return answer;
}

// One WebSocket to /ws that reconnects; `onMessage(msg)` gets every message.
function liveSocket(onMessage, onState) {
  let delay = 500;
  function open() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => { delay = 500; onState(true); };
    ws.onmessage = (e) => onMessage(JSON.parse(e.data));
    ws.onclose = () => { onState(false); setTimeout(open, delay); delay = Math.min(delay * 2, 10000); };
  }
  open();
}

function fmtDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0"), ss = String(r).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

// A server response may ask for a toast: `HX-Trigger: {"toast": "text"}`.
document.addEventListener("toast", (e) => toast(e.detail.value));

document.addEventListener("htmx:responseError", (e) => {
  let text = e.detail.xhr.statusText;
  try { text = JSON.parse(e.detail.xhr.responseText).message || text; } catch (err) { /* html */ }
  toast(text);
});

// The wallboard's agents table, kept by hand: with hundreds of agents and tens of changes
// a second, updating the few changed rows' cells is far cheaper than re-rendering a list.
function agentTable(tbody, labels, onAction, monitoring) {
  const rows = new Map();
  const actions = document.getElementById("agent-actions");
  const byName = (a, b) => a.name.localeCompare(b.name);
  tbody.addEventListener("click", (e) => {
    const button = e.target.closest("[data-act]");
    if (!button) return;
    const tr = button.closest("tr");
    const reason = tr.querySelector("[data-role=reason]");
    onAction(tr.dataset.agent, button.dataset.act, reason ? reason.value : null);
  });
  function make(a) {
    const tr = document.createElement("tr");
    tr.dataset.agent = a.id;
    tr.setAttribute("data-testid", "agent-" + a.id);
    const cells = { name: document.createElement("th") };
    tr.append(cells.name);
    for (const k of ["state", "reason", "time", "interaction", "handled", "station"]) {
      const td = document.createElement("td");
      td.dataset.k = k;
      if (k === "time" || k === "handled") td.className = "num";
      tr.append(td);
      cells[k] = td;
    }
    cells.pill = document.createElement("span");
    cells.state.append(cells.pill);
    if (actions) {
      const td = document.createElement("td");
      td.className = "actions";
      const box = actions.content.firstElementChild.cloneNode(true);
      box.querySelector("[data-role=reason]").setAttribute("data-testid", "force-reason-" + a.id);
      box.querySelector("[data-act=pause]").setAttribute("data-testid", "force-pause-" + a.id);
      box.querySelector("[data-act=logout]").setAttribute("data-testid", "force-logout-" + a.id);
      for (const b of box.querySelectorAll("[data-role=monitor] [data-act]")) {
        b.setAttribute("data-testid", b.dataset.act + "-" + a.id);
      }
      td.append(box);
      tr.append(td);
      cells.actions = box;
    }
    return { tr, cells, row: null };
  }
  function fill(entry, a) {
    const c = entry.cells;
    entry.row = a;
    c.name.textContent = a.name;
    c.pill.className = "state-pill small s-" + a.state;
    c.pill.textContent = labels.state[a.state] || a.state;
    c.reason.textContent = a.reason ? (labels.reasons[a.reason] || a.reason) : "";
    c.interaction.textContent = (a.queue || "") + (a.interaction ? " " + a.interaction.slice(0, 8) : "");
    c.handled.textContent = a.handled_today;
    c.station.textContent = a.station || "";
    if (c.actions) c.actions.hidden = a.state === "logged_out";
    const monitor = c.actions && c.actions.querySelector("[data-role=monitor]");
    if (monitor && monitoring) {
      const mode = a.interaction ? monitoring.calls[a.interaction] : undefined;
      // listen, whisper, barge on a call talking with the agent or on hold (the
      // supervisor then joins the agent's side); stop once monitoring it
      const holding = a.state === "talking" || a.state === "on_hold";
      monitor.hidden = !(monitoring.voice && holding && a.interaction);
      monitor.querySelector("[data-act=monitor-stop]").hidden = !mode;
      for (const b of monitor.querySelectorAll("[data-mode]")) b.classList.toggle("primary", b.dataset.mode === mode);
      const tag = monitor.querySelector("[data-role=monitor-tag]");
      tag.textContent = mode ? monitoring.text.replace("{mode}", monitoring.modes[mode] || mode) : "";
      tag.setAttribute("data-testid", "monitoring-" + a.id);
    }
  }
  function clock(entry, now) {
    const a = entry.row;
    entry.cells.time.textContent = a.state === "logged_out" ? "—" : fmtDuration(now - a.since);
    const over = a.state === "not_ready" && a.pause_max && now - a.since > a.pause_max;
    entry.tr.classList.toggle("low", Boolean(over));
  }
  return {
    render(agents, now) {
      rows.clear();
      const trs = [];
      for (const a of Object.values(agents).sort(byName)) {
        const entry = make(a);
        fill(entry, a);
        clock(entry, now);
        rows.set(a.id, entry);
        trs.push(entry.tr);
      }
      tbody.replaceChildren(...trs);
    },
    update(changed, agents, now) {
      for (const [id, a] of Object.entries(changed)) {
        const entry = rows.get(id);
        if (!entry) return this.render(agents, now); // someone new: redo the order
        fill(entry, a);
        clock(entry, now);
      }
    },
    tick(now) {
      for (const entry of rows.values()) clock(entry, now);
    },
  };
}

document.addEventListener("alpine:init", () => {
  // The agent desktop: the agent's row (state, since, interaction...), live.
  Alpine.data("desk", (agent, stateLabels, reasonLabels) => ({
    agent,
    now: Date.now() / 1000,
    connected: false,
    init() {
      setInterval(() => { this.now = Date.now() / 1000; }, 1000);
      this.$watch("workKey", () => htmx.trigger("#work", "refresh"));
      liveSocket((msg) => {
        const rows = msg.agents || {};
        if (rows[this.agent.id]) this.agent = rows[this.agent.id];
      }, (up) => { this.connected = up; if (up) this.reload(); });
    },
    get workKey() {
      const a = this.agent;
      const current = a.interaction || a.pending_wrapup;
      if (!current) return "idle";
      return current + ":" + (a.state === "reserved" ? "offer" : "work");
    },
    async reload() {
      const r = await fetch("/desktop/state", { headers: { Accept: "application/json" } });
      if (r.ok) this.agent = await r.json();
    },
    stateLabel() {
      const label = stateLabels[this.agent.state] || this.agent.state;
      const reason = this.agent.reason ? (reasonLabels[this.agent.reason] || this.agent.reason) : "";
      return reason ? `${label} · ${reason}` : label;
    },
    clock() { return this.agent.state === "logged_out" ? "" : fmtDuration(this.now - this.agent.since); },
    async act(url, form) {
      try { this.agent = await post(url, form); } catch (e) { /* toast shown */ }
    },
  }));

  // The desktop's transfer and conference buttons on a real call (see routes/voice_desk.py).
  Alpine.data("deskVoice", (interaction, errors) => ({
    status: { voice: true, consulting: false, party_up: false, trunks: [], parties: [] },
    timer: null,
    init() {
      this.refresh();
      // while consulting or in a conference, follow the other parties answering (or
      // hanging up)
      this.timer = setInterval(() => {
        if (!this.$el.isConnected) clearInterval(this.timer);
        else if (this.status.consulting || this.status.parties.length) this.refresh();
      }, 1500);
    },
    async refresh() {
      const r = await fetch("/desktop/voice", { headers: { Accept: "application/json" } });
      if (r.ok) this.status = await r.json();
    },
    async go(verb, form, extra) {
      const data = Object.assign(form ? Object.fromEntries(new FormData(form)) : {}, extra);
      if (verb === "transfer-number") delete data.agent;
      try {
        this.status = await post("/desktop/interactions/" + interaction + "/" + verb, data, errors);
      } catch (e) { /* toast shown */ }
    },
  }));

  // The wallboard: queue and agent rows from a snapshot, merged with live patches.
  Alpine.data("wallboard", (snapshot, labels) => {
   let chart = null; // outside Alpine's reactive proxy: Chart.js keeps its own state
   let table = null; // the agents table (see agentTable)
   // Patches arriving together are merged and drawn at most every DRAW_MS, so a busy
   // center (hundreds of agents, tens of patches a second) costs a few redraws a second.
   const DRAW_MS = 200;
   let pending = null;
   const latency = (window.centralitaLatency = []);
   return {
    queues: snapshot.queues,
    agents: snapshot.agents,
    labels,
    now: Date.now() / 1000,
    connected: false,
    init() {
      const tbody = this.$refs.agentRows;
      if (tbody) {
        table = agentTable(tbody, labels, (id, act, reason) => (act.startsWith("monitor-")
          ? this.monitor(id, act.slice("monitor-".length))
          : this.act("/wallboard/agents/" + id + "/" + act, act === "pause" ? { reason } : {})),
          labels.monitoring);
        table.render(this.agents, this.now);
      }
      setInterval(() => {
        this.now = Date.now() / 1000;
        if (table) table.tick(this.now);
      }, 1000);
      liveSocket((msg) => this.receive(msg), (up) => { this.connected = up; });
      this.$nextTick(() => this.drawChart());
    },
    receive(msg) {
      if (msg.type === "snapshot") {
        pending = null;
        this.queues = msg.queues;
        this.agents = msg.agents;
        if (table) table.render(this.agents, Date.now() / 1000);
        this.drawChart();
      } else if (msg.type === "patch") {
        if (pending === null) {
          pending = { queues: {}, agents: {}, since: msg.first_event_at };
          setTimeout(() => this.draw(), DRAW_MS);
        }
        Object.assign(pending.queues, msg.queues);
        Object.assign(pending.agents, msg.agents);
      }
    },
    draw() {
      if (pending === null) return;
      const batch = pending;
      pending = null;
      // replace only the changed rows: unchanged rows keep their identity, so Alpine
      // leaves their table rows alone
      for (const [id, row] of Object.entries(batch.queues)) this.queues[id] = row;
      for (const [id, row] of Object.entries(batch.agents)) this.agents[id] = row;
      if (table) table.update(batch.agents, this.agents, Date.now() / 1000);
      this.drawChart();
      // event-to-screen of the oldest event drawn, once the DOM is updated
      this.$nextTick(() => {
        latency.push(Date.now() / 1000 - batch.since);
        if (latency.length > 1000) latency.shift();
      });
    },
    queueList() { return Object.values(this.queues).sort((a, b) => a.name.localeCompare(b.name)); },
    agentList() { return Object.values(this.agents).sort((a, b) => a.name.localeCompare(b.name)); },
    fmt: fmtDuration,
    pct(x) { return Math.round(x * 100) + "%"; },
    slLow(q) { return q.sl_measured && q.service_level < q.sl_target; },
    overPause(a) { return a.state === "not_ready" && a.pause_max && this.now - a.since > a.pause_max; },
    alerts() {
      const out = [];
      for (const a of this.agentList()) {
        if (this.overPause(a)) {
          const reason = labels.reasons[a.reason] || a.reason;
          out.push({ key: "p" + a.id, text: labels.alert_pause.replace("{agent}", a.name).replace("{reason}", reason) });
        }
      }
      for (const q of this.queueList()) {
        if (this.slLow(q)) {
          out.push({ key: "q" + q.id, text: labels.alert_sl.replace("{queue}", q.name).replace("{value}", this.pct(q.service_level)).replace("{target}", this.pct(q.sl_target)) });
        }
      }
      return out;
    },
    counts() {
      const order = ["available", "reserved", "talking", "on_hold", "wrap_up", "not_ready"];
      const n = Object.fromEntries(order.map((s) => [s, 0]));
      for (const a of Object.values(this.agents)) if (a.state in n) n[a.state] += 1;
      return order.map((s) => [labels.state[s], n[s]]);
    },
    drawChart() {
      const canvas = document.getElementById("agents-chart");
      if (!canvas || !window.Chart) return;
      const data = this.counts();
      if (!chart) {
        chart = new Chart(canvas, {
          type: "doughnut",
          data: {
            labels: data.map((d) => d[0]),
            datasets: [{ data: data.map((d) => d[1]), backgroundColor: ["#2e9d5b", "#e0a800", "#c0392b", "#8e44ad", "#2c7be5", "#7f8c8d"] }],
          },
          options: { animation: false, plugins: { legend: { position: "bottom" } } },
        });
      } else {
        chart.data.datasets[0].data = data.map((d) => d[1]);
        chart.update("none");
      }
    },
    async act(url, data) {
      try { await post(url, data); } catch (e) { /* toast shown */ }
    },
    // listen, whisper, barge (start or change of mode) or stop on the agent's call
    async monitor(id, verb) {
      const m = labels.monitoring, a = this.agents[id];
      if (!m || !a || !a.interaction) return;
      const url = "/wallboard/interactions/" + a.interaction + "/monitor" + (verb === "stop" ? "/stop" : "");
      try {
        const answer = await post(url, verb === "stop" ? {} : { mode: verb }, m.errors);
        m.calls = answer.monitoring;
      } catch (e) {
        // toast shown; the supervisor may have hung up meanwhile: ask what is monitored
        const r = await fetch("/wallboard/monitoring", { headers: { Accept: "application/json" } });
        if (r.ok) m.calls = (await r.json()).monitoring;
      }
      if (table) table.update({ [id]: a }, this.agents, Date.now() / 1000);
    },
   };
  });
});
