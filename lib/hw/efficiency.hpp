// Private to lib/hw: reading a spec's `measured.efficiency` node (spec.cpp calls it).
#pragma once

#include "ridgeline/hardware.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace ridgeline::hw {

/** Parses and validates `measured.efficiency`; throws spec_error naming `path` and the key. */
efficiency_table parse_efficiency_node(const YAML::Node& node, const std::string& path);

}  // namespace ridgeline::hw
