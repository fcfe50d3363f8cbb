"""GitHub REST shapes for forge.py (github.com at /, Enterprise Server at /api/v3 and /api/graphql).

  GET   /repos/{o}/{r}                                  repository (allow_auto_merge, ...)
  GET   /repos/{o}/{r}/pulls?state=&head=OWNER:BRANCH&base=&sort=&direction=&page=&per_page=
  POST  /repos/{o}/{r}/pulls            {title, head, base, body, draft}   201; 422 on duplicates
  GET   /repos/{o}/{r}/pulls/{n}
  PATCH /repos/{o}/{r}/pulls/{n}        {title, body, state, base}
  POST  /repos/{o}/{r}/pulls/{n}/requested_reviewers  {reviewers, team_reviewers}  201
  POST  /repos/{o}/{r}/issues/{n}/labels              {labels} (unknown labels are created)
  POST  /repos/{o}/{r}/issues/{n}/assignees           {assignees}  201
  GET   /repos/{o}/{r}/installation                   GitHub App JWT  (forge_github_app.py)
  POST  /app/installations/{id}/access_tokens        GitHub App JWT  201 {token, expires_at}
  POST  /graphql                                      enablePullRequestAutoMerge, pullRequest id

Tokens: `Authorization: Bearer T` or `token T`. Classic tokens carry "scopes" (writes need
"repo": else 403 with x-accepted-oauth-scopes), fine-grained ones "permissions" (writes need
pull_requests=write: else 403 with x-accepted-github-permissions). As on github.com, a head
filter without "owner:" is ignored (every request of the state is listed).
"""
import hashlib
import time
import uuid

from forge_common import Flavor, HttpError, Reply, iso, link_header, page_of, retry_after_value, sort_pulls
from forge_github_app import AppRoutes

DOCS = "https://docs.github.com/rest"
REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
NUM = r"(?P<number>[0-9]+)"


