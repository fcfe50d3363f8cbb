"""State and shared machinery of the forge contract servers (forge.py --flavor ...).

One Store per server process holds repositories, their pull/merge requests, tokens, the call
log and injected faults, all in memory behind one lock. The flavors (forge_github.py,
forge_gitlab.py, forge_gitea.py) turn it into each provider's REST shapes.
"""
import base64
import hashlib
import json
import re
import secrets
import threading
import time
from email.utils import formatdate
from urllib.parse import urlencode

# Repository settings and their defaults; a config entry or POST /_control/repos may set any.
REPO_DEFAULTS = {
    "private": True,            # anonymous reads get 404, as on the real forges
    "allow_auto_merge": True,   # False: auto-merge is refused the way each forge refuses it
    "checks_pending": True,     # auto-merge waits for checks; False: "clean" (GitHub) / merged now
    "installed": True,          # the GitHub App is installed on it
    "base_head_route": True,    # Gitea >= 1.22 serves GET /pulls/{base}/{head}; False: 404
    "branches": None,           # None: any branch name is trusted; a list: only those exist
    "collaborators": None,      # None: anyone may review; a list: only those (GitHub 422)
    "labels": [],               # labels defined in the repository (Gitea needs them: by id)
}
DEFAULT_PAGE_SIZE = 2
# Faults of a careless or hostile server, the same on every flavor (forge.careless_reply).
CARELESS_KINDS = ("echoauth", "escapes", "huge", "badjson")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Reply:
    def __init__(self, status, body=None, headers=None, raw=None, content_type="application/json"):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.raw = raw
        self.content_type = content_type

    def payload(self):
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


class HttpError(Exception):
    def __init__(self, reply):
        super().__init__(reply.status)
        self.reply = reply


class Pull:
    def __init__(self, repo, number, head, base, title, body, author, at):
        self.repo = repo
        self.number = number
        self.id = repo.id * 1000 + number
        self.node_id = "PR_" + base64.b64encode(f"{repo.path}#{number}".encode()).decode().rstrip("=")
        self.head, self.base = head, base
        self.title, self.body = title, body
        self.author = author
        self.state = "open"  # open | closed | merged
        self.draft = False
        self.labels = []       # names
        self.reviewers = []    # user names
        self.assignees = []
        self.auto_merge = None  # dict once scheduled
        self.created = self.updated = at
        self.closed_at = self.merged_at = None
        self.sha = hashlib.sha1(f"{repo.path}:{head}:{number}".encode()).hexdigest()


class Repo:
    def __init__(self, path, rid, settings):
        self.path = path
        self.id = rid
        self.settings = dict(REPO_DEFAULTS)
        self.settings.update(settings)
        self.pulls = []
        self.next_label_id = 1
        self.label_defs = []  # [{"id", "name", "color", "description"}]
        for name in self.settings.pop("labels") or []:
            self.define_label(name)

    def define_label(self, name):
        for label in self.label_defs:
            if label["name"] == name:
                return label
        label = {"id": self.id * 100 + self.next_label_id, "name": name,
                 "color": hashlib.md5(name.encode()).hexdigest()[:6], "description": ""}
        self.next_label_id += 1
        self.label_defs.append(label)
        return label

    def has_branch(self, name):
        branches = self.settings.get("branches")
        return branches is None or name in branches

    def pull(self, number):
        for p in self.pulls:
            if p.number == number:
                return p
        return None

    def open_pull(self, head, base, exclude=None):
        for p in self.pulls:
            if p.state == "open" and p.head == head and p.base == base and p is not exclude:
                return p
        return None


class Store:
    def __init__(self, flavor, config, tokens):
        self.flavor = flavor
        self.config = config
        self.token_file = tokens
        self.lock = threading.RLock()
        self.last_time = 0
        self.app_token_lifetimes = {"": 3600}  # installation owner ("" = any other) -> seconds
        self.app_keys = {}  # GitHub App id -> its public key file (forge_github_app.py)
        self.reset()

    def reset(self, repo=None):
        with self.lock:
            if repo is not None:
                existing = self.repos.get(repo)
                if existing:
                    existing.pulls = []
                self.calls = [c for c in self.calls if c["repo"] != repo]
                return
            self.repos = {}
            self.calls = []
            self.faults = []
            self.seq = 0
            self.tokens = {t["token"]: dict(t) for t in self.token_file.get("tokens", [])}
            self.users = list(self.config.get("users", []))
            for spec in self.config.get("repos", []):
                self.add_repo(dict(spec))

    def add_repo(self, spec):
        """Create the repository or update its settings (its requests stay)."""
        path = spec.pop("path").strip("/")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+", path):
            raise ValueError(f"bad repository path {path!r}")
        unknown = set(spec) - set(REPO_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown repository settings {sorted(unknown)}")
        with self.lock:
            repo = self.repos.get(path)
            if repo is None:
                repo = Repo(path, len(self.repos) + 1, spec)
                self.repos[path] = repo
            else:
                for name in spec.pop("labels", None) or []:
                    repo.define_label(name)
                repo.settings.update(spec)
            return repo

    def now(self):
        """Strictly increasing seconds, so updated_at orders every change."""
        with self.lock:
            self.last_time = max(int(time.time()), self.last_time + 1)
            return self.last_time

    def new_pull(self, repo, head, base, title, body, author):
        number = max([p.number for p in repo.pulls], default=0) + 1
        pull = Pull(repo, number, head, base, title, body, author, self.now())
        repo.pulls.append(pull)
        return pull

    def touch(self, pull):
        pull.updated = self.now()

    def set_state(self, pull, state):
        at = self.now()
        pull.updated = at
        pull.state = state
        pull.closed_at = None if state == "open" else at
        pull.merged_at = at if state == "merged" else None
        if state != "open":
            pull.auto_merge = None if state == "closed" else pull.auto_merge

    def token(self, value):
        entry = self.tokens.get(value)
        if entry and entry.get("expires") and entry["expires"] <= time.time():
            return None
        return entry

    def issue_app_token(self, installation):
        value = "ghs_" + secrets.token_hex(18)
        lifetime = self.app_token_lifetimes.get(installation, self.app_token_lifetimes[""])
        expires = int(time.time()) + lifetime
        self.tokens[value] = {"token": value, "user": "argoimg-test-app[bot]", "scopes": None,
                              "installation": installation, "expires": expires}
        return value, expires

    def log_call(self, method, path, query, status, repo, write, auth=None):
        with self.lock:
            self.seq += 1
            self.calls.append({"seq": self.seq, "method": method, "path": path, "query": query,
                               "status": status, "repo": repo, "write": write, "auth": auth})

    def add_fault(self, spec):
        kinds = ("secondary", "secondary-429", "primary", "429", "500") + CARELESS_KINDS
        if spec.get("kind") not in kinds:
            raise ValueError(f"fault kind must be one of {kinds}")
        fault = {"path": spec.get("path", ""), "method": spec.get("method"), "kind": spec["kind"],
                 "count": int(spec.get("count", 1)), "retry_after": int(spec.get("retry_after", 1)),
                 "retry_after_format": spec.get("retry_after_format", "seconds"),
                 "status": int(spec.get("status", 400))}
        re.compile(fault["path"])
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method, path):
        with self.lock:
            for fault in self.faults:
                if fault["count"] > 0 and (fault["method"] in (None, method)) and re.search(fault["path"], path):
                    fault["count"] -= 1
                    return dict(fault)
        return None


