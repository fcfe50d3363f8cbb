// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "gen_model.hpp"

#include <ostream>
#include <string>

// The files argoimg-gen writes from the command line's Model.
namespace argoimg::cmd::gen {

// Write argoimg(1) in roff: the global flags, one section per command (its flags and the
// details its --help footer gives) and, when `doc_dir` is not empty, where the docs are.
void write_man_page(const Model& model, const std::string& doc_dir, std::ostream& out);

// Write the bash completion (a function completing every flag, enum value, command and path).
void write_bash_completion(const Model& model, std::ostream& out);

// Write the zsh completion (a #compdef file for vendor-completions).
void write_zsh_completion(const Model& model, std::ostream& out);

// Write the fish completion (one `complete` line per flag, command and value set).
void write_fish_completion(const Model& model, std::ostream& out);

} // namespace argoimg::cmd::gen
