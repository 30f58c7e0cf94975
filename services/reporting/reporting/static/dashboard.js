// The live dashboard: log in through reporting's /session, then render every `dashboard` event of /stream.
"use strict";

const TEXT = {
  en: {
    title: "CRM dashboard", login: "Log in", email: "Email", password: "Password", signin: "Sign in",
    logout: "Log out", captured: "Leads captured", converted: "Converted", conversion: "Conversion rate",
    bySource: "Leads by source", funnel: "Lead funnel", trend: "Leads captured per day", source: "Source",
    leads: "Leads", live: "live", offline: "offline", connecting: "connecting…", badLogin: "Wrong email or password",
    loginFailed: "Login failed", stage_captured: "Captured", stage_contacted: "Contacted",
    stage_qualified: "Qualified", stage_converted: "Converted", unknown: "unknown", noData: "No data yet",
    role_admin: "admin", role_manager: "manager", role_rep: "rep", role_agent: "agent",
    pipeline: "Deal pipeline", winRate: "Win rate", bottleneck: "Bottleneck", slaHealth: "SLA health",
    backlog: "Open tickets", firstResponseSla: "First response within SLA", resolutionSla: "Resolved within SLA",
    csat: "CSAT (1–5)", reps: "Reps", rep: "Rep", speed: "Hours to first contact", deals: "Deals",
    wonAmount: "Won", orderedAmount: "Ordered", unassigned: "unassigned",
  },
  "zh-CN": {
    title: "CRM 仪表盘", login: "登录", email: "邮箱", password: "密码", signin: "登录",
    logout: "退出", captured: "线索总数", converted: "已转化", conversion: "转化率",
    bySource: "按来源的线索", funnel: "线索漏斗", trend: "每日新增线索", source: "来源",
    leads: "线索", live: "实时", offline: "离线", connecting: "连接中…", badLogin: "邮箱或密码错误",
    loginFailed: "登录失败", stage_captured: "获取", stage_contacted: "已联系",
    stage_qualified: "已确认", stage_converted: "已转化", unknown: "未知", noData: "暂无数据",
    role_admin: "管理员", role_manager: "经理", role_rep: "销售", role_agent: "客服",
    pipeline: "商机漏斗", winRate: "赢单率", bottleneck: "瓶颈阶段", slaHealth: "SLA 健康度",
    backlog: "未结工单", firstResponseSla: "首次响应达标率", resolutionSla: "解决达标率",
    csat: "满意度（1–5）", reps: "销售业绩", rep: "销售", speed: "首次联系（小时）", deals: "商机",
    wonAmount: "赢单金额", orderedAmount: "订单金额", unassigned: "未分配",
  },
};
const STAGES = ["captured", "contacted", "qualified", "converted"];
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

let lang = localStorage.getItem("crm.lang") || document.documentElement.lang || "en";
let stream = null;
let latest = null;

function t(key) { return (TEXT[lang] || TEXT.en)[key] || TEXT.en[key] || key; }

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("lang-toggle").textContent = lang === "en" ? "中文" : "English";
  setStatus($("live-status").dataset.state);
  if (latest) render(latest);
}

function setStatus(state) {
  const el = $("live-status");
  el.dataset.state = state;
  el.textContent = t(state === "live" ? "live" : state === "connecting" ? "connecting" : "offline");
}

function showLogin() {
  $("login").hidden = false; $("board").hidden = true; $("logout").hidden = true; $("viewer").textContent = "";
  setStatus("off");
}

async function login(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  const body = JSON.stringify({ username: $("username").value, password: $("password").value });
  try {
    const response = await fetch("/session", { method: "POST", headers: { "content-type": "application/json" }, body });
    if (!response.ok) {
      $("login-error").textContent = response.status === 401 ? t("badLogin") : `${t("loginFailed")} (${response.status})`;
      return;
    }
    const session = await response.json();
    sessionStorage.setItem("crm.token", session.access_token);
    $("password").value = "";
    start();
  } catch (error) {
    $("login-error").textContent = `${t("loginFailed")}: ${error}`;
  }
}

function logout() {
  sessionStorage.removeItem("crm.token");
  if (stream) { stream.close(); stream = null; }
  latest = null;
  showLogin();
}

