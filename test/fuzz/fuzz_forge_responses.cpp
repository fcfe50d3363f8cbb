// SPDX-License-Identifier: Apache-2.0
// A hostile forge: the input's first line picks the flavor (its first byte) and the calls
// (its second), the rest is a list of answers separated by "\n--\n", served in turn to every
// request whatever its route: each answer is a line "STATUS name: value\tname: value..." and
// the body. Properties: no crash, a bounded number of requests and of waits, the token never
// leaves the API's origin nor reaches a message or a call path, no message holds a control
// character, and a success is about the request asked for.
#include "forge/forge.hpp"
#include "fuzz_support.hpp"

#include "util/redact.hpp"

#include <charconv>

using namespace argoimg;

namespace {

const std::string k_token = "fuzz_secret_token_0123456789abcdef";
const std::string k_head = "argoimg/k";
const std::string k_base = "main";

struct Answer {
  long status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

std::vector<Answer> answers_of(std::string_view text) {
  std::vector<Answer> answers;
  while (!text.empty() || answers.empty()) {
    size_t end = text.find("\n--\n");
    std::string_view record = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 4);
    auto parts = fuzz::fields(record, 2);
    Answer answer;
    std::string_view line = parts[0];
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), answer.status);
    if (ec != std::errc()) {
      answer.status = 200;
    }
    line.remove_prefix(static_cast<size_t>(ptr - line.data()));
    while (!line.empty()) {
      size_t tab = line.find('\t');
      std::string_view header = line.substr(0, tab);
      line = tab == std::string_view::npos ? std::string_view() : line.substr(tab + 1);
      size_t colon = header.find(':');
      if (colon != std::string_view::npos) {
        std::string_view value = header.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
          value.remove_prefix(1);
        }
        std::string name(header.substr(0, colon));
        while (!name.empty() && name.front() == ' ') {
          name.erase(0, 1);
        }
        answer.headers.emplace_back(name, std::string(value));
      }
    }
    answer.body = std::string(parts[1]);
    answers.push_back(std::move(answer));
  }
  return answers;
}

void check_message(const std::string& message, const std::string& where) {
  if (message.empty()) {
    fuzz::property_failed(where + ": an error without a message");
  }
  if (message.find(k_token) != std::string::npos) {
    fuzz::property_failed(where + ": the token in a message: " + message);
  }
  for (char c : message) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      fuzz::property_failed(where + ": a control character in a message: " + message);
    }
  }
}

template <typename T> void check_error(const util::Result<T>& result, const std::string& where) {
  if (!result) {
    check_message(result.error().message, where);
  }
}

void check_request(const forge::Request& request, const std::string& where) {
  if (request.number <= 0 || request.head != k_head || request.base != k_base) {
    fuzz::property_failed(where + ": a success about another request");
  }
  for (char c : request.url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      fuzz::property_failed(where + ": a web URL with a control character");
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::fields(fuzz::as_text(data, size), 2);
  std::string_view control = parts[0];
  auto kind = static_cast<forge::Kind>((control.empty() ? 0 : control[0]) % 3);
  unsigned ops = control.size() > 1 ? static_cast<unsigned char>(control[1]) : 0xff;
  auto answers = answers_of(parts[1]);
  const std::string origin = kind == forge::Kind::github   ? "https://api.github.com"
                             : kind == forge::Kind::gitlab ? "https://gitlab.example"
                                                           : "https://gitea.example";
  const std::string api = kind == forge::Kind::github   ? origin
                          : kind == forge::Kind::gitlab ? origin + "/api/v4"
                                                        : origin + "/api/v1";
  util::register_secret(k_token);

  size_t served = 0;
  fuzz::FuzzTransport transport([&](const registry::HttpRequest& request) {
    if (request.url.rfind(origin + "/", 0) != 0) {
      fuzz::property_failed("a request away from the API: " + request.url);
    }
    for (const auto& [name, value] : request.headers) {
      for (char c : name + value) {
        if (c == '\r' || c == '\n' || c == '\0') {
          fuzz::property_failed("a control character in header " + name);
        }
      }
    }
    for (char c : request.url) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
        fuzz::property_failed("a space or control character in a request URL");
      }
    }
    const Answer& answer = answers[served++ % answers.size()];
    return registry::HttpResponse{answer.status, answer.headers, answer.body};
  });
  forge::Pacing pacing;
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'299'200));
  pacing.now = [&] { return now; };
  pacing.sleep = [&](std::chrono::milliseconds ms) {
    if (ms > std::chrono::seconds(60) || ms.count() < 0) {
      fuzz::property_failed("a wait of " + std::to_string(ms.count()) + " ms");
    }
    now += ms;
  };
  std::string path = kind == forge::Kind::gitlab ? "g/sub/p" : "o/r";
  auto client = forge::make_client(
      {kind, api, path}, {k_token, "FUZZ_TOKEN", std::nullopt}, transport, std::move(pacing));

  if (ops & 1) {
    auto found = client->find(k_head, k_base);
    check_error(found, "find");
    if (found && *found) {
      check_request(**found, "find");
    }
  }
  if (ops & 2) {
    forge::NewRequest wanted{k_head, k_base, "chore: bump", "body", (ops & 4) != 0, {"deps"}};
    auto opened = client->open(wanted);
    check_error(opened, "open");
    if (opened) {
      check_request(*opened, "open");
      if (!opened->warning.empty()) {
        check_message(opened->warning, "open warning");
      }
    }
  }
  if (ops & 8) {
    auto edited = client->edit(7, std::string("t"), std::nullopt, (ops & 16) != 0);
    check_error(edited, "edit");
    if (edited && edited->number != 7) {
      fuzz::property_failed("edit: a success about another request");
    }
    if (edited && (ops & 16) && edited->state != forge::State::open) {
      fuzz::property_failed("edit: reopened but not open");
    }
  }
  if (ops & 32) {
    forge::Request request;
    request.number = 7;
    check_error(client->enable_auto_merge(request), "auto-merge");
  }
  if (ops & 64) {
    check_error(client->add_labels(7, {"deps", "bot"}), "labels");
    check_error(client->assign(7, {"alice"}), "assign");
  }
  for (const auto& call : client->calls()) {
    if (call.path.find(k_token) != std::string::npos) {
      fuzz::property_failed("the token in a call path");
    }
  }
  if (transport.requests > 600) {
    fuzz::property_failed(std::to_string(transport.requests) + " requests");
  }
  return 0;
}
