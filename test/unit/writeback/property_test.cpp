// SPDX-License-Identifier: Apache-2.0
// Property test of the YAML editor (issue 12). Generated files — block and flow collections,
// every quoting style (plain, single, double, literal and folded block scalars), comments
// everywhere, anchors and aliases, CRLF, a BOM, odd indentation, several documents — get one
// random edit through YamlText::set (what every target uses): set an existing scalar, or
// create a missing key path. After the edit the file must re-parse to exactly the original
// tree with that one change (yaml-cpp, aliases followed) and every byte outside the edited
// scalar must be unchanged (a created path: a pure insertion). A refusal is allowed only where
// documented (a block scalar, a null written as `key: null # comment`).
//
// ARGOIMG_PROPERTY_CASES sets the number of files (default 10,000), ARGOIMG_PROPERTY_SEED the
// seed (default 12); a failure prints both and the file.

#include "writeback/scalar.hpp"
#include "writeback/yaml_text.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

using namespace argoimg::writeback;

namespace {

const std::vector<std::string> k_values = {
    "1.2.3", "v1",         "1.10",     "latest",    "true",     "null",  "2024-01-05", "a b",
    "it's",  "say \"hi\"", "x: y",     "#x",        "back\\sl", "-dash", "1e3",        "~",
    "",      "0x1f",       "\xC3\xA4", "sha-1f2e3", "v1.0 # c", "*star", "a,b",        "[x]"};

bool plain_ok(const std::string& v, bool flow) {
  if (v.empty() || v.front() == ' ' || v.back() == ' ' || v.back() == ':') {
    return false;
  }
  if (std::string("-?:,[]{}#&*!|>'\"%@`").find(v.front()) != std::string::npos) {
    return false;
  }
  if (v.find(": ") != std::string::npos || v.find(" #") != std::string::npos) {
    return false;
  }
  return !flow || v.find_first_of(",[]{}") == std::string::npos;
}

// Writes one random file and remembers where each value scalar is.
class Generator {
public:
  explicit Generator(uint64_t seed) : m_rng(seed) {}

  std::string file() {
    m_nl = one_in(4) ? "\r\n" : "\n";
    m_unit = 1 + pick(5);
    m_out = one_in(8) ? "\xEF\xBB\xBF" : "";
    m_out += std::vector<std::string>{
        "", "", "---" + m_nl, "# head" + m_nl, "%YAML 1.2" + m_nl + "---" + m_nl}[pick(5)];
    size_t docs = one_in(5) ? 2 : 1;
    for (size_t d = 0; d < docs; ++d) {
      m_anchors.clear(); // anchors do not reach into the next document
      if (d > 0) {
        m_out += "---" + std::string(one_in(2) ? " # doc" : "") + m_nl;
      }
      if (one_in(10)) {
        flow_map(0);
        m_out += m_nl;
      } else {
        block_map(0, false, 0);
      }
      if (one_in(6)) {
        m_out += "# tail" + m_nl;
      }
    }
    if (one_in(5)) {
      while (!m_out.empty() && (m_out.back() == '\n' || m_out.back() == '\r')) {
        m_out.pop_back(); // no final newline
      }
    }
    return m_out;
  }

  // Offset -> (length, block scalar) of every value scalar written.
  const std::map<size_t, std::pair<size_t, bool>>& scalars() const { return m_scalars; }

private:
  bool one_in(size_t n) { return m_rng() % n == 0; }
  size_t pick(size_t n) { return static_cast<size_t>(m_rng() % n); }
  std::string pad(size_t n) { return std::string(n, ' '); }
  std::string comment() { return one_in(4) ? "  # c" + std::to_string(pick(9)) : ""; }

  std::string key() {
    std::string k =
        std::vector<std::string>{"image", "tag", "name", "a", "b-c", "x.y", "k"}[pick(7)]
        + std::to_string(m_keys++);
    switch (pick(6)) {
    case 0:
      return "'" + k + "'";
    case 1:
      return "\"" + k + "\"";
    default:
      return k;
    }
  }

  void scalar(bool flow) {
    std::string v = k_values[pick(k_values.size())];
    std::string token;
    size_t style = pick(3);
    if (style == 0 && plain_ok(v, flow)) {
      token = v;
    } else if (style <= 1) {
      token = "'";
      for (char c : v) {
        token += c == '\'' ? std::string("''") : std::string(1, c);
      }
      token += "'";
    } else {
      token = "\"";
      for (char c : v) {
        token += (c == '"' || c == '\\') ? "\\" + std::string(1, c) : std::string(1, c);
      }
      token += "\"";
    }
    m_scalars[m_out.size()] = {token.size(), false};
    m_out += token;
  }

