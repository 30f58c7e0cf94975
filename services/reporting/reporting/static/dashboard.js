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
    wonAmount: "Won", orderedAmount: "Ordered", unassigned: "unassigned", target: "Yearly target",
    attainment: "Attainment", prospects: "Prospects verified",
    revenueTrend: "Revenue per month", paretoTitle: "Customers by revenue (80/20)",
    paretoNote: "{n} of {total} customers ({share}) bring {value} of the revenue",
    source_web_form: "Web form", source_hotline: "Hotline", source_event: "Event",
    source_purchased_list: "Purchased list", source_referral: "Referral", source_manual: "Entered by hand",
    source_import: "Import",
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
    wonAmount: "赢单金额", orderedAmount: "订单金额", unassigned: "未分配", target: "年度目标",
    attainment: "目标完成率", prospects: "已验证的潜在客户",
    revenueTrend: "每月收入", paretoTitle: "客户收入分布（二八法则）",
    paretoNote: "{total} 个客户中的 {n} 个（{share}）贡献了 {value} 的收入",
    source_web_form: "网站表单", source_hotline: "热线电话", source_event: "活动",
    source_purchased_list: "购买名单", source_referral: "转介绍", source_manual: "手工录入",
    source_import: "导入",
  },
};
const STAGES = ["captured", "contacted", "qualified", "converted"];
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

let lang = localStorage.getItem("crm.lang") || document.documentElement.lang || "en";
let stream = null;
let latest = null;
let extras = null;  // the revenue and Pareto answers, fetched after each push (at most one fetch a second)
let extrasTimer = null, extrasAgain = false;

function t(key) { return (TEXT[lang] || TEXT.en)[key] || TEXT.en[key] || key; }

// a lead source's name in the page's language; a source the page does not know shows as its code
function sourceName(source) {
  if (source === "unknown") return t("unknown");
  const key = "source_" + source;
  return key in TEXT.en ? t(key) : source;
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  labelMoney();
  $("lang-toggle").textContent = lang === "en" ? "中文" : "English";
  setStatus($("live-status").dataset.state);
  if (latest) render(latest);
  if (extras) renderExtras(extras);
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
  starts += 1; clearTimeout(retry);  // a start under way or pending stops there
  if (stream) { stream.close(); stream = null; }
  latest = null; extras = null;
  showLogin();
}

let starts = 0, retry = null;

function later(seconds) {  // one pending restart at most: a new start or a logout cancels it
  clearTimeout(retry);
  retry = setTimeout(start, seconds * 1000);
}

async function start() {
  clearTimeout(retry);
  const token = sessionStorage.getItem("crm.token");
  if (!token) { showLogin(); return; }
  $("login").hidden = true; $("board").hidden = false; $("logout").hidden = false;
  setStatus("connecting");
  const generation = ++starts;
  // EventSource cannot send the Authorization header: the URL carries a ticket that expires within a
  // minute (proxies log URLs), never the access token
  let ticket = null, status = 0;
  try {
    const answer = await fetch("/stream/tickets", { method: "POST", headers: { authorization: `Bearer ${token}` } });
    status = answer.status;
    if (answer.ok) ticket = (await answer.json()).ticket;
  } catch (error) { /* reporting unreachable, or not its answer: try again */ }
  // logged out or in again, or started again, meanwhile: that start owns the stream
  if (generation !== starts || sessionStorage.getItem("crm.token") !== token) return;
  if (status === 401) { logout(); return; }  // expired or revoked
  if (!ticket) { later(3); return; }
  if (stream) stream.close();
  const opened = new EventSource(`/stream?ticket=${encodeURIComponent(ticket)}`);
  const openedAt = Date.now();
  stream = opened;
  opened.onopen = () => setStatus("live");
  opened.addEventListener("dashboard", (message) => {
    setStatus("live"); render(JSON.parse(message.data)); refreshExtras();
  });
  opened.onerror = () => {
    setStatus("connecting");
    // a dropped stream reconnects by itself, with the same URL: once its ticket has expired it is refused
    // and stays closed, so a closed one starts again with a new ticket (at once if it had been up a while)
    if (opened.readyState === EventSource.CLOSED && stream === opened) later(Date.now() - openedAt > 10000 ? 0.5 : 5);
  };
}

