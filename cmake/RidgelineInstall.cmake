# Installs the library, headers, hardware specs and a CMake package so that
#   find_package(ridgeline) + target_link_libraries(app PRIVATE ridgeline::ridgeline)
# works from the install prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS ridgeline EXPORT ridgelineTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ridgeline DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/hwspecs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ridgeline/hwspecs
        FILES_MATCHING PATTERN "*.yaml" PATTERN "*.json")
if(TARGET ridgeline_cli)
  install(TARGETS ridgeline_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(TARGET ridgeline_inject)  # CUDA_INJECTION64_PATH library; not part of the exported CMake package
  install(TARGETS ridgeline_inject LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
if(TARGET ridgeline_gpu)  # the GPU plugin libridgeline loads at run time (lib/measure/gpu_loader.cpp)
  install(TARGETS ridgeline_gpu LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(EXPORT ridgelineTargets NAMESPACE ridgeline:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ridgeline)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ridgelineConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ridgelineConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ridgeline)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ridgelineConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ridgelineConfig.cmake ${PROJECT_BINARY_DIR}/ridgelineConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ridgeline)
