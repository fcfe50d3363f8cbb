// SPDX-License-Identifier: Apache-2.0
// argoimg-gen: write argoimg's man page and shell completions from its command-line definition
// (the same Cli that main parses with), at build time, so that they never drift from it. Not
// installed; run by a custom command in cmd/CMakeLists.txt.

#include "cli.hpp"
#include "gen_model.hpp"
#include "gen_writers.hpp"

#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>

namespace {

using argoimg::cmd::gen::Model;

bool write_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  write(out);
  out.close();
  if (!out) {
    std::cerr << "argoimg-gen: error: writing '" << path << "' failed\n";
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  using namespace argoimg::cmd;
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: argoimg-gen OUTDIR [DOCDIR]\n"
                 "writes OUTDIR/argoimg.1, argoimg.bash, _argoimg and argoimg.fish; DOCDIR is "
                 "where the man page says the documentation is installed\n";
    return 2;
  }
  const std::string dir = argv[1];
  const std::string doc_dir = argc == 3 ? argv[2] : "";
  try {
    Cli cli;
    Model model = gen::describe(cli.app, ARGOIMG_VERSION);
    bool ok = write_file(dir + "/argoimg.1",
                         [&](std::ostream& out) { gen::write_man_page(model, doc_dir, out); })
              && write_file(dir + "/argoimg.bash",
                            [&](std::ostream& out) { gen::write_bash_completion(model, out); })
              && write_file(dir + "/_argoimg",
                            [&](std::ostream& out) { gen::write_zsh_completion(model, out); })
              && write_file(dir + "/argoimg.fish",
                            [&](std::ostream& out) { gen::write_fish_completion(model, out); });
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "argoimg-gen: error: " << e.what() << '\n';
    return 1;
  }
}