function render(data) {
  const changed = latest && JSON.stringify(latest.funnel) !== JSON.stringify(data.funnel);
  latest = data;
  $("viewer").textContent = `${data.viewer.name || data.viewer.user_id} · ${t("role_" + data.viewer.role)}`;
  $("total-captured").textContent = data.funnel.captured;
  $("total-converted").textContent = data.funnel.converted;
  $("total-rate").textContent = percent(data.funnel.rates.overall);
  const prospects = data.prospects || { imported: 0, verified: 0, conversion_rate: null };
  $("total-prospects").textContent = `${prospects.verified} / ${prospects.imported}`;
  $("prospect-rate").textContent = prospects.imported ? percent(prospects.conversion_rate) : "";
  if (changed) { $("total-captured").classList.remove("flash"); void $("total-captured").offsetWidth; $("total-captured").classList.add("flash"); }
  renderSources(data.leads_by_source);
  renderFunnel(data.funnel);
  renderTrend(data.trend);
  renderPipeline(data.pipeline);
  renderService(data.service);
  renderReps(data.reps);
  labelMoney();
}

// Money is labelled with the base currency the answers carry (`currency`: the latest exchange rate's base,
// else REPORTING_BASE_CURRENCY), never a fixed one: headings marked data-money="dashboard" follow the
// pushed payload's, data-money="revenue" the revenue answer's.
function labelMoney() {
  document.querySelectorAll("[data-money]").forEach((node) => {
    const code = node.dataset.money === "revenue" ? extras && extras.revenue.currency : latest && latest.currency;
    node.textContent = code ? `${t(node.dataset.i18n)} (${code})` : t(node.dataset.i18n);
  });
}

function refreshExtras() {
  if (extrasTimer) { extrasAgain = true; return; }
  loadExtras();
  extrasTimer = setTimeout(() => { extrasTimer = null; if (extrasAgain) { extrasAgain = false; refreshExtras(); } }, 1000);
}

async function loadExtras() {
  const token = sessionStorage.getItem("crm.token");
  if (!token) return;
  const get = (path) => fetch(path, { headers: { authorization: `Bearer ${token}` } })
    .then((response) => (response.ok ? response.json() : null)).catch(() => null);
  const [revenue, pareto] = await Promise.all([get("/reports/revenue?group_by=month"), get("/reports/customers/pareto")]);
  if (revenue && pareto && sessionStorage.getItem("crm.token") === token) { extras = { revenue, pareto }; renderExtras(extras); }
}

function renderExtras(data) {
  renderRevenueTrend(data.revenue);
  renderPareto(data.pareto);
  labelMoney();
}

function lastMonths(asOf, count) {
  const year = Number(asOf.slice(0, 4)), month = Number(asOf.slice(5, 7));
  return Array.from({ length: count }, (_, i) => {
    const index = year * 12 + month - 1 - (count - 1 - i);
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
  });
}

