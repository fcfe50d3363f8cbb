"""GitLab REST shapes for forge.py (API under /api/v4).

  GET  /api/v4/projects/{id}                                project (id = number or URL-encoded path)
  GET  /api/v4/projects/{id}/merge_requests?state=opened|closed|merged|all&source_branch=
       &target_branch=&order_by=created_at|updated_at&sort=&page=&per_page=
  POST /api/v4/projects/{id}/merge_requests   {source_branch, target_branch, title, description,
       labels "a,b", assignee_ids, reviewer_ids}  201; 409 {"message": ["Another open merge request
       already exists for this source branch: !N"]}; "Draft: " title prefix = draft
  GET  /api/v4/projects/{id}/merge_requests/{iid}
  PUT  /api/v4/projects/{id}/merge_requests/{iid}   {title, description, state_event close|reopen,
       labels, add_labels, remove_labels, assignee_ids, reviewer_ids}
  PUT  /api/v4/projects/{id}/merge_requests/{iid}/merge?merge_when_pipeline_succeeds=true (or
       auto_merge=true): 200 with merge_when_pipeline_succeeds set while checks are pending, merged at
       once when checks_pending is false, 405 when allow_auto_merge is false (a project whose merge
       checks forbid it) or the request is not open
  GET  /api/v4/users?username=NAME                  [user] (ids for assignee_ids / reviewer_ids)

Parameters are read from the query string, a JSON body or a form body. Tokens: `PRIVATE-TOKEN: T`
or `Authorization: Bearer T`; reads need scope read_api or api, writes api (403
insufficient_scope otherwise). An unencoded project path (group/sub/proj) matches no route: 404,
as on gitlab.com. Rate-limit headers RateLimit-* on every answer; 429 "Retry later" when injected.
"""
import hashlib
import time
from email.utils import formatdate
from urllib.parse import unquote

from forge_common import Flavor, HttpError, Reply, iso, link_header, page_of, retry_after_value, sort_pulls

PROJECT = r"/projects/(?P<project>[^/]+)"
IID = r"(?P<iid>[0-9]+)"
DRAFT_PREFIXES = ("draft:", "[draft]", "(draft)", "wip:", "[wip]")


def user_id(name):
    return int(hashlib.sha1(name.encode()).hexdigest()[:5], 16)


