// SPDX-License-Identifier: Apache-2.0
#include "writeback/slots.hpp"

#include "util/strings.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_text_detail.hpp"

namespace argoimg::writeback {

util::Result<std::string> edit_scalars(std::string_view text,
                                       const std::vector<ScalarEdit>& edits) {
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
    return tl::unexpected(verified.error());
  }
  return yaml.text();
}

} // namespace argoimg::writeback