function renderRevenueTrend(revenue) {
  const svg = $("revenue-trend");
  const width = svg.clientWidth || 800, height = svg.clientHeight || 220, pad = 28;
  const months = lastMonths(revenue.as_of, 12);
  const amounts = (kind) => Object.fromEntries(revenue[kind].rows.map((row) => [row.key, Number(row.amount)]));
  const series = { won: amounts("won"), ordered: amounts("ordered") };
  const max = Math.max(1, ...months.flatMap((m) => [series.won[m] || 0, series.ordered[m] || 0]));
  const step = (width - 2 * pad) / months.length, bar = Math.max(1, step / 2 - 3);
  const nodes = [el("text", { x: 2, y: pad - 10 }, `${max.toLocaleString()} ${revenue.currency}`)];
  months.forEach((month, i) => {
    ["won", "ordered"].forEach((kind, k) => {
      const value = series[kind][month] || 0, h = ((height - 2 * pad) * value) / max;
      const rect = el("rect", { x: pad + i * step + 2 + k * (bar + 1), y: height - pad - h, width: bar, height: h,
        class: kind, "data-month": month, "data-kind": kind, "data-amount": value });
      rect.append(el("title", {}, `${month} ${t(kind + "Amount")}: ${value.toLocaleString()} ${revenue.currency}`));
      nodes.push(rect);
    });
    nodes.push(el("text", { x: pad + i * step + step / 2, y: height - 8, "text-anchor": "middle" }, month.slice(2)));
  });
  nodes.push(el("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, stroke: "#9ca3af" }));
  svg.replaceChildren(...nodes);
}

function renderPareto(pareto) {
  const svg = $("pareto");
  const ranked = pareto.rows.filter((row) => row.rank !== null);
  if (!ranked.length) { svg.replaceChildren(el("text", { x: 8, y: 20 }, t("noData"))); $("pareto-note").textContent = "–"; return; }
  const width = svg.clientWidth || 800, height = svg.clientHeight || 220, pad = 28;
  const w = width - 2 * pad, h = height - 2 * pad, step = w / ranked.length;
  const y = (share) => height - pad - h * share;
  const nodes = [];
  if (ranked.length <= 80) {
    ranked.forEach((row, i) => {
      const rect = el("rect", { x: pad + i * step + 1, y: y(row.share), width: Math.max(1, step - 2), height: h * row.share,
        class: row.vital_few ? "won" : "ordered", "data-account": row.account_id });
      rect.append(el("title", {}, `${row.name || row.account_id}: ${Number(row.value).toLocaleString()} ${pareto.currency}`));
      nodes.push(rect);
    });
  }
  const points = [[pad, y(0)], ...ranked.map((row, i) => [pad + (i + 1) * step, y(row.cumulative_share)])];
  nodes.push(el("polyline", { points: points.map((p) => p.join(",")).join(" "), class: "curve", id: "pareto-curve" }));
  nodes.push(el("line", { x1: pad, x2: width - pad, y1: y(pareto.threshold), y2: y(pareto.threshold), class: "cut" }));
  nodes.push(el("text", { x: 2, y: y(pareto.threshold) + 4 }, percent(pareto.threshold)));
  nodes.push(el("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, stroke: "#9ca3af" }));
  svg.replaceChildren(...nodes);
  const s = pareto.summary;
  $("pareto-note").textContent = t("paretoNote").replace("{n}", s.vital_few).replace("{total}", s.customers)
    .replace("{share}", percent(s.vital_few_customer_share)).replace("{value}", percent(s.vital_few_value_share));
}

function renderReps(reps) {
  const cells = (rep) => [rep.name || rep.owner_id || t("unassigned"), rep.leads,
    rep.speed_to_lead_hours === null ? "–" : rep.speed_to_lead_hours, rep.deals, percent(rep.win_rate),
    money(rep.won_amount), money(rep.ordered_amount), money(rep.target), percent(rep.target_attainment)];
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

const money = (value) => (value === null || value === undefined ? "–"
  : Number(value).toLocaleString(lang, { maximumFractionDigits: 0 }));
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
    const name = document.createElement("td"); name.className = "name"; name.textContent = sourceName(source);
    const value = document.createElement("td"); value.className = "num count"; value.textContent = count;
    row.append(name, value);
    return row;
  }));
  horizontalBars($("source-chart"), entries.map(([source, value]) => ({ label: sourceName(source), value })));
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
  const width = svg.clientWidth || 500, rowHeight = 28;
  const labelWidth = Math.min(width * 0.4, Math.max(80, ...items.map((d) => textWidth(String(d.label)) + 12)));
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

// the width of a chart label at the charts' 11 px: CJK characters are about square, others ~6.5 px
function textWidth(text) {
  return [...text].reduce((sum, ch) => sum + (ch.codePointAt(0) >= 0x2e80 ? 11 : 6.5), 0);
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
