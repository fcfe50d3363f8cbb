// SPDX-License-Identifier: Apache-2.0
// Bounded YAML loading: documents are split at their `---` markers and parsed one by one; one
// event pass over each enforces the limits (and finds what yaml-cpp accepts silently) while it
// builds the tree yaml-cpp's LoadAll would build (DocumentBuilder, yaml_build.cpp): the parser,
// argoimg's hottest code at scale, reads each file once.
#include "app/yaml_build_detail.hpp"
#include "app/yaml_detail.hpp"
#include "app/yaml_libyaml_detail.hpp"
#include "app/yaml_split_detail.hpp"

#include <fmt/format.h>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace argoimg::app::yaml {

namespace {

// Thrown from the event pass: where and what, and whether the rest of the file is skipped.
struct Stop {
  YAML::Mark mark;
  std::string message;
  bool whole_file = false;
};

// Counts what a document builds and checks what yaml-cpp does not, then builds it.
class Checker : public DocumentBuilder {
public:
  struct Totals {
    size_t nodes = 0; // aliases count as the nodes they stand for
    size_t documents = 0;
  };

  Checker(std::string_view text,
          const FileRef& at,
          const LoadLimits& limits,
          DuplicateKeys duplicates,
          Totals& totals)
      : m_text(text), m_at(at), m_limits(limits), m_duplicates(duplicates), m_totals(totals) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (mark.pos >= 0 && mark.pos == m_last_document_pos
        && m_totals.nodes <= m_nodes_at_last_document + 1) {
      // yaml-cpp 0.7 never gets past a stray ',' (or similar) at a document's start: it
      // yields empty documents without advancing (jbeder/yaml-cpp#1040).
      throw Stop{mark, "unexpected character where a document should start (a stray ','?)", true};
    }
    m_last_document_pos = mark.pos;
    m_nodes_at_last_document = m_totals.nodes;
    if (++m_totals.documents > m_limits.max_documents()) {
      throw Stop{mark,
                 fmt::format("more than {} documents in one file (1 per 256 bytes of "
                             "--max-file-size, now {} bytes; raise it to read this file); the "
                             "rest of the file is not read",
                             m_limits.max_documents(),
                             m_limits.max_file_size),
                 true};
    }
    m_anchors.clear();
    DocumentBuilder::OnDocumentStart(mark);
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    node(mark, anchor, nullptr);
    add(mark, 1);
    leaf(anchor, 1);
    DocumentBuilder::OnNull(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    node(mark, 0, nullptr);
    auto it = m_anchors.find(anchor);
    add(mark, it == m_anchors.end() ? 1 : it->second);
    DocumentBuilder::OnAlias(mark, anchor);
  }
  void OnScalar(const YAML::Mark& mark,
                const std::string& tag,
                YAML::anchor_t anchor,
                const std::string& value) override {
    check_quoted(mark);
    node(mark, anchor, &value);
    add(mark, 1);
    leaf(anchor, 1);
    DocumentBuilder::OnScalar(mark, tag, anchor, value);
  }
  void OnSequenceStart(const YAML::Mark& mark,
                       const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    open(mark, anchor, false);
    DocumentBuilder::OnSequenceStart(mark, tag, anchor, style);
  }
  void OnSequenceEnd() override {
    close();
    DocumentBuilder::OnSequenceEnd();
  }
  void OnMapStart(const YAML::Mark& mark,
                  const std::string& tag,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    open(mark, anchor, true);
    DocumentBuilder::OnMapStart(mark, tag, anchor, style);
  }
  void OnMapEnd() override {
    close();
    DocumentBuilder::OnMapEnd();
  }

private:
  struct Frame {
    bool map = false;
    bool next_is_key = true;
    YAML::anchor_t anchor = 0;
    size_t nodes_at_start = 0;
    std::unordered_map<std::string, int> keys; // key -> line, for duplicates
  };

  void add(const YAML::Mark& mark, size_t nodes) {
    m_totals.nodes += nodes;
    if (m_totals.nodes > m_limits.max_nodes()) {
      throw Stop{mark,
                 fmt::format("more than {} YAML nodes in one file, aliases counted as what they "
                             "repeat (1 per 8 bytes of --max-file-size, now {} bytes; raise it to "
                             "read this file); the rest of the file is not read",
                             m_limits.max_nodes(),
                             m_limits.max_file_size),
                 true};
    }
  }