  // After `key:`: a block scalar `|`, `|-`, `>`, `>-` holding one line.
  void block_scalar(size_t indent) {
    std::string head = std::vector<std::string>{"|", "|-", ">", ">-", "|+"}[pick(5)];
    m_scalars[m_out.size()] = {head.size(), true};
    m_out +=
        head + comment() + m_nl + pad(indent + m_unit) + "line " + std::to_string(pick(99)) + m_nl;
  }

  // Write `&aN ` and return the name, usable by aliases once its node is complete.
  std::string anchor() {
    std::string name = "a" + std::to_string(m_anchor_count++);
    m_out += "&" + name + " ";
    return name;
  }

  bool alias() {
    if (m_anchors.empty() || !one_in(8)) {
      return false;
    }
    m_out += "*" + m_anchors[pick(m_anchors.size())];
    return true;
  }

  void flow_value(size_t depth) {
    if (alias()) {
      return;
    }
    size_t kind = depth >= 3 ? 0 : pick(5);
    if (kind == 3) {
      flow_map(depth + 1);
    } else if (kind == 4) {
      flow_seq(depth + 1);
    } else {
      scalar(true);
    }
  }

  void flow_map(size_t depth) {
    size_t n = 1 + pick(3);
    m_out += one_in(2) ? "{" : "{ ";
    for (size_t i = 0; i < n; ++i) {
      m_out += (i ? std::string(one_in(2) ? ", " : ",") : "") + key() + ": ";
      flow_value(depth);
    }
    m_out += one_in(2) ? "}" : " }";
  }

  void flow_seq(size_t depth) {
    size_t n = 1 + pick(3);
    m_out += "[";
    for (size_t i = 0; i < n; ++i) {
      m_out += i ? ", " : "";
      flow_value(depth);
    }
    m_out += "]";
  }

  void close_anchor(const std::string& name) {
    if (!name.empty()) {
      m_anchors.push_back(name);
    }
  }

  // A mapping whose keys start at column `indent`; `inline_first`: the first key follows a
  // sequence dash on the current line.
  void block_map(size_t indent, bool inline_first, size_t depth) {
    size_t n = 1 + pick(4);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 || !inline_first) {
        if (one_in(6)) {
          m_out += pad(one_in(2) ? indent : 0) + "# between" + m_nl;
        }
        if (one_in(10)) {
          m_out += m_nl;
        }
        m_out += pad(indent);
      }
      m_out += key() + ":";
      block_value(indent, depth);
    }
  }

  void block_value(size_t indent, size_t depth) {
    size_t kind = depth >= 3 ? pick(3) : pick(8);
    if (kind <= 1) {
      m_out += " ";
      if (!alias()) {
        std::string name = one_in(10) ? anchor() : "";
        scalar(false);
        close_anchor(name);
      }
      m_out += comment() + m_nl;
    } else if (kind == 2) {
      m_out += " ";
      block_scalar(indent);
    } else if (kind == 3) {
      m_out += " ";
      one_in(2) ? flow_map(depth + 1) : flow_seq(depth + 1);
      m_out += comment() + m_nl;
    } else if (kind <= 5) {
      std::string name;
      if (one_in(6)) {
        m_out += " ";
        name = anchor();
        m_out.pop_back();
      }
      m_out += comment() + m_nl;
      block_map(indent + m_unit, false, depth + 1);
      close_anchor(name);
    } else {
      m_out += comment() + m_nl;
      block_seq(one_in(2) ? indent : indent + m_unit, depth + 1);
    }
  }

  void block_seq(size_t indent, size_t depth) {
    size_t n = 1 + pick(3);
    for (size_t i = 0; i < n; ++i) {
      if (one_in(8)) {
        m_out += pad(indent) + "# item" + m_nl;
      }
      size_t gap = 1 + pick(2);
      m_out += pad(indent) + "-" + pad(gap);
      if (depth < 3 && one_in(2)) {
        block_map(indent + 1 + gap, true, depth + 1);
      } else {
        scalar(false);
        m_out += comment() + m_nl;
      }
    }
  }

  std::mt19937_64 m_rng;
  std::string m_nl;
  size_t m_unit = 2;
  std::string m_out;
  size_t m_keys = 0;
  size_t m_anchor_count = 0;
  std::vector<std::string> m_anchors;
  std::map<size_t, std::pair<size_t, bool>> m_scalars;
};

// The oracle's tree: aliases expanded, nodes keep the position they were read from.
struct Tree {
  YAML::NodeType::value type = YAML::NodeType::Null;
  std::string tag;
  std::string value;
  int id = -1;
  bool edited = false; // must read back as the string `value`
  std::vector<std::pair<std::string, Tree>> map;
  std::vector<Tree> seq;
};

