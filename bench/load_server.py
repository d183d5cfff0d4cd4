"""Load benchmark: the real `yincai serve` (gunicorn) against the old single-process waitress set-up.

Builds a fresh demo school (`yincai demo`, ~1,100 students; `--small` for a quick run) in a temporary
YINCAI_VAR_DIR, starts the server on 127.0.0.1, logs in a realistic mix of users (teachers, head teachers,
grade leads, 教导处, parents, students; demo password yincai2026), and drives 1, 10 and 50 concurrent users
over the main pages each user reaches from their home page (class page, 学习诊断卡, 班级画像, 年级画像,
tiers, alerts, class board, support and family pages). A small stdlib driver: one thread per user, one
keep-alive http.client connection each, bounded by a time and a request budget per level.

User model: after each page arrives, a user clicks again after a think time drawn from an exponential
distribution with mean ``--think`` seconds (default 0.3 s, seeded per user). A person reads a page for
seconds, so 50 users at 0.3 s offer ~150 requests/s -- a Monday-morning burst far above a school's real
rate. The same users are then run with no think time at all (closed loop, every user re-requests the
instant a page arrives): that line measures the server's saturation throughput, and its latency is mostly
queueing (50 requests always waiting), so it is printed for comparison, not against the target.

Prints per level p50, p95, p99, throughput and errors for both servers, measured in the same run, and the
ratios. SQLite by default; PostgreSQL when DATABASE_URL is set (the demo is then built in that database).

    PYTHONPATH=src .venv/bin/python bench/load_server.py            # full demo, 1/10/50 users, 20 s per level
    PYTHONPATH=src .venv/bin/python bench/load_server.py --small --seconds 8
    PYTHONPATH=src .venv/bin/python bench/load_server.py --var-dir /tmp/x   # reuse an existing demo there
    PYTHONPATH=src .venv/bin/python bench/load_server.py --think 0          # closed loop only

Not part of the test suite (`make bench` runs it with the other benchmarks).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "yincai2026"
HOST = "127.0.0.1"
#: pages a user clicks through (paths found on their home page and one level below)
MAIN_PAGES = [re.compile(p) for p in (
    r"^/$", r"^/classes/\d+/$", r"^/students/\d+/$", r"^/family/children/\d+/$", r"^/me/$",
    r"^/insight/$", r"^/insight/students/\d+/$", r"^/insight/classes/\d+/$", r"^/insight/classes/\d+/tiers/$",
    r"^/insight/grades/\d+/$", r"^/insight/alerts/$",
    r"^/support/$", r"^/support/classes/\d+/$", r"^/support/students/\d+/$", r"^/support/family/(\d+/)?$",
    r"^/support/me/$", r"^/support/caseload/$",
)]
#: share of the simulated users per role (a Monday after an exam: mostly teachers)
MIX = [("subject_teacher", 40), ("head_teacher", 20), ("grade_lead", 8), ("admin", 4), ("parent", 16), ("student", 12)]
LEVELS = (1, 10, 50)


# ------------------------------------------------------------------------------------------------ set-up


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def run_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ, YINCAI_VAR_DIR=str(var_dir), PYTHONPATH=str(ROOT / "src"), LOG_LEVEL="ERROR",
               YINCAI_LOGIN_FAILURE_LIMIT="1000", YINCAI_LOGIN_IP_FAILURE_LIMIT="100000")
    env.pop("YINCAI_STATIC_MANIFEST", None)
    return env


def build_demo(var_dir: Path, *, small: bool) -> None:
    cmd = [sys.executable, "-m", "yincai.cli", "demo"] + (["--small"] if small else [])
    print(f"生成演示学校（{'小规模' if small else '完整'}）到 {var_dir} ……", flush=True)
    started = time.perf_counter()
    subprocess.run(cmd, env=run_env(var_dir), check=True, stdout=subprocess.DEVNULL)
    print(f"  用时 {time.perf_counter() - started:.0f} 秒", flush=True)


def pick_users(var_dir: Path, n: int) -> list[tuple[str, str]]:
    """(role, username) for n users in the MIX proportions, distinct accounts where the school has enough."""
    code = (
        "import django, json; django.setup()\n"
        "from yincai.school.models import StaffRole, Student, Guardian, Term\n"
        "t = Term.current(); out = {}\n"
        "for role in ('subject_teacher', 'head_teacher', 'grade_lead', 'admin'):\n"
        "    out[role] = sorted(set(StaffRole.objects.filter(term=t, role=role, staff__user__isnull=False)"
        ".values_list('staff__user__username', flat=True)))\n"
        "out['student'] = list(Student.objects.filter(user__isnull=False).order_by('pk')"
        ".values_list('user__username', flat=True)[:200])\n"
        "out['parent'] = list(Guardian.objects.filter(user__isnull=False).order_by('pk')"
        ".values_list('user__username', flat=True)[:200])\n"
        "print(json.dumps(out))\n"
    )
    import json

    env = run_env(var_dir) | {"DJANGO_SETTINGS_MODULE": "yincai.settings"}
    pools = json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                                      text=True).stdout.strip().splitlines()[-1])
    total = sum(w for _, w in MIX)
    wanted: list[str] = []
    for role, weight in MIX:
        wanted += [role] * max(1, round(n * weight / total))
    # round-robin over roles so that the first k users of the list are a fair mix for every level
    by_role: dict[str, list[str]] = {}
    for role in wanted:
        by_role.setdefault(role, []).append(role)
    order: list[str] = []
    while any(by_role.values()):
        for role, _ in MIX:
            if by_role.get(role):
                order.append(by_role[role].pop())
    users, used = [], dict.fromkeys(pools, 0)
    for role in order[:n]:
        pool = pools.get(role) or pools["subject_teacher"]
        users.append((role, pool[used[role] % len(pool)]))
        used[role] += 1
    return users


@dataclass
class Server:
    kind: str
    port: int
    proc: subprocess.Popen[bytes]


def start_server(var_dir: Path, kind: str) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "yincai.cli", "serve", "--host", HOST, "--port", str(port)]
    cmd += ["--server", "waitress", "--threads", "8"] if kind == "waitress" else []
    proc = subprocess.Popen(cmd, env=run_env(var_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"服务未能启动：{proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                conn.close()
                return Server(kind, port, proc)
        except OSError:
            time.sleep(0.5)
    raise SystemExit("服务启动超时")


def server_cpu_seconds(server: Server) -> float:
    """user + system CPU of every process in the server's session (master, workers), from /proc."""
    return _cpu_seconds(lambda name, session: session == server.proc.pid)  # started in its own session