  void leaf(YAML::anchor_t anchor, size_t nodes) {
    if (anchor != 0) {
      m_anchors[anchor] = nodes;
    }
  }

  // A node starts inside the innermost collection: track keys of mappings.
  void node(const YAML::Mark& mark, YAML::anchor_t /*anchor*/, const std::string* scalar) {
    if (m_frames.empty() || !m_frames.back().map) {
      return;
    }
    Frame& frame = m_frames.back();
    bool is_key = frame.next_is_key;
    frame.next_is_key = !frame.next_is_key;
    if (!is_key || !scalar || m_duplicates == DuplicateKeys::allow) {
      return;
    }
    int line = position_of(mark, m_at).line;
    auto [it, fresh] = frame.keys.emplace(*scalar, line);
    if (!fresh) {
      // Recorded, not thrown: in a `kind: List` only the item holding it fails.
      m_found_duplicates.push_back(Stop{mark,
                                        fmt::format("duplicate key {} (first at line {}); "
                                                    "Kubernetes refuses such a document",
                                                    util::quote(*scalar),
                                                    it->second)});
    }
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool map) {
    node(mark, anchor, nullptr);
    if (m_frames.size() >= k_max_yaml_depth) {
      throw Stop{mark,
                 fmt::format("collections nested deeper than {} levels (argoimg's limit)",
                             k_max_yaml_depth)};
    }
    add(mark, 1);
    Frame frame;
    frame.map = map;
    frame.anchor = anchor;
    frame.nodes_at_start = m_totals.nodes - 1;
    m_frames.push_back(std::move(frame));
  }

  void close() {
    if (m_frames.empty()) {
      return;
    }
    Frame& frame = m_frames.back();
    if (frame.anchor != 0) {
      m_anchors[frame.anchor] = m_totals.nodes - frame.nodes_at_start;
    }
    m_frames.pop_back();
  }

  // yaml-cpp ends an unterminated quoted scalar at the end of the input without complaint.
  void check_quoted(const YAML::Mark& mark) {
    if (mark.pos < 0) {
      return;
    }
    size_t p = static_cast<size_t>(mark.pos);
    // The mark is where the node starts: skip its properties (&anchor, !tag).
    while (p < m_text.size() && (m_text[p] == '&' || m_text[p] == '!')) {
      while (p < m_text.size() && m_text[p] != ' ' && m_text[p] != '\t' && m_text[p] != '\n'
             && m_text[p] != '\r') {
        ++p;
      }
      while (p < m_text.size()
             && (m_text[p] == ' ' || m_text[p] == '\t' || m_text[p] == '\n' || m_text[p] == '\r')) {
        ++p;
      }
    }
    if (p >= m_text.size() || (m_text[p] != '"' && m_text[p] != '\'')) {
      return;
    }
    char quote = m_text[p];
    for (size_t i = p + 1; i < m_text.size(); ++i) {
      if (quote == '"' && m_text[i] == '\\') {
        ++i;
      } else if (m_text[i] == quote) {
        if (quote == '\'' && i + 1 < m_text.size() && m_text[i + 1] == '\'') {
          ++i;
          continue;
        }
        return;
      }
    }
    throw Stop{mark,
               std::string(quote == '"' ? "double" : "single")
                   + "-quoted string is not closed before the end of the document"};
  }

  std::string_view m_text;
  const FileRef& m_at;
  const LoadLimits& m_limits;
  DuplicateKeys m_duplicates;

public:
  std::vector<Stop> m_found_duplicates; // in the order met

private:
  size_t m_nodes_at_last_document = 0;
  int m_last_document_pos = -1; // yaml-cpp 0.7 can start documents forever at one place
  Totals& m_totals;
  std::vector<Frame> m_frames;
  std::unordered_map<YAML::anchor_t, size_t> m_anchors; // anchor -> nodes it stands for
};

std::string yaml_message(const YAML::Exception& e) {
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) {
    return fmt::format("invalid YAML: nesting too deep (argoimg's limit is {} levels)",
                       k_max_yaml_depth);
  }
  return "invalid YAML: " + e.msg;
}

util::Error error_at(const YAML::Mark& mark, const FileRef& at, const std::string& message) {
  return util::Error{util::ErrorKind::invalid_input,
                     position_of(mark, at).to_string(true) + ": " + message};
}

