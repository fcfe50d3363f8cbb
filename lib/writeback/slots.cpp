// SPDX-License-Identifier: Apache-2.0
#include "writeback/slots.hpp"

#include "util/strings.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_parse_detail.hpp"
#include "writeback/yaml_text_detail.hpp"

namespace argoimg::writeback {

namespace {

// Why an edit of `edits` changed other values too when its scalar carries an anchor (`&name`)
// that aliases elsewhere use: a rewrite would change them as well.
std::optional<std::string> anchored(std::string_view text, const std::vector<ScalarEdit>& edits) {
  YamlText before{std::string(text)};
  auto parse = before.parsed();
  if (!parse->docs) {
    return std::nullopt;
  }
  size_t shift = detail::bom_size(text);
  for (const auto& edit : edits) {
    if (edit.doc >= parse->docs->size()) {
      continue;
    }
    auto found = detail::walk((*parse->docs)[edit.doc], edit.path);
    if (!found || found->depth != edit.path.size()) {
      continue;
    }
    size_t pos = detail::pos_of(found->node, shift);
    if (pos < text.size() && text[pos] == '&') {
      return util::quote(detail::describe(edit.path)) + " of document "
             + std::to_string(edit.doc + 1)
             + " is an anchor that aliases elsewhere use: rewriting it would change them too, "
               "so it is left alone; move the marker or edit it by hand";
    }
  }
  return std::nullopt;
}

} // namespace

util::Result<std::string> edit_scalars(std::string_view text,
                                       const std::vector<ScalarEdit>& edits) {
  // yaml-cpp finds the first of two equal keys, Kubernetes and Helm read the last.
  if (auto unique = check_unique_keys(text); !unique) {
    return tl::unexpected(unique.error());
  }
  YamlText yaml{std::string(text)};
  std::vector<ExpectedValue> expected;
  std::vector<std::pair<size_t, YamlPath>> allowed;
  for (const auto& edit : edits) {
    auto found = yaml.get(edit.doc, edit.path);
    if (!found) {
      return tl::unexpected(found.error());
    }
    if (!*found) {
      return util::fail(util::ErrorKind::conflict,
                        "no scalar at " + util::quote(detail::describe(edit.path)) + " of document "
                            + std::to_string(edit.doc + 1)
                            + ": a null is not written, else the file changed during the run");
    }
    if (**found == edit.value) {
      continue; // already there (a replan on a branch that has the edit)
    }
    if (**found != edit.current) {
      return util::fail(util::ErrorKind::conflict,
                        util::quote(detail::describe(edit.path)) + " holds " + util::quote(**found)
                            + ", not " + util::quote(edit.current)
                            + " as read: the file changed during the run");
    }
    if (auto set = yaml.set(edit.doc, edit.path, edit.value); !set) {
      return util::fail(set.error().kind,
                        util::quote(detail::describe(edit.path)) + ": " + set.error().message);
    }
    expected.push_back(ExpectedValue{edit.doc, edit.path, edit.value});
    allowed.emplace_back(edit.doc, edit.path);
  }
  if (expected.empty()) {
    return std::string(text);
  }
  if (auto verified = verify_edit(text, yaml.text(), expected, allowed); !verified) {
    if (auto anchor = anchored(text, edits)) {
      return util::fail(util::ErrorKind::conflict, *anchor);
    }
    return tl::unexpected(verified.error());
  }
  return yaml.text();
}

} // namespace argoimg::writeback