def database_cpu_seconds() -> float:
    """CPU of the PostgreSQL server processes (0 on SQLite, whose work is inside the server's processes)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return 0.0
    return _cpu_seconds(lambda name, session: name in ("postgres", "postmaster"))


def _cpu_seconds(select: Callable[[str, int], bool]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = tail.split()
        if select(head.split("(", 1)[1], int(fields[3])):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def stop_server(server: Server) -> None:
    try:
        os.killpg(server.proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait()


# ------------------------------------------------------------------------------------------------ client


class Client:
    """One user: a keep-alive connection with its own cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Accept-Encoding": "identity", "Connection": "keep-alive"}
        if body is not None:
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{HOST}:{self.port}/"}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # server closed the idle keep-alive connection: reconnect once
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", data

    def login(self, username: str) -> None:
        status, _, html = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or token is None:
            raise RuntimeError(f"登录页异常 {status}")
        body = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token.group(1)})
        status, location, _ = self.request("POST", "/accounts/login/", body)
        if status != 302:
            raise RuntimeError(f"{username} 登录失败（{status}）")

    def discover(self, limit: int = 14, per_kind: int = 2) -> list[str]:
        """Main pages reachable from the home page (and one click further), at most `per_kind` of each kind
        (two class pages, two 学习诊断卡 …), in a stable order."""
        found: list[str] = ["/"]
        kinds: dict[int, int] = {}
        frontier = ["/"]
        for _depth in range(2):
            nxt = []
            for path in frontier:
                status, _, html = self.request("GET", path)
                if status != 200:
                    continue
                for href in re.findall(r'href="(/[^"#?]*)"', html):
                    kind = next((k for k, p in enumerate(MAIN_PAGES) if p.match(href)), None)
                    if kind is None or href in found or kinds.get(kind, 0) >= per_kind or len(found) >= limit:
                        continue
                    status, _, _ = self.request("GET", href)
                    if status == 200:  # links the role may not follow are left out
                        kinds[kind] = kinds.get(kind, 0) + 1
                        found.append(href)
                        nxt.append(href)
            frontier = nxt
        return found


