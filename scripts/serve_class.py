"""Serve a class: N ``streamlit run app.py`` replicas on loopback ports behind HAProxy.

    python scripts/serve_class.py --replicas 2 --port 8501              # this machine only
    python scripts/serve_class.py --replicas 2 --port 8501 --host 0.0.0.0   # the room's network

One Streamlit process runs every script of every session in one interpreter, so a class
larger than one process holds (docs/benchmarks-load.md) needs several processes. Each
student's browser is pinned to one replica by HAProxy's SRV cookie (Streamlit keeps a session
in the process that holds its websocket). A replica that dies is taken out by the health check
(``/_stcore/health``) and started again; its students' tabs reconnect through the proxy to a
live replica and re-run their page from the URL, which holds data, page and settings.
Ctrl-C stops the proxy and every replica.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from appserver import stop_group  # noqa: E402  (the scripts' own helper, beside this file)

TEMPLATE = ROOT / "deploy" / "haproxy.cfg"
MAX_REPLICAS = 16
LOOPBACK = "127.0.0.1"


@dataclass
class ServeOptions:
    replicas: int = 2
    port: int = 8501
    host: str = LOOPBACK
    cpus: list[int] | None = None          # pin replica k to cpus[k % len(cpus)]
    app: str = "app.py"
    log_dir: str | None = None


def parse_args(argv=None) -> ServeOptions:
    """Command line → options; a bad value exits with a message naming it and the fix."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replicas", type=int, default=2, help=f"app processes, 1..{MAX_REPLICAS} (about one per core)")
    ap.add_argument("--port", type=int, default=8501, help="the port students open")
    ap.add_argument("--host", default=LOOPBACK,
                    help="address the proxy listens on: 127.0.0.1 (default, this machine only) or 0.0.0.0 "
                         "(every network interface: students' laptops in the room)")
    ap.add_argument("--cpus", default=None, help="comma-separated CPU numbers to pin the replicas to, e.g. 0,1")
    ap.add_argument("--app", default="app.py", help="entry file relative to the repository root")
    ap.add_argument("--log-dir", default=None, help="write each replica's and the proxy's output here")
    a = ap.parse_args(argv)
    return validate(ServeOptions(a.replicas, a.port, a.host, _cpu_list(ap, a.cpus), a.app, a.log_dir), ap.error)


def _cpu_list(ap, spec):
    if spec is None:
        return None
    try:
        cpus = [int(c) for c in spec.split(",") if c.strip()]
    except ValueError:
        ap.error(f"--cpus {spec!r}: pass comma-separated CPU numbers, e.g. --cpus 0,1")
    return cpus


def validate(o: ServeOptions, fail=None) -> ServeOptions:
    """Check the options before anything is started; ``fail(message)`` reports (default: SystemExit)."""
    fail = fail or (lambda m: (_ for _ in ()).throw(SystemExit(m)))
    if not 1 <= o.replicas <= MAX_REPLICAS:
        fail(f"--replicas {o.replicas}: pass 1 to {MAX_REPLICAS} (about one replica per core).")
    if not 1 <= o.port <= 65535:
        fail(f"--port {o.port}: pass a TCP port, 1 to 65535 (e.g. 8501).")
    try:
        socket.getaddrinfo(o.host, o.port)
    except (socket.gaierror, UnicodeError):
        fail(f"--host {o.host!r}: not an address; use 127.0.0.1 (this machine) or 0.0.0.0 (the network).")
    if o.cpus is not None:
        have = sorted(os.sched_getaffinity(0))
        bad = [c for c in o.cpus if c not in have]
        if not o.cpus or bad:
            fail(f"--cpus {','.join(map(str, o.cpus))}: CPU(s) {bad or 'none'} not available; "
                 f"this process may use {have}.")
    if not (ROOT / o.app).is_file():
        fail(f"--app {o.app}: no such file in {ROOT}.")
    return o


def find_haproxy() -> str:
    """The haproxy binary, or SystemExit saying how to install it."""
    path = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if not path:
        raise SystemExit("haproxy not found: install it from the distribution, "
                         "`sudo apt-get install haproxy`, then run this again.")
    return path


