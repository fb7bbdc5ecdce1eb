"""The HTTP side of scripts/production-smoke: talks to gunicorn as the TLS reverse proxy would
(plain HTTP on loopback with `X-Forwarded-Proto: https` and `X-Forwarded-For`, from an address in
TRUSTED_PROXIES: the documented proxy contract), and as a
monitor does (plain HTTP, no header, to /healthz). Standard library only.

    python scripts/production_smoke.py --port 8462 --worker-pid 1234 --worker-log worker.log \
        --beat-pid 1235 --beat-log beat.log

Exits non-zero with the reason on the first failed assertion."""
import argparse
import http.client
import json
import os
import re
import signal
import sys
import time
from urllib.parse import urlencode

DEMO_PASSWORD = "demo-pass-2026"  # demo/data.py, README › Demo accounts


class SmokeFailure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise SmokeFailure(message)


class Browser:
    """One client with its own cookie jar. Cookies marked Secure are kept and sent: the proxy in
    front of gunicorn terminates TLS, so on loopback every request here stands for an HTTPS one."""

    def __init__(self, port, *, behind_proxy=True):
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.behind_proxy = behind_proxy
        self.cookies = {}
        self.set_cookie_headers = []

    def request(self, method, path, *, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": self.host, "User-Agent": "production-smoke", "Accept-Language": "zh-hans"}
        if self.behind_proxy:
            # As deploy/nginx-portal.conf sets them (192.0.2.10: a documentation address); believed
            # because the connection comes from TRUSTED_PROXIES (portal.proxies).
            sent |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent |= headers or {}
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response, content

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, fields):
        return self.request("POST", path, body=urlencode(fields), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://{self.host}",
            "Referer": f"https://{self.host}{path}"})


def health(port):
    response, content = Browser(port, behind_proxy=False).get("/healthz")
    try:
        body = json.loads(content)
    except ValueError:
        body = {"unparsed": content[:200].decode("utf-8", "replace")}
    return response.status, body


def wait_for_health(port, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = health(port)
            if last[0] == 200:
                return last[1]
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise SmokeFailure(f"/healthz did not answer 200 within {seconds}s: last {last}")


PASSED = []


def step(name):
    PASSED.append(name)
    print(f"   ok  {name}", flush=True)


def login_page_and_static(port):
    browser = Browser(port)
    response, content = browser.get("/accounts/login/")
    check(response.status == 200, f"login page answered {response.status}")
    html = content.decode()
    check("csrfmiddlewaretoken" in html, "login page has no CSRF token")
    step("login page 200 (DEBUG=0, templates with hashed static names)")

    plain, _ = Browser(port, behind_proxy=False).get("/accounts/login/")
    check(plain.status == 301 and plain.getheader("Location", "").startswith("https://"),
          f"plain HTTP without the proxy header is not redirected to HTTPS ({plain.status})")
    step("plain HTTP redirected to HTTPS (SECURE_SSL_REDIRECT in force)")

    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    check(any(re.search(r"bootstrap\.min\.[0-9a-f]{12}\.css$", url) for url in assets),
          f"no hashed Bootstrap stylesheet on the login page: {assets}")
    for url in assets:
        response, content = browser.get(url)
        check(response.status == 200, f"{url} answered {response.status}")
        check("immutable" in (response.getheader("Cache-Control") or ""), f"{url} is not cached as immutable")
        source_map = re.search(rb"sourceMappingURL=([^\s*]+)", content)
        if source_map:
            map_url = url.rsplit("/", 1)[0] + "/" + source_map.group(1).decode()
            map_response, _ = browser.get(map_url)
            check(map_response.status == 200, f"{map_url} (source map of {url}) answered {map_response.status}")
    step(f"static files 200 from WhiteNoise, hashed and immutable ({len(assets)} files and their maps)")
    return browser


def log_in(port, username):
    browser = Browser(port)
    _, content = browser.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content.decode())
    check(token is not None, "no CSRF token in the login form")
    response, _ = browser.post_form("/accounts/login/", {
        "csrfmiddlewaretoken": token.group(1), "username": username, "password": DEMO_PASSWORD})
    check(response.status == 302, f"logging in as {username} answered {response.status}, not a redirect")
    session = [header for header in browser.set_cookie_headers if header.startswith("sessionid=")]
    check(session, "no session cookie after logging in")
    check("Secure" in session[-1] and "HttpOnly" in session[-1], f"session cookie not Secure/HttpOnly: {session[-1]}")
    response, content = browser.get("/")
    check(response.status == 200, f"the dashboard answered {response.status} to {username}")
    check('action="/accounts/logout/"' in content.decode(), "the dashboard is not a logged-in page")
    step(f"logged in as {username} (Secure session cookie); dashboard 200")
    return browser


