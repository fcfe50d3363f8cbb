#!/usr/bin/env python3
"""Push synthetic images into a registry through its HTTP API (no docker needed).

Each tag gets its own config blob (so its own digest), carrying `created`, `os`,
`architecture`, optional `variant` and labels. Formats: Docker v2 schema 2, OCI, and
multi-arch indexes (Docker manifest list or OCI index) over per-platform children.
"""
import hashlib
import http.client
import json
from urllib.parse import urlparse

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Seeder:
    def __init__(self, base_url: str):
        url = urlparse(base_url)
        self.host = url.hostname
        self.port = url.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.known_blobs = set()

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                return response, data
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise

    def push_blob(self, repo: str, data: bytes) -> str:
        digest = digest_of(data)
        if (repo, digest) in self.known_blobs:
            return digest
        response, _ = self.request("POST", f"/v2/{repo}/blobs/uploads/", body=b"",
                                   headers={"Content-Length": "0"})
        if response.status != 202:
            raise RuntimeError(f"blob upload start for {repo}: HTTP {response.status}")
        location = urlparse(response.getheader("Location"))
        path = location.path + "?" + location.query + ("&" if location.query else "") + "digest=" + digest
        response, body = self.request("PUT", path, body=data, headers={
            "Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
        if response.status != 201:
            raise RuntimeError(f"blob upload for {repo}: HTTP {response.status}: {body[:200]!r}")
        self.known_blobs.add((repo, digest))
        return digest

    def push_manifest(self, repo: str, reference: str, manifest: dict, media_type: str) -> str:
        data = json.dumps(manifest, indent=2).encode()
        response, body = self.request("PUT", f"/v2/{repo}/manifests/{reference}", body=data,
                                      headers={"Content-Type": media_type, "Content-Length": str(len(data))})
        if response.status != 201:
            raise RuntimeError(f"manifest {repo}:{reference}: HTTP {response.status}: {body[:300]!r}")
        return digest_of(data)

    def image_manifest(self, repo, created, os_="linux", arch="amd64", variant=None, oci=False,
                       labels=None, layer=b"argoimg test layer"):
        layer_digest = self.push_blob(repo, layer)
        config = {"architecture": arch, "os": os_, "config": {"Labels": labels or {}},
                  "rootfs": {"type": "layers", "diff_ids": [digest_of(layer)]}}
        if created is not None:
            config["created"] = created
        if variant:
            config["variant"] = variant
        config_data = json.dumps(config).encode()
        config_digest = self.push_blob(repo, config_data)
        manifest = {"schemaVersion": 2,
                    "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG if oci else DOCKER_CONFIG,
                               "size": len(config_data), "digest": config_digest},
                    "layers": [{"mediaType": OCI_LAYER if oci else DOCKER_LAYER,
                                "size": len(layer), "digest": layer_digest}]}
        return manifest, (OCI_MANIFEST if oci else DOCKER_MANIFEST)

    def push_image(self, repo, tag, created, oci=False, platform=("linux", "amd64", None), labels=None):
        """Push a single-platform image; return its manifest digest."""
        manifest, media_type = self.image_manifest(repo, created, platform[0], platform[1], platform[2],
                                                   oci, labels)
        return self.push_manifest(repo, tag, manifest, media_type)

    def push_index(self, repo, tag, children, oci=False):
        """Push a multi-arch image: children = [(os, arch, variant, created)]; return the index digest."""
        entries = []
        for os_, arch, variant, created in children:
            manifest, media_type = self.image_manifest(repo, created, os_, arch, variant, oci)
            data = json.dumps(manifest, indent=2).encode()
            digest = self.push_manifest(repo, digest_of(data), manifest, media_type)
            platform = {"architecture": arch, "os": os_}
            if variant:
                platform["variant"] = variant
            entries.append({"mediaType": media_type, "size": len(data), "digest": digest, "platform": platform})
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX if oci else DOCKER_LIST, "manifests": entries}
        return self.push_manifest(repo, tag, index, OCI_INDEX if oci else DOCKER_LIST)


def clone_tags_on_disk(storage: str, repo: str, source_tag: str, new_tags):
    """Give `repo` more tags pointing at `source_tag`'s manifest by writing the registry's own
    storage layout (tags/<tag>/current/link and its index link). The real registry then lists
    and serves them; this seeds thousands of tags in a blink instead of minutes of PUTs."""
    import os
    base = os.path.join(storage, "docker/registry/v2/repositories", repo, "_manifests/tags")
    with open(os.path.join(base, source_tag, "current/link")) as f:
        digest = f.read().strip()
    hex_ = digest.split(":", 1)[1]
    for tag in new_tags:
        current = os.path.join(base, tag, "current")
        index = os.path.join(base, tag, "index/sha256", hex_)
        os.makedirs(current, exist_ok=True)
        os.makedirs(index, exist_ok=True)
        for directory in (current, index):
            with open(os.path.join(directory, "link"), "w") as f:
                f.write(digest)
    return digest
