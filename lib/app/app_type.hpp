// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/application.hpp"
#include "app/config.hpp"
#include "util/result.hpp"

#include <string>
#include <string_view>

namespace argoimg::app {

enum class AppType { helm, kustomize, other };

// "helm", "kustomize" or "other".
std::string_view to_string(AppType type);

struct TypeDecision {
  AppType type = AppType::other;
  size_t source_index = 0; // the source argoimg reads and writes
  std::string reason;      // for `other`: why the application is skipped, and how to fix it
};

// Decide the type as AIU does: a `kustomization`/`helmvalues` write-back target forces it;
// then `status.sourceTypes` (multi-source) or `status.sourceType`; without status, the
// source's `helm`/`chart` or `kustomize` fields. Multi-source apps use the first source with a
// `helm` (or `kustomize`) block, else the first source.
TypeDecision detect_type(const Application& app, const WriteBack& write_back);

// The file the git write-back edits, relative to the repository root.
struct TargetFile {
  enum class Kind { argocd_source, kustomization, helm_values };
  Kind kind = Kind::argocd_source;
  std::string path; // for kustomization: the directory
};

// Resolve the write-back target per AIU: default `.argocd-source-<app>.yaml` in the source
// path (`.argocd-source-<ns>_<app>.yaml` when the app's namespace differs from
// `argocd_namespace`), `kustomization[:path]`, `helmvalues[:path]` (relative to the source
// path, or `/`-absolute from the repository root), or any other path verbatim.
TargetFile write_back_target(const Application& app,
                             const Source& source,
                             const WriteBack& write_back,
                             const std::string& argocd_namespace);

// Refuse a write-back target that names a kustomization file (its last component is
// `kustomization.yaml`, `kustomization.yml` or `Kustomization`): plain (AIU 1.x rejects it; AIU
// 0.x appended `.argocd-source` keys to the kustomization), `helmvalues:` (Helm keys would be
// added to it) or `kustomization:` (which names the directory). The error says which
// `kustomization:` target means that directory.
util::Result<bool> check_write_back_target(std::string_view target);

// Join and clean paths like Go's filepath.Join (no leading '/' in the result).
std::string join_clean(std::string_view base, std::string_view relative);

} // namespace argoimg::app
