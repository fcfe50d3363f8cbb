"""Gitea/Forgejo REST shapes for forge.py (API under /api/v1).

  GET   /api/v1/repos/{o}/{r}/pulls?state=open|closed|all&sort=&page=&limit=   (no head filter)
  GET   /api/v1/repos/{o}/{r}/pulls/{n}
  GET   /api/v1/repos/{o}/{r}/pulls/{base}/{head}   Gitea >= 1.22 (repo setting base_head_route);
        like Gitea, it has no state predicate: the OLDEST request for base/head, whatever its state
  POST  /api/v1/repos/{o}/{r}/pulls    {head, base, title, body, labels: [ids], assignees, reviewers}
        201; 409 "pull request already exists for these targets [...]"; 404 unknown branch
  PATCH /api/v1/repos/{o}/{r}/pulls/{n} {title, body, state, labels: [ids], assignees}  201 (sic);
        412 changing the state of a merged request; 409 reopening beside an open duplicate
  GET   /api/v1/repos/{o}/{r}/labels                 [label]  (paged)
  POST  /api/v1/repos/{o}/{r}/issues/{n}/labels      {labels: [ids or names]} 200 (unknown ignored)
  PATCH /api/v1/repos/{o}/{r}/issues/{n}             {assignees} 201
  POST  /api/v1/repos/{o}/{r}/pulls/{n}/requested_reviewers  {reviewers} 201
  POST  /api/v1/repos/{o}/{r}/pulls/{n}/merge  {"Do": "merge", "merge_when_checks_succeed": true}
        201 scheduled (checks pending), 200 merged now, 409 already scheduled, 405 when
        allow_auto_merge is false ("... is not allowed an allowed merge style ...") or not open

Draft = title prefix "WIP:" or "[WIP]" (Gitea's default WORK_IN_PROGRESS_PREFIXES). Tokens:
`Authorization: token T` or `Bearer T`; scopes read:/write:repository for pull routes,
read:/write:issue for label and assignee routes (403 "token does not have at least one of
required scope(s): [...]"). Pagination: Link rel="next" and X-Total-Count.
"""
import hashlib
from urllib.parse import unquote

from forge_common import Flavor, HttpError, Reply, iso, link_header, page_of, retry_after_value, sort_pulls

REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
NUM = r"(?P<number>[0-9]+)"
WIP_PREFIXES = ("wip:", "[wip]")