// A duplicate key fails the `kind: List` item holding it (the other items load, at their own
// index), else its whole document (a chunk holds one document).
void drop_duplicate_holders(std::vector<YAML::Node>& docs,
                            const std::vector<Stop>& found,
                            const FileRef& at,
                            std::vector<util::Error>& errors) {
  if (docs.size() == 1 && docs[0].IsMap() && docs[0]["kind"].IsScalar()
      && docs[0]["kind"].Scalar() == "List" && docs[0]["items"].IsSequence()) {
    YAML::Node items = docs[0]["items"];
    YAML::Node kept(YAML::NodeType::Sequence);
    std::vector<bool> reported(found.size(), false);
    for (size_t i = 0; i < items.size(); ++i) {
      int first = items[i].Mark().line;
      int next = i + 1 < items.size() ? items[i + 1].Mark().line : std::numeric_limits<int>::max();
      bool bad = false;
      for (size_t d = 0; d < found.size(); ++d) {
        if (found[d].mark.line >= first && found[d].mark.line < next) {
          if (!bad) {
            errors.push_back(error_at(found[d].mark, at, found[d].message));
          }
          bad = true;
          reported[d] = true;
        }
      }
      // An empty mapping stands in for a failed item: the later items keep their index, which
      // is their path in the file (`items[i]`) for write-back.
      kept.push_back(bad ? YAML::Node(YAML::NodeType::Map) : items[i]);
    }
    if (std::all_of(reported.begin(), reported.end(), [](bool r) { return r; })) {
      docs[0]["items"] = kept;
      return;
    }
  }
  errors.push_back(error_at(found.front().mark, at, found.front().message));
  docs.clear();
}

// Check and build the documents of one chunk in one pass. Returns false when the file must
// stop; a chunk that fails gives no document.
bool load_chunk(const Chunk& chunk,
                const FileRef& at,
                const LoadLimits& limits,
                DuplicateKeys duplicates,
                Checker::Totals& totals,
                std::vector<YAML::Node>& docs,
                std::vector<util::Error>& errors) {
  std::string text(chunk.text);
  std::vector<Stop> found_duplicates;
  try {
    Checker checker(text, at, limits, duplicates, totals);
    // libyaml reads what it can prove it reads as yaml-cpp does, much faster; yaml-cpp reads
    // the rest (and gives every syntax error).
    if (!replay_libyaml(text, checker, limits.max_nodes())) {
      std::istringstream in(text);
      YAML::Parser parser(in);
      while (parser.HandleNextDocument(checker)) {
      }
    }
    found_duplicates = std::move(checker.m_found_duplicates);
    docs = checker.take_documents();
  } catch (const Stop& stop) {
    errors.push_back(error_at(stop.mark, at, stop.message));
    return !stop.whole_file;
  } catch (const YAML::Exception& e) {
    errors.push_back(error_at(e.mark, at, yaml_message(e)));
    return true;
  }
  if (!found_duplicates.empty()) {
    drop_duplicate_holders(docs, found_duplicates, at, errors);
  }
  return true;
}

} // namespace

void for_each_document(std::string_view text,
                       const std::string& file,
                       const LoadLimits& limits,
                       DuplicateKeys duplicates,
                       const std::function<void(const YAML::Node&, const FileRef&)>& each,
                       std::vector<util::Error>& errors) {
  Checker::Totals totals;
  size_t document = 0;
  for (const auto& chunk : split_documents(text)) {
    FileRef at{file, chunk.first_line};
    std::vector<YAML::Node> docs;
    bool go_on = load_chunk(chunk, at, limits, duplicates, totals, docs, errors);
    for (const auto& doc : docs) {
      at.document = document++;
      try {
        each(doc, at);
      } catch (const YAML::Exception& e) {
        errors.push_back(error_at(e.mark, at, "unexpected shape: " + e.msg));
      }
    }
    if (!go_on) {
      return;
    }
  }
}

util::Result<YAML::Node>
load_first_document(std::string_view text, const std::string& file, const LoadLimits& limits) {
  Checker::Totals totals;
  FileRef at{file, 0};
  std::vector<YAML::Node> docs;
  std::vector<util::Error> errors;
  // Helm reads the first document; the text is not split, so a later one cannot matter.
  load_chunk(Chunk{text, 0}, at, limits, DuplicateKeys::allow, totals, docs, errors);
  if (!errors.empty()) {
    return tl::unexpected(errors.front());
  }
  return docs.empty() ? YAML::Node() : docs.front();
}

} // namespace argoimg::app::yaml
