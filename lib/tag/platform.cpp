// SPDX-License-Identifier: Apache-2.0
#include "tag/platform.hpp"

#include "util/strings.hpp"

namespace argoimg::tag {

std::string Platform::to_string() const {
  return os + "/" + arch + (variant.empty() ? "" : "/" + variant);
}

util::Result<Platform> parse_platform(std::string_view text) {
  auto parts = util::split(util::trim(text), '/');
  bool shape_ok = parts.size() == 2 || parts.size() == 3;
  for (auto part : parts) {
    shape_ok = shape_ok && !part.empty();
  }
  if (!shape_ok) {
    return util::fail(util::ErrorKind::config,
                      "invalid platform " + util::quote(text) + " (expected os/arch[/variant])");
  }
  Platform platform{util::to_lower(parts[0]), util::to_lower(parts[1]), ""};
  if (parts.size() == 3) {
    platform.variant = util::to_lower(parts[2]);
  }
  return platform;
}

util::Result<std::vector<Platform>> parse_platforms(std::string_view text) {
  std::vector<Platform> platforms;
  for (auto entry : util::split(text, ',')) {
    if (util::trim(entry).empty()) {
      continue;
    }
    auto platform = parse_platform(entry);
    if (!platform) {
      return tl::unexpected(platform.error());
    }
    platforms.push_back(std::move(*platform));
  }
  return platforms;
}

bool platform_wanted(const std::vector<Platform>& wanted, const Platform& image) {
  if (wanted.empty()) {
    return true;
  }
  for (const auto& w : wanted) {
    if (w == image) {
      return true;
    }
    if (w.variant.empty() && !image.variant.empty() && w.os == image.os && w.arch == image.arch) {
      return true;
    }
  }
  return false;
}

Platform host_platform() {
#if defined(__x86_64__)
  return {"linux", "amd64", ""};
#elif defined(__aarch64__)
  return {"linux", "arm64", ""};
#elif defined(__arm__)
  return {"linux", "arm", "v7"};
#elif defined(__i386__)
  return {"linux", "386", ""};
#elif defined(__powerpc64__)
  return {"linux", "ppc64le", ""};
#elif defined(__s390x__)
  return {"linux", "s390x", ""};
#else
  return {"linux", "amd64", ""};
#endif
}

} // namespace argoimg::tag