def retry_after_value(fault):
    if fault["retry_after_format"] == "date":
        return formatdate(time.time() + fault["retry_after"], usegmt=True)
    return str(fault["retry_after"])


def page_of(items, query, page_param="page", size_param="per_page", max_size=DEFAULT_PAGE_SIZE):
    """Slice `items` by the page and size parameters; sizes above max_size are cut to it, so
    clients must follow the next links. Returns (slice, page, size, total_pages)."""
    def number(name, default):
        try:
            return max(1, int(query.get(name, [str(default)])[0]))
        except ValueError:
            return default
    size = min(number(size_param, max_size), max_size)
    page = number(page_param, 1)
    total_pages = max(1, (len(items) + size - 1) // size)
    return items[(page - 1) * size:page * size], page, size, total_pages


def link_header(url, query, page, total_pages, page_param="page"):
    def at(n):
        q = {k: v[0] for k, v in query.items()}
        q[page_param] = str(n)
        return f"<{url}?{urlencode(q)}>"
    links = []
    if page < total_pages:
        links.append(f'{at(page + 1)}; rel="next"')
        links.append(f'{at(total_pages)}; rel="last"')
    if page > 1:
        links.append(f'{at(1)}; rel="first"')
        links.append(f'{at(page - 1)}; rel="prev"')
    return ", ".join(links)


def sort_pulls(pulls, key="created", descending=True):
    return sorted(pulls, key=lambda p: (getattr(p, key), p.number), reverse=descending)


class Flavor:
    """Routing shared by the flavors: ROUTES is a list of (method, regex, handler name, need),
    matched against the path after PREFIXES; `need` is the access level the route requires."""
    PREFIXES = ("",)
    ROUTES = []
    REPO_PATTERN = r"^/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"

    def __init__(self, store, args):
        self.store = store
        self.page_size = args.page_size

    def api_path(self, req):
        for prefix in self.PREFIXES:
            if prefix == "" or req.path == prefix or req.path.startswith(prefix + "/"):
                return prefix, req.path[len(prefix):] or "/"
        return None, None

    def identify(self, req):
        prefix, path = self.api_path(req)
        m = re.match(self.REPO_PATTERN, path or "")
        if m:
            req.repo = self.repo_path(m)

    def repo_path(self, match):
        return f"{match.group('owner')}/{match.group('name')}"

    def route(self, req):
        prefix, path = self.api_path(req)
        if prefix is None:
            raise HttpError(self.not_found(req))
        req.prefix = prefix
        allowed = False
        for method, pattern, name, need in self.ROUTES:
            m = re.fullmatch(pattern, path)
            if not m:
                continue
            allowed = True
            if method != req.method:
                continue
            if "owner" in m.groupdict() or "project" in m.groupdict():
                req.repo = self.repo_path(m)
            with self.store.lock:
                return getattr(self, name)(req, need, **m.groupdict())
        raise HttpError(self.not_found(req) if not allowed else self.method_not_allowed(req))

    def method_not_allowed(self, req):
        return Reply(405, {"message": "Method Not Allowed"})

    def loggable_query(self, req):
        return re.sub(r"((?:access_)?token|private_token)=[^&]*", r"\1=REDACTED", req.query_string)

    def is_write(self, req):
        return req.method not in ("GET", "HEAD")

    def bearer(self, req, schemes=("bearer", "token")):
        auth = req.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in schemes and value.strip():
            return value.strip()
        return None

    def find(self, req, need):
        """The request's repository; credentials are checked before it is looked up, as on
        github.com and Gitea (a flavor that answers otherwise overrides this)."""
        repo = self.store.repos.get(req.repo or "")
        self.authenticate(req, need, repo)
        if repo is None:
            raise HttpError(self.not_found(req))
        return repo

    def find_pull(self, repo, req, number):
        pull = repo.pull(int(number))
        if pull is None:
            raise HttpError(self.not_found(req))
        return pull
