// SPDX-License-Identifier: Apache-2.0
// The persistent cache's decoders (docs/cache.md): whatever a cache directory holds is a miss
// or an entry that encodes back to itself; never a crash. The first byte picks the decoder:
//   '0' a stored tag page as it is, '1' its content under a matching checksum (so the fields
//   behind the checksum are reached), '2' a stored manifest or config (the digest taken from its
//   own line, as newest-build's entries by tag are read), '3' a first-seen file.
#include "fuzz_support.hpp"

#include "registry/cache.hpp"
#include "registry/cache_tags.hpp"
#include "registry/first_seen.hpp"
#include "util/sha256.hpp"

using namespace argoimg;

namespace {

const std::string k_key(64, 'a'); // the name every seed was stored under

void tag_page(std::string_view data) {
  auto entry = registry::decode_tag_page(data, k_key);
  if (!entry) {
    return;
  }
  if (registry::decode_tag_page(data, std::string(64, 'b'))) {
    fuzz::property_failed("a tag page decoded under another name");
  }
  auto again =
      registry::encode_tag_page(registry::tag_page_response(*entry), entry->fetched_unix, k_key);
  if (!again) {
    fuzz::property_failed("a decoded tag page does not encode again");
  }
  auto back = registry::decode_tag_page(*again, k_key);
  if (!back || back->etag != entry->etag || back->link != entry->link
      || back->content_type != entry->content_type || back->body != entry->body
      || back->fetched_unix != entry->fetched_unix) {
    fuzz::property_failed("a tag page does not round-trip");
  }
}

void content_entry(std::string_view data) {
  auto first = data.find('\n');
  auto second = first == std::string_view::npos ? first : data.find('\n', first + 1);
  auto third = second == std::string_view::npos ? second : data.find('\n', second + 1);
  if (third == std::string_view::npos || data.substr(second + 1, 7) != "digest ") {
    return;
  }
  std::string digest(data.substr(second + 8, third - second - 8));
  auto response = registry::decode_cache_entry(data, digest, k_key);
  if (!response) {
    return;
  }
  if (!registry::body_matches_digest(response->body, digest)) {
    fuzz::property_failed("a stored body that does not hash to its digest was served");
  }
  auto again = registry::encode_cache_entry(*response, digest, k_key);
  auto back = again ? registry::decode_cache_entry(*again, digest, k_key) : std::nullopt;
  if (!back || back->body != response->body) {
    fuzz::property_failed("a content entry does not round-trip");
  }
}

void first_seen(std::string_view data) {
  const std::string repository = "https://r.example/team/app";
  auto seen = registry::decode_first_seen(data, repository);
  if (!seen) {
    return;
  }
  auto back =
      registry::decode_first_seen(registry::encode_first_seen(*seen, repository), repository);
  if (!back || *back != *seen) {
    fuzz::property_failed("a first-seen file does not round-trip");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string_view input = fuzz::as_text(data + 1, size - 1);
  switch (data[0]) {
  case '0':
    tag_page(input);
    break;
  case '1':
    tag_page("argoimg-tags-cache " + std::to_string(registry::k_tag_cache_format_version)
             + "\nsha256 " + util::sha256_hex(input) + "\n" + std::string(input));
    break;
  case '2':
    content_entry(input);
    break;
  case '3':
    first_seen(input);
    break;
  default:
    break;
  }
  return 0;
}
