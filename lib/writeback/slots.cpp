// SPDX-License-Identifier: Apache-2.0
#include "writeback/slots.hpp"

#include "util/strings.hpp"
#include "writeback/scalar.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_parse_detail.hpp"
#include "writeback/yaml_text_detail.hpp"

#include <algorithm>

namespace argoimg::writeback {

namespace {

// Why an edit of `edits` changed other values too when its scalar carries an anchor (`&name`)
// that aliases elsewhere use: a rewrite would change them as well.
std::optional<std::string> anchored(std::string_view text,
                                    const std::vector<YAML::Node>& docs,
                                    const std::vector<ScalarEdit>& edits) {
  size_t shift = detail::bom_size(text);
  for (const auto& edit : edits) {
    if (edit.doc >= docs.size()) {
      continue;
    }
    auto found = detail::walk(docs[edit.doc], edit.path);
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

// One scalar's new text: bytes [begin, end) of the original become `text`.
struct Splice {
  size_t begin = 0;
  size_t end = 0;
  std::string text;
  const ScalarEdit* edit = nullptr;
};

} // namespace

util::Result<std::string> edit_scalars(std::string_view text,
                                       const std::vector<ScalarEdit>& edits) {
  // One parse for every edit: positions are those of the original text, and the new text is
  // built in one pass, copying what lies between the edited scalars (re-parsing per edit, or
  // splicing in place, which moves the rest of the file each time, was quadratic).
  YamlText yaml{std::string(text)};
  auto parse = yaml.parsed();
  if (!parse->docs) {
    return tl::unexpected(parse->docs.error());
  }
  const std::vector<YAML::Node>& docs = *parse->docs;
  // yaml-cpp finds the first of two equal keys, Kubernetes and Helm read the last.
  if (auto unique = detail::check_unique_keys_in(docs, 1); !unique) {
    return tl::unexpected(unique.error());
  }
  size_t shift = detail::bom_size(text);
  QuoteStyle quote = preferred_quote(text);
  std::vector<ExpectedValue> expected;
  std::vector<std::pair<size_t, YamlPath>> allowed;
  std::vector<Splice> splices;
  for (const auto& edit : edits) {
    auto found = edit.doc < docs.size() ? detail::walk(docs[edit.doc], edit.path)
                                        : util::Result<detail::Found>();
    if (edit.doc >= docs.size() || !found || found->depth != edit.path.size()
        || !found->node.IsScalar()) {
      return util::fail(util::ErrorKind::conflict,
                        "no scalar at " + util::quote(detail::describe(edit.path)) + " of document "
                            + std::to_string(edit.doc + 1)
                            + ": a null is not written, else the file changed during the run");
    }
    const std::string& current = found->node.Scalar();
    if (current == edit.value) {
      continue; // already there (a replan on a branch that has the edit)
    }
    if (current != edit.current) {
      return util::fail(util::ErrorKind::conflict,
                        util::quote(detail::describe(edit.path)) + " holds " + util::quote(current)
                            + ", not " + util::quote(edit.current)
                            + " as read: the file changed during the run");
    }
    auto span = detail::scalar_node_span(text, found->node, shift);
    if (!span) {
      return util::fail(span.error().kind,
                        util::quote(detail::describe(edit.path)) + ": "
                            + detail::describe(edit.path) + ": " + span.error().message);
    }
    splices.push_back(
        Splice{span->begin, span->end, render_scalar(edit.value, span->style, quote), &edit});
    expected.push_back(ExpectedValue{edit.doc, edit.path, edit.value});
    allowed.emplace_back(edit.doc, edit.path);
  }
  if (expected.empty()) {
    return std::string(text);
  }
  std::stable_sort(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) {
    return a.begin < b.begin;
  });
  std::string after;
  after.reserve(text.size() + text.size() / 8);
  size_t copied = 0;
  const Splice* last = nullptr;
  for (const Splice& splice : splices) {
    if (last && splice.begin < last->end) {
      // Two edits of one scalar (two paths, or an alias): the later one reads the first's value.
      if (last->begin == splice.begin && last->edit->value == splice.edit->value) {
        continue;
      }
      return util::fail(util::ErrorKind::conflict,
                        util::quote(detail::describe(splice.edit->path)) + " holds "
                            + util::quote(last->edit->value) + ", not "
                            + util::quote(splice.edit->current)
                            + " as read: the file changed during the run");
    }
    after.append(text.substr(copied, splice.begin - copied));
    after.append(splice.text);
    copied = splice.end;
    last = &splice;
  }
  after.append(text.substr(copied));
  if (auto verified = verify_edit(text, after, expected, allowed); !verified) {
    if (auto anchor = anchored(text, docs, edits)) {
      return util::fail(util::ErrorKind::conflict, *anchor);
    }
    return tl::unexpected(verified.error());
  }
  return after;
}

} // namespace argoimg::writeback
