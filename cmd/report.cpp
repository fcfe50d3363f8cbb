// SPDX-License-Identifier: Apache-2.0
#include "report.hpp"

#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <algorithm>

namespace argoimg::cmd {

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::OStreamWrapper>;
using updater::ImageStatus;

void optional_string(Writer& w, const char* key, const std::optional<std::string>& value) {
  w.Key(key);
  if (value) {
    w.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
  } else {
    w.Null();
  }
}

void string_field(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_image(Writer& w, const updater::ImageResult& image, bool explain) {
  w.StartObject();
  optional_string(w, "alias", image.alias);
  string_field(w, "image", image.image);
  string_field(w, "repository", image.repository);
  optional_string(w, "constraint", image.constraint);
  string_field(w, "strategy", tag::to_string(image.strategy));
  optional_string(w, "current", image.current);
  optional_string(w, "currentDigest", image.current_digest);
  optional_string(w, "new", image.new_tag);
  optional_string(w, "newDigest", image.new_digest);
  string_field(w, "status", updater::to_string(image.status));
  optional_string(w, "reason", image.reason);
  if (explain) {
    w.Key("explain");
    w.StartArray();
    for (const auto& candidate : image.explain) {
      w.StartObject();
      string_field(w, "tag", candidate.tag);
      string_field(w, "verdict", tag::to_string(candidate.verdict));
      optional_string(
          w, "detail", candidate.detail.empty() ? std::nullopt : std::optional(candidate.detail));
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

struct Counts {
  size_t images = 0;
  size_t updates = 0;
  size_t up_to_date = 0;
  size_t skipped = 0;
  size_t errors = 0;
};

Counts count(const std::vector<updater::ImageResult>& images) {
  Counts c;
  for (const auto& image : images) {
    ++c.images;
    c.updates += image.status == ImageStatus::update;
    c.up_to_date += image.status == ImageStatus::up_to_date;
    c.skipped += image.status == ImageStatus::skipped;
    c.errors += image.status == ImageStatus::error;
  }
  return c;
}

std::string colored(const std::string& text, ImageStatus status, bool color) {
  if (!color) {
    return text;
  }
  const char* code = status == ImageStatus::error      ? "31"
                     : status == ImageStatus::no_match ? "33"
                     : status == ImageStatus::update   ? "36"
                                                       : "32";
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

} // namespace

void write_json_report(const ReportInput& input, std::ostream& out) {
  rapidjson::OStreamWrapper stream(out);
  Writer w(stream);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("schemaVersion");
  w.Int(1);
  string_field(w, "command", input.command);
  w.Key("applications");
  w.StartArray();
  w.EndArray();
  w.Key("images");
  w.StartArray();
  for (const auto& image : input.images) {
    write_image(w, image, input.explain);
  }
  w.EndArray();
  Counts c = count(input.images);
  w.Key("summary");
  w.StartObject();
  w.Key("applications");
  w.Uint64(0);
  w.Key("images");
  w.Uint64(c.images);
  w.Key("updates");
  w.Uint64(c.updates);
  w.Key("upToDate");
  w.Uint64(c.up_to_date);
  w.Key("skipped");
  w.Uint64(c.skipped);
  w.Key("errors");
  w.Uint64(c.errors);
  w.Key("requests");
  w.StartObject();
  for (const auto& [host, count] : input.requests) {
    w.Key(host.c_str(), static_cast<rapidjson::SizeType>(host.size()));
    w.Uint64(count);
  }
  w.EndObject();
  w.EndObject();
  w.EndObject();
  out << '\n';
}

void write_text_report(const ReportInput& input, std::ostream& out) {
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"IMAGE", "CONSTRAINT", "STRATEGY", "NEW", "STATUS"});
  for (const auto& image : input.images) {
    std::string shown_new = image.new_tag.value_or("-");
    if (image.new_digest) {
      shown_new += "@" + image.new_digest->substr(0, 19);
    }
    rows.push_back({image.alias ? *image.alias + "=" + image.image : image.image,
                    image.constraint.value_or("-"),
                    std::string(tag::to_string(image.strategy)),
                    shown_new,
                    std::string(updater::to_string(image.status))});
  }
  std::array<size_t, 5> widths{};
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < 4; ++i) {
      line += fmt::format("{:<{}}  ", rows[r][i], widths[i]);
    }
    out << line
        << (r == 0 ? rows[r][4] : colored(rows[r][4], input.images[r - 1].status, input.color))
        << '\n';
  }
  for (const auto& image : input.images) {
    if (image.reason) {
      out << "  " << image.image << ": " << *image.reason << '\n';
    }
    if (input.explain && !image.explain.empty()) {
      out << "  candidates for " << image.image << ":\n";
      for (const auto& candidate : image.explain) {
        out << fmt::format("    {:<24} {}{}\n",
                           candidate.tag,
                           tag::to_string(candidate.verdict),
                           candidate.detail.empty() ? "" : " (" + candidate.detail + ")");
      }
    }
  }
  Counts c = count(input.images);
  size_t resolved = static_cast<size_t>(
      std::count_if(input.images.begin(), input.images.end(), [](const auto& image) {
        return image.status == ImageStatus::resolved;
      }));
  std::string requests;
  for (const auto& [host, count] : input.requests) {
    requests += fmt::format("{}{} to {}", requests.empty() ? "" : ", ", count, host);
  }
  out << fmt::format("{} images: {} resolved, {} no match, {} errors{}\n",
                     c.images,
                     resolved,
                     c.images - resolved - c.errors,
                     c.errors,
                     requests.empty() ? "" : "; requests: " + requests);
}

} // namespace argoimg::cmd