Tree convert(const YAML::Node& node) {
  Tree t;
  t.type = node.Type();
  t.tag = node.Tag();
  t.id = node.Mark().pos;
  if (node.IsScalar()) {
    t.value = node.Scalar();
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      t.map.emplace_back(entry.first.Tag() + "|" + entry.first.Scalar(), convert(entry.second));
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      t.seq.push_back(convert(item));
    }
  }
  return t;
}

void set_by_id(Tree& t, int id, const std::string& value) {
  if (t.id == id && (t.type == YAML::NodeType::Scalar || t.type == YAML::NodeType::Null)) {
    t.type = YAML::NodeType::Scalar;
    t.value = value;
    t.edited = true;
  }
  for (auto& entry : t.map) {
    set_by_id(entry.second, id, value);
  }
  for (auto& item : t.seq) {
    set_by_id(item, id, value);
  }
}

void add_by_id(Tree& t, int id, const std::vector<std::string>& keys, const std::string& value) {
  for (auto& entry : t.map) {
    add_by_id(entry.second, id, keys, value);
  }
  for (auto& item : t.seq) {
    add_by_id(item, id, keys, value);
  }
  if (t.id == id && t.type == YAML::NodeType::Map) {
    Tree leaf;
    leaf.type = YAML::NodeType::Scalar;
    leaf.value = value;
    leaf.edited = true;
    for (size_t i = keys.size(); i-- > 1;) {
      Tree parent;
      parent.type = YAML::NodeType::Map;
      parent.tag = "?";
      parent.map.emplace_back("?|" + keys[i], std::move(leaf));
      leaf = std::move(parent);
    }
    t.map.emplace_back("?|" + keys[0], std::move(leaf));
  }
}

// Empty when equal, else where they differ.
std::string compare(const Tree& want, const Tree& got, const std::string& at) {
  if (want.edited) {
    bool string = got.type == YAML::NodeType::Scalar
                  && (got.tag == "!" || (got.tag == "?" && !needs_quotes(want.value)));
    return string && got.value == want.value ? "" : at + ": not the string '" + want.value + "'";
  }
  if (want.type != got.type || want.value != got.value || want.map.size() != got.map.size()
      || want.seq.size() != got.seq.size()) {
    return at + ": differs";
  }
  if (want.tag != got.tag && !(want.type == YAML::NodeType::Map)) {
    return at + ": tag " + want.tag + " vs " + got.tag;
  }
  for (size_t i = 0; i < want.map.size(); ++i) {
    if (want.map[i].first != got.map[i].first) {
      return at + ": key " + want.map[i].first + " vs " + got.map[i].first;
    }
    auto diff = compare(want.map[i].second, got.map[i].second, at + "/" + want.map[i].first);
    if (!diff.empty()) {
      return diff;
    }
  }
  for (size_t i = 0; i < want.seq.size(); ++i) {
    auto diff = compare(want.seq[i], got.seq[i], at + "/" + std::to_string(i));
    if (!diff.empty()) {
      return diff;
    }
  }
  return "";
}

struct Target {
  YamlPath path;
  YAML::Node node;
};

// Every value scalar and every non-empty mapping of `node`, with its path.
void collect(const YAML::Node& node,
             YamlPath& at,
             std::vector<Target>& scalars,
             std::vector<Target>& maps,
             size_t depth) {
  if (depth > 8) {
    return;
  }
  if (node.IsMap()) {
    maps.push_back(Target{at, node});
    for (const auto& entry : node) {
      at.push_back(PathStep{entry.first.Scalar(), std::nullopt});
      collect(entry.second, at, scalars, maps, depth + 1);
      at.pop_back();
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      at.push_back(PathStep{at.empty() ? "" : at.back().key, i});
      collect(node[i], at, scalars, maps, depth + 1);
      at.pop_back();
    }
  } else if (node.IsScalar() || node.IsNull()) {
    scalars.push_back(Target{at, node});
  }
}

size_t env_size(const char* name, size_t fallback) {
  const char* value = std::getenv(name);
  return value && *value ? static_cast<size_t>(std::strtoull(value, nullptr, 10)) : fallback;
}

struct Stats {
  size_t sets = 0;
  size_t creates = 0;
  size_t refused = 0;
};

