// Settings for an in-process App, built from explicit configuration keys (as a properties file
// would give them) through the real reader: no process environment is read or changed.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <map>
#include <string>

#include "app/config.h"

namespace sendflow::testing {

using ConfigKeys = std::map<std::string, std::string>;

inline web::Settings settingsFor(const std::string& home, const ConfigKeys& keys = {}) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
  config->setString("home", home);
  for (const auto& [key, value] : keys) config->setString(key, value);
  return web::readSettings(*config);
}

// The same keys as SENDFLOW_* variables, for a sendflow process started by a test.
inline std::map<std::string, std::string> environmentFor(const ConfigKeys& keys) {
  std::map<std::string, std::string> env;
  for (const auto& [key, value] : keys) env[web::EnvConfiguration::variableFor(key)] = value;
  return env;
}

}  // namespace sendflow::testing