@dataclass
class Level:
    users: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0  # CPU seconds used by the server's processes during the level
    database_cpu: float = 0.0  # ... by PostgreSQL's processes
    driver_cpu: float = 0.0  # ... by this driver (the simulated users share the machine)

    @property
    def cpu_ms_per_request(self) -> float:
        return self.per_request(self.server_cpu)

    def per_request(self, seconds: float) -> float:
        n = len(self.latencies) + self.errors
        return seconds / n * 1000 if n else float("nan")

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def log_in_all(port: int, users: list[tuple[str, str]]) -> list[tuple[Client, list[str]]]:
    """Log every user in and find their pages (before any clock starts)."""
    clients = []
    for _, username in users:
        client = Client(port)
        client.login(username)
        clients.append((client, client.discover()))
    return clients


def drive(port: int, clients: list[tuple[Client, list[str]]], *, seconds: float, max_requests: int,
          think: float) -> Level:
    level = Level(len(clients))
    lock = threading.Lock()
    stop_at = [0.0]
    budget = [max_requests]
    barrier = threading.Barrier(len(clients) + 1)

    def user(client: Client, pages: list[str], offset: int) -> None:
        rng = random.Random(offset)
        barrier.wait()
        if think:
            time.sleep(rng.uniform(0, think))  # users do not all click in the same millisecond
        i = offset
        while time.perf_counter() < stop_at[0]:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            path = pages[i % len(pages)]
            i += 1
            started = time.perf_counter()
            try:
                status, _, _ = client.request("GET", path)
                ok = status == 200
            except OSError:
                ok = False
                client.conn.close()
                client.conn = http.client.HTTPConnection(HOST, port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    level.latencies.append(elapsed)
                else:
                    level.errors += 1
            if think:
                time.sleep(rng.expovariate(1.0 / think))

    threads = [threading.Thread(target=user, args=(c, p, k), daemon=True) for k, (c, p) in enumerate(clients)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    barrier.wait()
    for t in threads:
        t.join(seconds + 120)
    level.seconds = time.perf_counter() - started
    return level


# ------------------------------------------------------------------------------------------------ main


def measure(var_dir: Path, kind: str, levels: tuple[int, ...], seconds: float, max_requests: int,
            think: float) -> tuple[list[Level], Level | None]:
    """The levels with think time, then the top level closed-loop (no think time) unless think is 0."""
    server = start_server(var_dir, kind)
    try:
        clients = log_in_all(server.port, pick_users(var_dir, max(levels)))
        drive(server.port, clients[:2], seconds=2, max_requests=200, think=0)  # warm-up (imports, caches)
        out = []
        def timed(users: list[tuple[Client, list[str]]], think: float) -> Level:
            before, db_before, own_before = server_cpu_seconds(server), database_cpu_seconds(), time.process_time()
            level = drive(server.port, users, seconds=seconds, max_requests=max_requests, think=think)
            level.server_cpu = server_cpu_seconds(server) - before
            level.database_cpu = database_cpu_seconds() - db_before
            level.driver_cpu = time.process_time() - own_before
            return level

        for n in levels:
            level = timed(clients[:n], think)
            report(kind, f"{n:>3} 用户", level)
            out.append(level)
        saturation = None
        if think:
            saturation = timed(clients, 0)
            report(kind, f"{len(clients):>3} 用户·无思考时间", saturation)
        for client, _ in clients:
            client.conn.close()
        return out, saturation
    finally:
        stop_server(server)


def report(kind: str, label: str, level: Level) -> None:
    print(f"  {kind:<9} {label}  p50 {level.pct(.5):7.0f} ms  p95 {level.pct(.95):7.0f} ms  "
          f"p99 {level.pct(.99):7.0f} ms  {level.rps:7.1f} 请求/秒  错误 {level.errors}  "
          f"服务端 CPU {level.cpu_ms_per_request:5.1f} ms/请求"
          + (f"（数据库 +{level.per_request(level.database_cpu):.1f}）" if level.database_cpu else "")
          + f"  压测端 CPU {level.per_request(level.driver_cpu):.1f} ms/请求", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="小规模演示学校（快速试跑）")
    parser.add_argument("--seconds", type=float, default=20.0, help="每个并发级别的时长（秒）")
    parser.add_argument("--max-requests", type=int, default=20000, help="每个级别的请求上限")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--var-dir", type=Path, help="使用已有的演示数据目录（不重新生成）")
    parser.add_argument("--skip-waitress", action="store_true")
    parser.add_argument("--think", type=float, default=0.3, help="用户两次点击之间的平均思考时间（秒，指数分布；0 = 无）")
    args = parser.parse_args()
    levels = tuple(int(x) for x in args.levels.split(","))
    tmp = None
    var_dir = args.var_dir
    if var_dir is None:
        tmp = Path(tempfile.mkdtemp(prefix="yincai-load-"))
        var_dir = tmp
        build_demo(var_dir, small=args.small)
    db = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite (WAL)"
    print(f"数据库：{db}；CPU 核数：{os.cpu_count()}；负载：{os.getloadavg()[0]:.1f}（测量前 1 分钟平均）", flush=True)
    try:
        new, new_sat = measure(var_dir, "gunicorn", levels, args.seconds, args.max_requests, args.think)
        old, old_sat = ([], None) if args.skip_waitress else measure(
            var_dir, "waitress", levels, args.seconds, args.max_requests, args.think)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n思考时间 平均 {args.think:g} 秒")
    print("并发   gunicorn p95 / 吞吐      waitress p95 / 吞吐      p95 比值(旧/新)  吞吐比值(新/旧)")
    rows = [(f"{n:>4}", new[i], old[i] if old else None) for i, n in enumerate(levels)]
    if new_sat is not None:
        rows.append((f"{levels[-1]:>4}（无思考时间，饱和）", new_sat, old_sat))
    for label, a, b in rows:
        line = f"{label}   {a.pct(.95):8.0f} ms {a.rps:7.1f}/s"
        if b is not None:
            line += (f"   {b.pct(.95):8.0f} ms {b.rps:7.1f}/s   {b.pct(.95) / max(a.pct(.95), 1e-9):12.1f}×"
                     f"   {a.rps / max(b.rps, 1e-9):12.1f}×")
        print(line)
    top = new[-1]
    ok = top.pct(.95) < 200 and top.rps >= 100 and top.errors == 0 and all(level.errors == 0 for level in new)
    print(f"\n目标（{levels[-1]} 用户，思考时间 {args.think:g} 秒：p95 < 200 ms、≥ 100 请求/秒、0 错误）："
          f"{'达到' if ok else '未达到'}"
          f"（p95 {top.pct(.95):.0f} ms，{top.rps:.1f} 请求/秒，错误 {top.errors}）")
    cpu = top.cpu_ms_per_request
    print(f"服务端每个请求平均耗 CPU {cpu:.1f} ms（{levels[-1]} 用户级别）：{os.cpu_count()} 核独占时的理论上限约 "
          f"{(os.cpu_count() or 1) * 1000 / cpu:.0f} 请求/秒（与机器上其他负载无关的口径）")
    if statistics.mean(os.getloadavg()[:1]) > (os.cpu_count() or 1):
        print(f"注意：机器在测量时还有其他负载（1 分钟平均负载 {os.getloadavg()[0]:.1f}），绝对数字偏低，比值更可信。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
