# The Debian package (scripts/package.sh runs cpack in a Release build): what `cmake --install`
# installs, under /usr. Depends is computed by dpkg-shlibdeps from the binary's shared
# libraries, so it is never hand-listed; git, ssh, gnupg and the CA certificates only serve
# some features (git remotes, ssh, signing, https), so they are recommended.
set(ARGOIMG_PACKAGE_MAINTAINER "argoimg maintainers <maintainers@argoimg.invalid>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME argoimg)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ARGOIMG_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "keep the container image tags of Argo CD applications current")
set(CPACK_PACKAGE_DESCRIPTION
    "argoimg is a one-shot command-line alternative to Argo CD Image Updater: it honours its\n"
    "annotations and registries.conf, asks container registries for tags, picks the new tag\n"
    "per image by strategy (semver, newest-build, alphabetical, digest), and reports, edits\n"
    "files, updates the Argo CD API, or commits and pushes to git, directly or through a\n"
    "pull request. Flux image automation is read too.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # argoimg_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ARGOIMG_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "git, openssh-client, gnupg, ca-certificates")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
