#!/usr/bin/env python3
"""Start and stop the forge contract servers (forge.py) for the integration tests.

  forge_servers.py start STATE_DIR   start GitHub, GitLab and Gitea flavors on free 127.0.0.1
                                     ports, wait until ready, write STATE_DIR/forge.env
  forge_servers.py stop STATE_DIR    stop them (idempotent)

STATE_DIR also receives the tokens (TOKENS-<flavor>.json, one *.token file per token for
--forge-token-file), the configs (config-<flavor>.json) and the GitHub App key pair (app.pem,
PKCS#1 like the keys GitHub hands out, and app.pub.pem). Processes run in their own sessions
with logs in STATE_DIR/forge-<flavor>.log; their pids are in STATE_DIR/pids.json.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import servers  # noqa: E402  (spawn, stop, free_port, wait_ready, write_env, command_line)

USERS = ["alice", "bob", "carol", "argoimg-bot"]
APP_ID = "424242"
# Tokens per flavor: (name, token, scopes); "full" may do everything the CLI needs.
TOKENS = {
    "github": [("full", "ghp_argoimgTestFullToken0123456789abcd", ["repo", "read:org"]),
               ("readonly", "ghp_argoimgTestReadOnly0123456789abcd", ["read:org"]),
               ("finegrained_read", "github_pat_argoimgTestFineGrainedRead01", None)],
    "gitlab": [("full", "glpat-argoimgTestFullToken01", ["api"]),
               ("readonly", "glpat-argoimgTestReadOnly01", ["read_api"])],
    "gitea": [("full", "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", ["write:repository", "write:issue"]),
              ("readonly", "a0b1c2d3e4f5061728394a5b6c7d8e9f10234567", ["read:repository", "read:issue"]),
              ("nolabels", "f0e1d2c3b4a5968778695a4b3c2d1e0f98765432", ["write:repository"])],
}
REPOS = {
    "github": [{"path": "octo/app"}, {"path": "octo/no-auto-merge", "allow_auto_merge": False},
               {"path": "octo/clean", "checks_pending": False}, {"path": "octo/public", "private": False},
               {"path": "octo/strict", "branches": ["main", "release"], "collaborators": ["alice", "bob"]},
               {"path": "other/not-installed", "installed": False}],
    "gitlab": [{"path": "group/sub/app"}, {"path": "group/no-auto-merge", "allow_auto_merge": False},
               {"path": "group/clean", "checks_pending": False},
               {"path": "group/strict", "branches": ["main", "release"]}],
    "gitea": [{"path": "octo/app", "labels": ["argoimg", "dependencies", "automerge"]},
              {"path": "octo/no-labels"}, {"path": "octo/no-auto-merge", "allow_auto_merge": False},
              {"path": "octo/clean", "checks_pending": False}, {"path": "octo/old", "base_head_route": False},
              {"path": "octo/strict", "branches": ["main", "release"]}],
}
API_SUFFIX = {"github": "", "gitlab": "/api/v4", "gitea": "/api/v1"}


def write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


def make_app_key(state):
    key, pub = os.path.join(state, "app.pem"), os.path.join(state, "app.pub.pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", key, "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
    return key, pub


def start(state):
    started = time.time()
    stop(state)
    os.makedirs(state, exist_ok=True)
    key, pub = make_app_key(state)
    env, procs = {}, {}
    for flavor in ("github", "gitlab", "gitea"):
        upper = flavor.upper()
        tokens = []
        for name, token, scopes in TOKENS[flavor]:
            entry = {"token": token, "user": "argoimg-bot", "scopes": scopes}
            if name == "finegrained_read":
                entry["permissions"] = {"pull_requests": "read", "contents": "read", "metadata": "read"}
            tokens.append(entry)
            token_file = os.path.join(state, f"{flavor}-{name}.token")
            with open(token_file, "w") as f:
                f.write(token + "\n")
            os.chmod(token_file, 0o600)
            suffix = "" if name == "full" else "_" + name.upper()
            env[f"ARGOIMG_TEST_FORGE_{upper}{suffix}_TOKEN"] = token
            env[f"ARGOIMG_TEST_FORGE_{upper}{suffix}_TOKEN_FILE"] = token_file
        tokens_path = os.path.join(state, f"tokens-{flavor}.json")
        config_path = os.path.join(state, f"config-{flavor}.json")
        write_json(tokens_path, {"tokens": tokens})
        write_json(config_path, {"repos": REPOS[flavor], "users": USERS})
        port = servers.free_port()
        argv = [sys.executable, os.path.join(HERE, "forge.py"), "--flavor", flavor, "--port", str(port),
                "--config", config_path, "--tokens", tokens_path]
        if flavor == "github":
            argv += ["--app-id", APP_ID, "--app-public-key", pub]
            env["ARGOIMG_TEST_FORGE_GITHUB_APP_ID"] = APP_ID
            env["ARGOIMG_TEST_FORGE_GITHUB_APP_KEY"] = key
            env["ARGOIMG_TEST_FORGE_GITHUB_ENTERPRISE_API"] = f"http://127.0.0.1:{port}/api/v3"
        procs[flavor] = (servers.spawn(state, f"forge-{flavor}", argv), port)
        env[f"ARGOIMG_TEST_FORGE_{upper}"] = f"http://127.0.0.1:{port}"
        env[f"ARGOIMG_TEST_FORGE_{upper}_API"] = f"http://127.0.0.1:{port}{API_SUFFIX[flavor]}"
    for flavor, (proc, port) in procs.items():
        servers.wait_ready(f"http://127.0.0.1:{port}/_control/health", proc, f"forge-{flavor}")
    env["ARGOIMG_TEST_FORGE_USERS"] = ",".join(USERS)
    servers.check_still_running({f"forge-{flavor}": proc for flavor, (proc, _) in procs.items()})
    servers.write_env(os.path.join(state, "forge.env"), env)
    print(f"forge servers ready in {state} (started in {time.time() - started:.1f}s):")
    for k, v in env.items():
        if not k.endswith("_TOKEN"):
            print(f"  {k}={v}")


def stop(state):
    servers.stop(state)


def main():
    return servers.command_line("forge_servers.py", start, stop)


if __name__ == "__main__":
    sys.exit(main())
