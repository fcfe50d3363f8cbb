// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/app_type.hpp"
#include "app/application.hpp"
#include "util/result.hpp"
#include "writeback/targets.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::writeback {

// One file edited by many applications in one pass (a `kind: List` of thousands of
// Applications, a values file shared by many). The file is parsed once; each application's
// edit runs on a window of the file (its List item or document, or the mapping its Helm keys
// live in: the bytes in place, so offsets stay valid) and becomes one splice; all splices are
// applied at once and verified by one re-parse: outside the windows the tree is unchanged,
// inside each window it is what the application's own verified edit produced. An application
// whose edit fails contributes nothing and the others still apply; when the combined check
// fails, the pending edits are replayed one by one on the whole text (the reference
// behaviour). Edits that cannot be windowed run on the whole text, in order.
class FileBatch {
public:
  // A whole-text edit: the reference behaviour (and the fallback of a windowed edit).
  using WholeEdit = std::function<util::Result<std::string>(std::string_view)>;

  // `expected`: how many edits will be added, when known. A file that only one application
  // edits (the usual case) skips the windows: their extra parses of the file (to find the
  // window, and the combined check after splicing) buy nothing for a single edit, which then
  // runs on the whole text as the reference behaviour.
  explicit FileBatch(std::string text, size_t expected = 0);
  ~FileBatch();
  FileBatch(FileBatch&&) noexcept;
  FileBatch& operator=(FileBatch&&) noexcept;

  // Each call adds one application's edit; its outcome is finish().edits[n] for the n-th call.
  void application_manifest(const app::Application& app,
                            const app::TypeDecision& type,
                            const std::vector<ImageChange>& changes);
  void helm_values(const std::vector<ImageChange>& changes);
  void whole(WholeEdit edit);

  struct Outcome {
    std::string text;
    std::vector<util::Result<bool>> edits;
  };
  // Apply what is pending and return the text and every edit's outcome.
  Outcome finish();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace argoimg::writeback