function start() {
  const token = sessionStorage.getItem("crm.token");
  if (!token) { showLogin(); return; }
  $("login").hidden = true; $("board").hidden = false; $("logout").hidden = false;
  setStatus("connecting");
  if (stream) stream.close();
  stream = new EventSource(`/stream?token=${encodeURIComponent(token)}`);
  stream.onopen = () => setStatus("live");
  stream.addEventListener("dashboard", (message) => { setStatus("live"); render(JSON.parse(message.data)); });
  stream.onerror = async () => {
    setStatus("connecting");
    const check = await fetch("/reports/dashboard", { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
    if (check && check.status === 401) logout();  // expired or revoked: EventSource would retry forever
  };
}

function render(data) {
  const changed = latest && JSON.stringify(latest.funnel) !== JSON.stringify(data.funnel);
  latest = data;
  $("viewer").textContent = `${data.viewer.name || data.viewer.user_id} · ${t("role_" + data.viewer.role)}`;
  $("total-captured").textContent = data.funnel.captured;
  $("total-converted").textContent = data.funnel.converted;
  $("total-rate").textContent = percent(data.funnel.rates.overall);
  if (changed) { $("total-captured").classList.remove("flash"); void $("total-captured").offsetWidth; $("total-captured").classList.add("flash"); }
  renderSources(data.leads_by_source);
  renderFunnel(data.funnel);
  renderTrend(data.trend);
  renderPipeline(data.pipeline);
  renderService(data.service);
  renderReps(data.reps);
}

function renderReps(reps) {
  const cells = (rep) => [rep.name || rep.owner_id || t("unassigned"), rep.leads,
    rep.speed_to_lead_hours === null ? "–" : rep.speed_to_lead_hours, rep.deals, percent(rep.win_rate),
    rep.won_amount, rep.ordered_amount];
  $("reps").tBodies[0].replaceChildren(...reps.map((rep) => {
    const row = document.createElement("tr");
    row.dataset.rep = rep.owner_id || "";
    row.append(...cells(rep).map((value, i) => {
      const cell = document.createElement("td");
      cell.textContent = value;
      if (i) cell.className = "num";
      return cell;
    }));
    return row;
  }));
}

const percent = (value) => (value === null || value === undefined ? "–" : `${(value * 100).toFixed(1)}%`);

function renderPipeline(pipeline) {
  horizontalBars($("pipeline"), pipeline.stages.map((s) => ({ label: s.stage_name, value: s.count })));
  $("win-rate").textContent = percent(pipeline.win_rate);
  $("bottleneck").textContent = pipeline.bottleneck || "–";
}

function renderService(service) {
  $("sla-backlog").textContent = service.backlog;
  $("sla-first").textContent = percent(service.first_response_sla);
  $("sla-resolution").textContent = percent(service.resolution_sla);
  $("sla-csat").textContent = service.csat === null ? "–" : service.csat.toFixed(2);
}

function renderSources(bySource) {
  const entries = Object.entries(bySource).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const body = $("source-table").tBodies[0];
  body.replaceChildren(...entries.map(([source, count]) => {
    const row = document.createElement("tr");
    row.dataset.source = source;
    const name = document.createElement("td"); name.textContent = source === "unknown" ? t("unknown") : source;
    const value = document.createElement("td"); value.className = "num count"; value.textContent = count;
    row.append(name, value);
    return row;
  }));
  horizontalBars($("source-chart"), entries.map(([label, value]) => ({ label, value })));
}

function renderFunnel(total) {
  horizontalBars($("funnel"), STAGES.map((stage) => ({ label: t("stage_" + stage), value: total[stage] })), true);
}

function renderTrend(trend) {
  const svg = $("trend");
  const width = svg.clientWidth || 800, height = svg.clientHeight || 220, pad = 28;
  const max = Math.max(1, ...trend.map((d) => d.captured));
  const step = (width - 2 * pad) / Math.max(1, trend.length);
  const nodes = [];
  trend.forEach((d, i) => {
    const h = ((height - 2 * pad) * d.captured) / max;
    const x = pad + i * step;
    nodes.push(el("rect", { x: x + 2, y: height - pad - h, width: Math.max(1, step - 4), height: h, fill: "#60a5fa" }));
    if (d.captured) nodes.push(el("text", { x: x + step / 2, y: height - pad - h - 4, "text-anchor": "middle", class: "value" }, d.captured));
    if (i % 2 === 0) nodes.push(el("text", { x: x + step / 2, y: height - 8, "text-anchor": "middle" }, d.day.slice(5)));
  });
  nodes.push(el("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, stroke: "#9ca3af" }));
  svg.replaceChildren(...nodes);
}

function horizontalBars(svg, items, funnel = false) {
  const width = svg.clientWidth || 500, rowHeight = 28, labelWidth = 110;
  svg.setAttribute("height", Math.max(1, items.length) * rowHeight + 8);
  svg.style.height = `${Math.max(1, items.length) * rowHeight + 8}px`;
  if (!items.length) { svg.replaceChildren(el("text", { x: 8, y: 20 }, t("noData"))); return; }
  const max = Math.max(1, ...items.map((d) => d.value));
  const nodes = [];
  items.forEach((d, i) => {
    const w = ((width - labelWidth - 50) * d.value) / max;
    const x = funnel ? labelWidth + (width - labelWidth - 50 - w) / 2 : labelWidth;
    const y = 4 + i * rowHeight;
    nodes.push(el("text", { x: 4, y: y + 17 }, d.label));
    nodes.push(el("rect", { x, y, width: Math.max(w, 1), height: rowHeight - 6, rx: 3, fill: funnel ? "#818cf8" : "#34d399" }));
    nodes.push(el("text", { x: x + Math.max(w, 1) + 6, y: y + 17, class: "value" }, d.value));
  });
  svg.replaceChildren(...nodes);
}

function el(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

$("login-form").addEventListener("submit", login);
$("logout").addEventListener("click", logout);
$("lang-toggle").addEventListener("click", () => {
  lang = lang === "en" ? "zh-CN" : "en";
  localStorage.setItem("crm.lang", lang);
  applyLanguage();
});
applyLanguage();
start();
