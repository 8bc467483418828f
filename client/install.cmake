# Installs the client library (component `client`) so that another CMake project can use an
# installed copy:
#   cmake --install build/release --component client --prefix /opt/lockstep
#   find_package(lockstep REQUIRED)            # with CMAKE_PREFIX_PATH=/opt/lockstep
#   target_link_libraries(app PRIVATE lockstep::client)
# The Asio/Beast objects the client needs are compiled once for the whole build (lockstep_asio);
# they are installed beside the library as liblockstep_asio.a and linked after it by the package
# config, so consumers link Boost.JSON but include no Boost header (the public headers use only the
# standard library).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LOCKSTEP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lockstep)
set_target_properties(lockstep_client PROPERTIES EXPORT_NAME client)  # lockstep::client, as in the build

install(TARGETS lockstep_client EXPORT lockstepTargets COMPONENT client
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES $<TARGET_FILE:lockstep_asio> DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT client)
install(DIRECTORY include/lockstep DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT client)
install(EXPORT lockstepTargets NAMESPACE lockstep:: DESTINATION ${LOCKSTEP_CMAKE_DIR} COMPONENT client)

configure_package_config_file(cmake/lockstepConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/lockstepConfig.cmake
  INSTALL_DESTINATION ${LOCKSTEP_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/lockstepConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lockstepConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/lockstepConfigVersion.cmake
  DESTINATION ${LOCKSTEP_CMAKE_DIR} COMPONENT client)