def error(status, message, errors=None, docs=DOCS, headers=None):
    body = {"message": message, "documentation_url": docs, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return HttpError(Reply(status, body, headers))


def validation(errors):
    return error(422, "Validation Failed", errors, DOCS + "/pulls/pulls#create-a-pull-request")


def user_json(root, login):
    uid = int(hashlib.sha1(login.encode()).hexdigest()[:6], 16)
    return {"login": login, "id": uid, "node_id": f"U_{uid}", "type": "Bot" if login.endswith("[bot]") else "User",
            "url": f"{root}/users/{login}", "html_url": f"{root}/{login}", "site_admin": False}


class GitHub(AppRoutes, Flavor):
    ROUTES = [
        ("GET", REPO, "get_repo", "read"),
        ("GET", REPO + r"/pulls", "list_pulls", "read"),
        ("POST", REPO + r"/pulls", "create_pull", "write"),
        ("GET", REPO + r"/pulls/" + NUM, "get_pull", "read"),
        ("PATCH", REPO + r"/pulls/" + NUM, "edit_pull", "write"),
        ("POST", REPO + r"/pulls/" + NUM + r"/requested_reviewers", "request_reviewers", "write"),
        ("POST", REPO + r"/issues/" + NUM + r"/labels", "add_labels", "write"),
        ("POST", REPO + r"/issues/" + NUM + r"/assignees", "add_assignees", "write"),
        ("GET", REPO + r"/installation", "get_installation", "jwt"),
        ("POST", r"/app/installations/(?P<installation>[0-9]+)/access_tokens", "create_access_token", "jwt"),
        ("POST", r"/graphql", "graphql", "graphql"),
    ]

    def __init__(self, store, args):
        super().__init__(store, args)
        self.used = 0

    def api_path(self, req):
        if req.path == "/api/graphql":
            return "/api", "/graphql"
        if req.path.startswith("/api/v3/"):
            return "/api/v3", req.path[len("/api/v3"):]
        return "", req.path

    def not_found(self, req):
        return Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})

    def method_not_allowed(self, req):
        return Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})

    def is_write(self, req):
        if req.path.endswith("/graphql"):
            return "mutation" in str(req.json_body().get("query", ""))
        return super().is_write(req)

    # --- authentication, rate-limit headers, faults ---------------------------------------------
    def authenticate(self, req, need, repo=None):
        token = self.bearer(req)
        if token is None:
            if need == "read" and repo is not None and not repo.settings["private"]:
                return
            if need == "read":
                raise HttpError(self.not_found(req))
            raise error(401, "Requires authentication")
        entry = self.store.token(token)
        if entry is None:
            raise error(401, "Bad credentials")
        req.auth = entry
        if entry.get("installation") and repo is not None and repo.path.split("/")[0] != entry["installation"]:
            raise HttpError(self.not_found(req))  # an installation token reaches its owner's repositories only
        if need != "write":
            return
        scopes, permissions = entry.get("scopes"), entry.get("permissions")
        if permissions is not None and permissions.get("pull_requests") != "write":
            raise error(403, "Resource not accessible by personal access token",
                        headers={"x-accepted-github-permissions": "pull_requests=write"})
        if permissions is None and scopes is not None and "repo" not in scopes:
            raise error(403, "Resource not accessible by personal access token",
                        headers={"x-accepted-oauth-scopes": "repo"})

    def decorate(self, req, reply):
        now = int(time.time())
        self.used += 1
        limit = 5000 if req.auth else 60
        h = reply.headers
        h.setdefault("x-ratelimit-limit", str(limit))
        h.setdefault("x-ratelimit-remaining", str(max(0, limit - self.used % limit)))
        h.setdefault("x-ratelimit-used", str(self.used % limit))
        h.setdefault("x-ratelimit-reset", str(now - now % 3600 + 3600))
        h.setdefault("x-ratelimit-resource", "graphql" if req.path.endswith("/graphql") else "core")
        h.setdefault("x-github-request-id", uuid.uuid4().hex[:20].upper())
        h.setdefault("x-github-media-type", "github.v3; format=json")
        if req.auth and req.auth.get("scopes") is not None and req.auth.get("permissions") is None:
            h.setdefault("x-oauth-scopes", ", ".join(req.auth["scopes"]))
            h.setdefault("x-accepted-oauth-scopes", "repo" if self.is_write(req) else "")

    def fault_reply(self, fault, req):
        rid = uuid.uuid4().hex[:20].upper()
        kind = fault["kind"]
        if kind == "500":
            return Reply(500, {"message": "Server Error", "documentation_url": DOCS, "status": "500"})
        if kind == "primary":
            reset = int(time.time()) + fault["retry_after"]
            body = {"message": f"API rate limit exceeded for user ID 4242. If you reach out to GitHub Support "
                               f"for help, please include the request ID {rid}.",
                    "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit",
                    "status": "403"}
            return Reply(403, body, {"x-ratelimit-remaining": "0", "x-ratelimit-used": "5000",
                                     "x-ratelimit-reset": str(reset), "x-ratelimit-limit": "5000"})
        status = 403 if kind == "secondary" else 429
        body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you "
                           f"try again. If you reach out to GitHub Support for help, please include the request ID {rid}.",
                "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": str(status)}
        return Reply(status, body, {"Retry-After": retry_after_value(fault)})

    # --- JSON shapes ----------------------------------------------------------------------------
    def api(self, req):
        return req.root + req.prefix

    def repo_json(self, req, repo):
        owner, _, name = repo.path.partition("/")
        return {"id": repo.id, "node_id": f"R_{repo.id}", "name": name, "full_name": repo.path,
                "private": repo.settings["private"], "owner": user_json(req.root, owner),
                "html_url": f"{req.root}/{repo.path}", "url": f"{self.api(req)}/repos/{repo.path}",
                "default_branch": "main", "allow_auto_merge": repo.settings["allow_auto_merge"],
                "allow_merge_commit": True, "allow_squash_merge": True, "allow_rebase_merge": True}

    def label_json(self, req, repo, name):
        label = repo.define_label(name)
        return {"id": label["id"], "node_id": f"LA_{label['id']}", "name": name, "color": label["color"],
                "default": False, "description": None,
                "url": f"{self.api(req)}/repos/{repo.path}/labels/{name}"}

    def ref_json(self, req, pull, branch, sha):
        owner = pull.repo.path.split("/")[0]
        return {"label": f"{owner}:{branch}", "ref": branch, "sha": sha,
                "user": user_json(req.root, owner), "repo": self.repo_json(req, pull.repo)}

    def pull_json(self, req, pull):
        repo = pull.repo
        url = f"{self.api(req)}/repos/{repo.path}/pulls/{pull.number}"
        return {
            "url": url, "id": pull.id, "node_id": pull.node_id,
            "html_url": f"{req.root}/{repo.path}/pull/{pull.number}", "number": pull.number,
            "state": "open" if pull.state == "open" else "closed", "locked": False, "title": pull.title,
            "user": user_json(req.root, pull.author), "body": pull.body or None,
            "labels": [self.label_json(req, repo, n) for n in pull.labels], "draft": pull.draft,
            "created_at": iso(pull.created), "updated_at": iso(pull.updated),
            "closed_at": iso(pull.closed_at) if pull.closed_at else None,
            "merged_at": iso(pull.merged_at) if pull.merged_at else None,
            "merged": pull.state == "merged",
            "merge_commit_sha": pull.sha if pull.state == "merged" else None,
            "assignee": user_json(req.root, pull.assignees[0]) if pull.assignees else None,
            "assignees": [user_json(req.root, u) for u in pull.assignees],
            "requested_reviewers": [user_json(req.root, u) for u in pull.reviewers], "requested_teams": [],
            "head": self.ref_json(req, pull, pull.head, pull.sha),
            "base": self.ref_json(req, pull, pull.base, "0" * 40),
            "auto_merge": pull.auto_merge, "author_association": "MEMBER",
            "mergeable_state": "blocked" if pull.repo.settings["checks_pending"] else "clean",
            "issue_url": f"{self.api(req)}/repos/{repo.path}/issues/{pull.number}",
        }

    # --- routes ----------------------------------------------------------------------------------
    def get_repo(self, req, need, owner, name):
        repo = self.find(req, need)
        return Reply(200, self.repo_json(req, repo))

    def list_pulls(self, req, need, owner, name):
        repo = self.find(req, need)
        state = req.arg("state", "open")
        pulls = [p for p in repo.pulls if state == "all" or (p.state == "open") == (state == "open")]
        head = req.arg("head")
        if head and ":" in head:
            head_owner, _, branch = head.partition(":")
            pulls = [p for p in pulls if head_owner == owner and p.head == branch]
        if req.arg("base"):
            pulls = [p for p in pulls if p.base == req.arg("base")]
        key = "updated" if req.arg("sort") == "updated" else "created"
        pulls = sort_pulls(pulls, key, req.arg("direction", "desc") != "asc")
        items, page, _, total = page_of(pulls, req.query, max_size=self.page_size)
        headers = {}
        link = link_header(req.root + req.path, req.query, page, total)
        if link:
            headers["Link"] = link
        return Reply(200, [self.pull_json(req, p) for p in items], headers)

    def get_pull(self, req, need, owner, name, number):
        repo = self.find(req, need)
        return Reply(200, self.pull_json(req, self.find_pull(repo, req, number)))

    def head_branch(self, owner, head):
        if ":" in head:
            head_owner, _, branch = head.partition(":")
            return branch if head_owner == owner else None
        return head

    def create_pull(self, req, need, owner, name):
        repo = self.find(req, need)
        body = req.json_body()
        missing = [f for f in ("head", "base", "title") if not isinstance(body.get(f), str) or not body.get(f)]
        if missing:
            raise validation([{"resource": "PullRequest", "code": "missing_field", "field": f} for f in missing])
        head = self.head_branch(owner, body["head"])
        if head is None or not repo.has_branch(head):
            raise validation([{"resource": "PullRequest", "field": "head", "code": "invalid"}])
        if not repo.has_branch(body["base"]):
            raise validation([{"resource": "PullRequest", "field": "base", "code": "invalid"}])
        if head == body["base"]:
            raise validation([{"resource": "PullRequest", "code": "custom",
                               "message": f"No commits between {body['base']} and {head}"}])
        if repo.open_pull(head, body["base"]):
            raise validation([{"resource": "PullRequest", "code": "custom",
                               "message": f"A pull request already exists for {owner}:{head}."}])
        pull = self.store.new_pull(repo, head, body["base"], body["title"], body.get("body") or "",
                                   req.auth["user"])
        pull.draft = bool(body.get("draft"))
        data = self.pull_json(req, pull)
        return Reply(201, data, {"Location": data["url"]})

    def edit_pull(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        body = req.json_body()
        state = body.get("state")
        if state not in (None, "open", "closed"):
            raise validation([{"resource": "PullRequest", "code": "invalid", "field": "state"}])
        if state and pull.state == "merged":
            raise validation([{"resource": "PullRequest", "code": "custom", "field": "state",
                               "message": "state cannot be changed. The pull request has been merged."}])
        if state == "open" and pull.state == "closed" and repo.open_pull(pull.head, pull.base, pull):
            raise validation([{"resource": "PullRequest", "code": "custom",
                               "message": f"A pull request already exists for {owner}:{pull.head}."}])
        if "title" in body:
            pull.title = body["title"]
        if "body" in body:
            pull.body = body["body"] or ""
        if body.get("base"):
            pull.base = body["base"]
        if state and state != pull.state:
            self.store.set_state(pull, state)
        self.store.touch(pull)
        return Reply(200, self.pull_json(req, pull))

    def request_reviewers(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        users = req.json_body().get("reviewers") or []
        if pull.author in users:
            raise error(422, "Validation Failed", ["Review cannot be requested from pull request author."])
        collaborators = repo.settings["collaborators"]
        if collaborators is not None and any(u not in collaborators for u in users):
            raise error(422, "Reviews may only be requested from collaborators. One or more of the users or teams "
                             f"you specified is not a collaborator of the {repo.path} repository.")
        pull.reviewers += [u for u in users if u not in pull.reviewers]
        self.store.touch(pull)
        return Reply(201, self.pull_json(req, pull))

    def add_labels(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        body = req.body
        names = body if isinstance(body, list) else req.json_body().get("labels")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise validation([{"resource": "Label", "code": "invalid", "field": "labels"}])
        pull.labels += [n for n in names if n not in pull.labels]
        self.store.touch(pull)
        return Reply(200, [self.label_json(req, repo, n) for n in pull.labels])

    def add_assignees(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        collaborators = repo.settings["collaborators"]
        for user in req.json_body().get("assignees") or []:
            # Users who cannot be assigned are dropped silently, as GitHub does.
            if (collaborators is None or user in collaborators) and user not in pull.assignees:
                pull.assignees.append(user)
        self.store.touch(pull)
        data = self.pull_json(req, pull)
        issue = {k: data[k] for k in ("id", "node_id", "number", "title", "state", "labels", "assignee",
                                      "assignees", "user", "body", "created_at", "updated_at", "html_url")}
        issue["pull_request"] = {"url": data["url"], "html_url": data["html_url"]}
        return Reply(201, issue)