// One case; an empty string when it holds, else what failed.
std::string run_case(uint64_t seed, Stats& stats) {
  Generator gen(seed);
  std::string before = gen.file();
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(before);
  } catch (const YAML::Exception& e) {
    return "the generated file does not parse: " + std::string(e.what());
  }
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  size_t doc = rng() % docs.size();
  std::vector<Target> scalars;
  std::vector<Target> maps;
  YamlPath start;
  collect(docs[doc], start, scalars, maps, 0);
  std::string value = k_values[rng() % k_values.size()];
  size_t bom = before.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  bool create = scalars.empty() || rng() % 2 == 0;
  std::vector<Tree> want;
  for (const auto& d : docs) {
    want.push_back(convert(d));
  }
  YamlPath path;
  size_t span_begin = 0;
  size_t span_length = 0;
  bool block = false;
  bool null_value = false;
  if (create) {
    const Target& parent = maps[rng() % maps.size()];
    path = parent.path;
    std::vector<std::string> keys;
    for (size_t i = 0, n = 1 + rng() % 2; i < n; ++i) {
      keys.push_back("new" + std::to_string(i) + "x" + std::to_string(rng() % 1000));
      path.push_back(PathStep{keys.back(), std::nullopt});
    }
    add_by_id(want[doc], parent.node.Mark().pos, keys, value);
    ++stats.creates;
  } else {
    const Target& target = scalars[rng() % scalars.size()];
    path = target.path;
    span_begin = static_cast<size_t>(target.node.Mark().pos) + bom;
    while (span_begin < before.size() && before[span_begin] == '&') { // yaml-cpp marks the anchor
      span_begin = before.find(' ', span_begin) + 1;
    }
    auto it = gen.scalars().find(span_begin);
    if (it == gen.scalars().end()) {
      return "no generated scalar at byte " + std::to_string(span_begin);
    }
    span_length = it->second.first;
    block = it->second.second;
    null_value = target.node.IsNull();
    set_by_id(want[doc], target.node.Mark().pos, value);
    ++stats.sets;
  }
  YamlText yaml(before);
  auto done = yaml.set(doc, path, value);
  if (!done) {
    const std::string& why = done.error().message;
    if ((block && why.find("block scalar") != std::string::npos)
        || (null_value && why.find("cannot place a value here") != std::string::npos)
        || (create && why.find("without a final newline") != std::string::npos)) {
      ++stats.refused;
      return yaml.text() == before ? "" : "a refused edit changed the text";
    }
    return "refused: " + why;
  }
  if (block) {
    return "a block scalar was edited";
  }
  const std::string& after = yaml.text();
  std::vector<YAML::Node> again;
  try {
    again = YAML::LoadAll(after);
  } catch (const YAML::Exception& e) {
    return "the edited file does not parse: " + std::string(e.what()) + "\n--- after\n" + after;
  }
  if (again.size() != docs.size()) {
    return "document count changed\n--- after\n" + after;
  }
  for (size_t d = 0; d < docs.size(); ++d) {
    auto diff = compare(want[d], convert(again[d]), std::to_string(d));
    if (!diff.empty()) {
      return "tree: " + diff + "\n--- after\n" + after;
    }
  }
  if (create) {
    size_t prefix = 0;
    while (prefix < before.size() && prefix < after.size() && before[prefix] == after[prefix]) {
      ++prefix;
    }
    if (after.size() < before.size()
        || after.compare(after.size() - (before.size() - prefix), std::string::npos, before, prefix)
               != 0) {
      return "a created key is not a pure insertion\n--- after\n" + after;
    }
  } else {
    size_t tail = before.size() - span_begin - span_length;
    if (after.compare(0, span_begin, before, 0, span_begin) != 0 || after.size() < tail
        || after.compare(after.size() - tail, tail, before, span_begin + span_length, tail) != 0) {
      return "bytes outside the edited scalar changed\n--- after\n" + after;
    }
  }
  return "";
}

} // namespace

TEST_CASE("property: edits re-parse to the expected tree and touch only their bytes",
          "[writeback][property]") {
  size_t cases = env_size("ARGOIMG_PROPERTY_CASES", 10000);
  uint64_t seed = env_size("ARGOIMG_PROPERTY_SEED", 12);
  Stats stats;
  auto started = std::chrono::steady_clock::now();
  size_t failures = 0;
  for (size_t i = 0; i < cases && failures < 5; ++i) {
    uint64_t case_seed = seed * 1000003ULL + i;
    std::string failure = run_case(case_seed, stats);
    if (!failure.empty()) {
      ++failures;
      Generator gen(case_seed);
      std::string file = gen.file();
      if (const char* dir = std::getenv("ARGOIMG_PROPERTY_DUMP")) {
        std::ofstream(std::string(dir) + "/case" + std::to_string(i) + ".yaml", std::ios::binary)
            << file;
      }
      FAIL_CHECK("seed " << seed << " case " << i << " (ARGOIMG_PROPERTY_SEED=" << seed
                         << "): " << failure << "\n--- before\n"
                         << file);
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  WARN("property: " << cases << " cases (" << stats.sets << " sets, " << stats.creates
                    << " creates, " << stats.refused << " refused as documented) in " << seconds
                    << " s, seed " << seed);
  CHECK(stats.sets > cases / 4);
  CHECK(stats.creates > cases / 4);
}
