"""The live dashboard in a real headless Chromium: log in, post a lead, see it appear without reload."""

import asyncio
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from crm_shared.messaging.tansu import TansuBroker, free_port
from e2e_stack import ServiceProcess

pytestmark = pytest.mark.timeout(420)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ADMIN = {"username": "admin@example.com", "password": "admin-change-me"}


@pytest.fixture(scope="module")
async def stack(tmp_path_factory):
    """leads, sales and reporting as processes on a broker of their own; reporting logs in through sales."""
    tansu = TansuBroker(free_port()).start()
    var = tmp_path_factory.mktemp("dashboard")
    common = {"bootstrap": tansu.bootstrap_servers, "var_dir": var, "log_dir": var}
    procs = {name: ServiceProcess(name, **common) for name in ("leads", "sales")}
    # stream tickets of 5 s: a stream that drops for longer comes back with a new one
    reporting_env = {"REPORTING_SALES_URL": procs["sales"].url, "REPORTING_STREAM_TICKET_TTL_S": "5"}
    procs["reporting"] = ServiceProcess("reporting", extra_env=reporting_env, **common)
    try:
        for proc in procs.values():
            await asyncio.to_thread(proc.wait_ready, 180.0)  # a loaded machine starts services slowly
        yield procs
    finally:
        for proc in procs.values():
            proc.stop()
        tansu.stop()


@pytest.fixture(scope="module")
async def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def post_lead(leads_url: str, token: str, source: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(leads_url + "/leads", headers={"Authorization": f"Bearer {token}"},
                                     json={"name": "Dana Dashboard", "email": "dana@example.com",
                                           "source": source})
    assert response.status_code == 201, response.text


async def place_order(sales_url: str, token: str, amount: str) -> None:
    """A new customer account and one confirmed order for it, through the sales API."""
    async with httpx.AsyncClient(base_url=sales_url, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        account = await client.post("/accounts", json={"name": "Pareto Co", "region": "east"})
        assert account.status_code == 201, account.text
        order = await client.post("/orders", json={"account_id": account.json()["id"], "amount": amount})
        assert order.status_code == 201, order.text


async def test_dashboard_shows_a_new_lead_without_reload(stack, browser):
    context = await browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(stack["reporting"].url + "/")
    await expect(page.locator("#login-form")).to_be_visible()
    await page.fill("#username", ADMIN["username"])
    await page.fill("#password", ADMIN["password"])
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=30000)
    await expect(page.locator("#total-captured")).to_have_text("0", timeout=15000)
    token = await page.evaluate("sessionStorage.getItem('crm.token')")
    await page.evaluate("window.__sameDocument = true")

    source = "event"  # this stack is fresh: the first lead of any source
    await post_lead(stack["leads"].url, token, source)
    row = page.locator(f'#source-table tr[data-source="{source}"] .count')
    await expect(row).to_have_text("1", timeout=15000)
    name = page.locator(f'#source-table tr[data-source="{source}"] .name')
    await expect(name).to_have_text("Event")  # the source's name, not its code
    await expect(page.locator("#total-captured")).to_have_text("1")
    assert await page.evaluate("window.__sameDocument === true")  # updated in place: no reload

    await place_order(stack["sales"].url, token, "1234.00")  # the revenue trend and the Pareto curve follow
    bar = page.locator('#revenue-trend rect.ordered[data-amount="1234"]')
    await expect(bar).to_have_count(1, timeout=15000)
    await expect(page.locator("#pareto-curve")).to_have_count(1)
    note = "1 of 1 customers (100.0%) bring 100.0% of the revenue"
    await expect(page.locator("#pareto-note")).to_have_text(note)

    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    await page.click("#lang-toggle")
    await expect(page.locator("h1")).to_have_text("CRM 仪表盘")
    await expect(page.locator("#live-status")).to_have_text("实时")
    await expect(name).to_have_text("活动")
    await context.close()


async def test_dashboard_opens_in_the_browsers_language_and_refuses_a_wrong_password(stack, browser):
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(stack["reporting"].url + "/")
    await expect(page.locator("h1")).to_have_text("CRM 仪表盘")
    await page.fill("#username", ADMIN["username"])
    await page.fill("#password", "wrong-password")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_have_text("邮箱或密码错误")
    await context.close()


async def test_dashboard_fits_a_phone_screen(stack, browser):
    context = await browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(stack["reporting"].url + "/")
    await page.fill("#username", ADMIN["username"])
    await page.fill("#password", ADMIN["password"])
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=30000)
    await expect(page.locator("#total-captured")).not_to_be_empty(timeout=15000)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    for button in ("#lang-toggle", "#logout"):  # each label on one line
        box = await page.locator(button).bounding_box()
        assert box is not None and box["height"] < 40, (button, box)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    await context.close()


async def test_a_stream_that_dropped_after_its_ticket_expired_comes_back_with_a_new_one(stack, browser):
    """The URL of the stream carries a ticket, not the access token. EventSource reconnects by itself
    with the same URL; once the ticket has expired that is refused, and the page gets a new ticket."""
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    tickets, stream_urls = [], []
    page.on("request", lambda r: tickets.append(r) if r.url.endswith("/stream/tickets") else None)
    page.on("request", lambda r: stream_urls.append(r.url) if "/stream?" in r.url else None)
    await page.goto(stack["reporting"].url + "/")
    await page.fill("#username", ADMIN["username"])
    await page.fill("#password", ADMIN["password"])
    await page.click("#login-form button[type=submit]")
    status = page.locator("#live-status")
    await expect(status).to_have_attribute("data-state", "live", timeout=30000)
    token = await page.evaluate("sessionStorage.getItem('crm.token')")
    assert len(tickets) == 1 and all(token not in url and "ticket=" in url for url in stream_urls)

    await asyncio.to_thread(stack["reporting"].restart, 6.0)  # the stream drops; its 5 s ticket expires
    await expect(status).to_have_attribute("data-state", "connecting", timeout=15000)
    await asyncio.to_thread(stack["reporting"].wait_ready, 180.0)
    await expect(status).to_have_attribute("data-state", "live", timeout=60000)
    assert len(tickets) >= 2 and all(token not in url for url in stream_urls)
    before = int(await page.locator("#total-captured").text_content())
    await post_lead(stack["leads"].url, token, "referral")  # the new stream pushes
    await expect(page.locator("#total-captured")).to_have_text(str(before + 1), timeout=15000)
    await context.close()
