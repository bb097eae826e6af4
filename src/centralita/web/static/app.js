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
async function post(url, data) {
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
    const message = (answer && answer.message) || response.statusText;
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

  // The wallboard: queue and agent rows from a snapshot, merged with live patches.
  Alpine.data("wallboard", (snapshot, labels) => {
   let chart = null; // outside Alpine's reactive proxy: Chart.js keeps its own state
   return {
    queues: snapshot.queues,
    agents: snapshot.agents,
    labels,
    now: Date.now() / 1000,
    connected: false,
    init() {
      setInterval(() => { this.now = Date.now() / 1000; }, 1000);
      liveSocket((msg) => this.receive(msg), (up) => { this.connected = up; });
      this.$nextTick(() => this.drawChart());
    },
    receive(msg) {
      if (msg.type === "snapshot") {
        this.queues = msg.queues;
        this.agents = msg.agents;
      } else if (msg.type === "patch") {
        this.queues = Object.assign({}, this.queues, msg.queues);
        this.agents = Object.assign({}, this.agents, msg.agents);
      }
      this.drawChart();
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
   };
  });
});
