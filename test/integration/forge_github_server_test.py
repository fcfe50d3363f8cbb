"""Self-test of the GitHub flavor of the forge contract server: every route, error and fault
once, so a failing CLI test points at the CLI and not at the server."""
import http.client
import json
import os
import subprocess
import tempfile
import time
import unittest
import uuid
from email.utils import parsedate_to_datetime

from forge_support import Forge, app_jwt


class GitHubServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gh = Forge("github")

    def test_open_list_paginate_and_filter(self):
        repo = self.gh.add_repo()
        owner = repo.split("/")[0]
        first = self.gh.open_pull(repo, f"{owner}:argoimg/a", draft=True)
        self.assertEqual((first["number"], first["state"], first["draft"]), (1, "open", True))
        self.assertEqual(first["head"]["label"], f"{owner}:argoimg/a")
        self.assertEqual(first["head"]["ref"], "argoimg/a")
        self.assertTrue(first["node_id"] and first["html_url"].endswith(f"/{repo}/pull/1"))
        self.gh.open_pull(repo, "argoimg/b")
        self.gh.open_pull(repo, "argoimg/c", base="release")
        res = self.gh.call("GET", f"/repos/{repo}/pulls?state=all&per_page=100")
        self.assertEqual([p["number"] for p in res.json], [3, 2])  # newest first, at most 2 a page
        self.assertIn('rel="next"', res.header("link"))
        next_url = res.header("link").split(">;")[0].lstrip("<")
        page2 = self.gh.request("GET", next_url, headers=self.gh.auth_headers(self.gh.token))
        self.assertEqual([p["number"] for p in page2.json], [1])
        self.assertNotIn('rel="next"', page2.header("link"))
        only = self.gh.call("GET", f"/repos/{repo}/pulls?state=all&head={owner}:argoimg/b&base=main")
        self.assertEqual([p["number"] for p in only.json], [2])
        self.assertIsNone(only.header("link"))
        # Like github.com, a head filter without "owner:" filters nothing.
        unfiltered = self.gh.call("GET", f"/repos/{repo}/pulls?state=all&head=argoimg/b")
        self.assertEqual(len(unfiltered.json), 2)
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls?base=release").json[0]["number"], 3)
        single = self.gh.call("GET", f"/repos/{repo}/pulls/2")
        self.assertEqual((single.status, single.json["merged"]), (200, False))
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls/99").status, 404)
        self.assertIs(self.gh.call("GET", f"/repos/{repo}").json["allow_auto_merge"], True)
        enterprise = self.gh.request("GET", f"/api/v3/repos/{repo}/pulls/1",
                                     headers=self.gh.auth_headers(self.gh.token))
        self.assertEqual(enterprise.json["url"], f"{self.gh.root}/api/v3/repos/{repo}/pulls/1")

    def test_chunked_request_body(self):
        repo = self.gh.add_repo()
        conn = http.client.HTTPConnection(self.gh.host, self.gh.port, timeout=30)
        body = json.dumps({"title": "chunked", "head": "argoimg/ch", "base": "main"}).encode()
        conn.request("POST", f"/repos/{repo}/pulls", body=iter([body[:10], body[10:]]), encode_chunked=True,
                     headers={**self.gh.auth_headers(self.gh.token), "Transfer-Encoding": "chunked"})
        res = conn.getresponse()
        self.assertEqual((res.status, json.loads(res.read())["title"]), (201, "chunked"))
        conn.close()

    def test_duplicate_and_validation_errors(self):
        repo = self.gh.add_repo()
        owner = repo.split("/")[0]
        self.gh.open_pull(repo, "argoimg/dup")
        res = self.gh.call("POST", f"/repos/{repo}/pulls", {"title": "t", "head": "argoimg/dup", "base": "main"})
        self.assertEqual(res.status, 422)
        self.assertEqual(res.json["message"], "Validation Failed")
        self.assertEqual(res.json["errors"][0]["message"], f"A pull request already exists for {owner}:argoimg/dup.")
        self.assertIn("documentation_url", res.json)
        missing = self.gh.call("POST", f"/repos/{repo}/pulls", {"head": "x", "base": "main"})
        self.assertEqual(missing.json["errors"], [{"resource": "PullRequest", "code": "missing_field", "field": "title"}])
        strict = self.gh.call("POST", "/repos/octo/strict/pulls", {"title": "t", "head": "nope", "base": "main"})
        self.assertEqual(strict.json["errors"][0]["field"], "head")

    def test_edit_close_reopen_merge(self):
        repo = self.gh.add_repo()
        owner = repo.split("/")[0]
        self.gh.open_pull(repo, "argoimg/e")
        res = self.gh.call("PATCH", f"/repos/{repo}/pulls/1", {"title": "new title", "body": "new body"})
        self.assertEqual((res.status, res.json["title"], res.json["body"]), (200, "new title", "new body"))
        self.gh.set_state(repo, 1, "closed")
        closed = self.gh.call("GET", f"/repos/{repo}/pulls?state=closed").json
        self.assertEqual((closed[0]["state"], closed[0]["merged_at"]), ("closed", None))
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls").json, [])  # default state=open
        self.gh.open_pull(repo, "argoimg/e")  # a second one while #1 is closed
        res = self.gh.call("PATCH", f"/repos/{repo}/pulls/1", {"state": "open"})
        self.assertEqual(res.status, 422)
        self.assertEqual(res.json["errors"][0]["message"], f"A pull request already exists for {owner}:argoimg/e.")
        self.gh.set_state(repo, 2, "merged")
        self.assertEqual(self.gh.call("PATCH", f"/repos/{repo}/pulls/1", {"state": "open"}).json["state"], "open")
        merged = self.gh.call("GET", f"/repos/{repo}/pulls/2").json
        self.assertEqual((merged["state"], merged["merged"]), ("closed", True))
        self.assertEqual(self.gh.call("PATCH", f"/repos/{repo}/pulls/2", {"state": "open"}).status, 422)

    def test_labels_reviewers_assignees(self):
        repo = self.gh.add_repo(collaborators=["alice", "bob"])
        self.gh.open_pull(repo, "argoimg/l")
        res = self.gh.call("POST", f"/repos/{repo}/issues/1/labels", {"labels": ["argoimg", "deps"]})
        self.assertEqual((res.status, [x["name"] for x in res.json]), (200, ["argoimg", "deps"]))
        res = self.gh.call("POST", f"/repos/{repo}/pulls/1/requested_reviewers", {"reviewers": ["alice"]})
        self.assertEqual((res.status, [u["login"] for u in res.json["requested_reviewers"]]), (201, ["alice"]))
        res = self.gh.call("POST", f"/repos/{repo}/pulls/1/requested_reviewers", {"reviewers": ["mallory"]})
        self.assertEqual(res.status, 422)
        self.assertIn("may only be requested from collaborators", res.json["message"])
        res = self.gh.call("POST", f"/repos/{repo}/pulls/1/requested_reviewers", {"reviewers": ["argoimg-bot"]})
        self.assertEqual(res.json["errors"], ["Review cannot be requested from pull request author."])
        res = self.gh.call("POST", f"/repos/{repo}/issues/1/assignees", {"assignees": ["bob", "mallory"]})
        self.assertEqual((res.status, [u["login"] for u in res.json["assignees"]]), (201, ["bob"]))
        self.assertIn("pull_request", res.json)

    def test_auth_scopes_and_rate_limit_headers(self):
        repo = self.gh.add_repo()
        anonymous = self.gh.call("GET", f"/repos/{repo}/pulls", token=None)
        self.assertEqual((anonymous.status, anonymous.json["message"]), (404, "Not Found"))
        res = self.gh.call("POST", f"/repos/{repo}/pulls", {"title": "t"}, token=None)
        self.assertEqual((res.status, res.json["message"]), (401, "Requires authentication"))
        res = self.gh.call("GET", f"/repos/{repo}/pulls", token="ghp_wrong")
        self.assertEqual((res.status, res.json["message"]), (401, "Bad credentials"))
        readonly = self.gh.token_named("readonly")
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls", token=readonly).status, 200)
        res = self.gh.call("POST", f"/repos/{repo}/pulls", {"title": "t", "head": "h", "base": "main"}, token=readonly)
        self.assertEqual(res.status, 403)
        self.assertEqual((res.header("x-accepted-oauth-scopes"), res.header("x-oauth-scopes")), ("repo", "read:org"))
        fine = self.gh.call("PATCH", f"/repos/{repo}/pulls/1", {}, token=self.gh.token_named("finegrained_read"))
        self.assertEqual((fine.status, fine.header("x-accepted-github-permissions")), (403, "pull_requests=write"))
        ok = self.gh.call("GET", f"/repos/{repo}/pulls")
        for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-used"):
            self.assertTrue(ok.header(name).isdigit(), name)
        self.assertEqual(self.gh.call("GET", "/repos/octo/public/pulls", token=None).status, 200)
        self.assertEqual(self.gh.call("GET", "/repos/octo/missing/pulls").status, 404)

    def test_faults_and_call_log(self):
        repo = self.gh.add_repo()
        self.gh.inject(f"^/repos/{repo}/pulls$", "secondary", retry_after=7, method="POST")
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls").status, 200)  # GET not matched
        res = self.gh.call("POST", f"/repos/{repo}/pulls", {"title": "t", "head": "f", "base": "main"})
        self.assertEqual((res.status, res.header("retry-after")), (403, "7"))
        self.assertIn("secondary rate limit", res.json["message"])
        self.gh.open_pull(repo, "f")  # the fault was for one request only
        self.gh.inject(f"^/repos/{repo}/pulls$", "secondary-429")
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls").status, 429)
        self.gh.inject(f"^/repos/{repo}/pulls$", "primary", retry_after=30)
        res = self.gh.call("GET", f"/repos/{repo}/pulls")
        self.assertEqual((res.status, res.header("x-ratelimit-remaining"), res.header("retry-after")), (403, "0", None))
        self.assertGreater(int(res.header("x-ratelimit-reset")), time.time() + 20)
        self.gh.inject(f"^/repos/{repo}/pulls$", "429", retry_after=5, retry_after_format="date")
        res = self.gh.call("GET", f"/repos/{repo}/pulls")
        self.assertEqual(res.status, 429)
        self.assertGreater(parsedate_to_datetime(res.header("retry-after")).timestamp(), time.time() + 2)
        self.gh.inject(f"^/repos/{repo}/pulls/1$", "500", count=2)
        self.assertEqual([self.gh.call("GET", f"/repos/{repo}/pulls/1").status for _ in range(3)], [500, 500, 200])
        log = self.gh.calls(repo)
        self.assertEqual([c["status"] for c in log["calls"]], [200, 403, 201, 429, 403, 429, 500, 500, 200])
        self.assertEqual((log["reads"], log["writes"]), (7, 2))
        self.assertEqual(len(self.gh.calls(repo, since=log["calls"][-2]["seq"])["calls"]), 1)
        self.assertEqual(self.gh.control("GET", "faults"), [])

    def test_careless_server_faults(self):
        repo = self.gh.add_repo()
        self.gh.inject(f"^/repos/{repo}/pulls$", "echoauth", method="POST")
        res = self.gh.call("POST", f"/repos/{repo}/pulls", {"title": "t", "head": "x", "base": "main"})
        self.assertEqual(res.status, 400)
        self.assertIn(f"Authorization: Bearer {self.gh.token}", res.json["message"])
        self.gh.inject(f"^/repos/{repo}/pulls$", "escapes", status=422)
        res = self.gh.call("GET", f"/repos/{repo}/pulls")
        self.assertEqual(res.status, 422)
        self.assertIn("\x1b[31m", res.json["message"])
        self.assertIn("\n", res.json["message"])
        self.gh.inject(f"^/repos/{repo}/pulls$", "huge")
        res = self.gh.call("GET", f"/repos/{repo}/pulls")
        self.assertEqual((res.status, len(res.raw)), (200, (5 << 20) + 2))
        self.gh.inject(f"^/repos/{repo}/pulls$", "badjson")
        res = self.gh.call("GET", f"/repos/{repo}/pulls")
        self.assertEqual((res.status, res.json, res.header("content-type")), (200, None, "text/html"))
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls").json, [])

    def test_graphql_auto_merge(self):
        repo = self.gh.add_repo()
        pull = self.gh.open_pull(repo, "argoimg/am")
        mutation = ("mutation($id: ID!) {\n  enablePullRequestAutoMerge(input: {pullRequestId: $id, "
                    "mergeMethod: SQUASH}) { pullRequest { autoMergeRequest { mergeMethod } } } }")
        res = self.gh.call("POST", "/graphql", {"query": mutation, "variables": {"id": pull["node_id"]}})
        self.assertEqual(res.status, 200, res.raw)
        self.assertEqual(res.json["data"]["enablePullRequestAutoMerge"]["pullRequest"]["autoMergeRequest"]
                         ["mergeMethod"], "SQUASH")
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls/1").json["auto_merge"]["merge_method"], "squash")
        other = self.gh.open_pull(repo, "argoimg/am2")
        res = self.gh.call("POST", "/graphql", {
            "query": "mutation($input: EnablePullRequestAutoMergeInput!) { enablePullRequestAutoMerge(input: $input) "
                     "{ pullRequest { number } } }",
            "variables": {"input": {"pullRequestId": other["node_id"], "mergeMethod": "REBASE"}}})
        self.assertEqual(res.json["data"]["enablePullRequestAutoMerge"]["pullRequest"]["number"], 2, res.raw)
        self.assertEqual(self.gh.pulls(repo)[1]["auto_merge"]["merge_method"], "rebase")
        lookup = self.gh.request("POST", "/api/graphql", {"query": f'query {{ repository(owner: "{repo.split("/")[0]}", '
                                                                   f'name: "{repo.split("/")[1]}") {{ pullRequest(number: 1) '
                                                                   '{ id } } }'}, self.gh.auth_headers(self.gh.token))
        self.assertEqual(lookup.json["data"]["repository"]["pullRequest"]["id"], pull["node_id"])
        for settings, message in (({"allow_auto_merge": False}, "Pull request Auto merge is not allowed for this repository"),
                                  ({"checks_pending": False}, "Pull request Pull request is in clean status")):
            other = self.gh.add_repo(**settings)
            node = self.gh.open_pull(other, "argoimg/am")["node_id"]
            res = self.gh.call("POST", "/graphql", {"query": mutation, "variables": {"id": node}})
            self.assertEqual(res.json["errors"][0]["type"], "UNPROCESSABLE")
            self.assertEqual(res.json["errors"][0]["message"], message)
            self.assertEqual(res.json["errors"][0]["locations"], [{"line": 2, "column": 3}])
        res = self.gh.call("POST", "/graphql", {"query": mutation, "variables": {"id": "PR_nope"}})
        self.assertEqual(res.json["errors"][0]["type"], "NOT_FOUND")
        res = self.gh.call("POST", "/graphql", {"query": mutation, "variables": {"id": pull["node_id"]}},
                           token=self.gh.token_named("readonly"))
        self.assertEqual(res.json["errors"][0]["type"], "INSUFFICIENT_SCOPES")
        self.assertEqual(self.gh.call("POST", "/graphql", {"query": mutation}, token=None).status, 401)
        self.assertEqual(self.gh.calls(repo)["writes"], 4)  # opens and mutations, not the lookup

    def test_github_app(self):
        app_id, key = self.gh.env["ARGOIMG_TEST_FORGE_GITHUB_APP_ID"], self.gh.env["ARGOIMG_TEST_FORGE_GITHUB_APP_KEY"]
        owner = "app-" + uuid.uuid4().hex[:8]  # its own installation: the short lifetime below is its own
        repo = self.gh.add_repo(owner=owner)
        jwt = app_jwt(app_id, key)
        res = self.gh.call("GET", f"/repos/{repo}/installation", token=jwt)
        self.assertEqual(res.status, 200, res.raw)
        installation = res.json["id"]
        self.assertEqual(res.json["access_tokens_url"], f"{self.gh.root}/app/installations/{installation}/access_tokens")
        res = self.gh.call("POST", f"/app/installations/{installation}/access_tokens", token=jwt)
        self.assertEqual(res.status, 201, res.raw)
        token = res.json["token"]
        self.assertTrue(token.startswith("ghs_") and res.json["expires_at"].endswith("Z"))
        res = self.gh.call("POST", f"/repos/{repo}/pulls", {"title": "t", "head": "app", "base": "main"}, token=token)
        self.assertEqual((res.status, res.json["user"]["login"]), (201, "argoimg-test-app[bot]"))
        self.assertEqual(self.gh.call("GET", "/repos/other/not-installed/pulls", token=token).status, 404)
        self.assertEqual(self.gh.call("GET", "/repos/other/not-installed/installation", token=jwt).status, 404)
        self.assertEqual(self.gh.call("POST", "/app/installations/1/access_tokens", token=jwt).status, 404)
        for bad, message in ((app_jwt(app_id, key, iat_offset=-700, exp_offset=-60), "'Expiration time'"),
                             (app_jwt(app_id, key, exp_offset=3600), "too far in the future"),
                             (app_jwt(app_id, key, iat_offset=600), "'Issued at'"),
                             (app_jwt("client-id", key), "'Issuer' claim"),
                             (jwt[:-8] + "AAAAAAAA", "could not be decoded"),
                             (self.gh.token, "could not be decoded")):
            res = self.gh.call("GET", f"/repos/{repo}/installation", token=bad)
            self.assertEqual(res.status, 401, message)
            self.assertIn(message, res.json["message"])
        with tempfile.TemporaryDirectory() as tmp:
            other_key = os.path.join(tmp, "other.pem")
            subprocess.run(["openssl", "genrsa", "-out", other_key, "2048"], check=True, capture_output=True)
            self.assertEqual(self.gh.call("GET", f"/repos/{repo}/installation",
                                          token=app_jwt(app_id, other_key)).status, 401)
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/installation", token=app_jwt("1", key)).status, 404)
        self.gh.control("POST", "app", {"token_lifetime": 1, "owner": owner})
        short = self.gh.call("POST", f"/app/installations/{installation}/access_tokens", token=jwt).json["token"]
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls", token=short).status, 200)
        time.sleep(1.5)
        self.assertEqual(self.gh.call("GET", f"/repos/{repo}/pulls", token=short).status, 401)

    def test_control_endpoints(self):
        repo = self.gh.add_repo()
        human = self.gh.human_opens(repo, "feature", state="closed")
        self.assertEqual((human["number"], human["state"], human["author"]), (1, "closed", "a-human"))
        self.gh.open_pull(repo, "argoimg/c")
        self.assertEqual([p["number"] for p in self.gh.pulls(repo)], [1, 2])
        self.gh.reset(repo)
        self.assertEqual((self.gh.pulls(repo), self.gh.calls(repo)["calls"]), ([], []))
        self.assertEqual(self.gh.request("POST", "/_control/repos", {"path": "x/y", "colour": 1}).status, 400)
        self.assertEqual(self.gh.request("GET", "/_control/nothing").status, 404)
        self.assertEqual(self.gh.control("GET", "health"), {"flavor": "github"})


if __name__ == "__main__":
    unittest.main()
