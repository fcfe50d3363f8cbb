"""Self-test of the GitLab flavor of the forge contract server: every route, error and fault once."""
import time
import unittest
from urllib.parse import quote

from forge_support import Forge


class GitLabServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gl = Forge("gitlab")

    def project(self, repo):
        return "/projects/" + quote(repo, safe="")

    def test_open_list_paginate_and_filter(self):
        repo = self.gl.add_repo()
        first = self.gl.open_pull(repo, "argoimg/a", description="table", labels="argoimg,deps")
        self.assertEqual((first["iid"], first["state"], first["labels"], first["draft"]),
                         (1, "opened", ["argoimg", "deps"], False))
        self.assertEqual(first["web_url"], f"{self.gl.root}/{repo}/-/merge_requests/1")
        self.assertEqual(first["description"], "table")
        draft = self.gl.open_pull(repo, "argoimg/b", title="Draft: bump b")
        self.assertEqual((draft["draft"], draft["work_in_progress"]), (True, True))
        self.gl.open_pull(repo, "argoimg/c", base="release")
        res = self.gl.call("GET", self.project(repo) + "/merge_requests?state=all&per_page=100")
        self.assertEqual([m["iid"] for m in res.json], [3, 2])
        self.assertEqual((res.header("x-next-page"), res.header("x-total-pages"), res.header("x-total")),
                         ("2", "2", "3"))
        self.assertIn('rel="next"', res.header("link"))
        page2 = self.gl.call("GET", self.project(repo) + "/merge_requests?state=all&per_page=100&page=2")
        self.assertEqual(([m["iid"] for m in page2.json], page2.header("x-next-page")), ([1], ""))
        only = self.gl.call("GET", self.project(repo) + "/merge_requests?state=all&source_branch=argoimg/b"
                                                        "&target_branch=main")
        self.assertEqual([m["iid"] for m in only.json], [2])
        self.assertEqual(self.gl.call("GET", self.project(repo) + "/merge_requests?state=merged").json, [])
        single = self.gl.call("GET", self.project(repo) + "/merge_requests/3")
        self.assertEqual((single.status, single.json["target_branch"]), (200, "release"))
        self.assertEqual(self.gl.call("GET", self.project(repo) + "/merge_requests/9").json,
                         {"message": "404 Not found"})
        numeric = self.gl.call("GET", self.project(repo)).json["id"]
        self.assertEqual(len(self.gl.call("GET", f"/projects/{numeric}/merge_requests").json), 2)
        # An unencoded project path matches no route, as on gitlab.com.
        self.assertEqual(self.gl.call("GET", f"/projects/{repo}/merge_requests").json, {"error": "404 Not Found"})
        self.assertEqual(self.gl.call("GET", self.project("group/missing") + "/merge_requests").json,
                         {"message": "404 Project Not Found"})

    def test_conflict_update_close_reopen(self):
        repo = self.gl.add_repo()
        self.gl.open_pull(repo, "argoimg/u")
        res = self.gl.call("POST", self.project(repo) + "/merge_requests",
                           {"source_branch": "argoimg/u", "target_branch": "main", "title": "again"})
        self.assertEqual(res.status, 409)
        self.assertEqual(res.json, {"message": ["Another open merge request already exists for this source branch: !1"]})
        missing = self.gl.call("POST", self.project(repo) + "/merge_requests", {"source_branch": "x", "target_branch": "main"})
        self.assertEqual((missing.status, missing.json), (400, {"error": "title is missing"}))
        mr = self.project(repo) + "/merge_requests/1"
        res = self.gl.call("PUT", mr, {"title": "new", "description": "body", "add_labels": "argoimg"})
        self.assertEqual((res.json["title"], res.json["description"], res.json["labels"]), ("new", "body", ["argoimg"]))
        res = self.gl.call("PUT", mr, {"state_event": "close", "remove_labels": "argoimg"})
        self.assertEqual((res.json["state"], res.json["labels"]), ("closed", []))
        self.gl.open_pull(repo, "argoimg/u")
        self.assertEqual(self.gl.call("PUT", mr, {"state_event": "reopen"}).status, 409)
        self.gl.set_state(repo, 2, "merged")
        self.assertEqual(self.gl.call("PUT", mr, {"state_event": "reopen"}).json["state"], "opened")
        merged = self.gl.call("PUT", self.project(repo) + "/merge_requests/2", {"state_event": "reopen"}).json
        self.assertEqual((merged["state"], merged["merged_at"] is not None), ("merged", True))
        strict = self.gl.call("POST", self.project("group/strict") + "/merge_requests",
                              {"source_branch": "nope", "target_branch": "main", "title": "t"})
        self.assertEqual(strict.status, 400)

    def test_users_assignees_reviewers(self):
        repo = self.gl.add_repo()
        self.gl.open_pull(repo, "argoimg/r")
        users = self.gl.call("GET", "/users?username=alice").json
        self.assertEqual([u["username"] for u in users], ["alice"])
        bob = self.gl.call("GET", "/users?username=bob").json[0]["id"]
        res = self.gl.call("PUT", self.project(repo) + "/merge_requests/1",
                           {"assignee_ids": [users[0]["id"]], "reviewer_ids": [bob]})
        self.assertEqual([u["username"] for u in res.json["assignees"]], ["alice"])
        self.assertEqual([u["username"] for u in res.json["reviewers"]], ["bob"])
        self.assertEqual(self.gl.call("GET", "/users?username=mallory").json, [])

    def test_merge_when_pipeline_succeeds(self):
        repo = self.gl.add_repo()
        self.gl.open_pull(repo, "argoimg/m")
        merge = self.project(repo) + "/merge_requests/1/merge"
        res = self.gl.call("PUT", merge + "?merge_when_pipeline_succeeds=true")
        self.assertEqual((res.status, res.json["merge_when_pipeline_succeeds"], res.json["state"]), (200, True, "opened"))
        self.assertEqual(self.gl.call("PUT", merge).status, 422)  # a plain merge while the pipeline runs
        refused = self.gl.add_repo(allow_auto_merge=False)
        self.gl.open_pull(refused, "argoimg/m")
        res = self.gl.call("PUT", self.project(refused) + "/merge_requests/1/merge", {"auto_merge": True})
        self.assertEqual((res.status, res.json), (405, {"message": "405 Method Not Allowed"}))
        clean = self.gl.add_repo(checks_pending=False)
        self.gl.open_pull(clean, "argoimg/m")
        res = self.gl.request("PUT", "/api/v4" + self.project(clean) + "/merge_requests/1/merge",
                              raw=b"merge_when_pipeline_succeeds=true",
                              headers={"PRIVATE-TOKEN": self.gl.token,
                                       "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((res.status, res.json["state"]), (200, "merged"))
        self.assertEqual(self.gl.call("PUT", self.project(clean) + "/merge_requests/1/merge").status, 405)

    def test_auth_and_scopes(self):
        repo = self.gl.add_repo()
        base = self.project(repo) + "/merge_requests"
        self.assertEqual(self.gl.call("GET", base, token=None).json, {"message": "404 Project Not Found"})
        res = self.gl.call("POST", base, {"title": "t"}, token=None)
        self.assertEqual((res.status, res.json), (401, {"message": "401 Unauthorized"}))
        self.assertEqual(self.gl.call("GET", base, token="glpat-wrong").status, 401)
        bearer = self.gl.call("GET", base, token=None, headers={"Authorization": f"Bearer {self.gl.token}"})
        self.assertEqual(bearer.status, 200)
        readonly = self.gl.token_named("readonly")
        self.assertEqual(self.gl.call("GET", base, token=readonly).status, 200)
        res = self.gl.call("POST", base, {"source_branch": "a", "target_branch": "main", "title": "t"}, token=readonly)
        self.assertEqual((res.status, res.json["error"], res.json["scope"]), (403, "insufficient_scope", "api"))
        self.assertIn('error="insufficient_scope"', res.header("www-authenticate"))
        for name in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-observed"):
            self.assertTrue(res.header(name).isdigit(), name)

    def test_faults_and_call_log(self):
        repo = self.gl.add_repo()
        path = "/api/v4" + self.project(repo) + "/merge_requests"
        self.gl.inject("^" + path + "$", "429", retry_after=3)
        res = self.gl.call("GET", self.project(repo) + "/merge_requests")
        self.assertEqual((res.status, res.raw, res.header("retry-after"), res.header("ratelimit-remaining")),
                         (429, b"Retry later\n", "3", "0"))
        self.assertGreater(int(res.header("ratelimit-reset")), time.time())
        self.gl.inject("^" + path + "$", "secondary", method="POST")
        res = self.gl.call("POST", self.project(repo) + "/merge_requests",
                           {"source_branch": "a", "target_branch": "main", "title": "t"})
        self.assertEqual(res.status, 429)
        self.gl.inject("^" + path + "$", "500")
        self.assertEqual(self.gl.call("GET", self.project(repo) + "/merge_requests").json,
                         {"message": "500 Internal Server Error"})
        self.assertEqual(self.gl.call("GET", self.project(repo) + "/merge_requests").status, 200)
        self.gl.inject("^" + path + "$", "echoauth", status=500)
        res = self.gl.call("GET", self.project(repo) + "/merge_requests")
        self.assertEqual(res.status, 500)
        self.assertIn(f"PRIVATE-TOKEN: {self.gl.token}", res.json["message"])
        log = self.gl.calls(repo)
        self.assertEqual([c["status"] for c in log["calls"]], [429, 429, 500, 200, 500])
        self.assertEqual((log["reads"], log["writes"]), (4, 1))
        self.assertEqual(log["calls"][0]["path"], path)


if __name__ == "__main__":
    unittest.main()
