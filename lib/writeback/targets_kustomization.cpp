// SPDX-License-Identifier: Apache-2.0
// The kustomization write-back target: `images:` entries set as `kustomize edit set image` does.
#include "app/yaml_parse_detail.hpp"
#include "util/strings.hpp"
#include "writeback/editor_detail.hpp"
#include "writeback/targets.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>

namespace argoimg::writeback {

using namespace detail;
using util::ErrorKind;

util::Result<std::string> edit_kustomization(std::string_view text,
                                             const std::vector<ImageChange>& changes) {
  Editor editor(text);
  auto docs = editor.yaml().documents();
  if (docs && *docs > 1) {
    return util::fail(ErrorKind::invalid_input, "a kustomization must hold a single YAML document");
  }
  YamlPath list = join({}, {"images"});
  bool appended = false;
  std::set<size_t> touched; // entries edited so far
  // An edit through an anchor also changes its aliases (an entry's `name: *t`): with anchors,
  // each image is looked up in the text as it now reads.
  bool anchors = text.find('&') != std::string_view::npos;
  for (const auto& change : changes) {
    const auto& config = *change.config;
    std::string name = config.kustomize_image_name.value_or(config.entry.image.name());
    YAML::Node images;
    std::optional<size_t> found;
    size_t size = 0;
    auto look_up = [&](bool edited) -> util::Result<bool> {
      // The parse of the text before any edit serves while no item was appended and this
      // entry is untouched: the edits so far changed other entries' scalars (never a name,
      // with no alias).
      auto root = edited ? editor.document(0) : editor.original_document(0);
      if (!root) {
        return tl::unexpected(root.error());
      }
      images = node_at(*root, list);
      found.reset();
      size = images && images.IsSequence() ? images.size() : 0;
      for (size_t i = 0; i < size; ++i) {
        if (images[i].IsMap() && images[i]["name"]
            && repository_of(images[i]["name"].Scalar()) == repository_of(name)) {
          found = i;
          break;
        }
      }
      return true;
    };
    auto looked = look_up(appended || anchors);
    if (looked && !appended && found && touched.count(*found) != 0) {
      looked = look_up(true);
    }
    if (!looked) {
      return tl::unexpected(looked.error());
    }
    bool rename = config.kustomize_image_name
                  && repository_of(*config.kustomize_image_name) != config.entry.image.repository();
    util::Result<bool> done = true;
    if (!found) {
      NewItem item{"", {{"name", name}}, {}};
      if (rename) {
        item.fields.emplace_back("newName", config.entry.image.name());
      }
      item.fields.emplace_back("newTag", change.new_tag);
      if (!change.new_digest.empty()) {
        item.fields.emplace_back("digest", change.new_digest);
      }
      done = editor.append(0, list, size, item);
      appended = true;
    } else {
      touched.insert(*found);
      YamlPath entry = at(list, *found);
      done = editor.set(0, join(entry, {"newTag"}), change.new_tag);
      if (done && rename) {
        done = editor.set(0, join(entry, {"newName"}), config.entry.image.name());
      }
      if (done && !change.new_digest.empty()) {
        done = editor.set(0, join(entry, {"digest"}), change.new_digest);
      } else if (done && images[*found]["digest"]) {
        done = editor.remove(0, entry, "digest"); // a tag without digest, as kustomize sets it
      }
    }
    if (!done) {
      return util::fail(done.error().kind,
                        util::quote(config.entry.image_text) + ": " + done.error().message);
    }
  }
  return editor.finish();
}

} // namespace argoimg::writeback