class Gitea(Flavor):
    PREFIXES = ("/api/v1",)
    ROUTES = [
        ("GET", REPO + r"/pulls", "list_pulls", "read:repository"),
        ("POST", REPO + r"/pulls", "create_pull", "write:repository"),
        ("GET", REPO + r"/pulls/" + NUM, "get_pull", "read:repository"),
        ("PATCH", REPO + r"/pulls/" + NUM, "edit_pull", "write:repository"),
        ("GET", REPO + r"/pulls/(?P<base>[^/]+)/(?P<head>.+)", "pull_by_base_head", "read:repository"),
        ("GET", REPO + r"/labels", "list_labels", "read:issue"),
        ("POST", REPO + r"/issues/" + NUM + r"/labels", "add_labels", "write:issue"),
        ("PATCH", REPO + r"/issues/" + NUM, "edit_issue", "write:issue"),
        ("POST", REPO + r"/pulls/" + NUM + r"/requested_reviewers", "request_reviewers", "write:repository"),
        ("POST", REPO + r"/pulls/" + NUM + r"/merge", "merge_pull", "write:repository"),
    ]

    def swagger(self, req):
        return f"{req.root}/api/swagger"

    def fail(self, req, status, message):
        return HttpError(Reply(status, {"message": message, "url": self.swagger(req)}))

    def not_found(self, req):
        return Reply(404, {"errors": None, "message": "The target couldn't be found.", "url": self.swagger(req)})

    # --- authentication, faults ---------------------------------------------------------------
    def authenticate(self, req, need, repo=None):
        token = self.bearer(req) or req.arg("token") or req.arg("access_token")
        if not token:
            if need.startswith("read:") and repo is not None and not repo.settings["private"]:
                return
            if need.startswith("read:") and repo is not None:
                raise HttpError(self.not_found(req))
            raise self.fail(req, 401, "token is required")
        entry = self.store.token(token)
        if entry is None:
            raise self.fail(req, 401, "user does not exist [uid: 0, name: ]")
        req.auth = entry
        scopes = entry.get("scopes") or []
        category = need.split(":", 1)[1]
        accepted = [need, f"write:{category}"]
        if "all" not in scopes and not any(s in scopes for s in accepted):
            raise self.fail(req, 403, f"token does not have at least one of required scope(s): [{need}]")

    def decorate(self, req, reply):
        pass

    def fault_reply(self, fault, req):
        if fault["kind"] == "500":
            return Reply(500, {"message": "", "url": self.swagger(req)})
        return Reply(429, {"message": "Too Many Requests", "url": self.swagger(req)},
                     {"Retry-After": retry_after_value(fault)})

    # --- JSON shapes ----------------------------------------------------------------------------
    def user_json(self, req, name):
        uid = int(hashlib.sha1(name.encode()).hexdigest()[:5], 16)
        return {"id": uid, "login": name, "login_name": "", "full_name": "", "email": f"{name}@noreply.localhost",
                "avatar_url": f"{req.root}/avatars/{uid}", "username": name}

    def repo_json(self, req, repo):
        owner, _, name = repo.path.partition("/")
        return {"id": repo.id, "owner": self.user_json(req, owner), "name": name, "full_name": repo.path,
                "private": repo.settings["private"], "html_url": f"{req.root}/{repo.path}",
                "default_branch": "main", "allow_merge_commits": repo.settings["allow_auto_merge"]}

    def label_json(self, req, repo, label):
        return {"id": label["id"], "name": label["name"], "exclusive": False, "is_archived": False,
                "color": label["color"], "description": label["description"],
                "url": f"{req.root}/api/v1/repos/{repo.path}/labels/{label['id']}"}

    def pull_labels(self, req, pull):
        by_name = {x["name"]: x for x in pull.repo.label_defs}
        return [self.label_json(req, pull.repo, by_name[n]) for n in pull.labels if n in by_name]

    def pull_json(self, req, pull):
        repo = pull.repo
        html = f"{req.root}/{repo.path}/pulls/{pull.number}"
        ref = lambda branch, sha: {"label": branch, "ref": branch, "sha": sha, "repo_id": repo.id,  # noqa: E731
                                   "repo": self.repo_json(req, repo)}
        return {
            "id": pull.id, "url": html, "number": pull.number, "user": self.user_json(req, pull.author),
            "title": pull.title, "body": pull.body, "labels": self.pull_labels(req, pull), "milestone": None,
            "assignee": self.user_json(req, pull.assignees[0]) if pull.assignees else None,
            "assignees": [self.user_json(req, u) for u in pull.assignees] or None,
            "requested_reviewers": [self.user_json(req, u) for u in pull.reviewers] or None,
            "state": "open" if pull.state == "open" else "closed", "draft": pull.draft, "is_locked": False,
            "comments": 0, "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
            "mergeable": True, "merged": pull.state == "merged",
            "merged_at": iso(pull.merged_at) if pull.merged_at else None,
            "merge_commit_sha": pull.sha if pull.state == "merged" else None, "merged_by": None,
            "allow_maintainer_edit": False, "base": ref(pull.base, "0" * 40), "head": ref(pull.head, pull.sha),
            "merge_base": "0" * 40, "due_date": None, "created_at": iso(pull.created),
            "updated_at": iso(pull.updated), "closed_at": iso(pull.closed_at) if pull.closed_at else None,
            "pin_order": 0,
        }

    # --- routes ----------------------------------------------------------------------------------
    def paged(self, req, items, render):
        page_items, page, _, total = page_of(items, req.query, size_param="limit", max_size=self.page_size)
        headers = {"X-Total-Count": str(len(items))}
        link = link_header(req.root + req.path, req.query, page, total)
        if link:
            headers["Link"] = link
        return Reply(200, [render(x) for x in page_items], headers)

    def list_pulls(self, req, need, owner, name):
        repo = self.find(req, need)
        state = req.arg("state", "open")
        pulls = [p for p in repo.pulls if state == "all" or (p.state == "open") == (state == "open")]
        key = "updated" if req.arg("sort") == "recentupdate" else "created"
        pulls = sort_pulls(pulls, key, req.arg("sort") != "oldest")
        return self.paged(req, pulls, lambda p: self.pull_json(req, p))

    def get_pull(self, req, need, owner, name, number):
        repo = self.find(req, need)
        return Reply(200, self.pull_json(req, self.find_pull(repo, req, number)))

    def pull_by_base_head(self, req, need, owner, name, base, head):
        repo = self.find(req, need)
        if not repo.settings["base_head_route"]:
            raise HttpError(self.not_found(req))
        base, head = unquote(base), unquote(head)  # the router hands handlers decoded values
        if ":" in head:
            head_owner, _, head = head.partition(":")
            if head_owner != owner:
                raise HttpError(self.not_found(req))
        matches = [p for p in repo.pulls if p.base == base and p.head == head]
        if not matches:
            raise HttpError(self.not_found(req))
        return Reply(200, self.pull_json(req, min(matches, key=lambda p: p.number)))

    def label_names(self, repo, values):
        names = []
        for value in values or []:
            for label in repo.label_defs:
                if value in (label["id"], label["name"]) and label["name"] not in names:
                    names.append(label["name"])
        return names

    def known_users(self, req, users):
        for user in users or []:
            if user not in self.store.users:
                raise self.fail(req, 422, f"user does not exist [uid: 0, name: {user}]")
        return list(users or [])

    def create_pull(self, req, need, owner, name):
        repo = self.find(req, need)
        body = req.json_body()
        head, base = body.get("head") or "", body.get("base") or ""
        if ":" in head:
            head = head.partition(":")[2]
        if not body.get("title"):
            raise HttpError(Reply(422, [{"fieldNames": ["Title"], "classification": "RequiredError",
                                         "message": "Required"}]))
        if not head or not base or not repo.has_branch(head) or not repo.has_branch(base):
            raise HttpError(self.not_found(req))
        existing = repo.open_pull(head, base)
        if existing:
            raise self.fail(req, 409, f"pull request already exists for these targets [id: {existing.id}, "
                                      f"issue_id: {existing.number}, head_repo_id: {repo.id}, base_repo_id: {repo.id}, "
                                      f"head_branch: {head}, base_branch: {base}]")
        assignees = self.known_users(req, body.get("assignees"))
        pull = self.store.new_pull(repo, head, base, body["title"], body.get("body") or "", req.auth["user"])
        pull.draft = pull.title.strip().lower().startswith(WIP_PREFIXES)
        pull.labels = self.label_names(repo, body.get("labels"))
        pull.assignees = assignees
        pull.reviewers = self.known_users(req, body.get("reviewers"))
        return Reply(201, self.pull_json(req, pull))

    def edit_pull(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        body = req.json_body()
        state = body.get("state")
        if state is not None and pull.state == "merged":
            raise self.fail(req, 412, "cannot change state of this pull request, it was already merged")
        if state == "open" and pull.state == "closed":
            existing = repo.open_pull(pull.head, pull.base, pull)
            if existing:
                raise self.fail(req, 409, f"pull request already exists for these targets [id: {existing.id}, "
                                          f"issue_id: {existing.number}, head_repo_id: {repo.id}, "
                                          f"base_repo_id: {repo.id}, head_branch: {pull.head}, "
                                          f"base_branch: {pull.base}]")
        if "title" in body:
            pull.title = body["title"]
            pull.draft = pull.title.strip().lower().startswith(WIP_PREFIXES)
        if "body" in body:
            pull.body = body["body"] or ""
        if "labels" in body:
            pull.labels = self.label_names(repo, body["labels"])
        if "assignees" in body:
            pull.assignees = self.known_users(req, body["assignees"])
        if state in ("open", "closed") and state != pull.state:
            self.store.set_state(pull, state)
        self.store.touch(pull)
        return Reply(201, self.pull_json(req, pull))

    def list_labels(self, req, need, owner, name):
        repo = self.find(req, need)
        return self.paged(req, repo.label_defs, lambda x: self.label_json(req, repo, x))

    def add_labels(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        values = req.json_body().get("labels")
        if not isinstance(values, list):
            raise self.fail(req, 422, "labels: must be a list of label ids or names")
        pull.labels += [n for n in self.label_names(repo, values) if n not in pull.labels]
        self.store.touch(pull)
        return Reply(200, self.pull_labels(req, pull))

    def edit_issue(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        body = req.json_body()
        if "assignees" in body:
            pull.assignees = self.known_users(req, body["assignees"])
        self.store.touch(pull)
        issue = self.pull_json(req, pull)
        issue["pull_request"] = {"merged": pull.state == "merged", "html_url": issue["html_url"]}
        return Reply(201, issue)

    def request_reviewers(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        users = req.json_body().get("reviewers") or []
        for user in users:
            if user not in self.store.users:
                raise self.fail(req, 404, f"user does not exist [uid: 0, name: {user}]")
        pull.reviewers += [u for u in users if u not in pull.reviewers]
        self.store.touch(pull)
        return Reply(201, [{"id": pull.id * 10 + i, "user": self.user_json(req, u), "state": "REQUEST_REVIEW",
                            "pull_request_url": f"{req.root}/{repo.path}/pulls/{pull.number}"}
                           for i, u in enumerate(users)])

    def merge_pull(self, req, need, owner, name, number):
        repo = self.find(req, need)
        pull = self.find_pull(repo, req, number)
        body = req.json_body()
        style = body.get("Do") or ""
        if style not in ("merge", "rebase", "rebase-merge", "squash", "fast-forward-only", "manually-merged"):
            raise HttpError(Reply(422, [{"fieldNames": ["Do"], "classification": "InvalidInput",
                                         "message": "Do is not valid"}]))
        if pull.state == "merged":
            raise self.fail(req, 405, "The PR is already merged")
        if pull.state != "open" or not repo.settings["allow_auto_merge"]:
            raise self.fail(req, 405, f"{style} is not allowed an allowed merge style for this repository")
        if body.get("merge_when_checks_succeed") and repo.settings["checks_pending"]:
            if pull.auto_merge:
                raise self.fail(req, 409, "pull request is already scheduled to auto merge when checks succeed "
                                          f"[pull_id: {pull.id}]")
            pull.auto_merge = {"merge_style": style}
            self.store.touch(pull)
            return Reply(201)
        if repo.settings["checks_pending"]:
            raise self.fail(req, 405, "Please try again later")
        self.store.set_state(pull, "merged")
        return Reply(200)