def haproxy_config(host: str, port: int, replica_ports: list[int], template: Path = TEMPLATE) -> str:
    """deploy/haproxy.cfg with the listening address and one ``server`` line per replica."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    servers = "\n".join(f"    server app{k} {LOOPBACK}:{p} cookie app{k}" for k, p in enumerate(replica_ports))
    lines = [ln if ln.lstrip().startswith("#") else ln.replace("{bind}", bind).replace("{servers}", servers)
             for ln in template.read_text().splitlines()]      # comments keep naming the placeholders
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def student_address(host: str, port: int) -> str:
    """The address to give the students: this machine's network address when serving the room."""
    if host in ("0.0.0.0", "::"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(("192.0.2.1", 9))            # no packet is sent: picks the outgoing interface
                host = s.getsockname()[0]
        except OSError:
            host = socket.gethostname()
    return f"http://{host}:{port}"


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


@dataclass
class Replica:
    index: int
    port: int
    proc: subprocess.Popen | None = None
    restarts: int = 0


@dataclass
class ClassStack:
    """The replicas and the proxy; ``start()``, ``stop()``, and a supervisor that restarts a dead replica."""
    options: ServeOptions
    replicas: list[Replica] = field(default_factory=list)
    proxy: subprocess.Popen | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _tmp: str | None = None

    @property
    def url(self) -> str:
        host = LOOPBACK if self.options.host in ("0.0.0.0", "::") else self.options.host
        return f"http://{host}:{self.options.port}"

    def _log(self, name: str):
        if not self.options.log_dir:
            return subprocess.DEVNULL
        Path(self.options.log_dir).mkdir(parents=True, exist_ok=True)
        return open(Path(self.options.log_dir) / f"{name}.log", "a")

    def _start_replica(self, r: Replica) -> None:
        o = self.options
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        cmd = [sys.executable, "-m", "streamlit", "run", o.app, "--server.headless", "true",
               "--server.address", LOOPBACK, "--server.port", str(r.port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--server.runOnSave", "false"]
        cpu = None if not o.cpus else {o.cpus[r.index % len(o.cpus)]}
        r.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log(f"replica{r.index}"), stderr=subprocess.STDOUT,
                                  env=env, start_new_session=True,
                                  preexec_fn=(lambda: os.sched_setaffinity(0, cpu)) if cpu else None)

    def start(self, timeout: float = 90.0) -> ClassStack:
        o = self.options
        haproxy = find_haproxy()
        self.replicas = [Replica(k, free_port()) for k in range(o.replicas)]
        for r in self.replicas:
            self._start_replica(r)
        self._tmp = tempfile.mkdtemp(prefix="serve_class_")
        cfg = Path(self._tmp) / "haproxy.cfg"
        cfg.write_text(haproxy_config(o.host, o.port, [r.port for r in self.replicas]))
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        if check.returncode:
            self.stop()
            raise SystemExit(f"haproxy rejected the configuration {cfg}:\n{check.stdout}{check.stderr}")
        self.proxy = subprocess.Popen([haproxy, "-db", "-f", str(cfg)], stdout=self._log("haproxy"),
                                      stderr=subprocess.STDOUT, start_new_session=True)
        t0 = time.monotonic()
        try:
            for r in self.replicas:
                while not healthy(f"http://{LOOPBACK}:{r.port}"):
                    if r.proc.poll() is not None:
                        raise RuntimeError(f"replica {r.index} exited with code {r.proc.returncode} before it was "
                                           f"healthy (see --log-dir)")
                    if self.proxy.poll() is not None:
                        raise RuntimeError(f"haproxy exited with code {self.proxy.returncode}: is port {o.port} free?")
                    if time.monotonic() - t0 > timeout:
                        raise RuntimeError(f"replica {r.index} not healthy within {timeout:.0f} s")
                    time.sleep(0.25)
            while not healthy(self.url):
                if self.proxy.poll() is not None:
                    raise RuntimeError(f"haproxy exited with code {self.proxy.returncode}: is port {o.port} free?")
                if time.monotonic() - t0 > timeout:
                    raise RuntimeError(f"the proxy at {self.url} did not answer within {timeout:.0f} s")
                time.sleep(0.25)
        except BaseException:
            self.stop()
            raise
        threading.Thread(target=self._supervise, daemon=True).start()
        return self

    def _supervise(self, every: float = 1.0) -> None:
        """Start again any replica whose process has exited (same port: the proxy's line stays valid)."""
        while not self._stop.wait(every):
            for r in self.replicas:
                if r.proc is not None and r.proc.poll() is not None and not self._stop.is_set():
                    r.restarts += 1
                    print(f"replica {r.index} (port {r.port}) exited with code {r.proc.returncode}; "
                          f"starting it again", file=sys.stderr, flush=True)
                    self._start_replica(r)

    def pids(self) -> list[int]:
        return [r.proc.pid for r in self.replicas if r.proc is not None and r.proc.poll() is None]

    def stop(self) -> None:
        self._stop.set()
        for p in [self.proxy] + [r.proc for r in self.replicas]:
            stop_group(p)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None) -> int:
    o = parse_args(argv)
    stack = ClassStack(o)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        stack.start()
        print(f"{o.replicas} replica(s) behind HAProxy. Students open: {student_address(o.host, o.port)}", flush=True)
        if o.host == LOOPBACK:
            print("(loopback only: pass --host 0.0.0.0 to serve the room's network)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping the proxy and the replicas", flush=True)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
