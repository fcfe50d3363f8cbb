"""GitHub App routes and the GraphQL endpoint of forge.py's GitHub flavor.

The App JWT is checked as GitHub does: `iss` a known app (--app-id, or one registered with
POST /_control/app {"app_id", "public_key_file"}; an unknown integer id is 404 "Integration not
found"), RS256 signature (verified with `openssl dgst -verify` against that app's public key),
`exp` in the future but at most 10 minutes ahead, `iat` not in the future (60 s of leeway). Installation ids are per owner; installation tokens
(ghs_...) expire after the lifetime set by POST /_control/app (default 3600 s) and only reach
repositories of their owner.

GraphQL understands two operations, found by their field names (not a GraphQL parser):
  mutation { enablePullRequestAutoMerge(input: {pullRequestId: ID, mergeMethod: MERGE}) {...} }
    refused like GitHub with {"errors": [{"type": "UNPROCESSABLE", "message": "Pull request Auto
    merge is not allowed for this repository"}]} when allow_auto_merge is false, and "Pull request
    Pull request is in clean status" when checks_pending is false (nothing to wait for)
  query { repository(owner: O, name: R) { pullRequest(number: N) { id number state } } }
Arguments may be literals, $variables, or fields of a variable (`input: $input`).
"""
import base64
import hashlib
import json
import os
import re
import subprocess
import tempfile
import time

from forge_common import HttpError, Reply, iso

APP_DOCS = "https://docs.github.com/rest/apps/apps"
GRAPHQL_DOCS = "https://docs.github.com/graphql"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def integration_not_found():
    return HttpError(Reply(404, {"message": "Integration not found", "documentation_url": APP_DOCS,
                                 "status": "404"}))


def jwt_error(message):
    return HttpError(Reply(401, {"message": message, "documentation_url": "https://docs.github.com/rest",
                                 "status": "401"}))


