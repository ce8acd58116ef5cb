// Command families beyond the core ones in cli.cpp: each adds its commands (options, usage and
// what they run) to the table cli.cpp dispatches on. Logging is configured before a command runs.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Util/LayeredConfiguration.h>

#include <memory>
#include <vector>

#include "app/app.h"
#include "app/config.h"
#include "app/system_clock.h"
#include "cli/command_line.h"
#include "sendflow/engine/core/clock.h"

namespace sendflow::web {

// What every command needs: the configuration and a way to open the App.
struct CliContext {
  CliContext() : config(loadConfiguration()), log(Poco::Logger::get("sendflow")) {}
  Poco::AutoPtr<Poco::Util::LayeredConfiguration> config;
  SystemClock clock;
  Poco::Logger& log;
  std::unique_ptr<App> open(bool views = false) {
    return std::make_unique<App>(readSettings(*config), clock, log, views);
  }
};

void addDocumentCommands(std::vector<Command>& commands);  // render, verify
void addMailCommands(std::vector<Command>& commands);      // mail …, reminders run
void addAuditCommands(std::vector<Command>& commands);     // audit verify

}  // namespace sendflow::web
