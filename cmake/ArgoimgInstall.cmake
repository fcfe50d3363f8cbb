# `cmake --install`: the binary, argoimg(1), the bash, zsh and fish completions and the docs.
# The man page and the completions are written at build time by argoimg-gen from the CLI11
# definition (cmd/CMakeLists.txt), so every flag and every value of an enum flag is there.
include(GNUInstallDirs)
install(TARGETS argoimg RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${ARGOIMG_GENERATED_DIR}/argoimg.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# The directories bash-completion, zsh and fish look in for completions that packages ship.
install(FILES ${ARGOIMG_GENERATED_DIR}/argoimg.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME argoimg)
install(FILES ${ARGOIMG_GENERATED_DIR}/_argoimg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${ARGOIMG_GENERATED_DIR}/argoimg.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs DESTINATION ${CMAKE_INSTALL_DOCDIR})
