// SPDX-License-Identifier: Apache-2.0
#pragma once
// Shared helpers of the libFuzzer targets: splitting one input into fields, and an in-memory
// HttpTransport that serves fuzz bytes. Each target is one `LLVMFuzzerTestOneInput`.
#include "registry/http.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Cut `count - 1` leading lines off `text`; the last field is the rest (newlines included).
inline std::vector<std::string_view> fields(std::string_view text, size_t count) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < count) {
    size_t eol = text.find('\n');
    if (eol == std::string_view::npos) {
      out.push_back(text);
      text = {};
      continue;
    }
    out.push_back(text.substr(0, eol));
    text.remove_prefix(eol + 1);
  }
  out.push_back(text);
  return out;
}

// A property the target checks failed: print it and abort, so libFuzzer saves the input.
[[noreturn]] inline void property_failed(const std::string& what) {
  std::fprintf(stderr, "fuzz property failed: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// An HttpTransport answering every request with a function of the request.
class FuzzTransport : public registry::HttpTransport {
public:
  using Handler = std::function<registry::HttpResponse(const registry::HttpRequest&)>;
  explicit FuzzTransport(Handler handler) : m_handler(std::move(handler)) {}
  util::Result<registry::HttpResponse> send(const registry::HttpRequest& request) override {
    ++requests;
    return m_handler(request);
  }
  size_t requests = 0;

private:
  Handler m_handler;
};

} // namespace argoimg::fuzz
