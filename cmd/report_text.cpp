// SPDX-License-Identifier: Apache-2.0
#include "report.hpp"

#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace argoimg::cmd {

namespace {

using updater::ImageStatus;

// Every value that came from outside (registries, files, servers) passes through here on its
// way to the terminal: secrets redacted, control characters escaped (docs/json-output.md).
std::string shown(std::string_view text) {
  return util::sanitize_line(text);
}

// The same for multi-line text argoimg lays out itself (diffs, commit messages).
std::string shown_lines(std::string_view text) {
  return util::escape_control_keep_lines(util::redact(text));
}

std::string colored(const std::string& text, std::string_view status, bool color) {
  if (!color) {
    return text;
  }
  const char* code = status == "error"                               ? "31"
                     : (status == "no-match" || status == "skipped") ? "33"
                     : status == "update"                            ? "36"
                                                                     : "32";
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

// Print `rows` as aligned columns; the last column is the status, coloured on terminals.
void print_table(const std::vector<std::vector<std::string>>& rows, bool color, std::ostream& out) {
  std::vector<size_t> widths(rows.front().size(), 0);
  std::vector<std::vector<std::string>> safe = rows;
  for (auto& row : safe) {
    for (auto& cell : row) {
      cell = shown(cell);
    }
  }
  for (const auto& row : safe) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (size_t r = 0; r < safe.size(); ++r) {
    std::string line;
    for (size_t i = 0; i + 1 < safe[r].size(); ++i) {
      line += fmt::format("{:<{}}  ", safe[r][i], widths[i]);
    }
    const auto& status = safe[r].back();
    out << line << (r == 0 ? status : colored(status, status, color)) << '\n';
  }
}

// The request budget's line, only when there is one or a registry's rate limit ran out:
// "request budget: 50 of 50 requests used, 3 images skipped", then each exhausted registry.
void write_budget(const registry::Client::BudgetReport& budget, size_t skipped, std::ostream& out) {
  if (!budget.limit && budget.exhausted.empty() && skipped == 0) {
    return;
  }
  std::string used = budget.limit
                         ? fmt::format("{} of {} requests used", budget.used, *budget.limit)
                         : fmt::format("{} requests used", budget.used);
  out << fmt::format("request budget: {}, {} images skipped\n", used, skipped);
  for (const auto& [host, reason] : budget.exhausted) {
    out << "  " << shown(reason) << '\n';
  }
}

std::string shown_new(const updater::ImageResult& image) {
  std::string text = image.new_tag.value_or("-");
  if (image.new_digest) {
    text += "@" + image.new_digest->substr(0, 19);
  }
  return text;
}

void print_explain(const updater::ImageResult& image, std::ostream& out) {
  out << "  candidates for " << shown(image.image) << ":\n";
  for (const auto& candidate : image.explain) {
    out << fmt::format("    {:<24} {}{}\n",
                       shown(candidate.tag),
                       tag::to_string(candidate.verdict),
                       candidate.detail.empty() ? "" : " (" + shown(candidate.detail) + ")");
  }
  if (image.invalid_tags > 0) {
    out << fmt::format("    ignored {} invalid tag{} from the registry\n",
                       image.invalid_tags,
                       image.invalid_tags == 1 ? "" : "s");
  }
}

// How an entry is named in the table: an Application by its name, a Flux object as
// `Kind/name`, a marked document without metadata by its file:line.
std::string label(const updater::ApplicationResult& app) {
  if (app.anonymous) {
    return app.origin;
  }
  return app.kind && *app.kind != "Application" ? *app.kind + "/" + app.name : app.name;
}

void print_applications(const ReportInput& input, std::ostream& out) {
  std::vector<std::vector<std::string>> rows{{"APP", "ALIAS", "IMAGE", "CURRENT", "NEW", "STATUS"}};
  for (const auto& app : input.applications) {
    if (app.images.empty()) {
      rows.push_back({label(app), "-", "-", "-", "-", std::string(updater::to_string(app.status))});
    }
    for (const auto& image : app.images) {
      std::string current = image.current.value_or(image.current_digest ? "" : "-");
      if (image.current_digest) {
        current += "@" + image.current_digest->substr(0, 19);
      }
      rows.push_back({label(app),
                      image.alias.value_or("-"),
                      image.image,
                      current,
                      shown_new(image),
                      std::string(updater::to_string(image.status))});
    }
  }
  print_table(rows, input.color, out);
  for (const auto& app : input.applications) {
    if (app.reason) {
      out << "  " << shown(label(app)) << ": " << shown(*app.reason) << '\n';
    }
    for (const auto& image : app.images) {
      // An application with one image often carries that image's reason as its own: once.
      if (image.reason && !image.reason->empty() && image.reason != app.reason) {
        out << "  " << shown(label(app)) << ": " << shown(image.alias.value_or(image.image)) << ": "
            << shown(*image.reason) << '\n';
      }
      if (input.explain && (!image.explain.empty() || image.invalid_tags > 0)) {
        print_explain(image, out);
      }
    }
  }
}

void print_images(const ReportInput& input, std::ostream& out) {
  std::vector<std::vector<std::string>> rows{{"IMAGE", "CONSTRAINT", "STRATEGY", "NEW", "STATUS"}};
  for (const auto& image : input.images) {
    rows.push_back({image.alias ? *image.alias + "=" + image.image : image.image,
                    image.constraint.value_or("-"),
                    std::string(tag::to_string(image.strategy)),
                    shown_new(image),
                    std::string(updater::to_string(image.status))});
  }
  print_table(rows, input.color, out);
  for (const auto& image : input.images) {
    if (image.reason) {
      out << "  " << shown(image.image) << ": " << shown(*image.reason) << '\n';
    }
    if (input.explain && (!image.explain.empty() || image.invalid_tags > 0)) {
      print_explain(image, out);
    }
  }
}

// Indented lines of multi-line text (a title, a body, a commit message).
void print_indented(std::string_view text, std::ostream& out) {
  std::string shown_text = shown_lines(text); // the lines below are views into it
  auto lines = util::split(shown_text, '\n');
  if (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }
  for (auto line : lines) {
    out << (line.empty() ? "" : "    ") << line << '\n';
  }
}

std::string files_count(size_t n) {
  return fmt::format("{} file{}", n, n == 1 ? "" : "s");
}

// A commit group in pull-request mode: the commit to the head branch, then the request.
void print_pull_request(const CommitRecord& commit, bool dry_run, std::ostream& out) {
  const auto& request = *commit.pull_request;
  std::string branches = shown(fmt::format("{} -> {}", request.head, request.base));
  std::string repository = shown(commit.repository);
  if (dry_run && request.action == "planned") {
    out << fmt::format("would open or refresh a pull request ({}) in {}:\n", branches, repository);
    out << "  title:\n";
    print_indented(request.title, out);
    out << "  body:\n";
    print_indented(request.body, out);
    out << "  calls:\n";
    for (const auto& call : request.calls) {
      out << "    " << shown(call) << '\n';
    }
    return;
  }
  if (commit.pushed) {
    out << fmt::format("committed {} on {} in {} ({}; pushed)\n",
                       commit.sha.substr(0, 12),
                       shown(request.head),
                       repository,
                       files_count(commit.files.size()));
  }
  std::string action = request.action;
  std::replace(action.begin(), action.end(), '-', ' ');
  std::string number = request.number > 0 ? fmt::format(" #{}", request.number) : "";
  out << fmt::format("pull request{} {} ({}): {}\n",
                     number,
                     action,
                     branches,
                     request.url.empty() ? shown(request.message) : shown(request.url));
  if (!request.url.empty() && !request.message.empty() && request.action != "up-to-date") {
    out << "    " << shown(request.message) << '\n';
  }
  for (const auto& warning : request.warnings) {
    out << "    warning: " << shown(warning) << '\n';
  }
}

} // namespace

void write_text_report(const ReportInput& input, std::ostream& out) {
  for (const auto& error : input.file_errors) {
    out << "error: " << shown(error) << '\n';
  }
  if (!input.applications.empty()) {
    print_applications(input, out);
  }
  if (!input.images.empty()) {
    if (!input.applications.empty()) {
      out << '\n';
    }
    print_images(input, out);
  }
  for (const auto& change : input.changes) {
    if (input.dry_run) {
      out << shown_lines(change.diff);
    } else {
      out << (change.created ? "created " : "updated ") << shown(change.display) << " ("
          << shown(fmt::format("{}", fmt::join(change.applications, ", "))) << ")\n";
    }
  }
  for (const auto& commit : input.commits) {
    std::string branch =
        shown(commit.base_branch.empty()
                  ? commit.branch
                  : fmt::format("{} (from {})", commit.branch, commit.base_branch));
    std::string repository = shown(commit.repository);
    if (commit.pull_request) {
      print_pull_request(commit, input.dry_run, out);
      continue;
    }
    if (commit.status == "up-to-date") {
      out << fmt::format(
          "up to date: {} on {} (the remote already has these changes)\n", repository, branch);
    } else if (input.dry_run) {
      out << fmt::format("would commit in {} on {}:\n", repository, branch);
      std::string message = shown_lines(commit.message);
      auto lines = util::split(message, '\n');
      if (!lines.empty() && lines.back().empty()) {
        lines.pop_back();
      }
      for (auto line : lines) {
        out << (line.empty() ? "" : "    ") << line << '\n';
      }
    } else {
      out << fmt::format("committed {} on {} in {} ({}; {})\n",
                         commit.sha.substr(0, 12),
                         branch,
                         repository,
                         files_count(commit.files.size()),
                         commit.pushed ? fmt::format("pushed, attempt {}", commit.attempts)
                                       : "not pushed");
    }
  }
  ReportCounts c = count(input);
  // "3 to reg.example.com (50 from the cache)": what the persistent cache answered is no request
  std::map<std::string, std::pair<size_t, size_t>> per_host;
  for (const auto& [host, n] : input.requests) {
    per_host[host].first = n;
  }
  for (const auto& [host, n] : input.cache_hits) {
    per_host[host].second = n;
  }
  std::string requests;
  for (const auto& [host, counts] : per_host) {
    requests +=
        fmt::format("{}{} to {}{}",
                    requests.empty() ? "" : ", ",
                    counts.first,
                    host,
                    counts.second == 0 ? "" : fmt::format(" ({} from the cache)", counts.second));
  }
  auto with_status = [&input](ImageStatus status) {
    return static_cast<size_t>(
        std::count_if(input.images.begin(), input.images.end(), [status](const auto& i) {
          return i.status == status;
        }));
  };
  std::string what =
      input.applications.empty() && !input.images.empty()
          ? fmt::format("{} images: {} resolved, {} no match",
                        c.images,
                        with_status(ImageStatus::resolved),
                        with_status(ImageStatus::no_match))
          : fmt::format("{} applications, {} images: {} updates, {} up to date, {} skipped",
                        c.applications,
                        c.images,
                        c.updates,
                        c.up_to_date,
                        c.skipped);
  out << fmt::format("{}{}, {} errors{}\n",
                     input.shard_count == 0
                         ? ""
                         : fmt::format("shard {}/{}: ", input.shard_index, input.shard_count),
                     what,
                     c.errors,
                     requests.empty() ? "" : "; requests: " + shown(requests));
  write_budget(input.budget, c.budget_skipped, out);
}

} // namespace argoimg::cmd