class AppRoutes:
    def __init__(self, store, args):
        super().__init__(store, args)
        self.app_id = str(args.app_id)
        self.public_key = args.app_public_key
        store.app_keys[self.app_id] = self.public_key

    def installation_id(self, owner):
        return 10000 + int(hashlib.sha1(owner.encode()).hexdigest()[:4], 16)

    def verify_jwt(self, req):
        token = self.bearer(req, ("bearer",))
        if not token or token.count(".") != 2:
            raise jwt_error("A JSON web token could not be decoded")
        head, claims_part, signature = token.split(".")
        try:
            header = json.loads(b64url_decode(head))
            claims = json.loads(b64url_decode(claims_part))
            signature = b64url_decode(signature)
        except ValueError:
            raise jwt_error("A JSON web token could not be decoded")
        if not isinstance(header, dict) or header.get("alg") != "RS256" or not isinstance(claims, dict):
            raise jwt_error("A JSON web token could not be decoded")
        iss = claims.get("iss")
        with self.store.lock:
            public_key = self.store.app_keys.get(str(iss))
        if public_key is None and re.fullmatch(r"[0-9]+", str(iss)):
            raise integration_not_found()
        if not self.signature_ok(f"{head}.{claims_part}".encode(), signature, public_key or self.public_key):
            raise jwt_error("A JSON web token could not be decoded")
        now = int(time.time())
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or iat > now + 60:
            raise jwt_error("'Issued at' claim ('iat') must be an Integer representing the time that the "
                            "assertion was issued")
        if not isinstance(exp, int) or exp <= now:
            raise jwt_error("'Expiration time' claim ('exp') must be a numeric value representing the future "
                            "time at which the assertion expires")
        if exp > now + 600 + 60:
            raise jwt_error("'Expiration time' claim ('exp') is too far in the future")
        if not re.fullmatch(r"[0-9]+", str(iss)):
            raise jwt_error("'Issuer' claim ('iss') must be an Integer")
        req.app_jwt = str(iss)

    def signature_ok(self, data, signature, public_key):
        if not public_key:
            return False
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(signature)
            sig_path = f.name
        try:
            result = subprocess.run(["openssl", "dgst", "-sha256", "-verify", public_key,
                                     "-signature", sig_path], input=data, capture_output=True, timeout=20)
            return result.returncode == 0
        finally:
            os.unlink(sig_path)

    def permissions(self):
        return {"contents": "write", "metadata": "read", "pull_requests": "write", "issues": "write"}

    def get_installation(self, req, need, owner, name):
        self.verify_jwt(req)
        repo = self.store.repos.get(req.repo)
        if repo is None or not repo.settings["installed"]:
            raise HttpError(Reply(404, {"message": "Not Found", "status": "404",
                                        "documentation_url": APP_DOCS + "#get-a-repository-installation-for-the-authenticated-app"}))
        iid = self.installation_id(owner)
        api = req.root + req.prefix
        return Reply(200, {
            "id": iid, "app_id": int(req.app_jwt), "app_slug": "argoimg-test-app", "target_type": "Organization",
            "account": {"login": owner, "id": iid + 1, "type": "Organization"}, "repository_selection": "all",
            "access_tokens_url": f"{api}/app/installations/{iid}/access_tokens",
            "repositories_url": f"{api}/installation/repositories",
            "html_url": f"{req.root}/organizations/{owner}/settings/installations/{iid}",
            "permissions": self.permissions(), "events": [], "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z", "single_file_name": None, "suspended_at": None})

    def create_access_token(self, req, need, installation):
        self.verify_jwt(req)
        owners = {path.split("/")[0] for path, repo in self.store.repos.items() if repo.settings["installed"]}
        owner = next((o for o in owners if self.installation_id(o) == int(installation)), None)
        if owner is None:
            raise HttpError(Reply(404, {"message": "Not Found", "status": "404",
                                        "documentation_url": APP_DOCS + "#create-an-installation-access-token-for-an-app"}))
        token, expires = self.store.issue_app_token(owner)
        return Reply(201, {"token": token, "expires_at": iso(expires), "permissions": self.permissions(),
                           "repository_selection": "all"})

    # --- GraphQL ---------------------------------------------------------------------------------
    def graphql(self, req, need):
        token = self.bearer(req)
        if token is None:
            raise HttpError(Reply(401, {"message": "This endpoint requires you to be authenticated.",
                                        "documentation_url": GRAPHQL_DOCS + "/guides/forming-calls-with-graphql"
                                                             "#authenticating-with-graphql"}))
        entry = self.store.token(token)
        if entry is None:
            raise HttpError(Reply(401, {"message": "Bad credentials", "documentation_url": GRAPHQL_DOCS}))
        req.auth = entry
        body = req.json_body()
        query, variables = body.get("query"), body.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            return Reply(200, {"errors": [{"message": "A query attribute must be specified and must be a string."}]})

        def in_variables(name, value):  # e.g. {"input": {"pullRequestId": ...}} for `input: $input`
            if isinstance(value, dict):
                if name in value:
                    return value[name]
                for inner in value.values():
                    found = in_variables(name, inner)
                    if found is not None:
                        return found
            return None

        def arg(name):
            m = re.search(name + r'\s*:\s*(?:"((?:[^"\\]|\\.)*)"|\$(\w+)|(\w+))', query)
            if not m:
                return in_variables(name, variables)
            return m.group(1) if m.group(1) is not None else variables.get(m.group(2)) if m.group(2) else m.group(3)

        if "enablePullRequestAutoMerge" in query:
            return self.enable_auto_merge(req, query, arg)
        if "repository" in query and "pullRequest" in query:
            return self.find_pull_node(req, arg)
        return Reply(200, {"errors": [{"message": "this contract server implements enablePullRequestAutoMerge "
                                                  "and repository { pullRequest } only"}]})

    def graphql_error(self, query, field, kind, message):
        offset = query.find(field)
        line = query.count("\n", 0, offset) + 1
        column = offset - (query.rfind("\n", 0, offset) + 1) + 1
        return Reply(200, {"data": {field: None}, "errors": [
            {"type": kind, "path": [field], "locations": [{"line": line, "column": column}], "message": message}]})

    def enable_auto_merge(self, req, query, arg):
        field = "enablePullRequestAutoMerge"
        scopes = req.auth.get("scopes")
        if scopes is not None and req.auth.get("permissions") is None and "repo" not in scopes:
            return Reply(200, {"errors": [{"type": "INSUFFICIENT_SCOPES", "locations": [{"line": 1, "column": 1}],
                                           "message": "Your token has not been granted the required scopes to "
                                           f"execute this query. The '{field}' field requires one of the following "
                                           f"scopes: ['repo'], but your token has only been granted the: "
                                           f"{scopes} scopes. Please modify your token's scopes at: "
                                           "https://github.com/settings/tokens."}]})
        node, method = arg("pullRequestId"), arg("mergeMethod") or "MERGE"
        if method not in ("MERGE", "SQUASH", "REBASE"):
            return Reply(200, {"errors": [{"message": f"Argument 'mergeMethod' on InputObject "
                                           f"'EnablePullRequestAutoMergeInput' has an invalid value ({method}). "
                                           "Expected type 'PullRequestMergeMethod'."}]})
        pull = self.pull_by_node(node, req.auth)
        if pull is None:
            return self.graphql_error(query, field, "NOT_FOUND",
                                      f"Could not resolve to a node with the global id of '{node}'")
        req.repo = pull.repo.path
        if not pull.repo.settings["allow_auto_merge"]:
            return self.graphql_error(query, field, "UNPROCESSABLE",
                                      "Pull request Auto merge is not allowed for this repository")
        if pull.state != "open":
            return self.graphql_error(query, field, "UNPROCESSABLE", f"Pull request Pull request is {pull.state}")
        if not pull.repo.settings["checks_pending"]:
            return self.graphql_error(query, field, "UNPROCESSABLE", "Pull request Pull request is in clean status")
        pull.auto_merge = {"enabled_by": {"login": req.auth["user"]}, "merge_method": method.lower(),
                           "commit_title": None, "commit_message": None}
        self.store.touch(pull)
        return Reply(200, {"data": {field: {"clientMutationId": None, "pullRequest": {
            "id": pull.node_id, "number": pull.number,
            "autoMergeRequest": {"enabledAt": iso(pull.updated), "mergeMethod": method}}}}})

    def pull_by_node(self, node, auth):
        for repo in self.store.repos.values():
            if auth.get("installation") and repo.path.split("/")[0] != auth["installation"]:
                continue
            for pull in repo.pulls:
                if pull.node_id == node:
                    return pull
        return None

    def find_pull_node(self, req, arg):
        path = f"{arg('owner')}/{arg('name')}"
        repo = self.store.repos.get(path)
        req.repo = path
        if repo is None:
            return Reply(200, {"data": {"repository": None}, "errors": [
                {"type": "NOT_FOUND", "path": ["repository"],
                 "message": f"Could not resolve to a Repository with the name '{path}'."}]})
        number = arg("number")
        pull = repo.pull(int(number)) if str(number).isdigit() else None
        if pull is None:
            return Reply(200, {"data": {"repository": {"pullRequest": None}}, "errors": [
                {"type": "NOT_FOUND", "path": ["repository", "pullRequest"],
                 "message": f"Could not resolve to a PullRequest with the number of {number}."}]})
        return Reply(200, {"data": {"repository": {"pullRequest": {
            "id": pull.node_id, "number": pull.number, "state": pull.state.upper(),
            "autoMergeRequest": pull.auto_merge and {"mergeMethod": pull.auto_merge["merge_method"].upper()}}}}})
