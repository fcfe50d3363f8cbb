// SPDX-License-Identifier: Apache-2.0
// Commit-message and branch templates: parse, then render with the data `commit` passes.
#include "fuzz_support.hpp"

#include "git/template.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = git::parse_template(fuzz::as_text(data, size), "template");
  if (!parsed) {
    if (parsed.error().message.empty()) {
      fuzz::property_failed("an error without a message");
    }
    return 0;
  }
  using Map = git::TemplateValue::Map;
  using List = git::TemplateValue::List;
  git::TemplateValue change = Map{
      {"Image", "ghcr.io/team/app"}, {"OldTag", "1.0.0"}, {"NewTag", "1.1.0"}, {"Alias", "app"}};
  git::TemplateValue value = Map{{"AppName", "demo"},
                                 {"AppChanges", List{change, change}},
                                 {"Empty", List{}},
                                 {"Flag", true},
                                 {"Sub", Map{{"Deep", "d"}}}};
  (void)parsed->render(value);
  (void)parsed->render(git::TemplateValue("plain"));
  return 0;
}