def notice_rendered_by_worker(browser, worker_log, seconds):
    """The demo data queues the PDF notices; with REDIS_URL set only a worker can render them."""
    deadline = time.monotonic() + seconds
    links = []
    while time.monotonic() < deadline:
        response, content = browser.get("/subsidies/notices/")
        check(response.status == 200, f"the notice list answered {response.status}")
        links = re.findall(r'href="(/subsidies/notices/\d+/download/)"', content.decode())
        if links:
            break
        time.sleep(1)
    check(links, f"no notice of the applicant was rendered within {seconds}s")
    response, content = browser.get(links[0])
    check(response.status == 200, f"{links[0]} answered {response.status}")
    check(response.getheader("Content-Type") == "application/pdf", f"{links[0]} is {response.getheader('Content-Type')}")
    check(content.startswith(b"%PDF-") and len(content) > 10_000, f"{links[0]} is not a PDF ({len(content)} bytes)")
    with open(worker_log, encoding="utf-8", errors="replace") as log:
        rendered = re.findall(r"Task subsidies\.tasks_notices\.render_notice\[[^\]]+\] succeeded[^\n]*'rendered'",
                              log.read())
    check(rendered, "the worker's log shows no rendered notice")
    step(f"PDF notice rendered by the worker ({len(rendered)} rendered; {links[0]}: {len(content)} bytes)")


def health_names_a_stopped_worker(port, worker_pid, seconds):
    os.kill(worker_pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = health(port)
        if last[0] == 503:
            break
        time.sleep(0.5)
    check(last[0] == 503 and last[1].get("checks", {}).get("celery_worker") == "unavailable",
          f"/healthz after stopping the worker: {last}")
    check(all(state == "ok" for name, state in last[1]["checks"].items() if name != "celery_worker"),
          f"/healthz names more than the worker: {last}")
    step("worker stopped: /healthz 503 naming celery_worker only")


def beat_is_running(beat_pid, beat_log):
    try:
        os.kill(beat_pid, 0)
    except ProcessLookupError:
        raise SmokeFailure("Celery beat is not running") from None
    with open(beat_log, encoding="utf-8", errors="replace") as log:
        check("beat: Starting" in log.read(), "Celery beat did not start its scheduler")
    step("Celery beat running its schedule")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--worker-pid", type=int, required=True)
    parser.add_argument("--worker-log", required=True)
    parser.add_argument("--beat-pid", type=int, required=True)
    parser.add_argument("--beat-log", required=True)
    parser.add_argument("--wait", type=int, default=120, help="seconds to wait for start-up and rendering")
    args = parser.parse_args()
    try:
        body = wait_for_health(args.port, args.wait)
        check(body == {"status": "ok", "checks": dict.fromkeys(
            ["database", "redis", "celery_worker", "private_storage"], "ok")}, f"/healthz body: {body}")
        step("/healthz 200 over plain HTTP on loopback: database, redis, celery_worker, private_storage")
        login_page_and_static(args.port)
        applicant = log_in(args.port, "applicant")
        notice_rendered_by_worker(applicant, args.worker_log, args.wait)
        beat_is_running(args.beat_pid, args.beat_log)
        health_names_a_stopped_worker(args.port, args.worker_pid, 30)
    except (SmokeFailure, OSError) as failure:
        print(f"FAILED: {failure}", file=sys.stderr, flush=True)
        print(f"production-smoke: {len(PASSED)} passed, 1 failed", flush=True)
        return 1
    print(f"production-smoke: {len(PASSED)} passed, 0 failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
