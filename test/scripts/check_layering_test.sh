#!/usr/bin/env bash
# scripts/check-layering on small trees built in a temp dir: a clean tree passes, and each
# broken copy fails with its message. Usage: check_layering_test.sh PATH/TO/check-layering
set -euo pipefail
script=$(realpath "${1:?usage: check_layering_test.sh PATH/TO/check-layering}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# A tree of two modules (tag above util) and cmd/ linking tag; one call spans two lines.
make_tree() {
  local dir=$1
  mkdir -p "$dir/lib/util" "$dir/lib/tag" "$dir/cmd"
  cat >"$dir/lib/CMakeLists.txt" <<'CMAKE'
# argoimg_module(commented DEPS nothing)
argoimg_module(util LIBS fmt::fmt)
argoimg_module(tag
               DEPS util LIBS PkgConfig::RE2)
CMAKE
  printf 'argoimg_link_modules(argoimg tag)\n' >"$dir/cmd/CMakeLists.txt"
  printf '#pragma once\n#include <string>\n' >"$dir/lib/util/strings.hpp"
  printf '#include "util/strings.hpp"\n' >"$dir/lib/util/strings.cpp"
  printf '#pragma once\n#include "util/strings.hpp"\n' >"$dir/lib/tag/select.hpp"
  printf '#include "tag/select.hpp"\n#include <re2/re2.h>\n' >"$dir/lib/tag/select.cpp"
  printf '#include "tag/select.hpp"\n#include <CLI/CLI.hpp>\n#include "local.hpp"\n' >"$dir/cmd/main.cpp"
}

# expect NAME EXPECTED-MESSAGE SHELL-COMMAND-RUN-IN-THE-TREE: the check fails with the message.
expect() {
  local name=$1 message=$2 change=$3 dir="$work/$1" rc=0
  make_tree "$dir"
  (cd "$dir" && eval "$change")
  output=$(bash "$script" --root "$dir" 2>&1) || rc=$?
  if [ "$rc" -ne 1 ] || ! grep -qF -- "$message" <<<"$output"; then
    echo "FAIL $name: exit $rc, expected 1 and '$message' in:"
    echo "$output" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "ok   $name: $(grep -F -- "$message" <<<"$output" | head -1)"
  fi
}

make_tree "$work/clean"
if output=$(bash "$script" --root "$work/clean" 2>&1); then
  echo "ok   clean tree: $output"
else
  echo "FAIL clean tree fails:"
  echo "$output" | sed 's/^/    /'
  failures=$((failures + 1))
fi

expect upward_include "lib/util/strings.cpp:2: 'util' may not include 'tag' (tag/select.hpp)" \
  'echo "#include \"tag/select.hpp\"" >>lib/util/strings.cpp'
expect indented_include "lib/util/strings.cpp:2: 'util' may not include 'tag'" \
  'echo "  #  include \"tag/select.hpp\"" >>lib/util/strings.cpp'
expect angle_include "lib/util/strings.cpp:2: 'util' may not include 'tag'" \
  'echo "#include <tag/select.hpp>" >>lib/util/strings.cpp'
expect include_next "lib/util/strings.hpp:3: 'util' may not include 'tag'" \
  'echo "#include_next <tag/select.hpp>" >>lib/util/strings.hpp'
expect dot_dot "lib/tag/select.cpp:3: '../util/strings.hpp' leaves the include root" \
  'echo "#include \"../util/strings.hpp\"" >>lib/tag/select.cpp'
expect computed "lib/tag/select.cpp:3: computed include" \
  'echo "#include HEADER" >>lib/tag/select.cpp'
expect lib_includes_cmd "lib/tag/select.cpp:3: 'tag' may not include 'cmd'" \
  'echo "#include \"cmd/report.hpp\"" >>lib/tag/select.cpp'
expect undeclared_folder "lib/run/: a folder without argoimg_module(run ...)" \
  'mkdir lib/run && echo "#include \"util/strings.hpp\"" >lib/run/engine.cpp'
expect file_outside_module "lib/loose.hpp: a source file outside a module folder" \
  'echo "#pragma once" >lib/loose.hpp'
expect missing_folder "module 'tag' has no folder lib/tag/" 'rm -r lib/tag'
expect dep_declared_later "module 'util' depends on 'tag', not declared before it" \
  'sed -i "s/argoimg_module(util LIBS/argoimg_module(util DEPS tag LIBS/" lib/CMakeLists.txt'
expect cmd_unlinked_module "cmd/main.cpp:4: 'cmd' may not include 'util' (util/strings.hpp)" \
  'echo "#include \"util/strings.hpp\"" >>cmd/main.cpp'
expect cmd_links_unknown "cmd/CMakeLists.txt: links 'run', not a module" \
  'echo "argoimg_link_modules(argoimg tag run)" >cmd/CMakeLists.txt'
expect cli11_outside_cmd "lib/tag/select.cpp:3: CLI/ headers belong only in ^cmd/" \
  'echo "#include <CLI/CLI.hpp>" >>lib/tag/select.cpp'
expect re2_in_header "lib/tag/select.hpp:3: re2/ headers belong only in" \
  'echo "#include <re2/re2.h>" >>lib/tag/select.hpp'
expect curl_outside_transport "lib/util/strings.cpp:2: curl/ headers belong only in" \
  'echo "#include \"curl/curl.h\"" >>lib/util/strings.cpp'
expect nothing_checked "nothing was checked" \
  'for f in lib/*/*.?pp cmd/*.cpp; do sed -i "/\//d" "$f"; done'
expect no_declaration "no argoimg_module(...) call" 'echo "# none" >lib/CMakeLists.txt'

[ "$failures" -eq 0 ] || {
  echo "$failures case(s) failed"
  exit 1
}
