// SPDX-License-Identifier: Apache-2.0
#include "image/image_list.hpp"

#include "util/strings.hpp"

namespace argoimg::image {

namespace {

bool valid_alias(std::string_view alias) {
  if (alias.empty()) {
    return false;
  }
  for (char c : alias) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
              || c == '-' || c == '.' || c == '/';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// Position of the ':' that starts the constraint: the last ':' after which no '/' follows
// (a ':' followed by a path is a registry port, as in `registry:5000/team/x`). A digest's
// ':' never counts.
size_t constraint_colon(std::string_view text) {
  size_t limit = text.find('@');
  std::string_view searched = text.substr(0, limit);
  size_t colon = searched.rfind(':');
  if (colon == std::string_view::npos) {
    return std::string_view::npos;
  }
  if (searched.substr(colon).find('/') != std::string_view::npos) {
    return std::string_view::npos;
  }
  return colon;
}

} // namespace

util::Result<ImageListEntry> parse_image_list_entry(std::string_view element) {
  std::string_view text = util::trim(element);
  auto context = "image-list element " + util::quote(text);
  if (text.empty()) {
    return util::fail(util::ErrorKind::invalid_input, "empty image-list element");
  }
  ImageListEntry entry;
  if (size_t eq = text.find('='); eq != std::string_view::npos) {
    std::string_view alias = util::trim(text.substr(0, eq));
    if (valid_alias(alias)) {
      entry.alias = std::string(alias);
      text = util::trim(text.substr(eq + 1));
    }
  }
  if (text.empty()) {
    return util::fail(util::ErrorKind::invalid_input, context + ": missing image after '='");
  }
  std::string_view image_part = text;
  std::string digest_suffix;
  if (size_t colon = constraint_colon(text); colon != std::string_view::npos) {
    size_t at = text.find('@');
    std::string_view constraint = util::trim(text.substr(
        colon + 1, at == std::string_view::npos ? std::string_view::npos : at - colon - 1));
    if (constraint.empty()) {
      return util::fail(util::ErrorKind::invalid_input, context + ": empty constraint after ':'");
    }
    entry.constraint = std::string(constraint);
    image_part = text.substr(0, colon);
    if (at != std::string_view::npos) {
      digest_suffix = std::string(text.substr(at));
    }
  }
  std::string image_text = std::string(util::trim(image_part)) + digest_suffix;
  auto ref = parse_image_ref(image_text);
  if (!ref) {
    return util::fail(util::ErrorKind::invalid_input, context + ": " + ref.error().message);
  }
  entry.image = std::move(*ref);
  entry.image_text = std::move(image_text);
  return entry;
}

std::vector<util::Result<ImageListEntry>> parse_image_list(std::string_view value) {
  std::vector<util::Result<ImageListEntry>> entries;
  for (std::string_view element : util::split(value, ',')) {
    if (util::trim(element).empty()) {
      continue;
    }
    entries.push_back(parse_image_list_entry(element));
  }
  return entries;
}

} // namespace argoimg::image