class GitLab(Flavor):
    PREFIXES = ("/api/v4",)
    REPO_PATTERN = r"^/projects/(?P<project>[^/]+)"
    ROUTES = [
        ("GET", PROJECT, "get_project", "read"),
        ("GET", PROJECT + r"/merge_requests", "list_mrs", "read"),
        ("POST", PROJECT + r"/merge_requests", "create_mr", "write"),
        ("GET", PROJECT + r"/merge_requests/" + IID, "get_mr", "read"),
        ("PUT", PROJECT + r"/merge_requests/" + IID, "update_mr", "write"),
        ("PUT", PROJECT + r"/merge_requests/" + IID + r"/merge", "merge_mr", "write"),
        ("GET", r"/users", "list_users", "read"),
    ]

    def repo_path(self, match):
        ident = unquote(match.group("project"))
        if ident.isdigit():
            for repo in self.store.repos.values():
                if repo.id == int(ident):
                    return repo.path
        return ident

    def not_found(self, req):
        if req.repo and req.repo not in self.store.repos:
            return Reply(404, {"message": "404 Project Not Found"})
        if req.repo:
            return Reply(404, {"message": "404 Not found"})
        return Reply(404, {"error": "404 Not Found"})

    def params(self, req):
        merged = {k: v[0] for k, v in req.query.items()}
        merged.update(req.form)
        merged.update(req.json_body())
        return merged

    # --- authentication, rate-limit headers, faults ---------------------------------------------
    def authenticate(self, req, need, repo=None):
        token = req.headers.get("PRIVATE-TOKEN") or self.bearer(req, ("bearer",))
        if not token:
            if need == "read" and repo is not None and repo.settings["private"]:
                raise HttpError(Reply(404, {"message": "404 Project Not Found"}))
            if need == "read" and repo is not None:
                return
            raise HttpError(Reply(401, {"message": "401 Unauthorized"}))
        entry = self.store.token(token)
        if entry is None:
            raise HttpError(Reply(401, {"message": "401 Unauthorized"}))
        req.auth = entry
        scopes = entry.get("scopes") or []
        wanted = ["api"] if need == "write" else ["api", "read_api"]
        if not any(s in scopes for s in wanted):
            description = "The request requires higher privileges than provided by the access token."
            raise HttpError(Reply(403, {"error": "insufficient_scope", "error_description": description,
                                        "scope": " ".join(wanted)},
                                  {"WWW-Authenticate": f'Bearer realm="Protected by OAuth 2.0", '
                                                      f'error="insufficient_scope", error_description="{description}", '
                                                      f'scope="{" ".join(wanted)}"'}))

    def rate_headers(self, remaining, reset):
        return {"RateLimit-Name": "throttle_authenticated_api", "RateLimit-Limit": "2000",
                "RateLimit-Observed": str(2000 - remaining), "RateLimit-Remaining": str(remaining),
                "RateLimit-Reset": str(reset), "RateLimit-ResetTime": formatdate(reset, usegmt=True)}

    def decorate(self, req, reply):
        now = int(time.time())
        for k, v in self.rate_headers(1999, now - now % 60 + 60).items():
            reply.headers.setdefault(k, v)

    def fault_reply(self, fault, req):
        if fault["kind"] == "500":
            return Reply(500, {"message": "500 Internal Server Error"})
        headers = self.rate_headers(0, int(time.time()) + fault["retry_after"])
        headers["Retry-After"] = retry_after_value(fault)
        return Reply(429, raw=b"Retry later\n", headers=headers, content_type="text/plain")

    # --- JSON shapes ----------------------------------------------------------------------------
    def user_json(self, req, name):
        return {"id": user_id(name), "username": name, "name": name.title(), "state": "active",
                "avatar_url": None, "web_url": f"{req.root}/{name}"}

    def project_json(self, req, repo):
        return {"id": repo.id, "path_with_namespace": repo.path, "path": repo.path.rsplit("/", 1)[1],
                "name": repo.path.rsplit("/", 1)[1], "default_branch": "main",
                "web_url": f"{req.root}/{repo.path}", "visibility": "private" if repo.settings["private"] else "public",
                "only_allow_merge_if_pipeline_succeeds": not repo.settings["allow_auto_merge"]}

    def mr_json(self, req, pull):
        repo = pull.repo
        state = {"open": "opened"}.get(pull.state, pull.state)
        auto = bool(pull.auto_merge)
        detailed = ("not_open" if pull.state != "open" else "draft_status" if pull.draft
                    else "ci_still_running" if repo.settings["checks_pending"] else "mergeable")
        return {
            "id": pull.id, "iid": pull.number, "project_id": repo.id, "title": pull.title,
            "description": pull.body, "state": state, "created_at": iso(pull.created),
            "updated_at": iso(pull.updated), "merged_at": iso(pull.merged_at) if pull.merged_at else None,
            "closed_at": iso(pull.closed_at) if pull.state == "closed" else None,
            "merged_by": None, "merge_user": None, "closed_by": None,
            "target_branch": pull.base, "source_branch": pull.head, "source_project_id": repo.id,
            "target_project_id": repo.id, "author": self.user_json(req, pull.author),
            "assignee": self.user_json(req, pull.assignees[0]) if pull.assignees else None,
            "assignees": [self.user_json(req, u) for u in pull.assignees],
            "reviewers": [self.user_json(req, u) for u in pull.reviewers], "labels": list(pull.labels),
            "draft": pull.draft, "work_in_progress": pull.draft, "milestone": None,
            "merge_when_pipeline_succeeds": auto, "merge_status": "can_be_merged",
            "detailed_merge_status": detailed, "sha": pull.sha,
            "merge_commit_sha": pull.sha if pull.state == "merged" else None, "squash": False,
            "reference": f"!{pull.number}", "references": {"short": f"!{pull.number}", "relative": f"!{pull.number}",
                                                           "full": f"{repo.path}!{pull.number}"},
            "web_url": f"{req.root}/{repo.path}/-/merge_requests/{pull.number}", "has_conflicts": False,
            "user_notes_count": 0, "upvotes": 0, "downvotes": 0,
        }

    # --- routes ----------------------------------------------------------------------------------
    def find(self, req, need):
        repo = self.store.repos.get(req.repo or "")
        if repo is None:
            self.authenticate(req, need)
            raise HttpError(Reply(404, {"message": "404 Project Not Found"}))
        self.authenticate(req, need, repo)
        return repo

    def find_mr(self, req, repo, iid):
        pull = repo.pull(int(iid))
        if pull is None:
            raise HttpError(Reply(404, {"message": "404 Not found"}))
        return pull

    def get_project(self, req, need, project):
        return Reply(200, self.project_json(req, self.find(req, need)))

    def list_mrs(self, req, need, project):
        repo = self.find(req, need)
        p = self.params(req)
        state = {"opened": "open"}.get(p.get("state", "all"), p.get("state", "all"))
        pulls = [x for x in repo.pulls if state in ("all", x.state)]
        if p.get("source_branch"):
            pulls = [x for x in pulls if x.head == p["source_branch"]]
        if p.get("target_branch"):
            pulls = [x for x in pulls if x.base == p["target_branch"]]
        key = "updated" if p.get("order_by") == "updated_at" else "created"
        pulls = sort_pulls(pulls, key, p.get("sort", "desc") != "asc")
        items, page, size, total_pages = page_of(pulls, req.query, max_size=self.page_size)
        headers = {"x-page": str(page), "x-per-page": str(size), "x-total": str(len(pulls)),
                   "x-total-pages": str(total_pages), "x-next-page": str(page + 1) if page < total_pages else "",
                   "x-prev-page": str(page - 1) if page > 1 else ""}
        link = link_header(req.root + req.path, req.query, page, total_pages)
        if link:
            headers["Link"] = link
        return Reply(200, [self.mr_json(req, x) for x in items], headers)

    def get_mr(self, req, need, project, iid):
        repo = self.find(req, need)
        return Reply(200, self.mr_json(req, self.find_mr(req, repo, iid)))

    def split_labels(self, value):
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [v.strip() for v in str(value or "").split(",") if v.strip()]

    def users_by_id(self, value):
        ids = value if isinstance(value, list) else [v for v in str(value or "").split(",") if v]
        known = {user_id(u): u for u in self.store.users}
        return [known[int(i)] for i in ids if str(i).isdigit() and int(i) in known]

    def apply(self, pull, p):
        if "title" in p:
            pull.title = p["title"]
            pull.draft = pull.title.strip().lower().startswith(DRAFT_PREFIXES)
        if "description" in p:
            pull.body = p["description"] or ""
        if "labels" in p:
            pull.labels = self.split_labels(p["labels"])
        pull.labels += [x for x in self.split_labels(p.get("add_labels")) if x not in pull.labels]
        removed = self.split_labels(p.get("remove_labels"))
        pull.labels = [x for x in pull.labels if x not in removed]
        if "assignee_ids" in p:
            pull.assignees = self.users_by_id(p["assignee_ids"])
        if "reviewer_ids" in p:
            pull.reviewers = self.users_by_id(p["reviewer_ids"])

    def conflict(self, existing):
        raise HttpError(Reply(409, {"message": [
            f"Another open merge request already exists for this source branch: !{existing.number}"]}))

    def create_mr(self, req, need, project):
        repo = self.find(req, need)
        p = self.params(req)
        for field in ("source_branch", "target_branch", "title"):
            if not p.get(field):
                raise HttpError(Reply(400, {"error": f"{field} is missing"}))
        head, base = p["source_branch"], p["target_branch"]
        if head == base:
            raise HttpError(Reply(409, {"message": ["You can't use same project/branch for source and target"]}))
        for branch in (head, base):
            if not repo.has_branch(branch):
                raise HttpError(Reply(400, {"message": {"source_branch" if branch == head else "target_branch":
                                                        ["is invalid"]}}))
        existing = repo.open_pull(head, base)
        if existing:
            self.conflict(existing)
        pull = self.store.new_pull(repo, head, base, p["title"], "", req.auth["user"])
        self.apply(pull, p)
        return Reply(201, self.mr_json(req, pull))

    def update_mr(self, req, need, project, iid):
        repo = self.find(req, need)
        pull = self.find_mr(req, repo, iid)
        p = self.params(req)
        event = p.get("state_event")
        if event == "reopen" and pull.state == "closed":
            existing = repo.open_pull(pull.head, pull.base, pull)
            if existing:
                self.conflict(existing)
            self.store.set_state(pull, "open")
        elif event == "close" and pull.state == "open":
            self.store.set_state(pull, "closed")
        self.apply(pull, p)
        self.store.touch(pull)
        return Reply(200, self.mr_json(req, pull))

    def merge_mr(self, req, need, project, iid):
        repo = self.find(req, need)
        pull = self.find_mr(req, repo, iid)
        p = self.params(req)
        auto = str(p.get("merge_when_pipeline_succeeds", p.get("auto_merge", ""))).lower() == "true"
        if pull.state != "open" or not repo.settings["allow_auto_merge"]:
            raise HttpError(Reply(405, {"message": "405 Method Not Allowed"}))
        if auto and repo.settings["checks_pending"]:
            pull.auto_merge = {"merge_when_pipeline_succeeds": True}
            self.store.touch(pull)
        elif repo.settings["checks_pending"]:
            raise HttpError(Reply(422, {"message": "Branch cannot be merged"}))
        else:
            self.store.set_state(pull, "merged")
        return Reply(200, self.mr_json(req, pull))

    def list_users(self, req, need):
        self.authenticate(req, need)
        name = req.arg("username")
        users = [u for u in self.store.users if name is None or u == name]
        return Reply(200, [self.user_json(req, u) for u in users])
