// Command families beyond the core ones in cli.cpp. Each returns the exit code when it owns the
// command in args[0..], or nullopt to let the next family look. Logging is already configured.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Util/LayeredConfiguration.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/config.h"
#include "sendflow/engine/core/clock.h"

namespace sendflow::web {

// "--name value" / "--name=value" / "--flag" after args[from]; other words go to positional.
std::map<std::string, std::string> commandOptions(const std::vector<std::string>& args, size_t from,
                                                  std::vector<std::string>& positional);

// What every command needs: the configuration and a way to open the App.
struct CliContext {
  CliContext() : config(loadConfiguration()), log(Poco::Logger::get("sendflow")) {}
  Poco::AutoPtr<Poco::Util::LayeredConfiguration> config;
  engine::SystemClock clock;
  Poco::Logger& log;
  std::unique_ptr<App> open(bool views = false) {
    return std::make_unique<App>(readSettings(*config), clock, log, views);
  }
};

std::optional<int> runDocumentCommands(const std::vector<std::string>& args);  // render, verify
std::optional<int> runMailCommands(const std::vector<std::string>& args);      // mail, reminders
std::optional<int> runAuditCommands(const std::vector<std::string>& args);     // audit

}  // namespace sendflow::web
