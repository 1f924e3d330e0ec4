"""A real nginx running deploy/nginx/ (the Reelhouse edge) as a non-daemon child on free ports under a temporary
prefix, for the edge tests and bench/edge.py. Debian's nginx and its set_misc module are installed when missing (as
the Makefile's `nginx` target does)."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "nginx"
MODULES = [Path("/usr/lib/nginx/modules/ndk_http_module.so"),  # set_misc needs the development kit loaded first
           Path("/usr/lib/nginx/modules/ngx_http_set_misc_module.so")]


def ensure_nginx() -> str:
    """The nginx binary, with Debian's set_misc module next to it (apt-get installs both when missing)."""
    if shutil.which("nginx") is None or not all(module.exists() for module in MODULES):
        subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx "
                       "libnginx-mod-http-set-misc >/dev/null", shell=True, check=True)
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Edge:
    url: str  # the edge: /edge/... checked by reelhouse/check.conf
    plain_url: str  # the same server's plain static location over the media root (/plain/<path>), no token
    prefix: Path
    mode: str

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _main_conf(*, prefix: Path, media_root: Path, port: int, origin_port: int, workers: int, mode: str,
               origin: str | None = None, listen: str = "127.0.0.1") -> str:
    temp = "".join(f"    {name}_temp_path {prefix}/{name};\n" for name in ("client_body", "proxy", "fastcgi",
                                                                           "uwsgi", "scgi"))
    origin_url = "http://reelhouse_origin"
    if origin:  # a real object store: http://host:port/<bucket>[/<prefix>]
        parts = urlsplit(origin)
        origin_url += parts.path.rstrip("/")
        origin_conf = f"""
    upstream reelhouse_origin {{ server {parts.netloc}; keepalive 16; }}"""
    else:
        origin_conf = f"""
    upstream reelhouse_origin {{ server 127.0.0.1:{origin_port}; keepalive 16; }}
    server {{  # stands in for the object store: the media root over plain HTTP
        listen 127.0.0.1:{origin_port};
        root {media_root};
        location / {{ add_header Cache-Control "max-age=60"; }}
    }}""" if mode == "origin" else ""
    # As root, nginx's workers would drop to nobody and could not read the test's private temporary folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    modules = "".join(f"load_module {module};\n" for module in MODULES)
    return f"""{modules}{user}worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
{temp}    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    include reelhouse/http.conf;{origin_conf}
    server {{
        listen {listen}:{port} reuseport backlog=4096;
        set $edge_media_root {media_root};
        set $edge_origin {origin_url};
        set $edge_origin_host 127.0.0.1;
        include reelhouse/locations.conf;
        location /plain/ {{  # plain nginx static over the same files, for bench/edge.py
            alias {media_root}/;
            include reelhouse/mime.conf;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
    }}
}}
"""


def edge_prepare(*, prefix: Path, media_root: Path, keys_conf: str, mode: str, port: int, origin_port: int = 0,
                 workers: int = 1, origin: str | None = None, listen: str = "127.0.0.1",
                 where=lambda command: command) -> list[str]:
    """Write the edge's configuration under `prefix` (deploy/nginx/ with serve-<mode>.conf as serve.conf) and
    check it with `nginx -t`; returns the command that runs it in the foreground. `listen`: its address;
    `where(command)`: the command as run on the edge's host (a network namespace, for the fleet test)."""
    binary = ensure_nginx()
    conf = prefix / "conf"
    shutil.copytree(DEPLOY / "reelhouse", conf / "reelhouse")
    shutil.copy(conf / "reelhouse" / f"serve-{mode}.conf", conf / "reelhouse" / "serve.conf")
    (conf / "reelhouse" / "keys.conf").write_text(keys_conf)
    (conf / "reelhouse" / "cache.conf").write_text(
        f"proxy_cache_path {prefix}/cache levels=1:2 keys_zone=reelhouse_edge:10m max_size=1g "
        "inactive=1d use_temp_path=off;\n")
    (conf / "nginx.conf").write_text(_main_conf(prefix=prefix, media_root=media_root, port=port,
                                                origin_port=origin_port, workers=workers, mode=mode, origin=origin,
                                                listen=listen))
    command = [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf / "nginx.conf"),
               "-g", "daemon off;"]
    check = subprocess.run(where([*command[:-2], "-t"]), capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused the edge configuration:\n{check.stderr}")
    return command


@contextlib.contextmanager
def edge_nginx(*, media_root: Path, keys_conf: str, mode: str = "disk", workers: int = 1, origin: str | None = None,
               listen: str = "127.0.0.1"):
    """Yields an Edge serving `media_root` (mode "disk": from the files; "origin": through proxy_cache from a second
    server over the same files, or from `origin`, a real object store's bucket URL http://host:port/<bucket>[/<prefix>])
    with the given keys.conf text, listening on `listen`; stops nginx (SIGTERM, then SIGKILL) afterwards."""
    with tempfile.TemporaryDirectory(prefix="rh-edge-") as tmp:
        prefix = Path(tmp)
        port, origin_port = _free_port(), _free_port()
        command = edge_prepare(prefix=prefix, media_root=Path(media_root), keys_conf=keys_conf, mode=mode,
                               port=port, origin_port=origin_port, workers=workers, origin=origin, listen=listen)
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        edge = Edge(url=f"http://{listen}:{port}", plain_url=f"http://{listen}:{port}/plain", prefix=prefix,
                    mode=mode)
        try:
            deadline = time.monotonic() + 20
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"nginx exited at start:\n{proc.stderr.read()}\n{edge.error_log()}")
                with contextlib.suppress(OSError), socket.create_connection((listen, port), timeout=0.5):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not listen within 20 s:\n{edge.error_log()}")
                time.sleep(0.05)
            yield edge
        finally:
            proc.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def app_edge(settings, key: tuple[str, str], **edge_options):
    """The edge of a deployment that has one: nginx serving the app's media root (or, with mode="origin" and an
    origin URL, a bucket) with the signing key `key` (kid, secret), and the app's REELHOUSE_EDGE_URL and
    REELHOUSE_EDGE_KEYS pointing at it (pytest-django's `settings`, restored after the test)."""
    from reelhouse.playback.edge import nginx_keys_conf

    with edge_nginx(media_root=settings.MEDIA_ROOT, keys_conf=nginx_keys_conf([key]), **edge_options) as running:
        settings.REELHOUSE_EDGE_URL = running.url
        settings.REELHOUSE_EDGE_KEYS = f"{key[0]}:{key[1]}"
        yield running
