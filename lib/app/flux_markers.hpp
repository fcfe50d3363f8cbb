// SPDX-License-Identifier: Apache-2.0
#pragma once

// Flux v2 setter markers, `# {"$imagepolicy": "<namespace>:<name>[:tag|:name|:digest]"}`, and
// the scalars they mark (docs/flux.md, "Setter markers"). Finding only: resolving the policies
// and rewriting the scalars are done elsewhere.

#include "app/flux.hpp"
#include "app/load.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::app {

// What a marker comment names.
struct MarkerRef {
  std::string policy_namespace;
  std::string policy_name;
  FluxMarker::Field field = FluxMarker::Field::image;
  std::string setter; // the `$imagepolicy` value as written
};

// Read one comment (with its leading `#`s, as in the file) as Flux does: after the `#`s, exactly
// one JSON object whose members are all strings, with a `$imagepolicy` member of the form
// `ns:name` or `ns:name:tag|name|digest`. Anything else (trailing text, a number, invalid JSON,
// `ns/name`, an unknown suffix) is a plain comment: nullopt.
std::optional<MarkerRef> read_marker_comment(std::string_view comment);

// The markers of one YAML file (named `path` in positions), in file order. A file without the
// literal `"$imagepolicy"` is not parsed. Every document is read (sequence roots too; a
// `kind: List` is walked in place, its items' identities are the markers' objects). A scalar
// that is a mapping value or a sequence item is marked by its own line comment or, without one
// and when it starts its line (a sequence item), by the comment line directly above it; a marker
// above a `key: value` line or after the end of a one-line flow collection marks nothing.
// Multi-line and block scalars are never marked. A document that cannot be parsed (or a limit of
// `limits`) fails the whole file, so that no marker of a half-read file is applied.
util::Result<std::vector<FluxMarker>>
find_markers(std::string_view text, const std::string& path, const LoadLimits& limits);

} // namespace argoimg::app
