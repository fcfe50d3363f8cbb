"""Self-test of the Gitea/Forgejo flavor of the forge contract server: every route, error and
fault once."""
import unittest

from forge_support import Forge


class GiteaServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gt = Forge("gitea")

    def label_ids(self, repo):
        return {x["name"]: x["id"] for x in self.gt.call("GET", f"/repos/{repo}/labels?limit=50").json}

    def test_open_list_paginate_and_base_head(self):
        repo = self.gt.add_repo(labels=["argoimg", "deps", "other"])
        first = self.gt.open_pull(repo, "argoimg/a", title="WIP: bump a")
        self.assertEqual((first["number"], first["state"], first["draft"], first["merged"]), (1, "open", True, False))
        self.assertEqual((first["head"]["ref"], first["base"]["ref"]), ("argoimg/a", "main"))
        self.assertEqual(first["html_url"], f"{self.gt.root}/{repo}/pulls/1")
        self.gt.open_pull(repo, "argoimg/b")
        self.gt.open_pull(repo, "argoimg/c", base="release")
        res = self.gt.call("GET", f"/repos/{repo}/pulls?state=all&limit=50")
        self.assertEqual(([p["number"] for p in res.json], res.header("x-total-count")), ([3, 2], "3"))
        next_url = res.header("link").split(">;")[0].lstrip("<")
        self.assertIn("page=2", next_url)
        page2 = self.gt.request("GET", next_url, headers=self.gt.auth_headers(self.gt.token))
        self.assertEqual([p["number"] for p in page2.json], [1])
        self.assertNotIn('rel="next"', page2.header("link") or "")
        self.assertEqual(self.gt.call("GET", f"/repos/{repo}/pulls/2").json["head"]["ref"], "argoimg/b")
        # GET /pulls/{base}/{head} has no state predicate: the oldest request for the pair wins.
        self.gt.set_state(repo, 2, "closed")
        newer = self.gt.open_pull(repo, "argoimg/b")
        found = self.gt.call("GET", f"/repos/{repo}/pulls/main/argoimg/b")
        self.assertEqual((found.status, found.json["number"], found.json["state"]), (200, 2, "closed"))
        self.assertEqual(newer["number"], 4)
        self.assertEqual(self.gt.call("GET", f"/repos/{repo}/pulls/main/argoimg/zz").status, 404)
        self.assertEqual(self.gt.call("GET", f"/repos/{repo}/pulls/main/argoimg%2Fb").json["number"], 2)
        self.assertEqual(self.gt.call("GET", f"/repos/{repo}/pulls?state=closed").json[0]["number"], 2)
        old = self.gt.add_repo(base_head_route=False)
        self.gt.open_pull(old, "argoimg/b")
        res = self.gt.call("GET", f"/repos/{old}/pulls/main/argoimg/b")
        self.assertEqual((res.status, res.json["message"]), (404, "The target couldn't be found."))

    def test_conflict_edit_states(self):
        repo = self.gt.add_repo()
        self.gt.open_pull(repo, "argoimg/e")
        res = self.gt.call("POST", f"/repos/{repo}/pulls", {"title": "t", "head": "argoimg/e", "base": "main"})
        self.assertEqual(res.status, 409)
        self.assertTrue(res.json["message"].startswith("pull request already exists for these targets [id: "))
        self.assertIn("head_branch: argoimg/e, base_branch: main]", res.json["message"])
        self.assertEqual(self.gt.call("POST", "/repos/octo/strict/pulls",
                                      {"title": "t", "head": "nope", "base": "main"}).status, 404)
        self.assertEqual(self.gt.call("POST", f"/repos/{repo}/pulls", {"head": "x", "base": "main"}).status, 422)
        res = self.gt.call("PATCH", f"/repos/{repo}/pulls/1", {"title": "new", "body": "new body", "state": "closed"})
        self.assertEqual((res.status, res.json["title"], res.json["state"]), (201, "new", "closed"))
        self.gt.open_pull(repo, "argoimg/e")
        res = self.gt.call("PATCH", f"/repos/{repo}/pulls/1", {"state": "open"})
        self.assertEqual(res.status, 409)
        self.gt.set_state(repo, 2, "merged")
        self.assertEqual(self.gt.call("PATCH", f"/repos/{repo}/pulls/1", {"state": "open"}).json["state"], "open")
        res = self.gt.call("PATCH", f"/repos/{repo}/pulls/2", {"state": "open"})
        self.assertEqual((res.status, res.json["message"]),
                         (412, "cannot change state of this pull request, it was already merged"))

    def test_labels_reviewers_assignees(self):
        repo = self.gt.add_repo(labels=["argoimg", "deps"])
        ids = self.label_ids(repo)
        self.assertEqual(sorted(ids), ["argoimg", "deps"])
        self.gt.open_pull(repo, "argoimg/l", labels=[ids["deps"]])
        res = self.gt.call("POST", f"/repos/{repo}/issues/1/labels", {"labels": [ids["argoimg"], "unknown"]})
        self.assertEqual((res.status, [x["name"] for x in res.json]), (200, ["deps", "argoimg"]))
        res = self.gt.call("PATCH", f"/repos/{repo}/pulls/1", {"labels": [ids["argoimg"]]})
        self.assertEqual([x["name"] for x in res.json["labels"]], ["argoimg"])
        bare = self.gt.add_repo()
        self.assertEqual(self.gt.call("GET", f"/repos/{bare}/labels").json, [])
        self.gt.open_pull(bare, "argoimg/l")
        self.assertEqual(self.gt.call("POST", f"/repos/{bare}/issues/1/labels", {"labels": ["argoimg"]}).json, [])
        res = self.gt.call("POST", f"/repos/{repo}/issues/1/labels", {"labels": [ids["argoimg"]]},
                           token=self.gt.token_named("nolabels"))
        self.assertEqual((res.status, res.json["message"]),
                         (403, "token does not have at least one of required scope(s): [write:issue]"))
        res = self.gt.call("POST", f"/repos/{repo}/pulls/1/requested_reviewers", {"reviewers": ["alice"]})
        self.assertEqual((res.status, res.json[0]["user"]["login"], res.json[0]["state"]), (201, "alice", "REQUEST_REVIEW"))
        res = self.gt.call("POST", f"/repos/{repo}/pulls/1/requested_reviewers", {"reviewers": ["mallory"]})
        self.assertEqual((res.status, res.json["message"]), (404, "user does not exist [uid: 0, name: mallory]"))
        res = self.gt.call("PATCH", f"/repos/{repo}/issues/1", {"assignees": ["bob"]})
        self.assertEqual((res.status, [u["login"] for u in res.json["assignees"]]), (201, ["bob"]))
        self.assertEqual(self.gt.call("PATCH", f"/repos/{repo}/issues/1", {"assignees": ["mallory"]}).status, 422)
        self.assertEqual([u["login"] for u in self.gt.call("GET", f"/repos/{repo}/pulls/1").json["requested_reviewers"]],
                         ["alice"])

    def test_scheduled_merge(self):
        repo = self.gt.add_repo()
        self.gt.open_pull(repo, "argoimg/m")
        merge = f"/repos/{repo}/pulls/1/merge"
        res = self.gt.call("POST", merge, {"Do": "merge", "merge_when_checks_succeed": True})
        self.assertEqual((res.status, res.raw), (201, b""))
        self.assertEqual(self.gt.pulls(repo)[0]["auto_merge"], {"merge_style": "merge"})
        res = self.gt.call("POST", merge, {"Do": "merge", "merge_when_checks_succeed": True})
        self.assertEqual(res.status, 409)
        self.assertIn("already scheduled to auto merge", res.json["message"])
        self.assertEqual(self.gt.call("POST", merge, {"Do": "explode"}).status, 422)
        refused = self.gt.add_repo(allow_auto_merge=False)
        self.gt.open_pull(refused, "argoimg/m")
        res = self.gt.call("POST", f"/repos/{refused}/pulls/1/merge", {"Do": "merge", "merge_when_checks_succeed": True})
        self.assertEqual((res.status, res.json["message"]),
                         (405, "merge is not allowed an allowed merge style for this repository"))
        clean = self.gt.add_repo(checks_pending=False)
        self.gt.open_pull(clean, "argoimg/m")
        res = self.gt.call("POST", f"/repos/{clean}/pulls/1/merge", {"Do": "merge", "merge_when_checks_succeed": True})
        self.assertEqual(res.status, 200)
        self.assertTrue(self.gt.call("GET", f"/repos/{clean}/pulls/1").json["merged"])
        self.assertEqual(self.gt.call("POST", f"/repos/{clean}/pulls/1/merge", {"Do": "merge"}).status, 405)

    def test_auth_and_scopes(self):
        repo = self.gt.add_repo()
        pulls = f"/repos/{repo}/pulls"
        self.assertEqual(self.gt.call("GET", pulls, token=None).status, 404)
        res = self.gt.call("POST", pulls, {"title": "t"}, token=None)
        self.assertEqual((res.status, res.json["message"]), (401, "token is required"))
        self.assertEqual(self.gt.call("GET", pulls, token="0" * 40).status, 401)
        bearer = self.gt.call("GET", pulls, token=None, headers={"Authorization": f"Bearer {self.gt.token}"})
        self.assertEqual(bearer.status, 200)
        query = self.gt.call("GET", f"{pulls}?access_token={self.gt.token}", token=None)
        self.assertEqual(query.status, 200)
        self.assertIn("access_token=REDACTED", self.gt.calls(repo)["calls"][-1]["query"])
        self.assertNotIn(self.gt.token, str(self.gt.calls(repo)))
        readonly = self.gt.token_named("readonly")
        self.assertEqual(self.gt.call("GET", pulls, token=readonly).status, 200)
        res = self.gt.call("POST", pulls, {"title": "t", "head": "a", "base": "main"}, token=readonly)
        self.assertEqual((res.status, res.json["message"]),
                         (403, "token does not have at least one of required scope(s): [write:repository]"))
        self.assertEqual(self.gt.call("GET", "/repos/octo/missing/pulls").json["message"],
                         "The target couldn't be found.")

    def test_faults_and_call_log(self):
        repo = self.gt.add_repo()
        self.gt.inject(f"^/api/v1/repos/{repo}/pulls$", "429", retry_after=2)
        res = self.gt.call("GET", f"/repos/{repo}/pulls")
        self.assertEqual((res.status, res.header("retry-after")), (429, "2"))
        self.gt.inject(f"^/api/v1/repos/{repo}/pulls$", "500", method="POST")
        self.assertEqual(self.gt.call("POST", f"/repos/{repo}/pulls", {"title": "t", "head": "a", "base": "main"}).status,
                         500)
        self.gt.open_pull(repo, "a")
        log = self.gt.calls(repo)
        self.assertEqual([(c["method"], c["status"]) for c in log["calls"]], [("GET", 429), ("POST", 500), ("POST", 201)])
        self.assertEqual((log["reads"], log["writes"]), (1, 2))


if __name__ == "__main__":
    unittest.main()
