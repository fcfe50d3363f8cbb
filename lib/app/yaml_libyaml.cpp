// SPDX-License-Identifier: Apache-2.0
// libyaml's scanner is several times faster than yaml-cpp's, which was half of argoimg's CPU at
// scale. libyaml only reads here; what it reads is translated into yaml-cpp's events, and
// whatever might translate differently goes back to yaml-cpp (see replay_libyaml). The
// fuzz target fuzz_yaml_build holds the translation to YAML::LoadAll.
#include "app/load.hpp"
#include "app/yaml_build_detail.hpp"
#include "app/yaml_libyaml_detail.hpp"
#include "app/yaml_parse_detail.hpp"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/emitterstyle.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/node/parse.h>

#include <algorithm>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include <yaml.h>

namespace argoimg::app::yaml {

namespace {

// One yaml-cpp event, kept until libyaml has read the whole text without refusing it.
struct Event {
  enum Kind : unsigned char {
    doc_start,
    doc_end,
    null,
    alias,
    scalar,
    seq_start,
    seq_end,
    map_start,
    map_end
  };
  Kind kind = null;
  bool plain = false; // a scalar's tag: "?" when plain, "!" when not
  YAML::EmitterStyle::value style = YAML::EmitterStyle::Default;
  YAML::anchor_t anchor = YAML::NullAnchor;
  YAML::Mark mark;
  std::string value;
};

// Text libyaml and yaml-cpp might read differently, before any parsing: marks count bytes in
// yaml-cpp and characters in libyaml, tabs and CR are whitespace each reads its own way, and
// a directive changes tags and versions. Found by fuzzing: explicit (`? `) keys.
bool plain_ascii(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  char previous = '\n';
  bool flow = false;
  bool question = false;
  for (char c : text) {
    flow = flow || c == '[' || c == '{';
    question = question || c == '?';
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u >= 0x7f) {
      return false;
    }
    if (c == '%' && previous == '\n') {
      return false;
    }
    if (previous == '?' && (c == ' ' || c == '\n')) { // a complex key: yaml-cpp has its own ideas
      return false;
    }
    previous = c;
  }
  if (flow && question) { // a `?` ends a plain scalar in a flow collection for yaml-cpp only
    return false;
  }
  // A text that does not end a line ends with marks each library places its own way.
  return previous == '\n';
}

// An anchor or alias name ends at a space or a line end in yaml-cpp, at any character outside
// [-_0-9A-Za-z] in libyaml: the name must be followed by one of the former.
bool name_ends_alike(std::string_view text, const yaml_mark_t& start, const yaml_char_t* name) {
  if (name == nullptr) {
    return true;
  }
  size_t end =
      start.index + 1 + std::char_traits<char>::length(reinterpret_cast<const char*>(name));
  return end < text.size() && (text[end] == ' ' || text[end] == '\n');
}

// yaml-cpp marks an empty node (`a:`, `- `) where the next token starts, libyaml where the
// token before it ends: skip spaces, line ends and comments from there.
YAML::Mark next_token(std::string_view text, YAML::Mark mark) {
  auto at = static_cast<size_t>(mark.pos);
  while (at < text.size()) {
    if (text[at] == '#') {
      while (at < text.size() && text[at] != '\n') {
        ++at;
        ++mark.column;
      }
    } else if (text[at] == '\n') {
      ++mark.line;
      mark.column = 0;
      ++at;
    } else if (text[at] == ' ') {
      ++mark.column;
      ++at;
    } else {
      break;
    }
  }
  mark.pos = static_cast<int>(at);
  return mark;
}

// Whether `: ` or `- ` comes before `at` on its line.
bool after_indicator(std::string_view text, size_t at) {
  while (at > 0 && text[at - 1] == ' ') {
    --at;
  }
  return at > 0 && (text[at - 1] == ':' || text[at - 1] == '-');
}

// Whether a block scalar's header (after any anchor) is `|`, `|-`, `>` or `>-`: no keep
// chomping, no indentation indicator.
bool plain_header(std::string_view source) {
  size_t at = source.find_first_of("|>");
  if (at == std::string_view::npos) {
    return false;
  }
  ++at;
  if (at < source.size() && source[at] == '-') {
    ++at;
  }
  return at < source.size() && (source[at] == ' ' || source[at] == '\n');
}

// yaml-cpp's IsNullString: a plain scalar it reports as a null.
bool null_string(const std::string& value) {
  return value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL";
}

YAML::Mark mark_of(const yaml_mark_t& mark) {
  YAML::Mark out;
  out.pos = static_cast<int>(mark.index);
  out.line = static_cast<int>(mark.line);
  out.column = static_cast<int>(mark.column);
  return out;
}

struct Parser {
  yaml_parser_t parser;
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct OwnedEvent {
  yaml_event_t event;
  ~OwnedEvent() { yaml_event_delete(&event); }
};

// The anchors of the current document, numbered as yaml-cpp numbers them.
class Anchors {
public:
  void clear() {
    m_numbers.clear();
    m_count = 0;
  }
  YAML::anchor_t define(const yaml_char_t* name) {
    if (name == nullptr) {
      return YAML::NullAnchor;
    }
    YAML::anchor_t number = ++m_count;
    m_numbers[reinterpret_cast<const char*>(name)] = number;
    return number;
  }
  // NullAnchor when unknown (yaml-cpp refuses it).
  YAML::anchor_t find(const yaml_char_t* name) const {
    auto it = m_numbers.find(reinterpret_cast<const char*>(name));
    return it == m_numbers.end() ? YAML::NullAnchor : it->second;
  }

private:
  std::unordered_map<std::string, YAML::anchor_t> m_numbers;
  YAML::anchor_t m_count = 0;
};

// Translate one libyaml event; false when it is not proven to translate identically.
bool translate(const yaml_event_t& in,
               std::string_view text,
               Anchors& anchors,
               std::vector<bool>& flows, // the open collections: flow or block
               std::vector<Event>& out) {
  Event event;
  event.mark = mark_of(in.start_mark);
  switch (in.type) {
  case YAML_STREAM_START_EVENT:
  case YAML_STREAM_END_EVENT:
    return true;
  case YAML_DOCUMENT_START_EVENT:
    if (in.data.document_start.version_directive != nullptr
        || in.data.document_start.tag_directives.start
               != in.data.document_start.tag_directives.end) {
      return false;
    }
    anchors.clear();
    event.kind = Event::doc_start;
    break;
  case YAML_DOCUMENT_END_EVENT:
    event.kind = Event::doc_end;
    break;
  case YAML_ALIAS_EVENT:
    event.kind = Event::alias;
    if (!name_ends_alike(text, in.start_mark, in.data.alias.anchor)) {
      return false;
    }
    event.anchor = anchors.find(in.data.alias.anchor);
    if (event.anchor == YAML::NullAnchor) {
      return false;
    }
    break;
  case YAML_SCALAR_EVENT: {
    const auto& scalar = in.data.scalar;
    if (scalar.tag != nullptr || !name_ends_alike(text, in.start_mark, scalar.anchor)) {
      return false;
    }
    std::string_view source =
        text.substr(in.start_mark.index, in.end_mark.index - in.start_mark.index);
    if (scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
        && source.find('\\') != std::string_view::npos) {
      return false; // escapes: each library decodes its own way at the edges
    }
    bool block =
        scalar.style == YAML_LITERAL_SCALAR_STYLE || scalar.style == YAML_FOLDED_SCALAR_STYLE;
    if (!block && source.find('\n') != std::string_view::npos) {
      return false; // a flow scalar over several lines: folding and where it may go on differ
    }
    if (block && !after_indicator(text, in.start_mark.index)) {
      return false; // libyaml reads `-\n>` as an entry holding `>`; yaml-cpp ends the sequence
    }
    if (block && scalar.anchor != nullptr) {
      return false; // yaml-cpp refuses `-  &x |` with its text less indented than the anchor
    }
    if (block && !plain_header(source)) {
      return false; // yaml-cpp drops a `>+` scalar's last blank lines
    }
    event.anchor = anchors.define(scalar.anchor);
    event.value.assign(reinterpret_cast<const char*>(scalar.value), scalar.length);
    event.plain = scalar.style == YAML_PLAIN_SCALAR_STYLE;
    event.kind = event.plain && null_string(event.value) ? Event::null : Event::scalar;
    if (event.plain && scalar.length == 0 && !flows.empty() && flows.back()) {
      // An empty node in a flow collection: yaml-cpp refuses `{x\n}`, and reads `[&a :b]` as
      // the scalar `:b` where libyaml reads a pair with an empty key.
      return false;
    }
    if (event.plain && scalar.length == 0 && in.start_mark.index == in.end_mark.index) {
      event.mark = next_token(text, event.mark);
    }
    break;
  }
  case YAML_SEQUENCE_START_EVENT:
    if (flows.size() >= k_max_yaml_depth // deeper: yaml-cpp decides (its own bound refuses ~500)
        || in.data.sequence_start.tag != nullptr
        || !name_ends_alike(text, in.start_mark, in.data.sequence_start.anchor)) {
      return false;
    }
    event.kind = Event::seq_start;
    flows.push_back(in.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
    event.anchor = anchors.define(in.data.sequence_start.anchor);
    event.style = in.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                      ? YAML::EmitterStyle::Flow
                      : YAML::EmitterStyle::Block;
    break;
  case YAML_SEQUENCE_END_EVENT:
    event.kind = Event::seq_end;
    flows.pop_back();
    break;
  case YAML_MAPPING_START_EVENT:
    if (flows.size() >= k_max_yaml_depth || in.data.mapping_start.tag != nullptr
        || !name_ends_alike(text, in.start_mark, in.data.mapping_start.anchor)) {
      return false;
    }
    event.kind = Event::map_start;
    flows.push_back(in.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE);
    event.anchor = anchors.define(in.data.mapping_start.anchor);
    event.style = in.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                      ? YAML::EmitterStyle::Flow
                      : YAML::EmitterStyle::Block;
    break;
  case YAML_MAPPING_END_EVENT:
    event.kind = Event::map_end;
    flows.pop_back();
    break;
  default:
    return false;
  }
  out.push_back(std::move(event));
  return true;
}

void replay(const std::vector<Event>& events, YAML::EventHandler& handler) {
  static const std::string plain_tag = "?";
  static const std::string other_tag = "!";
  for (const Event& event : events) {
    switch (event.kind) {
    case Event::doc_start:
      handler.OnDocumentStart(event.mark);
      break;
    case Event::doc_end:
      handler.OnDocumentEnd();
      break;
    case Event::null:
      handler.OnNull(event.mark, event.anchor);
      break;
    case Event::alias:
      handler.OnAlias(event.mark, event.anchor);
      break;
    case Event::scalar:
      handler.OnScalar(event.mark, event.plain ? plain_tag : other_tag, event.anchor, event.value);
      break;
    case Event::seq_start:
      handler.OnSequenceStart(event.mark, plain_tag, event.anchor, event.style);
      break;
    case Event::seq_end:
      handler.OnSequenceEnd();
      break;
    case Event::map_start:
      handler.OnMapStart(event.mark, plain_tag, event.anchor, event.style);
      break;
    case Event::map_end:
      handler.OnMapEnd();
      break;
    }
  }
}

} // namespace

bool replay_libyaml(std::string_view text, YAML::EventHandler& handler, size_t max_events) {
  if (!plain_ascii(text)) {
    return false;
  }
  Parser parser;
  yaml_parser_set_input_string(
      &parser.parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::vector<Event> events;
  Anchors anchors;
  std::vector<bool> flows;
  for (;;) {
    OwnedEvent event;
    if (yaml_parser_parse(&parser.parser, &event.event) == 0) {
      event.event.type = YAML_NO_EVENT; // nothing to free
      return false;
    }
    if (!translate(event.event, text, anchors, flows, events) || events.size() > max_events) {
      return false;
    }
    if (event.event.type == YAML_STREAM_END_EVENT) {
      break;
    }
  }
  replay(events, handler);
  return true;
}

std::optional<std::vector<YAML::Node>> build_all_libyaml(std::string_view text) {
  DocumentBuilder builder;
  if (!replay_libyaml(text, builder)) {
    return std::nullopt;
  }
  return builder.take_documents();
}

std::vector<YAML::Node> load_all(std::string_view text) {
  if (auto documents = build_all_libyaml(text)) {
    return std::move(*documents);
  }
  return YAML::LoadAll(std::string(text));
}

} // namespace argoimg::app::yaml
